"""The examples in rosenblatt's docstrings run and print what they show (stdlib doctest over
every module that has one), so the documentation cannot drift from the code."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import rosenblatt

_SKIP = {"rosenblatt.__main__"}  # importing it runs the command line


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(rosenblatt.__path__, "rosenblatt."):
        if info.name in _SKIP:
            continue
        spec = importlib.util.find_spec(info.name)
        origin = getattr(spec, "origin", None)
        if origin and origin.endswith(".py"):
            with open(origin, encoding="utf-8") as f:
                if ">>> " in f.read():
                    names.append(info.name)
    return names


MODULES = _modules_with_examples()


def test_there_are_examples_to_run():
    assert len(MODULES) >= 10


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = [t for t in finder.find(module, name) if t.examples]
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
