"""The one exception a user sees: a plain sentence, no traceback.

Safe for the app to import: it holds no data and imports nothing else from ``pipelines``.
"""


class PathwaysError(Exception):
    """An error in the user's input or set-up, told in one or two plain sentences."""
