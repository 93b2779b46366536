"""Shared test set-up: the repository root on sys.path, the Keras backend, the markers."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dlbook._setup import configured_backend  # noqa: E402

# Tests that import keras without dlbook.setup() get the backend the book is
# configured for (DLBOOK_BACKEND), e.g. JAX where TensorFlow is not installed.
os.environ["KERAS_BACKEND"] = configured_backend()


# ---- scheduling on xdist workers (`pytest -n 2`, as make test runs the unit tests) -----
#
# Some tests share an expensive set-up that each worker process does once: an exercise's
# trained models (cached by the exercise object), a lab exported, generated and autograded
# by nbgrader (a module-scoped fixture). With xdist's default `--dist load` the tests of
# one set-up are spread over both workers, and each worker trains or autogrades again.
# Such tests carry `pytest.mark.xdist_group(name)`; `-n` here schedules with
# `--dist loadgroup`, which sends a group to one worker (ungrouped tests are scheduled
# one by one, as with `load`), and the groups start first, the labs autograded by
# nbgrader (a minute or more each) before the others, so that a long group does not end
# up alone on one worker at the end of the run.


def pytest_configure(config):
    # xdist registers the mark too; this is for a run without it (-p no:xdist)
    config.addinivalue_line("markers", "xdist_group(name): run on the worker of this group")
    if getattr(config.option, "dist", "no") == "load":  # the controller of `-n N`
        config.option.dist = "loadgroup"
        config.option.loadscopereorder = False  # keep the order set below
    worker = getattr(config, "workerinput", None)
    if worker is not None and worker.get("dlbook_loadgroup"):
        # A worker parses the command line again (no --dist in it): this is what
        # makes it add the group to each test's id for the controller's scheduler.
        config.option.loadgroup = True


@pytest.hookimpl(optionalhook=True)  # an xdist hook, run by the controller
def pytest_configure_node(node):
    node.workerinput["dlbook_loadgroup"] = node.config.option.dist == "loadgroup"


def _group(item) -> str | None:
    mark = item.get_closest_marker("xdist_group")
    return None if mark is None else str(mark.args[0])


def _rank(item) -> int:
    group = _group(item)
    if group is None:
        return 2
    return 0 if group.startswith("nbgrader-") else 1


@pytest.hookimpl(trylast=True)  # after pytest has ordered the items by their fixtures
def pytest_collection_modifyitems(config, items):
    items.sort(key=_rank)  # stable: the order within each rank is kept
    if getattr(config.option, "loadgroup", False):  # on a worker of --dist loadgroup
        for item in items:
            group = _group(item)
            if group is not None and "@" not in item.nodeid and hasattr(item, "_id"):
                # The scheduler reads a test's group from its id, `<nodeid>@<group>`.
                # xdist 3.8 writes it to item._nodeid, which pytest 9.2 no longer reads
                # (the id is item._id, a NodeId): without this, no group would hold.
                item._id = type(item._id).parse(f"{item.nodeid}@{group}")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close what a test left drawn (a notebook cell it ran, a demo): the next test on the
    same worker starts with no open figure (tests/test_widgets.py counts them)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
