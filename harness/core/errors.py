"""User-facing errors.

Anything a user can fix (an unknown name, a malformed file, an id out of range, a
missing optional package) raises :class:`HarnessError`. The CLI prints its message
as one line and exits with status 2; no traceback.
"""


class HarnessError(Exception):
    """An error the user can fix; the message names the problem and the fix."""


def first_line(exc: BaseException) -> str:
    """An exception's message on one line: its first line, and the next one when the first ends with ':'
    (torch: "Error(s) in loading state_dict for TinyNet:" / "size mismatch for ..."); its class name when empty."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    if not lines:
        return exc.__class__.__name__
    return f"{lines[0]} {lines[1]}" if lines[0].endswith(":") and len(lines) > 1 else lines[0]


def missing_package(package: str, feature: str, install: str | None = None) -> HarnessError:
    """The error for an optional dependency that is not installed."""
    how = install or f"pip install {package}"
    return HarnessError(f"{feature} needs the optional package '{package}', which is not installed; run: {how}")
