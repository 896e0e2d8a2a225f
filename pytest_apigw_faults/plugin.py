"""pytest glue: the ``apigw_fault`` marker, fixture, options and matrix.

Kept small and import-light: pytest loads it in every run of every project
where the package is installed, so the client libraries and even the
scenario table are imported only when a test uses a fault.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ._core import runtime as _runtime

if TYPE_CHECKING:
    from ._core.options import FaultOptions
    from ._pytest.fixture import ApigwFault


def _key(name: str) -> Any:
    """A stash key, kept across ``importlib.reload`` of this module: the
    configs made before it hold their values under the old key."""
    return globals().get(name) or pytest.StashKey()


_MARKER = "apigw_fault"
_RUNTIME: pytest.StashKey[_runtime.Runtime] = _key("_RUNTIME")
_SEED: pytest.StashKey[str] = _key("_SEED")
_DEFAULTS: pytest.StashKey[dict[str, Any]] = _key("_DEFAULTS")
_STARTED_BEFORE: pytest.StashKey[tuple[Any, ...]] = _key("_STARTED_BEFORE")
_LONG_LIVED: pytest.StashKey[weakref.WeakSet[Any]] = _key("_LONG_LIVED")
_REPORT: pytest.StashKey[bool] = _key("_REPORT")  # whether tests record report rows
_SEED_HELP = (
    "seed of the ids the fake API Gateway generates, so a run can be"
    " reproduced (default: a fresh seed per run, shown in the report header)"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apigw-faults", "API Gateway faults")
    group.addoption(
        "--apigw-seed",
        dest="apigw_seed",
        metavar="SEED",
        default=None,
        help=f"{_SEED_HELP}; wins over the apigw_fault_seed ini key",
    )
    parser.addini("apigw_fault_seed", _SEED_HELP, default=None)
    group.addoption(
        "--apigw-report",
        dest="apigw_report",
        action="store_true",
        default=False,
        help="end the run with a resilience report: per test that used a fault, its"
        " scenarios, attempts, outcome and virtual time (also the apigw_fault_report"
        " ini key)",
    )
    group.addoption(
        "--apigw-report-json",
        dest="apigw_report_json",
        metavar="PATH",
        default=None,
        help="write the resilience report as JSON to PATH",
    )
    parser.addini(
        "apigw_fault_report",
        "end every run with the resilience report (as --apigw-report)",
        type="bool",
        default=False,
    )
    parser.addini(
        "apigw_fault_virtual_time",
        "run every fault of the marker and inject() on virtual time (time.sleep,"
        " asyncio.sleep and the clocks advance by the gateway's latency and the"
        " client's backoff, without waiting) when it gives no virtual_time=",
        type="bool",
        default=False,
    )
    parser.addini(
        "apigw_fault_integration_timeout",
        "the integration timeout of every faulted API, in seconds, when a marker or"
        " inject() gives none (REST: 0.05 to 29, up to 300 on regional and private"
        " endpoints; HTTP API: up to 30)",
        default=None,
    )
    parser.addini(
        "apigw_fault_gateway_responses",
        "an OpenAPI document (JSON or YAML file, relative to the ini file) whose"
        " x-amazon-apigateway-gateway-responses customise every REST fault",
        default=None,
    )
    parser.addini(
        "apigw_fault_clients",
        "the HTTP clients faults answer when a marker or inject() names none"
        " (requests, httpx, aiohttp); default: every installed client whose"
        " backend (responses, respx, aioresponses) is installed",
        type="args",
        default=[],
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "apigw_fault(name=None, *, api=None, endpoint=None, url=None, times=None,"
        " clients=None, integration_timeout=None, function_timeout=None,"
        " gateway_responses=None, handler=None, then=None, sequence=None, after=None,"
        " stage=None, route=None, stage_variables=None, binary_media_types=None,"
        " payload_format=None, handler_duration=None, virtual_time=None): answer"
        " execute-api calls made"
        " with requests, httpx or aiohttp with this API Gateway failure (or a Lambda handler's"
        " answers, or a sequence of both); without a name or an api, run the test"
        " once per matching scenario. See"
        " https://pypi.org/project/pytest-apigw-faults/#the-marker",
    )
    workerinput: dict[str, Any] = getattr(config, "workerinput", {})
    seed = (
        config.getoption("apigw_seed")
        or config.getini("apigw_fault_seed")
        or workerinput.get("apigw_seed")
        or str(int.from_bytes(os.urandom(4), "big"))
    )
    config.stash[_SEED] = str(seed)
    config.stash[_DEFAULTS] = _ini_defaults(config)
    # the run's faults, clock holds and seeds; in force until unconfigure
    config.stash[_RUNTIME] = _runtime.board().open(f"pytest run {id(config):#x}")
    json_path = config.getoption("apigw_report_json")
    report = bool(
        config.getoption("apigw_report") or config.getini("apigw_fault_report") or json_path
    )
    config.stash[_REPORT] = report
    if report and not workerinput:  # the controller (or a run without xdist) reports
        from ._pytest.report import ReportPlugin

        terminal = bool(config.getoption("apigw_report") or config.getini("apigw_fault_report"))
        config.pluginmanager.register(
            ReportPlugin(terminal=terminal, json_path=json_path), "apigw-faults-report"
        )


def _ini_defaults(config: pytest.Config) -> dict[str, Any]:
    """The ini keys that set arguments of every marker and ``inject``,
    checked now so that a mistake stops the run before any test."""
    defaults: dict[str, Any] = {}
    if config.getini("apigw_fault_virtual_time"):
        defaults["virtual_time"] = True
    clients = config.getini("apigw_fault_clients")
    timeout = config.getini("apigw_fault_integration_timeout")
    document = config.getini("apigw_fault_gateway_responses")
    if not (clients or timeout or document):
        return defaults
    from ._core.options import parse_clients, parse_integration_timeout
    from ._gateway.table import ApigwFaultError

    key = "apigw_fault_clients"
    try:
        if clients:
            defaults["clients"] = parse_clients(clients)
        key = "apigw_fault_integration_timeout"
        if timeout:
            defaults["integration_timeout"] = parse_integration_timeout(timeout)
        key = "apigw_fault_gateway_responses"
        if document:
            from ._gateway.custom import load

            base = config.inipath.parent if config.inipath else config.rootpath
            defaults["gateway_responses"] = load(base / document)
    except ApigwFaultError as error:
        raise pytest.UsageError(f"{key} in the ini file: {error}") from None
    return defaults


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker uses the controller's seed."""
    node.workerinput["apigw_seed"] = node.config.stash[_SEED]


def pytest_report_header(config: pytest.Config) -> str:
    return f"apigw-faults: seed {config.stash[_SEED]} (reproduce with --apigw-seed)"


def _runtime_of(config: pytest.Config) -> _runtime.Runtime:
    """The run's runtime (the one in force, if this run has none)."""
    return config.stash.get(_RUNTIME, None) or _runtime.current()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    runtime = _runtime_of(item.config)
    # faults made by hand in this test take their ids from its seed
    runtime.seed_faults_from(f"{item.config.stash[_SEED]}:{item.nodeid}")
    item.stash[_STARTED_BEFORE] = runtime.faults
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: Any) -> Iterator[Any]:
    """Faults a module- or session-scoped fixture starts are meant to outlive
    the test that first needs them: note them, so they are not reported."""
    if fixturedef.scope == "function":
        return (yield)
    runtime = _runtime_of(request.config)
    before = runtime.faults
    try:
        return (yield)
    finally:
        kept = request.config.stash.setdefault(_LONG_LIVED, weakref.WeakSet())
        kept.update(fault for fault in runtime.faults if fault not in before)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        _runtime_of(item.config).seed_faults_from(None)
        _stop_left_started(item)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """No fault outlives the session, not even one a test started by hand and
    never stopped before Ctrl-C (pytest then skips the test's teardown)."""
    for fault in _runtime_of(session.config).faults:
        fault.stop_all()


def _stop_left_started(item: pytest.Item) -> None:
    """Stop the faults the test (or its function-scoped fixtures) started and
    left started, and say so."""
    before = item.stash.get(_STARTED_BEFORE, None)
    if before is None:
        return
    kept = item.config.stash.get(_LONG_LIVED, ())
    left = [f for f in _runtime_of(item.config).faults if f not in before and f not in kept]
    for fault in left:
        fault.stop_all()
    if left:
        pytest.fail(
            f"{item.nodeid} started {', '.join(map(repr, left))} and did not stop it;"
            " it is stopped now. Use `with Fault(...)`, the decorator, or"
            " apigw_fault.inject(...), which stop by themselves",
            pytrace=False,
        )


def _options(node: pytest.Item | Any) -> FaultOptions:
    from ._core.options import merge_markers
    from ._gateway.table import ApigwFaultError

    markers = [(m.args, m.kwargs) for m in node.iter_markers(_MARKER)]
    try:
        return merge_markers(markers)
    except ApigwFaultError as error:
        problem = str(error)
    pytest.fail(f"{node.nodeid}: bad @pytest.mark.{_MARKER}: {problem}", pytrace=False)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker(_MARKER) is None:
        return
    options = _options(metafunc.definition)
    if options.single:
        return
    rows = options.scenarios()
    metafunc.parametrize(
        "_apigw_fault_marker", rows, indirect=True, ids=[row.id for row in rows]
    )


@pytest.fixture(autouse=True)
def _apigw_fault_marker(request: pytest.FixtureRequest) -> None:
    """Injects the fault of an ``apigw_fault`` marker, if the test has one."""
    if request.node.get_closest_marker(_MARKER) is None:
        return
    from ._gateway.table import SCENARIOS

    options = _options(request.node)
    scenario = getattr(request, "param", None)
    if scenario is None:
        if not options.single:
            pytest.fail(
                f"{request.node.nodeid}: bad @pytest.mark.{_MARKER}: it names no single"
                " scenario (a name and an api), so it asks for a scenario matrix, which"
                " only a marker on the test function, its class or its module can give;"
                " name one scenario here",
                pytrace=False,
            )
        assert options.api is not None
        if options.name is not None:
            scenario = SCENARIOS[(options.name, options.api)]
    fixture: ApigwFault = request.getfixturevalue("apigw_fault")
    fixture.inject(
        scenario,
        api=None if options.api is None or scenario is not None else options.api.value,
        endpoint=options.endpoint,
        url=options.url,
        times=options.times,
        clients=options.clients,
        integration_timeout=options.integration_timeout,
        function_timeout=options.function_timeout,
        gateway_responses=options.gateway_responses,
        virtual_time=options.virtual_time,
        **options.lambda_kwargs(),
    )


@pytest.fixture
def apigw_fault(request: pytest.FixtureRequest) -> Iterator[ApigwFault]:
    """Fake API Gateway failures for requests and httpx calls in this test.

    With the ``apigw_fault`` marker the marked fault is already injected;
    ``apigw_fault.inject(name, api=...)`` starts another. Then look at
    ``.scenario``, ``.calls``, ``.logs`` and ``.assert_response(response)``.
    Every fault stops when the test ends.
    """
    from ._pytest.fixture import ApigwFault

    fixture = ApigwFault(
        seed=f"{request.config.stash[_SEED]}:{request.node.nodeid}",
        defaults=request.config.stash[_DEFAULTS],
        runtime=_runtime_of(request.config),
    )
    try:
        yield fixture
    finally:
        try:
            if request.config.stash.get(_REPORT, False) and fixture.faults:
                # a JUnit property, and what xdist carries to the controller
                request.node.user_properties.append(("apigw_fault", fixture._report_row()))
        finally:
            fixture._stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    """No fault, and no virtual time, outlives the run, even one interrupted
    in a test; the runtime in force is the outer run's again (pytester)."""
    runtime = config.stash.get(_RUNTIME, None)
    if runtime is not None:
        runtime.close()
