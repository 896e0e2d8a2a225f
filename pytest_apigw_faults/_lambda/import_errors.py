"""What importing a user's handler module raised, told in the user's own
lines: the error first, then the frames of the user's code (not the standard
library's, not an installed package's, not this package's), and for a
``SyntaxError`` the line it points at."""

from __future__ import annotations

import os
import sysconfig
import traceback

__all__ = ["import_failure"]

_HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _users(filename: str) -> bool:
    paths = sysconfig.get_paths()
    stdlib = os.path.join(paths["stdlib"], "")  # before 3.11, os.py is a file of its own there
    installed = tuple(os.path.join(paths[key], "") for key in ("purelib", "platlib"))
    if filename.startswith(("<frozen ", _HERE)):
        return False
    return not filename.startswith(stdlib) or filename.startswith(installed)


def import_failure(error: BaseException) -> str:
    """``"<Type>: <message>"`` and, on the lines after it, where in the
    user's code it was raised (a ``SyntaxError``'s file, line and caret
    last)."""
    frames = [f for f in traceback.extract_tb(error.__traceback__) if _users(f.filename)]
    where = traceback.format_list(frames)
    only = traceback.format_exception_only(type(error), error)
    name = type(error).__name__
    if isinstance(error, SyntaxError):  # its location comes before its "SyntaxError: …" line
        first = next((i for i, line in enumerate(only) if line.startswith(name)), 0)
        where, only = where + only[:first], only[first:]
    what = "".join(only).rstrip("\n")
    return "\n".join(filter(None, (what, "".join(where).rstrip("\n"))))
