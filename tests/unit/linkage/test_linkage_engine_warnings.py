"""The linkage report keeps the engines' warnings, never a value an engine quotes."""

from __future__ import annotations

import logging
import warnings

from pipelines.linkage.link import engine_warnings


def test_a_quoted_value_in_an_engine_warning_is_masked_in_the_report():
    report: list[dict[str, object]] = []
    with engine_warnings(report):
        warnings.warn("Could not convert 'Ana Lopez' to DATE", UserWarning, stacklevel=1)
        logging.getLogger("splink").warning('Level "1984-02-29" will not be trained')
        logging.getLogger("splink").warning('Level "1984-02-29" will not be trained')
    assert report == [
        {"message": "splink: Level '…' will not be trained", "times": 2},
        {"message": "UserWarning: Could not convert '…' to DATE", "times": 1},
    ]
