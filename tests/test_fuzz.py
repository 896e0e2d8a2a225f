"""Property-based tests (Hypothesis) of the pure parts: which URLs a fault
answers, the ids and headers the gateway model makes, and argument checking.

Settings are modest and derandomized, with no example database, so that CI
runs the same examples every time in a few seconds.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pytest_apigw_faults import SCENARIOS, ApigwFaultError, Scenario
from pytest_apigw_faults._core.matching import UrlMatcher, is_execute_api_host
from pytest_apigw_faults._core.options import FaultOptions, parse_args
from pytest_apigw_faults._gateway.table import ENDPOINTS, Api, Endpoint
from pytest_apigw_faults._gateway.wire import HEADER_FORMATS, Gateway, Incoming

FUZZ = settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# -- URL matching ------------------------------------------------------------------

LOWER_ALNUM = string.ascii_lowercase + string.digits
api_ids = st.text(LOWER_ALNUM, min_size=10, max_size=10)
vpce_ids = st.text("0123456789abcdef", min_size=17, max_size=17).map(lambda h: f"vpce-{h}")
commercial_regions = st.sampled_from(
    [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
        "eu-central-2", "eu-south-1", "eu-north-1", "ap-southeast-1", "ap-southeast-4",
        "ap-northeast-1", "ap-south-2", "sa-east-1", "ca-central-1", "ca-west-1",
        "me-south-1", "me-central-1", "af-south-1", "il-central-1", "mx-central-1",
    ]
)  # fmt: skip
gov_regions = st.sampled_from(["us-gov-west-1", "us-gov-east-1"])
china_regions = st.sampled_from(["cn-north-1", "cn-northwest-1"])
paths = st.text(string.ascii_letters + string.digits + "/-_.~%", max_size=30).map(
    lambda p: "/" + p.lstrip("/")
)
queries = st.one_of(
    st.just(""), st.text(string.ascii_letters + string.digits + "=&-_.%@:/", max_size=30)
).map(lambda q: f"?{q}" if q else "")
ports = st.sampled_from(["", ":443"])


def _mixed_case(draw: Any, host: str) -> str:
    flips = draw(st.lists(st.booleans(), min_size=len(host), max_size=len(host)))
    return "".join(c.upper() if flip else c for c, flip in zip(host, flips, strict=True))


@st.composite
def execute_api_hosts(draw: Any) -> str:
    """Every host form the README documents as faulted by default."""
    api_id = draw(api_ids)
    form = draw(st.sampled_from(["standard", "govcloud", "china", "private-alias", "vpce-dns"]))
    if form == "standard":
        host = f"{api_id}.execute-api.{draw(commercial_regions)}.amazonaws.com"
    elif form == "govcloud":
        host = f"{api_id}.execute-api.{draw(gov_regions)}.amazonaws.com"
    elif form == "china":
        host = f"{api_id}.execute-api.{draw(china_regions)}.amazonaws.com.cn"
    elif form == "private-alias":
        host = f"{api_id}-{draw(vpce_ids)}.execute-api.{draw(commercial_regions)}.amazonaws.com"
    else:
        suffix = draw(st.text(LOWER_ALNUM, min_size=8, max_size=8))
        zone = draw(st.sampled_from(["", "-us-east-1a", "-us-east-1b"]))
        host = (
            f"{draw(vpce_ids)}-{suffix}{zone}.execute-api.{draw(commercial_regions)}"
            ".vpce.amazonaws.com"
        )
    if draw(st.booleans()):
        host = _mixed_case(draw, host)
    return host + draw(st.sampled_from(["", "."]))


@FUZZ
@given(host=execute_api_hosts(), path=paths, query=queries, port=ports)
def test_every_documented_execute_api_host_is_faulted(
    host: str, path: str, query: str, port: str
) -> None:
    assert is_execute_api_host(host)
    assert UrlMatcher()(f"https://{host}{port}{path}{query}")
    assert not UrlMatcher()(f"http://{host}{port}{path}{query}")  # execute-api is https only


@FUZZ
@given(target=st.text(LOWER_ALNUM, min_size=10, max_size=10), region=commercial_regions)
def test_a_regional_custom_domain_target_host_is_faulted(target: str, region: str) -> None:
    assert is_execute_api_host(f"d-{target}.execute-api.{region}.amazonaws.com")


evil_domains = st.sampled_from(["evil.com", "example.com", "amazonaws.com.evil.net", "attacker.io"])


@st.composite
def look_alike_urls(draw: Any) -> str:
    """URLs that mention an execute-api host without being sent to one."""
    real = draw(execute_api_hosts()).rstrip(".")
    evil = draw(evil_domains)
    label = draw(st.text(LOWER_ALNUM, min_size=1, max_size=12))
    path, query = draw(paths), draw(queries)
    form = draw(
        st.sampled_from(
            ["suffix", "other-domain", "in-path", "in-query", "userinfo", "fragment", "no-dot"]
        )
    )
    if form == "suffix":  # the execute-api name as a subdomain of another domain
        return f"https://{real}.{evil}{path}{query}"
    if form == "other-domain":  # execute-api.{something else}
        return f"https://{label}.execute-api.{evil}{path}"
    if form == "in-path":
        return f"https://{evil}/{real}{path}"
    if form == "in-query":
        return f"https://{evil}{path}?x=.{real}&next=https://{real}/"
    if form == "userinfo":
        return f"https://{real}@{evil}{path}{query}"
    if form == "fragment":
        return f"https://{evil}{path}#{real}"
    return f"https://{real.lower().replace('.execute-api.', '.execute-apix.', 1)}{path}"


@FUZZ
@given(url=look_alike_urls())
def test_look_alike_urls_are_not_faulted(url: str) -> None:
    assert not UrlMatcher()(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://execute-api.example.com/",
        "https://evil.com/?x=.execute-api.us-east-1.amazonaws.com",
        "https://x.execute-api.us-east-1.amazonaws.com@evil.com/",
        "https://abc123def4.execute-api.us-east-1.amazonaws.com.evil.com/",
        "https://abc123def4.execute-api.us-east-1.amazonaws.co/",
        "https://abc123def4.execute-api.useast1.amazonaws.com/",
        "https://abc123def4.execute-api.us-east-1.amazonaws.com.cn.evil.com/",
        "https://abc_123.execute-api.us-east-1.amazonaws.com/",
    ],
)
def test_known_look_alikes_are_not_faulted(url: str) -> None:
    assert not UrlMatcher()(url)


def _sent_to(client: str, url: str) -> tuple[str, str] | None:
    """The URL ``client`` prepares from ``url`` (what the fault is asked
    about) and the host it connects to; ``None`` if it refuses the URL."""
    try:
        if client == "requests":
            import requests
            import urllib3.util

            prepared = str(requests.Request("GET", url).prepare().url)
            return prepared, str(urllib3.util.parse_url(prepared).host)
        import httpx

        request = httpx.Request("GET", url)
        return str(request.url), request.url.host
    except ImportError:
        return None
    except Exception:  # the client refuses the URL: it sends nothing
        return None


@FUZZ
@given(
    host=execute_api_hosts(),
    evil=evil_domains,
    glue=st.sampled_from(["@", "\\@", "%40", "#@", "?@", "/@", ":443@", "\t@", "\\", ";@"]),
    client=st.sampled_from(["requests", "httpx"]),
)
def test_a_faulted_url_is_one_the_client_sends_to_execute_api(
    host: str, evil: str, glue: str, client: str
) -> None:
    """Parser differential: the fault is asked about the URL the client
    prepared; whenever it answers, the client was sending to execute-api."""
    for url in (f"https://{host}{glue}{evil}/", f"https://{evil}{glue}{host}/"):
        sent = _sent_to(client, url)
        if sent is not None and UrlMatcher()(sent[0]):
            assert is_execute_api_host(sent[1]), (url, sent)


def test_a_named_regex_matches_from_the_start_only() -> None:
    matcher = UrlMatcher(re.compile(r"https://api\.example\.com/"))
    assert matcher("https://api.example.com/v1")
    assert not matcher("https://evil.com/?https://api.example.com/")


@FUZZ
@given(
    prefix=st.sampled_from(["https://api.example.com/v1/", "http://localhost:8000/"]),
    tail=paths,
)
def test_a_named_prefix_matches_what_starts_with_it_only(prefix: str, tail: str) -> None:
    matcher = UrlMatcher(prefix)
    assert matcher(prefix + tail.lstrip("/"))
    assert not matcher("https://evil.com/?" + prefix + tail)
    assert not matcher(prefix.rstrip("/") + "x" + tail)


# -- ids and headers ----------------------------------------------------------------

ROWS = list(SCENARIOS.values())
hex_digits = "0123456789abcdef"
client_traces = st.one_of(
    st.none(),
    st.builds(
        lambda epoch, rest, parent, sampled: f"Root=1-{epoch}-{rest}"
        + (f";Parent={parent}" if parent else "")
        + (f";Sampled={sampled}" if sampled is not None else ""),
        st.text(hex_digits, min_size=8, max_size=8),
        st.text(hex_digits, min_size=24, max_size=24),
        st.one_of(st.none(), st.text(hex_digits, min_size=16, max_size=16)),
        st.one_of(st.none(), st.sampled_from(["0", "1", "?"])),
    ),
)


@st.composite
def gateway_calls(draw: Any) -> tuple[Scenario, Endpoint, Any, float, str, str | None]:
    scenario = draw(st.sampled_from(ROWS))
    # the endpoint types the failure exists on (a CloudFront refusal: edge only)
    where = getattr(scenario, "endpoint_types", None) or ENDPOINTS[scenario.api]
    endpoint = draw(st.sampled_from(list(where)))
    seed = draw(st.one_of(st.integers(), st.text(max_size=20), st.none()))
    arrived_at = draw(st.floats(min_value=0, max_value=2**32 - 3600, allow_nan=False))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]))
    return scenario, endpoint, seed, arrived_at, method, draw(client_traces)


@FUZZ
@given(call=gateway_calls())
def test_every_generated_header_has_its_documented_form(call: Any) -> None:
    scenario, endpoint, seed, arrived_at, method, trace = call
    gateway = Gateway(endpoint, seed=seed)
    headers = {} if trace is None else {"X-Amzn-Trace-Id": trace}
    exchange = gateway.respond(scenario, arrived_at, Incoming(method, "https://x/", headers))
    names = [name for name, _ in exchange.response.headers]
    assert len(names) == len(set(names))
    for name, value in exchange.response.headers:
        form = HEADER_FORMATS.get(name)
        if form is not None:
            assert form.fullmatch(value), (scenario.id, name, value)
    if exchange.request_id:
        assert exchange.request_id in dict(exchange.response.headers).values()


@FUZZ
@given(seed=st.one_of(st.integers(), st.text(max_size=20)), scenario=st.sampled_from(ROWS))
def test_ids_are_reproducible_for_any_seed_and_fresh_per_request(
    seed: Any, scenario: Scenario
) -> None:
    def ids() -> list[str]:
        where = getattr(scenario, "endpoint_types", None) or ENDPOINTS[scenario.api]
        gateway = Gateway(where[0], seed=seed)
        return [gateway.respond(scenario, 1_700_000_000.0).request_id for _ in range(5)]

    first = ids()
    assert first == ids()
    given_ids = [i for i in first if i]
    assert len(set(given_ids)) == len(given_ids)


# -- argument checking -----------------------------------------------------------------

NAMES = sorted({name for name, _ in SCENARIOS})
anything = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(max_size=20),
        st.binary(max_size=8),
        st.sampled_from([*NAMES, "rest", "http", "edge", "regional", "private", "requests"]),
        st.sampled_from(ROWS),
        st.just(re.compile("https://x/")),
        st.sampled_from(list(Api) + list(Endpoint)),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=2)
    ),
    max_leaves=5,
)
# The checked arguments that neither read files nor import modules
# (gateway_responses, handler, then, sequence and after have tests of their own).
KEYS = ["name", "api", "endpoint", "url", "times", "clients", "integration_timeout"]
KEYS += ["function_timeout"]
OTHER_KEYS = ("gateway_responses", "handler", "then", "sequence", "after")
keys = st.one_of(
    st.sampled_from(KEYS),
    st.from_regex(r"[a-z_]{1,12}", fullmatch=True).filter(lambda k: k not in OTHER_KEYS),
)
GUIDES = (
    "valid",
    "did you mean",
    "takes",
    "exists",
    " from ",
    "must",
    "not available",
    "is a ",
    "given twice",
)


@FUZZ
@given(
    args=st.lists(anything, max_size=2),
    kwargs=st.dictionaries(keys, anything, max_size=4),
)
def test_parse_args_accepts_or_explains(args: list[Any], kwargs: dict[str, Any]) -> None:
    # known bug, see test_an_unhashable_endpoint_without_api_is_explained
    assume(not (isinstance(kwargs.get("endpoint"), (list, dict)) and kwargs.get("api") is None))
    try:
        options = parse_args(*args, **kwargs)
    except ApigwFaultError as error:
        message = str(error)
        assert message.strip()
        assert any(guide in message.lower() for guide in GUIDES), message
    else:
        assert isinstance(options, FaultOptions)
        assert options.scenarios()


@pytest.mark.parametrize("endpoint", [[], ["edge"], {}], ids=["empty-list", "list", "dict"])
def test_an_unhashable_endpoint_without_api_is_explained(endpoint: Any) -> None:
    with pytest.raises(ApigwFaultError, match="valid choices"):
        parse_args("function_error", endpoint=endpoint)
