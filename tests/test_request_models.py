"""Request body validation against a REST method's model: refused with
``bad_request_body`` (exact bytes) and AWS's execution-log line, after the
authorizer and the API key, only for the content types a model has."""

from __future__ import annotations

import pytest
import support  # noqa: F401 - one copy of the client modules across pytester runs

from pytest_apigw_faults import ApigwFaultError, ApiKeys, Fault

requests = pytest.importorskip("requests")
httpx = pytest.importorskip("httpx")
pytest.importorskip("responses")
pytest.importorskip("respx")
pytest.importorskip("jsonschema")

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
INVALID = b'{"message": "Invalid request body"}'
PREFIX = "Request body does not match model schema for content type application/json: "
MODEL = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "type": "object",
    "required": ["firstName", "email", "password"],
    "properties": {
        "firstName": {"type": "string", "minLength": 2},
        "age": {"type": "integer", "minimum": 0},
    },
}


def ok(event, context):
    return {"statusCode": 200, "body": "ok"}


def _log(fault):
    return [line.split(") ", 1)[1] for line in fault.calls[-1].logs]


@pytest.mark.parametrize("post", [requests.post, httpx.post])
def test_missing_required_properties_as_aws_logs_them(post):
    with Fault(handler=ok, api="rest", request_model=MODEL, clients=["requests", "httpx"]) as f:
        response = post(URL, json={"firstName": "Art"})
    assert response.status_code == 400
    assert response.content == INVALID
    assert response.headers["x-amzn-errortype"] == "BadRequestException"
    assert f.calls[-1].scenario.name == "bad_request_body"
    assert _log(f) == [
        PREFIX + '[object has missing required properties (["email","password"])]',
        "Method completed with status: 400",
    ]
    assert f.calls[-1].access_log["error.responseType"] == "BAD_REQUEST_BODY"


def test_an_empty_body_is_an_unknown_parsing_error():
    with Fault(handler=ok, api="rest", request_model=MODEL) as f:
        response = requests.post(URL, data=b"", headers={"Content-Type": "application/json"})
    assert response.content == INVALID
    assert _log(f)[0] == PREFIX + "[Unknown error parsing request body]"


def test_several_errors_in_one_pair_of_brackets():
    body = {"firstName": "A", "email": "e", "password": "p", "age": -1}
    with Fault(handler=ok, api="rest", request_model=MODEL) as f:
        requests.post(URL, json=body)
    assert _log(f)[0] == PREFIX + (
        '[string "A" is too short (length: 1, required minimum: 2),'
        " numeric instance is lower than the required minimum (minimum: 0, found: -1)]"
    )


def test_a_valid_body_reaches_the_handler():
    seen = []

    def handler(event, context):
        seen.append(event["body"])
        return ok(event, context)

    with Fault(handler=handler, api="rest", request_model=MODEL):
        body = {"firstName": "Art", "email": "e", "password": "p"}
        response = httpx.post(URL, json=body)
    assert response.status_code == 200
    assert response.content == b"ok"
    assert len(seen) == 1


def test_a_content_type_without_a_model_is_not_validated():
    with Fault(handler=ok, api="rest", request_model=MODEL):
        response = requests.post(URL, data=b"not json", headers={"Content-Type": "text/plain"})
    assert response.status_code == 200


def test_a_default_model_applies_to_every_content_type():
    models = {"$default": {"type": "object", "required": ["id"]}}
    with Fault(handler=ok, api="rest", request_model=models) as f:
        response = requests.post(URL, data=b"{}", headers={"Content-Type": "text/plain"})
    assert response.content == INVALID
    assert _log(f)[0] == (
        "Request body does not match model schema for content type text/plain:"
        ' [object has missing required properties (["id"])]'
    )


def test_validation_comes_after_the_api_key():
    keys = ApiKeys(["k"])
    with Fault(handler=ok, api="rest", request_model=MODEL, api_keys=keys):
        assert requests.post(URL, json={}).content == b'{"message":"Forbidden"}'
        assert requests.post(URL, json={}, headers={"x-api-key": "k"}).content == INVALID


def test_a_request_phase_row_answers_before_validation():
    with Fault("api_throttled", api="rest", request_model=MODEL):
        response = requests.post(URL, json={})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"api": "http", "request_model": MODEL}, "request_model= needs api='rest'"),
        ({"api": "rest", "request_model": "schema"}, "takes a JSON Schema"),
        ({"api": "rest", "request_model": {"type": 5}}, "not a JSON Schema draft 4 model"),
    ],
)
def test_a_bad_model_is_named(arguments, message):
    with pytest.raises(ApigwFaultError, match=message):
        Fault(handler=ok, **arguments)
