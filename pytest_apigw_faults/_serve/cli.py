"""``python -m pytest_apigw_faults``: serve a fault on 127.0.0.1, list the table.

``serve`` runs the loopback gateway (:mod:`._server`) with one scenario until
Ctrl-C, for a client outside pytest; ``list`` prints the scenario table as
text, JSON or Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import enum
import gc
import json
import logging
import os
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TextIO

from .._gateway.table import ENDPOINTS, SCENARIOS, Api, ApigwFaultError, Scenario, scenario_names

__all__ = ["console", "main"]

_PROG = "python -m pytest_apigw_faults"
_FORMATS = ("table", "json", "markdown")
#: The calls ``serve`` keeps by default: it runs until Ctrl-C, so it keeps
#: the newest only, and counts the others.
KEEP_CALLS = 1000


def _latency(value: str) -> float | str:
    if value == "real":
        return value
    try:
        factor = float(value)
    except ValueError:
        factor = -1.0
    if not factor >= 0 or factor == float("inf"):
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither 'real' nor a scale factor (a number, 0 or more,"
            " e.g. 0.01)"
        )
    return factor


def _scenario(value: str) -> str:
    from .._gateway.websocket_rows import WEBSOCKET_SCENARIOS

    # the table's rows, and a WebSocket template's (the template decides which apply)
    names = [*scenario_names(), *(n for n in WEBSOCKET_SCENARIOS if n not in scenario_names())]
    if value in names:
        return value
    close = difflib.get_close_matches(value, names, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise argparse.ArgumentTypeError(
        f"invalid choice: {value!r}{hint} (choose from {', '.join(map(repr, names))})"
    )


def _keep_calls(value: str) -> int:
    try:
        keep = int(value)
    except ValueError:
        keep = -1
    if keep < 0:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of calls: a whole number, 0 or more (0 keeps"
            f" none, counting them only; default {KEEP_CALLS})"
        )
    return keep


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (0 for a free one, to 65535)")
    return port


def _parser(prog: str = _PROG) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Real Amazon API Gateway failures, outside pytest too."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{serve,list}")
    apis = [api.value for api in Api]
    endpoints = sorted({endpoint.value for kinds in ENDPOINTS.values() for endpoint in kinds})

    serve = commands.add_parser(
        "serve",
        help=(
            "answer HTTP/1.1 requests on 127.0.0.1 with one scenario, or with the API a"
            " template declares, until Ctrl-C"
        ),
        description=(
            "Answer every request on 127.0.0.1 with one scenario (--api, --scenario), or"
            " run the API a SAM, CloudFormation or OpenAPI template declares (--template),"
            " exactly as API Gateway does, until Ctrl-C. The first line printed is the"
            " base URL."
        ),
    )
    serve.set_defaults(parser=serve)
    serve.add_argument("--api", choices=apis, help="the kind of API")
    serve.add_argument(
        "--scenario", type=_scenario, metavar="NAME",
        help=(
            f"a scenario of the table: {', '.join(scenario_names())}; with a WebSocket"
            " --template, a WebSocket row (list --api websocket)"
        ),
    )
    _template_arguments(serve)
    serve.add_argument(
        "--endpoint", choices=endpoints, help="the endpoint type (default: the api's own)"
    )
    serve.add_argument(
        "--port", type=_port, default=0, metavar="N", help="the port (default: a free one)"
    )
    serve.add_argument("--seed", metavar="S", help="the seed of every id, for reproducible ids")
    serve.add_argument(
        "--latency", type=_latency, default=0.0, metavar="real|FACTOR",
        help=(
            "'real' waits the gateway's latency before each answer (29 s for a REST"
            " integration timeout), a factor such as 0.01 that share of it"
            " (default: 0, answer at once)"
        ),
    )
    _running_arguments(serve)
    _rendering_arguments(serve)
    _list_arguments(commands.add_parser(
        "list", help="print the scenario table",
        description=(
            "Print the scenario table; --format json gives every field of each row, and"
            " its endpoint_types: the endpoint types it exists on. The failures of a"
            " WebSocket API follow (--api websocket: they alone), with their own fields"
            " (phase, status, body, frame, close_code, error_type) and api 'websocket'."
        ),
    ))  # fmt: skip
    return parser


def _running_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "--quiet", action="store_true",
        help="log no line per request, only the start and the stop (faster under load)",
    )
    serve.add_argument(
        "--keep-calls", type=_keep_calls, default=KEEP_CALLS, metavar="N",
        help=(
            "keep the newest N calls in memory, counting the others (0 keeps none;"
            f" default: {KEEP_CALLS})"
        ),
    )


def _list_arguments(listing: argparse.ArgumentParser) -> None:
    listing.add_argument(
        "--api", choices=[*(api.value for api in Api), "websocket"],
        help="only this kind of API (websocket: the failures of a WebSocket API)",
    )
    listing.add_argument(
        "--format", choices=_FORMATS, default="table", help="the output format (default: table)"
    )


def _pair(value: str) -> tuple[str, str]:
    key, sep, rest = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{value!r} is not KEY=VALUE")
    return key, rest


def _template_arguments(serve: argparse.ArgumentParser) -> None:
    """The arguments of ``serve --template``: the Docker-free ``sam local start-api``."""
    serve.add_argument(
        "--template", metavar="PATH",
        help="a SAM, CloudFormation (CDK output) or OpenAPI template: serve its API",
    )
    serve.add_argument(
        "--api-name", metavar="NAME", help="the API's logical id, when the template has several"
    )
    serve.add_argument(
        "--parameter", action="append", type=_pair, dest="parameters", metavar="KEY=VALUE",
        help="a template parameter's value (repeat for more)",
    )
    serve.add_argument(
        "--stage", metavar="NAME", help="the stage to serve (default: the template's)"
    )
    serve.add_argument(
        "--handler", action="append", type=_pair, dest="handlers",
        metavar="KEY=MODULE:FUNCTION",
        help=(
            "a Python handler for a route ('GET /orders/{id}'), a function or an authorizer"
            " (by logical id) the template's own code cannot run (repeat for more)"
        ),
    )
    serve.add_argument(
        "--route", metavar="KEY",
        help="with --template and --scenario: the route that fails with the scenario",
    )


def _template_fault(args: argparse.Namespace) -> tuple[Any, str]:
    """The API ``--template`` declares (a scenario injected on ``--route``),
    and how to name it."""
    from .._core.template_websocket import api_from_template
    from .._core.websocket_api import WebSocketApi

    api = api_from_template(
        args.template, api_name=args.api_name, parameters=dict(args.parameters or ()),
        handlers=dict(args.handlers or ()), seed=args.seed, stage=args.stage,
        gateway_only={"endpoint": args.endpoint},
    )
    if isinstance(api, WebSocketApi):
        if args.endpoint is not None:
            raise ApigwFaultError(
                f"{args.template}: its API is a WebSocket API, which has no endpoint type:"
                " leave out --endpoint"
            )
        keys = ", ".join(api.route_keys)
        label = f"WebSocket API of {args.template} ({keys}) at /{api.place.stage}"
        if args.scenario is not None:  # every time: it serves until Ctrl-C
            row = api.inject(args.scenario, route=args.route, times=None)
            label += f", failing with {row.id}" + (f" on {args.route}" if args.route else "")
        api.start()  # its handlers' boto3 @connections calls, answered in this process
        return api, label
    label = f"{api.api.value} API of {args.template} ({len(api.routes)} routes)"
    if args.scenario is not None:
        if args.route is None:
            raise ApigwFaultError(
                f"--scenario {args.scenario} with --template fails one route: name it with"
                f" --route (one of {', '.join(repr(r.key) for r in api.routes)})"
            )
        api.inject(args.scenario, route=args.route)
        label += f", {args.route} failing with {args.scenario}"
    return api, label


def _rendering_arguments(serve: argparse.ArgumentParser) -> None:
    """The arguments of the rows whose bodies are rendered from the request."""
    serve.add_argument(
        "--required-parameter", action="append", dest="required_parameters",
        metavar="LOCATION.NAME",
        help=(
            "bad_request_parameters: a parameter the request validator requires, e.g."
            " querystring.key, header.x-api-version or path.id (repeat for more)"
        ),
    )
    serve.add_argument(
        "--account-id", metavar="ID",
        help="resource_policy_denied: the 12-digit account that owns the API",
    )
    serve.add_argument(
        "--explicit-deny", action="store_true", default=None,
        help="resource_policy_denied: a policy statement denies (not merely none allows)",
    )


# -- list -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """``value`` as JSON has it: bytes as text, enums as their value."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="backslashreplace")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, re.Pattern):  # a rendered body's form
        return _plain(value.pattern)
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(_plain(key)): _plain(item) for key, item in value.items()}
    return value


def _as_json(rows: Sequence[Scenario]) -> str:
    records = [
        {
            "id": row.id,
            **{f.name: _plain(getattr(row, f.name)) for f in dataclasses.fields(row)},
            "endpoint_types": _plain(row.endpoint_types),  # `endpoints` resolved: () is all
        }
        for row in rows
    ]
    return json.dumps(records, indent=2, ensure_ascii=False)


def _as_table(rows: Sequence[Scenario]) -> str:
    lines = [("id", "status", "latency", "evidence", "body")]
    lines += [
        (row.id, str(row.status), f"{row.latency:g} s", row.evidence.value,
         row.body.decode("utf-8", errors="backslashreplace"))
        for row in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]

    def row_text(line: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(line[:4], widths, strict=True)]
        return "  ".join([*cells, line[4]])

    return "\n".join(row_text(line) for line in lines)


def _as_markdown(api: Api | None) -> str:
    from .._docs.table import scenario_table

    return scenario_table(api=api)


def _websocket_records() -> list[dict[str, Any]]:
    from .._gateway.websocket import WEBSOCKET_SCENARIOS

    return [
        {"id": row.id, "api": "websocket",
         **{f.name: _plain(getattr(row, f.name)) for f in dataclasses.fields(row)}}
        for row in WEBSOCKET_SCENARIOS.values()
    ]


def _websocket_text(markdown: bool) -> str:
    """The WebSocket failures: the docs' table, or a line each (id, phase,
    evidence, what the client sees)."""
    from .._docs.table import websocket_seen, websocket_table
    from .._gateway.websocket import WEBSOCKET_SCENARIOS

    if markdown:
        return websocket_table()
    lines = [("id", "phase", "evidence", "seen")]
    lines += [
        (row.id, row.phase, row.evidence.value, websocket_seen(row).replace("`", ""))
        for row in WEBSOCKET_SCENARIOS.values()
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(line[:3], widths, strict=True)), line[3]])
        for line in lines
    )


def _list(args: argparse.Namespace, out: TextIO) -> int:
    if args.api == "websocket":
        if args.format == "json":
            print(json.dumps(_websocket_records(), indent=2, ensure_ascii=False), file=out)
        else:
            print(_websocket_text(args.format == "markdown"), file=out)
        return 0
    api = None if args.api is None else Api(args.api)
    rows = [row for row in SCENARIOS.values() if api is None or row.api is api]
    if args.format == "json":
        records = json.loads(_as_json(rows)) + (_websocket_records() if api is None else [])
        text = json.dumps(records, indent=2, ensure_ascii=False)
    elif args.format == "markdown":
        text = _as_markdown(api)
        if api is None:
            text += "\n\n" + _websocket_text(markdown=True)
    else:
        text = _as_table(rows) + ("\n\n" + _websocket_text(False) if api is None else "")
    print(text, file=out)
    return 0


# -- serve ----------------------------------------------------------------------------


_STOP = {signal.SIGINT, signal.SIGTERM}


def _stop_on_sigterm(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt


def _await_stop_signal() -> None:
    signal.sigwait(_STOP)


def _sleep_until_interrupted() -> None:
    while True:
        time.sleep(3600)


@contextlib.contextmanager
def _stop_signals() -> Iterator[Callable[[], None]]:
    """Yield the wait for Ctrl-C or SIGTERM. Where it can, the stop signals
    are blocked in this thread, and so in the threads started within, which
    inherit its mask: they reach this thread alone, which waits for them. A
    signal another thread took would not wake this one's sleep. Elsewhere
    (Windows), the wait is a sleep that KeyboardInterrupt ends."""
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    mask = None
    if hasattr(signal, "pthread_sigmask"):
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP)
    try:
        yield _sleep_until_interrupted if mask is None else _await_stop_signal
    finally:
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        signal.signal(signal.SIGTERM, previous)


def _scenario_fault(args: argparse.Namespace, parser: argparse.ArgumentParser) -> tuple[Any, str]:
    """The fault of ``--api`` and ``--scenario``, and how to name it."""
    from .._core.fault import Fault

    if args.api is None or args.scenario is None:
        parser.error("give --api and --scenario, or --template")
    api = Api(args.api)
    valid = scenario_names(api)
    if args.scenario not in valid:
        parser.error(
            f"argument --scenario: {args.scenario!r} is not a scenario of --api {api.value}"
            f" (choose from {', '.join(repr(name) for name in valid)})"
        )
    fault = Fault(
        args.scenario, api=api.value, endpoint=args.endpoint, seed=args.seed,
        required_parameters=args.required_parameters, account_id=args.account_id,
        explicit_deny=args.explicit_deny,
    )
    return fault, f"{api.value}-{args.scenario}"


def _endpoint(fault: Any) -> str:
    return "websocket" if not hasattr(fault, "endpoint") else str(fault.endpoint.value)


def _answered(fault: Any) -> int:
    """Every call answered, those no longer kept too (a WebSocket API: every event)."""
    return len(fault.events) if not hasattr(fault, "calls") else int(fault.calls.total)


def _serve(args: argparse.Namespace, out: TextIO, *, own_process: bool = False) -> int:
    from .server import GatewayServer

    parser: argparse.ArgumentParser = args.parser
    try:
        fault, label = (
            _template_fault(args) if args.template is not None else _scenario_fault(args, parser)
        )
        if hasattr(fault, "calls"):  # a WebSocketApi keeps frames and events instead
            fault.calls.keep = args.keep_calls  # it runs until Ctrl-C: bounded memory
        server = GatewayServer([fault], latency=args.latency, port=args.port)
    except ApigwFaultError as error:  # the values, not the usage: no usage text before it
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    with _stop_signals() as wait:
        try:
            server.start()
        except OSError as error:
            where = f"127.0.0.1:{args.port}"
            print(f"{args.parser.prog}: cannot listen on {where}: {error}", file=sys.stderr)
            return 1
        if not args.quiet:
            logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
        if own_process:
            # what the start-up made lives as long as the process: the collector
            # leaves it alone, so a collection costs the calls kept, not the imports
            gc.freeze()
        try:
            print(
                f"serving {label} ({_endpoint(fault)}) at {server.url}; Ctrl-C stops",
                file=sys.stderr,
                flush=True,
            )
            print(server.url, file=out, flush=True)  # last: who reads it may stop us at once
            wait()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            answered = _answered(fault)
            print(f"answered {answered} call{'' if answered == 1 else 's'}", file=sys.stderr)
    return 0


def console() -> int:
    """The ``apigw-faults`` command: :func:`main` under that name."""
    return main(prog="apigw-faults")


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, *, prog: str = _PROG
) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``)."""
    parser = _parser(prog)
    args = parser.parse_args(argv)
    stream = sys.stdout if out is None else out
    if args.command == "serve":
        return _serve(args, stream, own_process=out is None)
    try:
        return _list(args, stream)
    except BrokenPipeError:  # `| head`: the reader has what it wanted
        if out is None:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
