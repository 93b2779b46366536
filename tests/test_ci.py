"""The README's test command is what CI runs: in a fork's GitHub workflow and
in .ci/run. Both are read from the files themselves, never restated here."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from tools import book

WORKFLOW = book.ROOT / ".github" / "workflows" / "ci.yml"


def readme_test_command() -> str:
    """The command the README says CI runs, checked to be one of its commands."""
    readme = (book.ROOT / "README.md").read_text(encoding="utf-8")
    said = re.findall(r"`([^`]+)` is what CI runs", readme)
    assert len(said) == 1, "README must say once which command CI runs: `CMD` is what CI runs"
    block = re.search(r"## The two commands.*?```bash\n(.*?)```", readme, re.S)
    assert block, "README has no bash block under 'The two commands'"
    commands = [line.split("#", 1)[0].strip() for line in block.group(1).splitlines()]
    assert said[0] in commands, f"{said[0]!r} is not one of the README's commands {commands}"
    return said[0]


@pytest.fixture(scope="module")
def job() -> dict:
    workflow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    (only,) = workflow["jobs"].values()
    return only


def test_workflow_runs_exactly_the_readme_command(job):
    runs = [step["run"].strip() for step in job["steps"] if "run" in step]
    command = readme_test_command()
    assert runs.count(command) == 1, f"the workflow runs {runs}, not {command!r} once"
    # Nothing after it but uploads: the workflow's verdict is the command's.
    last = max(i for i, s in enumerate(job["steps"]) if s.get("run", "").strip() == command)
    assert all("upload-artifact" in s.get("uses", "") for s in job["steps"][last + 1:])


def test_workflow_is_ubuntu_python_311_with_chromium_and_node(job):
    assert job["runs-on"] == "ubuntu-latest"
    uses = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    assert str(uses["actions/setup-python"]["with"]["python-version"]) == "3.11"
    assert "actions/setup-node" in uses  # npm vendors the JavaScript (make vendor)
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "/usr/local/bin/chromium" in runs, "the browser check looks for `chromium` on PATH"
    assert job["timeout-minutes"] <= 90


def test_workflow_uploads_site_and_screenshots_even_on_failure(job):
    uploads = {
        s["with"]["path"]: s for s in job["steps"] if "upload-artifact" in s.get("uses", "")
    }
    assert set(uploads) == {"_build/html", "_build/screenshots"}
    assert all(s.get("if") == "always()" for s in uploads.values())


def test_ci_run_script_ends_with_the_readme_command():
    lines = [
        line.strip()
        for line in (book.ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert shlex.split(lines[-1]) == shlex.split(readme_test_command())
