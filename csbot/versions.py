"""The library versions the seams were written against: a seam refuses to load on any other.

Each seam (csbot/channel_layer.py, csbot/server.py, csbot/transport.py,
csbot/api_http.py, chat/dispatching.py) subclasses a library class and
overrides or copies part of it; what it relies on was read in one release
series. A different major or minor version may change that code without
notice, so the process stops at import with the file to re-read, instead of
running with a seam that no longer fits. tests/csbot/test_seams.py pins the
source of every overridden library function, so a patch release that touches
one fails the tests too.
"""

from importlib import metadata


class UnsupportedVersion(RuntimeError):
    """The installed library is not the release series a seam was written for."""


def require(distribution: str, series: str, seam: str) -> None:
    """Raise UnsupportedVersion unless `distribution` is installed in release series `series` ("4.3")."""
    installed = metadata.version(distribution)
    if installed.split(".")[:2] != series.split("."):
        raise UnsupportedVersion(
            f"{seam} was written for {distribution} {series}.x, but {installed} is installed: "
            f"re-read the overridden code in {distribution} and update {seam} (see docs/architecture.md, Seams)"
        )
