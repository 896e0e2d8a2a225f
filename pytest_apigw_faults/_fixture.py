"""The object behind the ``apigw_fault`` fixture."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ._check import method_of, response_problems, wire_of
from ._fault import Call, Fault, iter_calls
from ._table import Scenario

__all__ = ["ApigwFault"]


class ApigwFault:
    """Faults for one test: inject them, then look at what the client did.

    Every fault injected here is stopped when the test ends, whether it
    passed, failed or errored. With the ``apigw_fault`` marker, the marked
    fault is already injected when the test starts.
    """

    def __init__(self, seed: str, clients: Sequence[str] | None = None) -> None:
        self._seed = seed
        self._clients = clients
        self._faults: list[Fault] = []

    def inject(
        self,
        scenario: str | Scenario,
        *,
        api: str | None = None,
        endpoint: str | None = None,
        url: str | re.Pattern[str] | None = None,
        times: int | None = None,
        clients: str | Sequence[str] | None = None,
    ) -> Fault:
        """Start a fault until the end of the test; it takes the marker's
        arguments, or a :class:`Scenario` from the table."""
        fault = Fault(
            scenario,
            api=api,
            endpoint=endpoint,
            url=url,
            times=times,
            clients=self._clients if clients is None else clients,
            seed=f"{self._seed}:{len(self._faults)}",
        )
        fault.start()
        self._faults.append(fault)
        return fault

    @property
    def faults(self) -> tuple[Fault, ...]:
        """Every fault injected in this test, oldest first."""
        return tuple(self._faults)

    @property
    def fault(self) -> Fault:
        """The fault injected last."""
        if not self._faults:
            raise LookupError(
                "no fault is injected: mark the test with @pytest.mark.apigw_fault"
                "(...) or call apigw_fault.inject(...)"
            )
        return self._faults[-1]

    @property
    def scenario(self) -> Scenario:
        """The scenario of the fault injected last."""
        return self.fault.scenario

    @property
    def calls(self) -> list[Call]:
        """Every call the faults answered, in order."""
        return list(iter_calls(self._faults))

    @property
    def logs(self) -> list[str]:
        """The execution-log lines of every call, in order (REST only)."""
        return [line for call in self.calls for line in call.logs]

    def assert_response(self, response: Any) -> None:
        """Check a ``requests`` or ``httpx`` response against the gateway.

        Status, body bytes, header names in order and the form of every
        value must be those of the scenario; for a response one of the faults
        here sent, every value must also be the one it sent. The failure
        message lists each difference.
        """
        __tracebackhide__ = True
        got = wire_of(response)
        call = next((c for c in self.calls if c.response is response), None)
        fault = self.fault if call is None else call.fault
        scenario = fault.scenario if call is None else call.scenario
        sent = None if call is None else call.exchange.response
        problems = response_problems(got, scenario, fault.endpoint, sent, method_of(response))
        if problems:
            listing = "\n".join(f"  {p}" for p in problems)
            raise AssertionError(
                f"response does not match {scenario.id} ({fault.endpoint.value}):\n{listing}"
            )

    def _stop(self) -> None:
        errors: list[Exception] = []
        for fault in reversed(self._faults):
            try:
                fault.stop_all()
            except Exception as error:  # stop the others all the same
                errors.append(error)
        if errors:
            raise errors[0]
