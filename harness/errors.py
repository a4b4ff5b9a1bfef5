"""User-facing errors.

Anything a user can fix (an unknown name, a malformed file, an id out of range, a
missing optional package) raises :class:`HarnessError`. The CLI prints its message
as one line and exits with status 2; no traceback.
"""


class HarnessError(Exception):
    """An error the user can fix; the message names the problem and the fix."""


def missing_package(package: str, feature: str, install: str | None = None) -> HarnessError:
    """The error for an optional dependency that is not installed."""
    how = install or f"pip install {package}"
    return HarnessError(f"{feature} needs the optional package '{package}', which is not installed; run: {how}")
