"""Progress lines for a person watching a long run: one per stage, with the time since it began.

Lines go through the ``pathways`` logger, which the ``pathways`` command sends to stderr (``-q``
keeps only warnings, ``-v`` adds detail). Used as a library, Pathways says nothing: the logger has
no handler until the command gives it one. No line names a person or a value from a record.
"""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("pathways")
_began = time.perf_counter()


def show_on_stderr(verbosity: int) -> None:
    """Send progress to stderr: -1 warnings only (``-q``), 0 stages, 1 and more detail (``-v``)."""
    global _began
    _began = time.perf_counter()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel({-1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG))


def step(message: str) -> None:
    """One progress line: ``[   12.3 s] link: training the model``."""
    log.info("[%7.1f s] %s", time.perf_counter() - _began, message)


def detail(message: str) -> None:
    """A line shown only with ``-v``."""
    log.debug("[%7.1f s]   %s", time.perf_counter() - _began, message)
