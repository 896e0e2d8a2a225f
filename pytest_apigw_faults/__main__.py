"""``python -m pytest_apigw_faults serve|list``: see :mod:`._serve.cli`."""

from __future__ import annotations

from ._serve.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
