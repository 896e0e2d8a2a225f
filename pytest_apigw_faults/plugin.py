"""pytest glue: the ``apigw_fault`` marker, fixture, options and matrix.

Kept small and import-light: pytest loads it in every run of every project
where the package is installed, so the client libraries and even the
scenario table are imported only when a test uses a fault.
"""

from __future__ import annotations

import os
import sys
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from . import _seeding

if TYPE_CHECKING:
    from ._fixture import ApigwFault
    from ._options import FaultOptions

_MARKER = "apigw_fault"
_SEED = pytest.StashKey[str]()
_STARTED_BEFORE = pytest.StashKey[tuple[Any, ...]]()
_LONG_LIVED = pytest.StashKey["weakref.WeakSet[Any]"]()
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
    parser.addini(
        "apigw_fault_clients",
        "the HTTP clients faults answer when a marker or inject() names none"
        " (requests, httpx); default: every installed client whose backend"
        " (responses, respx) is installed",
        type="args",
        default=[],
    )


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "apigw_fault(name=None, *, api=None, endpoint=None, url=None, times=None,"
        " clients=None): answer execute-api calls made with requests or httpx"
        " with this API Gateway failure; without a name or an api, run the test"
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
    clients = config.getini("apigw_fault_clients")
    if clients:
        from ._options import parse_clients
        from ._table import ApigwFaultError

        try:
            parse_clients(clients)
        except ApigwFaultError as error:
            raise pytest.UsageError(f"apigw_fault_clients in the ini file: {error}") from None


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker uses the controller's seed."""
    node.workerinput["apigw_seed"] = node.config.stash[_SEED]


def pytest_report_header(config: pytest.Config) -> str:
    return f"apigw-faults: seed {config.stash[_SEED]} (reproduce with --apigw-seed)"


def _active() -> Any:
    """The registry of started faults, if any fault was ever made."""
    module = sys.modules.get("pytest_apigw_faults._fault")
    return None if module is None else module.ACTIVE


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    # faults made by hand in this test take their ids from its seed
    _seeding.seed_faults_from(f"{item.config.stash[_SEED]}:{item.nodeid}")
    active = _active()
    item.stash[_STARTED_BEFORE] = () if active is None else active.faults
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: Any) -> Iterator[Any]:
    """Faults a module- or session-scoped fixture starts are meant to outlive
    the test that first needs them: note them, so they are not reported."""
    if fixturedef.scope == "function":
        return (yield)
    active = _active()
    before = () if active is None else active.faults
    try:
        return (yield)
    finally:
        active = _active()
        if active is not None:
            kept = request.config.stash.setdefault(_LONG_LIVED, weakref.WeakSet())
            kept.update(fault for fault in active.faults if fault not in before)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    finally:
        _seeding.seed_faults_from(None)
        _stop_left_started(item)


def _stop_left_started(item: pytest.Item) -> None:
    """Stop the faults the test (or its function-scoped fixtures) started and
    left started, and say so."""
    active = _active()
    before = item.stash.get(_STARTED_BEFORE, None)
    if active is None or before is None:
        return
    kept = item.config.stash.get(_LONG_LIVED, ())
    left = [f for f in active.faults if f not in before and f not in kept]
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
    from ._options import merge_markers
    from ._table import ApigwFaultError

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
    from ._table import SCENARIOS

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
        assert options.name is not None
        assert options.api is not None
        scenario = SCENARIOS[(options.name, options.api)]
    fixture: ApigwFault = request.getfixturevalue("apigw_fault")
    fixture.inject(
        scenario,
        endpoint=options.endpoint,
        url=options.url,
        times=options.times,
        clients=options.clients,
    )


@pytest.fixture
def apigw_fault(request: pytest.FixtureRequest) -> Iterator[ApigwFault]:
    """Fake API Gateway failures for requests and httpx calls in this test.

    With the ``apigw_fault`` marker the marked fault is already injected;
    ``apigw_fault.inject(name, api=...)`` starts another. Then look at
    ``.scenario``, ``.calls``, ``.logs`` and ``.assert_response(response)``.
    Every fault stops when the test ends.
    """
    from ._fixture import ApigwFault

    clients: list[str] = request.config.getini("apigw_fault_clients")
    fixture = ApigwFault(
        seed=f"{request.config.stash[_SEED]}:{request.node.nodeid}",
        clients=tuple(clients) or None,
    )
    try:
        yield fixture
    finally:
        fixture._stop()
