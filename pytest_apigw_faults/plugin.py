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
#: The ini keys that set a fault argument (each argument declares its own;
#: tests/test_arguments.py holds this list to the declaration).
_ARGUMENT_KEYS = (
    "apigw_fault_virtual_time",
    "apigw_fault_integration_timeout",
    "apigw_fault_gateway_responses",
    "apigw_fault_clients",
)
_RUNTIME: pytest.StashKey[_runtime.Runtime] = _key("_RUNTIME")
_SEED: pytest.StashKey[str] = _key("_SEED")
_DEFAULTS: pytest.StashKey[dict[str, Any]] = _key("_DEFAULTS")
_STARTED_BEFORE: pytest.StashKey[tuple[Any, ...]] = _key("_STARTED_BEFORE")
_LONG_LIVED: pytest.StashKey[weakref.WeakSet[Any]] = _key("_LONG_LIVED")
_REPORT: pytest.StashKey[bool] = _key("_REPORT")  # whether tests record report rows
# a test item's marker options, and those each test function's markers gave
_OPTIONS: pytest.StashKey[FaultOptions] = _key("_OPTIONS")
_PARSED: pytest.StashKey[dict[tuple[str, str], tuple[list[pytest.Mark], FaultOptions]]] = _key(
    "_PARSED"
)
_SEED_HELP = (
    "seed of the ids the fake API Gateway generates, so a run can be"
    " reproduced (default: a fresh seed per run, shown in the report header)"
)


_STRICT_HELP = (
    "refuse, with an ApigwFaultError naming each started fault and why it does"
    " not answer, an execute-api call no fault answers while a fault is started"
    " (times=N used up, another API's URL, a fault for another client), instead"
    " of letting it through to the network (default: on)"
)
_STRICT_CHOICES = {"on": True, "off": False}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("apigw-faults", "API Gateway faults")
    _add_run_options(parser, group)
    _add_report_options(parser, group)
    _add_argument_keys(parser)


def _add_run_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
    group.addoption(
        "--apigw-seed",
        dest="apigw_seed",
        metavar="SEED",
        default=None,
        help=f"{_SEED_HELP}; wins over the apigw_fault_seed ini key",
    )
    parser.addini("apigw_fault_seed", _SEED_HELP, default=None)
    group.addoption(
        "--apigw-strict",
        dest="apigw_strict",
        choices=tuple(_STRICT_CHOICES),
        default=None,
        help=f"on|off: {_STRICT_HELP}; wins over the apigw_fault_strict ini key",
    )
    parser.addini("apigw_fault_strict", _STRICT_HELP, type="bool", default=True)


def _add_report_options(parser: pytest.Parser, group: pytest.OptionGroup) -> None:
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


def _add_argument_keys(parser: pytest.Parser) -> None:
    """The ini keys that set fault arguments (see ``_ARGUMENT_KEYS``)."""
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
    from ._core.arguments import MARKER_LINE

    config.addinivalue_line("markers", MARKER_LINE)
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
    runtime = config.stash[_RUNTIME] = _runtime.board().open(f"pytest run {id(config):#x}")
    strict = config.getoption("apigw_strict")
    runtime.strict = (
        bool(config.getini("apigw_fault_strict")) if strict is None else _STRICT_CHOICES[strict]
    )
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
    """The ini keys that set arguments of every marker and ``inject`` (each
    argument declares its own), checked now so that a mistake stops the run
    before any test."""
    if not any(config.getini(key) for key in _ARGUMENT_KEYS):
        return {}  # the common case: nothing more to load
    from ._core.checks import arguments
    from ._gateway.errors import ApigwFaultError

    base = config.inipath.parent if config.inipath else config.rootpath
    defaults: dict[str, Any] = {}
    for argument in arguments():
        if argument.ini is None:
            continue
        key, read = argument.ini
        value = config.getini(key)
        if not value:
            continue
        try:
            defaults[argument.name] = read(value, base)
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


def _options(node: pytest.Item) -> FaultOptions:
    """The options of the item's ``apigw_fault`` markers, parsed once: those
    ``pytest_generate_tests`` parsed for its function, unless the item has
    markers of its own (``pytest.param(..., marks=...)``)."""
    options = node.stash.get(_OPTIONS, None)
    if options is None:
        markers = list(node.iter_markers(_MARKER))
        parsed = node.config.stash.get(_PARSED, {}).get(_function(node))
        if parsed is not None and len(parsed[0]) == len(markers) and all(
            mark is seen for mark, seen in zip(markers, parsed[0], strict=True)
        ):
            options = parsed[1]
        else:
            options = _parse_markers(node, markers)
        node.stash[_OPTIONS] = options
    return options


def _function(node: pytest.Item) -> tuple[str, str]:
    """The test function of a test item (or of a function definition)."""
    parent = "" if node.parent is None else node.parent.nodeid
    return parent, getattr(node, "originalname", node.name)


def _parse_markers(node: pytest.Item, markers: list[pytest.Mark]) -> FaultOptions:
    from ._core.options import merge_markers
    from ._gateway.table import ApigwFaultError

    try:
        return merge_markers([(m.args, m.kwargs) for m in markers])
    except ApigwFaultError as error:
        problem = str(error)
    pytest.fail(f"{node.nodeid}: bad @pytest.mark.{_MARKER}: {problem}", pytrace=False)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    markers = list(definition.iter_markers(_MARKER))
    if not markers:
        return
    options = _parse_markers(definition, markers)
    # for the items of this function: parsed once, here (see _options)
    metafunc.config.stash.setdefault(_PARSED, {})[_function(definition)] = (markers, options)
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
    options = _options(request.node)
    scenario = getattr(request, "param", None)
    if scenario is not None:  # a row of the matrix
        from ._core.options import for_scenario

        options = for_scenario(options, scenario)
    elif not options.single:
        pytest.fail(
            f"{request.node.nodeid}: bad @pytest.mark.{_MARKER}: it names no single"
            " scenario (a name and an api), so it asks for a scenario matrix, which"
            " only a marker on the test function, its class or its module can give;"
            " name one scenario here",
            pytrace=False,
        )
    fixture: ApigwFault = request.getfixturevalue("apigw_fault")
    fixture._inject(options)


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
