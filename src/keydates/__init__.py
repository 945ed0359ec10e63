"""keydates: timelines of key dates kept as TOML, published as calendars."""

# The one place the version is written (pyproject.toml reads it from here):
# importlib.metadata took a seventh of `keydates --help`.
__version__ = "0.1.0"

__all__ = ["__version__"]
