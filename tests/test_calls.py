"""``fault.calls`` and ``apigw_fault.calls``: lists to read, O(1) to read the
newest, merged in order across faults and threads, and the bounded window of
long-running servers (``python -m pytest_apigw_faults serve --keep-calls``)."""

from __future__ import annotations

import http.client
import itertools
import json
import threading

import pytest
from test_cli import Serving, usage_error

from pytest_apigw_faults import ApigwFaultError, Fault
from pytest_apigw_faults._core import calls as calls_module
from pytest_apigw_faults._core import runtime as runtime_module
from pytest_apigw_faults._core.calls import Calls
from pytest_apigw_faults._serve.server import GatewayServer

URL = "https://abc123def4.execute-api.us-east-1.amazonaws.com/prod/orders"


class _Request:
    """A request object of a client (weak-referenceable, as theirs are)."""


def answer(fault, count=1):
    """``count`` calls answered by ``fault``, without a client."""
    return [
        fault.answer("requests", _Request(), read_timeout=None, url=URL) for _ in range(count)
    ]


def test_a_fault_s_calls_read_as_a_list():
    fault = Fault("function_error", api="rest", seed=1)
    assert fault.calls == []
    assert not fault.calls
    made = answer(fault, 4)
    calls = fault.calls
    assert calls == made
    assert made == calls
    assert calls != made[:3]
    assert calls != tuple(made)  # as a list is not equal to a tuple
    assert (len(calls), calls[0], calls[-1], calls[-4]) == (4, made[0], made[-1], made[0])
    assert calls[1:3] == made[1:3]
    assert calls[::-1] == made[::-1]
    assert list(calls) == made
    assert list(reversed(calls)) == made[::-1]
    assert made[2] in calls
    assert calls.index(made[2]) == 2
    assert calls + [] == made  # noqa: RUF005 - a list's own +
    assert [] + calls == made  # noqa: RUF005
    assert calls + calls == made + made
    assert repr(calls) == repr(made)
    assert (calls.total, calls.dropped, calls.keep) == (4, 0, None)
    with pytest.raises(IndexError, match="list index out of range"):
        calls[4]
    with pytest.raises(TypeError, match="unhashable"):
        hash(calls)


def test_the_fixture_s_calls_read_as_a_list_and_stay_as_taken(apigw_fault):
    first = apigw_fault.inject("function_error", api="rest")
    second = apigw_fault.inject("lambda_throttled", api="http")
    assert apigw_fault.calls == []
    made = [*answer(first), *answer(second, 2), *answer(first)]
    before = apigw_fault.calls
    later = answer(second)
    now = apigw_fault.calls
    assert before == made
    assert len(before) == 4
    assert now == [*made, *later]
    assert now[-1] is later[0]
    assert now[-5] is made[0]
    assert now[1:3] == made[1:3]
    assert list(reversed(now)) == [*made, *later][::-1]
    assert repr(now) == repr(list(now))
    assert sorted(first.calls + second.calls, key=lambda c: c.seq) == now
    with pytest.raises(IndexError):
        now[5]


def test_calls_of_several_faults_and_threads_keep_the_order_they_were_answered(apigw_fault):
    faults = [apigw_fault.inject("function_error", api="rest") for _ in range(3)]
    seen = []

    def work(fault):
        for _ in range(50):
            answer(fault)
            seen.append(apigw_fault.calls)  # views taken while others answer

    threads = [threading.Thread(target=work, args=(f,)) for f in faults for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    calls = apigw_fault.calls
    assert len(calls) == 300
    assert [c.seq for c in calls] == sorted(c.seq for f in faults for c in f.calls)
    for fault in faults:  # each fault's own are in order, numbered under its lock
        assert [c.seq for c in fault.calls] == sorted(c.seq for c in fault.calls)
    for view in seen:  # every view in order, and a prefix of the last
        assert list(view) == list(calls)[: len(view)]


def test_a_call_recorded_after_a_later_numbered_one_is_merged_in_order(
    apigw_fault, monkeypatch
):
    first = apigw_fault.inject("function_error", api="rest")
    second = apigw_fault.inject("function_error", api="rest")
    numbers = iter([10, 20, 30, 15])
    monkeypatch.setattr(runtime_module, "next_seq", lambda: next(numbers))
    a, b = answer(first, 2)
    taken = apigw_fault.calls
    (c,) = answer(second)  # numbered 30
    assert apigw_fault.calls == [a, b, c]
    (d,) = answer(second)  # 15: after a, before b (its thread was slower to record)
    assert [call.seq for call in apigw_fault.calls] == [10, 15, 20, 30]
    assert taken == [a, b]  # a view already taken keeps what it had
    assert first.calls == [a, b]
    assert second.calls == [c, d]


def test_reading_the_newest_call_does_not_go_through_the_earlier_ones(
    apigw_fault, monkeypatch
):
    faults = [apigw_fault.inject("function_error", api="rest") for _ in range(2)]
    for _ in range(500):
        for fault in faults:
            answer(fault)
    assert len(apigw_fault.calls) == 1000
    merged_sizes: list[int] = []
    seq_reads = itertools.count()
    real_merged, real_seq = calls_module.merged, calls_module._seq

    def spy_merged(chunks):
        chunks = [list(chunk) for chunk in chunks]
        merged_sizes.append(sum(map(len, chunks)))
        return real_merged(chunks)

    def spy_seq(call):
        next(seq_reads)
        return real_seq(call)

    monkeypatch.setattr(calls_module, "merged", spy_merged)
    monkeypatch.setattr(calls_module, "_seq", spy_seq)
    for _ in range(3):
        newest = answer(faults[0])[0]
        assert apigw_fault.calls[-1] is newest
        assert faults[0].calls[-1] is newest
    assert merged_sizes == []
    assert next(seq_reads) == 0
    both = [*answer(faults[0]), *answer(faults[1])]
    assert apigw_fault.calls[-2:] == both
    assert merged_sizes == [2]  # the two new calls only, not the 1005 before


def test_the_window_keeps_the_newest_and_counts_the_rest():
    fault = Fault("function_error", api="rest", seed=1)
    fault.calls.keep = 3
    made = answer(fault, 10)
    calls = fault.calls
    assert calls == made[-3:]
    assert (len(calls), calls.total, calls.dropped) == (3, 10, 7)
    assert (calls[0], calls[-1], calls[-3], calls[1:]) == (made[7], made[9], made[7], made[8:])
    assert list(reversed(calls)) == made[:-4:-1]
    assert repr(calls) == f"<the newest 3 of 10 calls: {made[-3:]!r}>"
    with pytest.raises(IndexError):
        calls[3]
    with pytest.raises(IndexError):
        calls[-4]
    assert len(calls._items) < 2 * 3  # trimmed as it goes: bounded memory
    answer(fault, 1000)
    assert len(calls._items) < 2 * 3
    assert calls.total == 1010


def test_a_window_of_0_keeps_none_and_a_smaller_one_trims_at_once():
    fault = Fault("function_error", api="rest", seed=1)
    made = answer(fault, 5)
    fault.calls.keep = 2
    assert fault.calls == made[-2:]
    assert fault.calls.total == 5
    fault.calls.keep = 0
    answer(fault, 3)
    assert (fault.calls, fault.calls.total, fault.calls.dropped) == ([], 8, 8)
    assert fault.calls._items == []


def test_a_restarted_fault_keeps_its_window():
    fault = Fault("function_error", api="rest", seed=1)  # whichever client is installed
    fault.calls.keep = 2
    with fault:
        answer(fault, 3)
    with fault:
        assert (fault.calls, fault.calls.total, fault.calls.keep) == ([], 0, 2)


@pytest.mark.parametrize("keep", [-1, 1.5, True, "3"])
def test_a_bad_window_names_the_valid_ones(keep):
    with pytest.raises(ApigwFaultError) as excinfo:
        Calls().keep = keep
    assert str(excinfo.value) == (
        "keep takes the number of newest calls to keep: a whole number, 0 or more (0 keeps"
        f" none, counting them only), or None to keep every call; got {keep!r}"
    )


def test_the_report_and_the_checks_count_the_calls_a_window_dropped(apigw_fault):
    fault = apigw_fault.inject("function_error", api="rest")
    fault.calls.keep = 2
    answer(fault, 5)
    calls = apigw_fault.calls
    assert (len(calls), calls.total, calls.dropped) == (2, 5, 3)
    row = json.loads(apigw_fault._report_row())
    assert row["attempts"] == 5
    assert len(row["calls"]) == 2
    apigw_fault.assert_retried(4)
    with pytest.raises(AssertionError) as excinfo:
        apigw_fault.assert_not_retried()
    message = str(excinfo.value)
    assert "got 4 retries (5 attempts)" in message
    assert "calls (5, the newest 2 kept):" in message
    assert "#3 rest-function_error" in message
    assert "#4 rest-function_error" in message


def test_the_server_s_window():
    fault = Fault("function_error", api="rest", seed=1)
    fault.calls.keep = 2
    with GatewayServer([fault]) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            for _ in range(5):
                connection.request("GET", "/prod/orders")
                assert connection.getresponse().read()
        finally:
            connection.close()
    assert (len(fault.calls), fault.calls.total) == (2, 5)
    assert all(call.client == "server" for call in fault.calls)


@pytest.mark.parametrize("value", ["-1", "many", "1.5", ""])
def test_keep_calls_must_be_a_whole_number(capsys, value):
    err = usage_error(
        capsys, "serve", "--api", "rest", "--scenario", "function_error", "--keep-calls", value
    )
    assert err.splitlines()[-1] == (
        "python -m pytest_apigw_faults serve: error: argument --keep-calls:"
        f" {value!r} is not a number of calls: a whole number, 0 or more (0 keeps none,"
        " counting them only; default 1000)"
    )


def test_serve_keeps_a_window_and_says_how_many_calls_it_answered():
    with Serving(
        "--api", "rest", "--scenario", "function_error", "--keep-calls", "1"
    ) as serving:
        for _ in range(3):
            assert serving.get()[0] == 502
        err = serving.stop()
    assert err.splitlines()[-1] == "answered 3 calls"
