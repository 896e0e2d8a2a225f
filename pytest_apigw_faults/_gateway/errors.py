"""The plugin's one error class, in a module of its own so that what the pytest
plugin loads at start-up needs nothing else of the package."""

from __future__ import annotations

__all__ = ["ApigwFaultError"]


class ApigwFaultError(ValueError):
    """Bad input to the plugin: an unknown scenario, api, endpoint or argument."""

    __module__ = "pytest_apigw_faults"  # its public home, in tracebacks and pickles
