"""keydates: timelines of key dates kept as TOML, published as calendars."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("keydates")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
