"""``classify()`` from partial evidence: what is missing is unknown, what is
there and differs rules a row out; the answer is ranked, says what would
tell its rows apart, and says why when it is empty.

The rows used here are those whose answers the reference settles (the REST
500s and 504, the 429s, the HTTP API 503s and 401s): ``api-gateway-behaviour.md``
§1-§4 and ``api-gateway-behaviour-2.md`` §6.
"""

from __future__ import annotations

import copy
import inspect
import pickle
from http import HTTPStatus
from unittest import mock

import httpx
import pytest
import requests
import responses
import respx
from support import literal, module, refuse_network, set_up_inner

from pytest_apigw_faults import ApigwFaultError, Classification, Fault, classify
from pytest_apigw_faults._gateway.classify import Match
from pytest_apigw_faults._gateway.table import SCENARIOS, Api, Endpoint
from pytest_apigw_faults._gateway.wire import Gateway

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"
T0 = 0x682BEB8A
REST_ERROR = b'{"message": "Internal server error"}'
TIMED_OUT = b'{"message": "Endpoint request timed out"}'
TRACED_500 = ["rest-permission_denied", "rest-lambda_throttled", "rest-invalid_base64"]
SAME_500 = (
    "`rest-permission_denied`, `rest-lambda_throttled` and `rest-invalid_base64`"
    " send the same answer: no response tells them apart"
)
TRACE_HINT = "`x-amzn-trace-id` present → not `rest-api_configuration_error`"
UUID = "2b9c8640-30be-4853-bd1b-d3fb0442e3e4"
TRACE = "Root=1-682bed11-525d3f04507405b029d8d9e1"


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    refuse_network(monkeypatch, "test_classify_partial")


def _ids(rows):
    return [row.id for row in rows]


def _headers(name, api, endpoint):
    """The headers the gateway model sends for a row, in order."""
    return list(Gateway(endpoint, seed=1).respond(SCENARIOS[(name, api)], T0).response.headers)


def _without(headers, *names):
    return [(k, v) for k, v in headers if k not in names]


# -- missing information is unknown -----------------------------------------------------


def test_a_status_and_a_body_alone_give_every_row_with_them():
    found = classify(status=500, body=REST_ERROR)
    assert _ids(found) == [*TRACED_500, "rest-api_configuration_error"]
    assert found.exact == ()
    assert found.best is SCENARIOS[("permission_denied", Api.REST)]
    assert [m.score for m in found.ranking] == [1, 1, 1, 1]
    assert found.hints == (TRACE_HINT, SAME_500)
    assert found.reasons == found.notes == ()


def test_a_status_alone_leaves_the_body_unknown():
    found = classify(status="504")
    assert _ids(found) == ["rest-integration_timeout"]
    assert found.ranking[0].unseen == (
        "x-amzn-trace-id", "x-amzn-requestid", "x-amzn-errortype", "x-amz-apigw-id",
        "content-type", "body",
    )
    assert found.hints == ()


def test_a_status_alone_is_told_apart_by_headers_error_types_and_bodies():
    found = classify(status=429)
    assert _ids(found) == ["rest-api_throttled", "http-api_throttled", "rest-quota_exceeded"]
    assert found.hints == (
        "`x-amzn-requestid`, `x-amzn-errortype`, `x-amz-apigw-id`, `x-cache`, `via`,"
        " `x-amz-cf-pop` or `x-amz-cf-id` present → not `http-api_throttled`",
        "`apigw-requestid` present → neither `rest-api_throttled` nor `rest-quota_exceeded`",
        "`x-amzn-errortype: TooManyRequestsException` → `rest-api_throttled`",
        "`x-amzn-errortype: LimitExceededException` → `rest-quota_exceeded`",
        "body b'{\"message\":\"Too Many Requests\"}'"
        " → `rest-api_throttled` or `http-api_throttled`",
        "body b'{\"message\":\"Limit Exceeded\"}' → `rest-quota_exceeded`",
    )


def test_the_time_it_takes_is_named_where_nothing_else_tells():
    found = classify(status=503, body='{"message":"Service Unavailable"}')
    assert _ids(found) == ["http-integration_timeout", "http-lambda_throttled"]
    assert found.hints == (
        "`http-integration_timeout` and `http-lambda_throttled` send the same answer:"
        " no response tells them apart but by the time it takes:"
        " `http-integration_timeout` answers only after the integration timeout"
        " (30 s by default)",
    )


def test_a_stripped_trace_id_ranks_the_untraced_row_first():
    headers = _without(
        _headers("permission_denied", Api.REST, Endpoint.REGIONAL), "x-amzn-trace-id"
    )
    found = classify(status=500, headers=headers, body=REST_ERROR)
    assert _ids(found) == ["rest-api_configuration_error", *TRACED_500]
    assert _ids(found.exact) == ["rest-api_configuration_error"]
    assert [(m.score, m.unseen) for m in found.ranking] == [
        (0, ()), *[(2, ("x-amzn-trace-id",))] * 3
    ]
    assert found.hints == (TRACE_HINT, SAME_500)


@pytest.mark.parametrize(
    ("stripped", "score"),
    [
        (("x-amz-apigw-id",), 2),
        (("x-amz-apigw-id", "x-amzn-requestid"), 3),
        (("x-cache", "via", "x-amz-cf-pop", "x-amz-cf-id"), 0),  # as a regional API sends it
        (("x-amzn-trace-id", "x-amzn-requestid", "x-amzn-errortype", "x-amz-apigw-id"), 1),
    ],
)
def test_headers_a_proxy_stripped_lower_the_score_of_a_row_that_sends_them(stripped, score):
    headers = _without(_headers("integration_timeout", Api.REST, Endpoint.EDGE), *stripped)
    found = classify(status=504, headers=headers, body=TIMED_OUT)
    assert _ids(found) == ["rest-integration_timeout"]
    assert found.ranking[0].score == score
    assert found.ranking[0].endpoints == (
        (Endpoint.EDGE, Endpoint.REGIONAL, Endpoint.PRIVATE)
        if "x-cache" in stripped
        else (Endpoint.EDGE,)
    )


def test_headers_a_proxy_added_say_nothing():
    headers = [
        *_headers("integration_timeout", Api.REST, Endpoint.REGIONAL),
        ("Via", "1.1 squid"),
        ("X-Cache", "MISS from proxy.example"),
        ("Server", "nginx"),
        ("X-Forwarded-For", "10.0.0.1"),
    ]
    found = classify(status=504, headers=headers, body=TIMED_OUT)
    assert _ids(found.exact) == ["rest-integration_timeout"]
    assert found.ranking[0].endpoints == (Endpoint.EDGE, Endpoint.REGIONAL, Endpoint.PRIVATE)
    assert found.notes == (
        "`via: 1.1 squid`: what is not CloudFront's is a proxy's, left out",
        "`x-cache: MISS from proxy.example`: what is not CloudFront's is a proxy's, left out",
    )


def test_a_proxy_s_hop_after_cloudfront_s_is_left_out():
    edge = _headers("integration_timeout", Api.REST, Endpoint.EDGE)
    via = dict(edge)["via"]
    headers = [(k, f"{v}, 1.1 squid") if k == "via" else (k, v) for k, v in edge]
    found = classify(status=504, headers=headers, body=TIMED_OUT)
    assert _ids(found.exact) == ["rest-integration_timeout"]
    assert found.ranking[0].endpoints == (Endpoint.EDGE,)
    assert found.notes == (
        f"`via: {via}, 1.1 squid`: what is not CloudFront's is a proxy's, left out",
    )


def test_a_header_that_is_there_and_differs_still_rules_out():
    headers = [("x-amzn-requestid", UUID), ("x-amzn-errortype", "ForbiddenException")]
    found = classify(status=500, headers=headers, body=REST_ERROR)
    assert found == ()
    assert found.reasons == (
        "`x-amzn-errortype: ForbiddenException` differs from `rest-permission_denied`'s,"
        " `rest-lambda_throttled`'s, `rest-invalid_base64`'s and"
        " `rest-api_configuration_error`'s `InternalServerErrorException`",
    )
    found = classify(status=500, headers={"X-Amzn-Trace-Id": TRACE}, body=REST_ERROR)
    assert _ids(found) == TRACED_500
    assert found.hints == (SAME_500,)


def test_a_whole_response_with_several_exact_rows_keeps_table_order():
    headers = _headers("lambda_throttled", Api.REST, Endpoint.EDGE)
    found = classify(status=500, headers=headers, body=REST_ERROR)
    assert _ids(found) == _ids(found.exact) == TRACED_500
    assert found.hints == (SAME_500,)


def test_jwt_rejected_without_its_www_authenticate():
    headers = _without(_headers("jwt_rejected", Api.HTTP, Endpoint.REGIONAL), "www-authenticate")
    found = classify(status=401, headers=headers, body=b'{"message":"Unauthorized"}')
    assert [(m.row.id, m.score) for m in found.ranking] == [
        ("http-unauthorized", 0), ("http-jwt_rejected", 2)
    ]


# -- lenient input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status",
    [504, HTTPStatus.GATEWAY_TIMEOUT, "504", " 504 ", "504 Gateway Timeout",
     "504 gateway timeout", "HTTP/1.1 504 Gateway Timeout", "HTTP/2 504"],
)
def test_a_status_as_an_int_or_a_str(status):
    assert _ids(classify(status=status, body=TIMED_OUT)) == ["rest-integration_timeout"]


@pytest.mark.parametrize(
    "body", [TIMED_OUT, TIMED_OUT.decode(), bytearray(TIMED_OUT), memoryview(TIMED_OUT)]
)
def test_a_body_as_bytes_or_a_str(body):
    headers = _headers("integration_timeout", Api.REST, Endpoint.EDGE)
    assert _ids(classify(status=504, headers=headers, body=body).exact) == [
        "rest-integration_timeout"
    ]


def test_a_str_body_is_encoded_as_utf_8():
    found = classify(status=404, body="{\"message\":\"Not Found\"}", api="http")
    assert _ids(found) == [
        "http-route_not_found", "http-stage_not_found", "http-default_endpoint_disabled"
    ]
    assert classify(status=504, body=TIMED_OUT.decode().replace("E", "É")) == ()


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8",
     'application/json; charset="utf-8"'],
)
def test_a_content_type_with_parameters_or_another_case_is_read_leniently(content_type):
    headers = [
        (k, content_type) if k == "content-type" else (k, v)
        for k, v in _headers("integration_timeout", Api.REST, Endpoint.EDGE)
    ]
    found = classify(status=504, headers=headers, body=TIMED_OUT)
    assert found.ranking == (
        Match(
            SCENARIOS[("integration_timeout", Api.REST)],
            2,
            (Endpoint.EDGE,),
            (),
            (f"`content-type: {content_type}` read as `application/json`",),
        ),
    )
    assert found.exact == ()


def test_cloudfront_s_text_content_type_in_another_case():
    headers = [("content-type", "text; charset=UTF-8")]
    body = b"HTTP content length exceeded 10485760 bytes."
    found = classify(status=413, headers=headers, body=body)
    assert _ids(found) == ["rest-request_too_large"]
    assert found.ranking[0].lenient == (
        "`content-type: text; charset=UTF-8` read as `text; charset=utf-8`",
    )
    headers = [("content-type", "text; charset=iso-8859-1")]
    found = classify(status=413, headers=headers, body=body)
    assert found.reasons == (
        "`content-type: text; charset=iso-8859-1` differs from"
        " `rest-request_too_large`'s `text; charset=utf-8`",
    )


def test_headers_as_bytes_pairs_an_httpx_headers_or_a_requests_headers():
    edge = _headers("integration_timeout", Api.REST, Endpoint.EDGE)
    as_bytes = [(k.encode(), v.encode()) for k, v in edge]
    for headers in (as_bytes, httpx.Headers(edge), requests.structures.CaseInsensitiveDict(edge)):
        found = classify(status=504, headers=headers, body=TIMED_OUT)
        assert _ids(found.exact) == ["rest-integration_timeout"]


# -- clear errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"status": 504.0}, TypeError,
         "classify(status=...) takes an int (502) or a str ('502' or '502 Bad Gateway'),"
         " got float 504.0"),
        ({"status": True}, TypeError,
         "classify(status=...) takes an int (502) or a str ('502' or '502 Bad Gateway'),"
         " got bool True"),
        ({"status": "five hundred"}, ApigwFaultError,
         "status 'five hundred' is no HTTP status; give an int (502) or a str such as"
         " '502' or '502 Bad Gateway'"),
        ({"status": "502 Not Found"}, ApigwFaultError,
         "status '502 Not Found': 'Not Found' is not the reason phrase of 502 ('Bad Gateway')"),
        ({"status": 700}, ApigwFaultError, "status 700 is no HTTP status (100 to 599)"),
        ({"status": "42"}, ApigwFaultError,
         "status '42' is no HTTP status; give an int (502) or a str such as"
         " '502' or '502 Bad Gateway'"),
        ({"status": 500, "body": {"message": "Internal server error"}}, TypeError,
         "classify(body=...) takes bytes, or a str (encoded as UTF-8), got dict;"
         " give the bytes as received (response.content)"),
        ({"status": 500, "body": "\ud800"}, ApigwFaultError,
         "body is a str UTF-8 cannot encode (surrogates not allowed at 0);"
         " give the bytes as received (response.content)"),
        ({"status": 500, "headers": "content-type: application/json"}, TypeError,
         "classify(headers=...) takes a mapping or (name, value) pairs,"
         " got str 'content-type: application/json'"),
        ({"status": 500, "headers": [("content-type",)]}, TypeError,
         "classify(headers=...) takes a mapping or (name, value) pairs,"
         " got ('content-type',) among them"),
        ({"status": 500, "headers": 5}, TypeError,
         "classify(headers=...) takes a mapping or (name, value) pairs, got int 5"),
        ({"status": 500, "method": b"HEAD"}, TypeError,
         "classify(method=...) takes a str ('HEAD'), got bytes"),
        ({"status": 500, "method": "HE AD"}, ApigwFaultError,
         "method 'HE AD' is no HTTP method; give one such as 'GET' or 'HEAD'"),
        ({"status": 500, "api": "v2"}, ApigwFaultError,
         "unknown api 'v2'; valid choices: 'rest', 'http'"),
        ({"status": 500, "api": "HTTP"}, ApigwFaultError,
         "unknown api 'HTTP'; valid choices: 'rest', 'http'; did you mean 'http'?"),
        ({"status": 500, "api": "rest-api"}, ApigwFaultError,
         "unknown api 'rest-api'; valid choices: 'rest', 'http'; did you mean 'rest'?"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, error, message):
    with pytest.raises(error) as raised:
        classify(**kwargs)
    assert str(raised.value) == message


@pytest.mark.parametrize("value", [502, "502", b"502"])
def test_a_bare_status_given_as_the_response_is_a_type_error(value):
    with pytest.raises(TypeError) as raised:
        classify(value)
    assert str(raised.value) == (
        "classify() takes a requests, httpx or aiohttp response, or status=, headers=,"
        f" body=; got {type(value).__name__} {value!r}"
    )


# -- never an empty answer without a reason ----------------------------------------------------


def test_a_status_api_gateway_never_sends_for_a_failure():
    for status in (418, 200, "302 Found"):
        found = classify(status=status, body=b"{}")
        assert found == ()
        code = int(str(status)[:3])
        assert found.reasons == (
            f"status {code} is no status API Gateway sends for a failure"
            " (it sends 400, 401, 403, 404, 413, 429, 500, 502, 503 or 504)",
        )
    assert classify(status=404, api="rest").reasons == (
        "status 404 is no status a REST API sends for a failure"
        " (it sends 400, 401, 403, 413, 429, 500, 502 or 504)",
        "without api='rest': `http-route_not_found`, `http-stage_not_found` or"
        " `http-default_endpoint_disabled`",
    )


def test_a_body_that_differs_names_the_nearest_rows():
    found = classify(status=500, body=b'{"message":"Internal server error"}')  # no space
    assert found == ()
    assert found.reasons == (
        "body differs from `rest-permission_denied`'s, `rest-lambda_throttled`'s,"
        " `rest-invalid_base64`'s and `rest-api_configuration_error`'s"
        " b'{\"message\": \"Internal server error\"}'",
        "body differs from `http-malformed_response`'s, `http-permission_denied`'s,"
        " `http-function_error`'s, `http-function_timeout`'s,"
        " `http-lambda_response_too_large`'s and `http-authorizer_configuration_error`'s"
        " b'{\"message\":\"Internal Server Error\"}'",
        "body differs from `rest-authorizer_configuration_error`'s b'{\"message\":null}'",
    )
    found = classify(status=500, body=b'{"message":"Internal server error"}', api="rest")
    assert repr(found) == (
        "<Classification: no row; body differs from `rest-permission_denied`'s,"
        " `rest-lambda_throttled`'s, `rest-invalid_base64`'s and"
        " `rest-api_configuration_error`'s b'{\"message\": \"Internal server error\"}';"
        " body differs from `rest-authorizer_configuration_error`'s b'{\"message\":null}'>"
    )


def test_ids_in_another_form_and_a_header_no_near_row_sends():
    headers = {"x-amzn-RequestId": UUID.upper(), "X-Amzn-Trace-Id": TRACE}
    found = classify(status=500, headers=headers, body=b'{"message":null}')
    assert found.reasons == (
        "body differs from `rest-permission_denied`'s, `rest-lambda_throttled`'s and"
        " `rest-invalid_base64`'s b'{\"message\": \"Internal server error\"}'",
        f"`x-amzn-requestid: {UUID.upper()}` is not in the form API Gateway sends",
        "`x-amzn-trace-id` is present; it is not in"
        " `rest-authorizer_configuration_error`'s answer",
    )


def test_a_head_answer_with_a_body():
    found = classify(status=504, body=TIMED_OUT, method="head")
    assert found.reasons == ("body differs from `rest-integration_timeout`'s b''",)
    assert _ids(classify(status=504, body=b"", method="HEAD")) == ["rest-integration_timeout"]


# -- the answer is a tuple ------------------------------------------------------------------------


def test_the_answer_is_a_tuple_of_rows():
    found = classify(status=500, body=REST_ERROR)
    assert isinstance(found, tuple)
    assert isinstance(found, Classification)
    assert found.rows == tuple(found) == found[:]
    assert type(found.rows) is tuple
    assert found == tuple(SCENARIOS[(i.split("-", 1)[1], Api.REST)] for i in _ids(found))
    assert classify(status=418) == ()
    assert not classify(status=418)
    assert classify(status=418).best is None
    assert repr(found) == (
        "<Classification: rest-permission_denied (score 1), rest-lambda_throttled (score 1),"
        " rest-invalid_base64 (score 1), rest-api_configuration_error (score 1)>"
    )


def test_the_answer_copies_and_pickles_whole():
    found = classify(status=500, headers={"x-amzn-requestid": UUID}, body=REST_ERROR)
    for again in (copy.copy(found), copy.deepcopy(found), pickle.loads(pickle.dumps(found))):
        assert type(again) is Classification
        assert again == found
        assert (again.ranking, again.hints, again.reasons, again.notes) == (
            found.ranking, found.hints, found.reasons, found.notes
        )


# -- real clients ------------------------------------------------------------------------------

PROXIED = {"x-amzn-RequestId": UUID, "x-amzn-ErrorType": "InternalServerErrorException"}
PROXIED_RANKING = [("rest-api_configuration_error", 2)] + [(i, 3) for i in TRACED_500]


def _ranking(found):
    return [(m.row.id, m.score) for m in found.ranking]


def test_a_requests_response_a_proxy_stripped():
    with responses.RequestsMock() as mock:
        mock.add(responses.GET, URL, status=500, body=REST_ERROR, headers=PROXIED,
                 content_type="application/json")
        response = requests.get(URL, timeout=None)
    found = classify(response)
    assert _ranking(found) == PROXIED_RANKING
    assert found.hints == (TRACE_HINT, SAME_500)


def test_an_httpx_response_a_proxy_stripped():
    with respx.mock:
        respx.get(URL).mock(
            return_value=httpx.Response(
                500, content=REST_ERROR,
                headers={"content-type": "application/json; charset=utf-8", **PROXIED},
            )
        )
        response = httpx.get(URL)
    found = classify(response)
    assert _ranking(found) == [(i, s + 1) for i, s in PROXIED_RANKING]
    assert found.ranking[0].lenient == (
        "`content-type: application/json; charset=utf-8` read as `application/json`",
    )


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_real_response_read_back_as_text_and_a_string_status(client):
    with Fault("integration_timeout", api="rest"):
        if client == "requests":
            response = requests.get(URL, timeout=None)
            status = f"{response.status_code} {response.reason}"
        else:
            response = httpx.get(URL, timeout=None)
            status = f"{response.status_code} {response.reason_phrase}"
    assert status == "504 Gateway Timeout"
    found = classify(status=status, headers=response.headers, body=response.text)
    assert _ids(found.exact) == ["rest-integration_timeout"]
    kept = {k: v for k, v in response.headers.items() if not k.lower().startswith("x-amz")}
    found = classify(status=status, headers=kept, body=response.text)
    # x-amz-cf-pop and x-amz-cf-id go too, though CloudFront's x-cache and via stay
    assert _ranking(found) == [("rest-integration_timeout", 3)]


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_a_real_head_response_a_proxy_stripped(client):
    with Fault("lambda_throttled", api="rest", endpoint="regional"):
        if client == "requests":
            response = requests.head(URL, timeout=None)
        else:
            response = httpx.head(URL, timeout=None)
    assert response.content == b""
    assert _ids(classify(response).exact) == TRACED_500
    stripped = {k: v for k, v in response.headers.items() if k.lower() != "x-amzn-trace-id"}
    found = classify(status=500, headers=stripped, body=b"", method="HEAD")
    assert _ranking(found) == [("rest-api_configuration_error", 0)] + [(i, 2) for i in TRACED_500]


aiohttp = pytest.importorskip("aiohttp")
aioresponses = pytest.importorskip("aioresponses").aioresponses


class _Response(aiohttp.ClientResponse):
    """aioresponses builds its answers without the ``stream_writer`` aiohttp
    3.14 asks for; a user on 3.14 passes a class like this one."""

    def __init__(self, *args, **kwargs):
        if "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters:
            kwargs.setdefault("stream_writer", mock.Mock(output_size=0))
        super().__init__(*args, **kwargs)


@pytest.mark.asyncio
async def test_an_aiohttp_response_through_a_fault_and_one_a_proxy_stripped():
    async with Fault("integration_timeout", api="rest", clients="aiohttp"):
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                await response.read()
    assert _ids(classify(response).exact) == ["rest-integration_timeout"]
    with aioresponses() as mocked:
        mocked.get(URL, status=500, body=REST_ERROR, headers=PROXIED,
                   content_type="application/json", response_class=_Response)
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                await response.read()
    assert _ranking(classify(response)) == PROXIED_RANKING


@pytest.mark.asyncio
async def test_an_unread_aiohttp_response_names_classify():
    with aioresponses() as mocked:
        mocked.get(URL, status=500, body=REST_ERROR, response_class=_Response)
        async with aiohttp.ClientSession() as session:
            async with session.get(URL) as response:
                pass
    with pytest.raises(ValueError, match="not read before it was released") as raised:
        classify(response)
    assert str(raised.value) == (
        "the body of this aiohttp response was not read before it was released:"
        " await response.read() inside `async with`, then classify(response)"
    )


# -- as a user sees it -------------------------------------------------------------------------


def test_a_user_s_suite_sees_the_ranking_hints_and_reasons(pytester):
    inner = set_up_inner(pytester)
    inner.makepyfile(
        test_user=module(
            """
            import responses

            from pytest_apigw_faults import Classification, classify


            def test_behind_a_proxy():
                with responses.RequestsMock() as mock:
                    mock.add(responses.GET, URL, status=500,
                             json={"message": "Internal server error"})
                    response = requests.get(URL, timeout=10)
                found = classify(response)
                assert isinstance(found, Classification)
                assert found.best.name == "permission_denied"
                print(*found.hints, sep="\\n")


            def test_not_a_gateway_answer():
                assert classify(status=418, body="short and stout")
            """
        )
    )
    result = inner.runpytest("-s")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*" + literal(TRACE_HINT),
            literal(SAME_500),
            literal(
                "E       AssertionError: assert <Classification: no row; status 418 is no"
                " status API Gateway sends for a failure (it sends 400, 401, 403, 404,"
                " 413, 429, 500, 502, 503 or 504)>"
            ),
        ]
    )


def test_the_readme_snippet_runs_and_says_what_it_gives():
    from doc_examples import section

    (block,) = section("docs/classification.md", "# Telling failures apart").blocks
    names: dict[str, object] = {}
    exec(compile(block, "docs/classification.md", "exec"), names)
    found = names["found"]
    assert isinstance(found, Classification)
    assert f"# {[row.name for row in found]!r}\n" in block
    assert "# (): without headers, no row is certain\n" in block
    assert found.exact == ()
    assert f"# {found.hints[0]!r}\n" in block
    reasons = repr(classify(status=418).reasons)
    assert f"# {reasons.split('400, ')[0]}400, ...)',)\n" in block


def test_every_body_comparison_goes_through_one_function(monkeypatch):
    """A row whose body is rendered from the request says how it is
    recognised in ``_body_matches``: classify() compares bodies nowhere else."""
    from pytest_apigw_faults._gateway import classify as module

    seen = []

    def matches(row, body, method):
        seen.append((row.id, body, method))
        return row.id == "rest-lambda_throttled"

    monkeypatch.setattr(module, "_body_matches", matches)
    found = classify(status=500, body=b"rendered from the request", method="post")
    assert _ids(found) == ["rest-lambda_throttled"]
    assert ("rest-lambda_throttled", b"rendered from the request", "POST") in seen
