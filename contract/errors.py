"""The one exception a user sees: a plain sentence, no traceback, and the exit code it means.

Safe for the app to import: it holds no data and imports nothing else from ``pipelines``.

``pathways`` exits with one of ``EXIT_CODES``; each kind of error below carries its own.
"""

EXIT_CODES = {
    0: "done",
    1: "the data failed validation (pathways validate lists every problem)",
    2: "usage: a command, option or path given wrongly",
    3: "configuration: the --config file is missing, unreadable or has a bad value",
    4: "environment: something the machine lacks (a key, a browser, a font, disk space)",
}


class PathwaysError(Exception):
    """An error in the user's input or set-up, told in one or two plain sentences."""

    exit_code = 2  # a mistake in how the command was given, unless a kind below says otherwise


class SourcesError(PathwaysError):
    """The sources failed validation: a run cannot go ahead on them."""

    exit_code = 1


class ConfigError(PathwaysError):
    """The configuration file is missing, not JSON or TOML, or has a value out of bounds."""

    exit_code = 3


class SetupError(PathwaysError):
    """Something the machine must provide is missing: a secret, a browser, a font, space."""

    exit_code = 4


def first_problem(error: Exception) -> tuple[str, str, str]:
    """Where, what and which kind the first problem of a pydantic ``ValidationError`` is.

    ``where`` is the dotted setting or field (``disclosure.threshold``), ``what`` pydantic's own
    words without its "Value error, " prefix.
    """
    first = error.errors()[0]  # type: ignore[attr-defined]
    where = ".".join(str(part) for part in first["loc"]) or "the top level"
    return where, first["msg"].removeprefix("Value error, "), first["type"]
