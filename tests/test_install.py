"""The package as users install it: one client, another, or all of them.

The install matrix (noxfile.py) runs the whole suite against the built wheel,
in venvs with ``[requests]``, ``[httpx]``, ``[aiohttp]``, ``[all]`` and the
lowest declared versions, and sets ``APIGW_FAULTS_MATRIX`` to the row's extra.
These tests check what only such a venv can show: the package comes from the
wheel, the other clients are really absent, and asking for one names the extra
that installs it. They run (or skip) wherever the suite runs; nothing here
fakes a missing module.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import pytest
from support import set_up_inner, warnings_as_errors

import pytest_apigw_faults
from pytest_apigw_faults import ApigwFaultError, Fault
from pytest_apigw_faults._core.options import CLIENTS  # client -> (backend, extra)

ROW = os.environ.get("APIGW_FAULTS_MATRIX")
SOURCE_TREE = Path(__file__).resolve().parent.parent
URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


def found(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


INSTALLED = [client for client, (backend, _) in CLIENTS.items() if found(client) and found(backend)]
ABSENT = [client for client in CLIENTS if not found(client)]
HALF_INSTALLED = [c for c, (backend, _) in CLIENTS.items() if found(c) and not found(backend)]

in_matrix = pytest.mark.skipif(ROW is None, reason="only in an install matrix venv (noxfile.py)")


@in_matrix
def test_the_package_is_the_installed_wheel_not_the_source_tree() -> None:
    location = Path(pytest_apigw_faults.__file__).resolve()
    assert "site-packages" in location.parts
    assert not location.is_relative_to(SOURCE_TREE)


@in_matrix
def test_the_venv_has_the_clients_of_its_extra_and_no_other() -> None:
    if ROW == "all":
        assert {"requests", "httpx"} <= set(INSTALLED)
    else:
        assert INSTALLED == [ROW]
        assert set(ABSENT) == set(CLIENTS) - {ROW}


@pytest.mark.parametrize("client", list(CLIENTS))
def test_asking_for_an_absent_client_names_the_extra_that_installs_it(client: str) -> None:
    if client not in ABSENT:
        pytest.skip(f"{client} is installed")
    backend, extra = CLIENTS[client]
    with pytest.raises(ApigwFaultError) as error:
        Fault("function_error", api="rest", clients=client).start()
    message = str(error.value)
    assert message.startswith(f"client {client!r} needs {client} and {backend}, but {client}")
    assert message.endswith(f" not installed: pip install '{extra}'")


@pytest.mark.parametrize("client", list(CLIENTS))
def test_a_marker_asking_for_an_absent_client_fails_the_test_naming_the_extra(
    pytester: pytest.Pytester, client: str
) -> None:
    if client not in ABSENT:
        pytest.skip(f"{client} is installed")
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_other=f"""
        import pytest


        @pytest.mark.apigw_fault("function_error", api="rest", clients={client!r})
        def test_x():
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    extra = CLIENTS[client][1].replace("[", "[[]")
    result.stdout.fnmatch_lines([f"*pip install '{extra}'*"])


def test_by_default_a_fault_answers_the_installed_clients_without_a_warning() -> None:
    if HALF_INSTALLED:
        pytest.skip(f"installed without their backends (a warning is due): {HALF_INSTALLED}")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with Fault("function_error", api="rest") as fault:
            assert fault.clients == tuple(INSTALLED)


@pytest.mark.parametrize("client", ["requests", "httpx"])
def test_the_marker_faults_the_one_installed_client(
    pytester: pytest.Pytester, client: str
) -> None:
    if client not in INSTALLED:
        pytest.skip(f"{client} is not installed")
    call = {
        "requests": "requests.get(URL, timeout=60)",
        "httpx": "httpx.get(URL, timeout=60)",
    }[client]
    set_up_inner(pytester)
    pytester.makepyfile(
        test_user_one=f"""
        import {client}
        import pytest

        URL = {URL!r}


        @pytest.mark.apigw_fault(api="rest")
        def test_every_rest_failure(apigw_fault):
            response = {call}
            assert response.status_code == apigw_fault.scenario.status
            apigw_fault.assert_response(response)
            assert [c.client for c in apigw_fault.calls] == [{client!r}]
        """
    )
    result = pytester.runpytest(*warnings_as_errors())
    rest_rows = [s for s in pytest_apigw_faults.SCENARIOS.values() if s.api.value == "rest"]
    result.assert_outcomes(passed=len(rest_rows))
