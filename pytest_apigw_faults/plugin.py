"""pytest glue: the ``apigw_fault`` marker, fixture, options and matrix.

Kept small and import-light: pytest loads it in every run of every project
where the package is installed, so the client libraries and even the
scenario table are imported only when a test uses a fault.
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from typing import TypeAlias

    from ._core.fault import Fault
    from ._core.options import FaultOptions
    from ._core.runtime import Runtime
    from ._pytest.fixture import ApigwFault
    from ._pytest.marker import TemplateMarker

    #: What a test's markers ask for: one fault (or a matrix), or a template's API.
    Marked: TypeAlias = FaultOptions | TemplateMarker
    from ._pytest.watch import Watch


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
_RUN: pytest.StashKey[_Run] = _key("_RUN")
_SEED: pytest.StashKey[str] = _key("_SEED")
_DEFAULTS: pytest.StashKey[dict[str, Any]] = _key("_DEFAULTS")
_REPORT: pytest.StashKey[bool] = _key("_REPORT")  # whether tests record report rows
# a test item's marker options, and those each test function's markers gave
_OPTIONS: pytest.StashKey[Marked] = _key("_OPTIONS")
_PARSED: pytest.StashKey[dict[tuple[str, str], tuple[list[pytest.Mark], Marked]]] = _key(
    "_PARSED"
)
#: the bad markers of each collector (module or class), reported together
_BAD: pytest.StashKey[dict[str, list[str]]] = _key("_BAD")
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
    group.addoption(
        "--apigw-report-html",
        dest="apigw_report_html",
        metavar="PATH",
        default=None,
        help="write the resilience report as a self-contained HTML page to PATH: a"
        " matrix of tests and scenarios coloured by result, each cell with its calls",
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
    config.stash[_RUN] = _Run(config)
    json_path = config.getoption("apigw_report_json")
    html_path = config.getoption("apigw_report_html")
    report = bool(
        config.getoption("apigw_report")
        or config.getini("apigw_fault_report")
        or json_path
        or html_path
    )
    config.stash[_REPORT] = report
    if report and not workerinput:  # the controller (or a run without xdist) reports
        from ._pytest.report import ReportPlugin

        terminal = bool(config.getoption("apigw_report") or config.getini("apigw_fault_report"))
        config.pluginmanager.register(
            ReportPlugin(terminal=terminal, json_path=json_path, html_path=html_path),
            "apigw-faults-report",
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


#: The pytest runs waiting for their runtime, shared with ``_core.runtime``
#: (its rule 8), which this module does not load.
_PENDING: list[Any] = sys.__dict__.setdefault("_pytest_apigw_faults_pending", [])


class _Run:
    """One pytest run's part of the runtime: the runtime itself, opened when
    a fault first needs it, the running test, whose seed faults made by hand
    take, and the bookkeeping that starts with the run's first fault.

    Until then, a test costs one assignment: no fixture, no wrapper."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.name = f"pytest run {id(config):#x}"
        self.seed = config.stash[_SEED]
        strict = config.getoption("apigw_strict")
        #: strict mode: the command-line option, else the ini key
        self.strict = (
            bool(config.getini("apigw_fault_strict")) if strict is None else _STRICT_CHOICES[strict]
        )
        self.runtime: Runtime | None = None
        self.test: pytest.Item | None = None
        self._count: Iterator[int] | None = None  # of the test's hand-made faults
        self.watch: Watch | None = None
        #: the faults started since the running test began, and the number
        #: of the first call it could make (see :meth:`lambda_section`)
        self.used: list[Fault] = []
        self.since = 0
        _PENDING.append(self)

    def opened(self, runtime: Runtime) -> None:
        runtime.strict = self.strict
        runtime.seed_source = self.next_seed
        runtime.watcher = self.started
        self.runtime = runtime

    def open(self) -> Runtime:
        """The run's runtime, opened now if need be (with every run's before it)."""
        if self.runtime is None:
            from ._core.runtime import board

            board().open_pending()
        assert self.runtime is not None
        return self.runtime

    def begin(self, item: pytest.Item) -> None:
        self.test = item
        self._count = None
        if self.watch is not None:
            from ._core.runtime import next_seq

            self.used = []
            self.since = next_seq()
            self.watch.begin()

    def next_seed(self) -> str | None:
        """Faults made by hand in a test take their ids from its seed:
        ``seed:nodeid:Fault1``, ``Fault2``, ...; elsewhere they are random."""
        test = self.test
        if test is None:
            return None
        if self._count is None:
            self._count = itertools.count(1)
        return f"{self.seed}:{test.nodeid}:Fault{next(self._count)}"

    def started(self, fault: Fault) -> None:
        if self.watch is None:  # the run's first fault
            from ._pytest.watch import Watch

            self.watch = Watch(self)
        self.used.append(fault)
        self.watch.started(fault)

    def lambda_section(self, when: str) -> tuple[str, str] | None:
        """The running test's calls whose Lambda failed, as a report section."""
        if self.watch is None or self.runtime is None:
            return None
        from ._pytest.report import lambda_section

        return lambda_section([*self.runtime.faults, *self.used], self.since, when)

    def close(self) -> None:
        if self in _PENDING:  # never opened
            _PENDING.remove(self)
        if self.runtime is not None:
            self.runtime.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.config.stash[_RUN].begin(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report shows the Lambda's log of each call whose Lambda
    failed (a report section, as pytest's captured output)."""
    report: pytest.TestReport = yield
    if report.failed and report.when != "teardown":
        section = item.config.stash[_RUN].lambda_section(report.when)
        if section is not None:
            report.sections.append(section)
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    """No fault outlives the session, not even one a test started by hand and
    never stopped before Ctrl-C (pytest then skips the test's teardown)."""
    runtime = session.config.stash[_RUN].runtime
    if runtime is not None:
        for fault in runtime.faults:
            fault.stop_all()


def _function(node: pytest.Item) -> tuple[str, str]:
    """The test function of a test item (or of a function definition)."""
    parent = "" if node.parent is None else node.parent.nodeid
    return parent, getattr(node, "originalname", node.name)


_MARKER_FIXTURE = "_apigw_fault_marker"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    definition = metafunc.definition
    markers = list(definition.iter_markers(_MARKER))
    if not markers:
        return
    from ._pytest.marker import TemplateMarker, marker_problem

    options = marker_problem(definition, markers)
    if isinstance(options, str):  # reported with the collector's others
        bad = metafunc.config.stash.setdefault(_BAD, {})
        bad.setdefault(definition.parent.nodeid, []).append(options)  # type: ignore[union-attr]
        return
    # for the items of this function: parsed once, here (see _options)
    metafunc.config.stash.setdefault(_PARSED, {})[_function(definition)] = (markers, options)
    if _MARKER_FIXTURE not in metafunc.fixturenames:
        metafunc.fixturenames.insert(0, _MARKER_FIXTURE)
    if isinstance(options, TemplateMarker) or options.single:  # a template's API, or one fault
        return
    rows = options.scenarios()
    metafunc.parametrize(_MARKER_FIXTURE, rows, indirect=True, ids=[row.id for row in rows])


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, Any, Any]:
    """A module (or class) with bad ``apigw_fault`` markers fails to collect
    with every one of them, not only the first."""
    report = yield
    problems = collector.config.stash.get(_BAD, {}).pop(collector.nodeid, None)
    if problems and report.outcome == "passed":
        report.outcome, report.longrepr, report.result = "failed", "\n".join(problems), []
    return report


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Only the tests with a marker get the fixture that injects its fault
    (first, so that the fault is started before their other fixtures): a
    marker on the function, its class or its module (its name is in
    ``_PARSED``, and parametrizing may have dropped the fixture again), or
    on one of its parameters (``pytest.param(..., marks=...)``)."""
    if not items:
        return
    parsed = items[0].config.stash.get(_PARSED, {})
    for item in items:
        names: list[str] | None = getattr(item, "fixturenames", None)
        if names is None or _MARKER_FIXTURE in names:
            continue
        marked = bool(parsed) and _function(item) in parsed
        if marked or any(mark.name == _MARKER for mark in item.own_markers):
            names.insert(0, _MARKER_FIXTURE)


@pytest.fixture
def _apigw_fault_marker(request: pytest.FixtureRequest) -> None:
    """Injects the fault of the test's ``apigw_fault`` marker."""
    from ._pytest.marker import inject

    inject(request)


@pytest.fixture
def apigw_fault(request: pytest.FixtureRequest) -> Iterator[ApigwFault]:
    """Real Amazon API Gateway failures (and Lambda handlers behind a fake
    gateway) for the requests, httpx and aiohttp calls of this test.
    With @pytest.mark.apigw_fault(name, api=...) the marked fault is already
    injected; .inject(name, api=..., handler=..., sequence=...) starts another
    (the marker's arguments), .serve() a loopback server for any client,
    .use_template(path) a whole SAM/CloudFormation/OpenAPI API,
    .use_api(WebSocketApi(routes)) a WebSocket API that .websocket() connects
    to. Then read .scenario, .calls (each call's .request, .response,
    .scenario, .event, .request_id, .logs, .lambda_log), .logs, .sleeps,
    .elapsed, and check .assert_response(response), .assert_retried(times=),
    .assert_not_retried(), .assert_gave_up_within(seconds),
    .assert_reconnected(times=, after=). Every fault stops when the test ends.
    See https://pytest-apigw-faults.readthedocs.io/en/latest/fixture/
    """
    from ._pytest.fixture import ApigwFault

    fixture = ApigwFault(
        seed=f"{request.config.stash[_SEED]}:{request.node.nodeid}",
        defaults=request.config.stash[_DEFAULTS],
        runtime=request.config.stash[_RUN].open(),
    )
    try:
        yield fixture
    finally:
        try:
            fixture._stop_server()  # the calls in flight end first, then the row
            if request.config.stash.get(_REPORT, False) and (
                fixture.faults or fixture._websockets
            ):
                # a JUnit property, and what xdist carries to the controller
                request.node.user_properties.append(("apigw_fault", fixture._report_row()))
        finally:
            fixture._stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    """No fault, and no virtual time, outlives the run, even one interrupted
    in a test; the runtime in force is the outer run's again (pytester)."""
    run = config.stash.get(_RUN, None)
    if run is not None:
        run.close()
