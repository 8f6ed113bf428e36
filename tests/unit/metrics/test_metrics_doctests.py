"""The examples in the metrics and events docstrings run and say what they show."""

from __future__ import annotations

import doctest

import pytest

import contract.curves
import contract.periods
import metrics.registry
import pipelines.config
import pipelines.events


@pytest.mark.parametrize(
    "module",
    [contract.curves, contract.periods, metrics.registry, pipelines.config, pipelines.events],
)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
