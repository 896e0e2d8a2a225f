"""The scenario matrix as ``pytest.param`` values."""

from __future__ import annotations

from typing import Any

import pytest

from .._gateway.table import SCENARIOS, Api, check_name, parse_api

__all__ = ["scenarios"]


def scenarios(*names: str, api: Api | str | None = None) -> list[Any]:
    """Rows of the table as ``pytest.param`` values with ids ``"{api}-{name}"``.

    With no names, every row (of ``api``, when given); unknown names and apis
    are an error that lists the valid ones. Use it with
    ``@pytest.mark.parametrize("scenario", scenarios(api="rest"))`` and
    ``apigw_fault.inject(scenario)``.
    """
    kind = None if api is None else parse_api(api)
    wanted = {check_name(name, kind) for name in names}
    return [
        pytest.param(row, id=row.id)
        for (name, row_api), row in SCENARIOS.items()
        if (kind is None or row_api is kind) and (not wanted or name in wanted)
    ]
