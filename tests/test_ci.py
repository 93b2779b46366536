"""The README's test command is what CI runs: in a fork's GitHub workflow and
in .ci/run. Both are read from the files themselves, never restated here."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest
import yaml

from tools import book, colab_constraints

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
    versions = str(uses["actions/setup-python"]["with"]["python-version"]).split()
    assert versions[-1] == "3.11", "the last version is the default: the one that runs make"
    assert makefile_variable("COLAB_PYTHON_VERSION") in versions, "Colab's Python, for .venv-colab"
    assert "actions/setup-node" in uses  # npm vendors the JavaScript (make vendor)
    runs = " ".join(s.get("run", "") for s in job["steps"])
    assert "/usr/local/bin/chromium" in runs, "the browser check looks for `chromium` on PATH"
    assert "poppler-utils" in runs, "the PDF check renders pages with poppler's pdftoppm"
    assert job["timeout-minutes"] <= 90


def test_workflow_uploads_site_screenshots_and_pdf_even_on_failure(job):
    uploads = {
        s["with"]["path"]: s for s in job["steps"] if "upload-artifact" in s.get("uses", "")
    }
    assert set(uploads) == {"_build/html", "_build/screenshots", "_build/pdf"}
    assert all(s.get("if") == "always()" for s in uploads.values())


def test_ci_run_script_ends_with_the_readme_command():
    lines = [
        line.strip()
        for line in (book.ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert shlex.split(lines[-1]) == shlex.split(readme_test_command())


def makefile_variable(name: str) -> str:
    makefile = (book.ROOT / "Makefile").read_text(encoding="utf-8")
    (value,) = re.findall(rf"^{name}\s*\??:?=\s*(\S+)", makefile, re.M)
    return value


def pins(path) -> dict[str, str]:
    """name -> version of a fully pinned requirements file; fails on a loose line."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version, f"{path.name}: {line!r} is not pinned with =="
            found[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = version
    return found


def test_colab_stack_is_one_dated_fully_pinned_file():
    path = book.ROOT / makefile_variable("COLAB")
    match = re.fullmatch(r"colab-(\d{4})-(\d{2})\.txt", path.name)
    assert match and path.parent.name == "constraints", path
    assert sorted(path.parent.glob("colab-*.txt")) == [path], "one dated file: delete the older"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = " ".join(line.lstrip("# ") for line in lines[: lines.index(next(
        line for line in lines if not line.startswith("#")))])
    year, month = match.groups()
    assert f"Colab's runtime of {year}-{month}-" in header, "the header must name the runtime's date"
    versions = pins(path)
    assert versions["tensorflow-cpu"].startswith("2.") and versions["keras"].startswith("3.")
    for name in ("tensorflow-cpu", "keras", "numpy"):
        said = f"{name.replace('-cpu', '')} {versions[name]}"
        assert said in header.lower().replace(",", ""), f"the header does not name {said}"
    # The venv's Python is Colab's minor version, the one the header names.
    python = makefile_variable("COLAB_PYTHON_VERSION")
    named = {".".join(v.split(".")[:2]) for v in re.findall(r"Python (\d+\.\d+[.\d]*)", header)}
    assert named == {python}, f"the header names Python {named}, the Makefile {python}"
    assert "tools/colab_constraints.py" in header, "the header names the script that wrote it"


def test_colab_venv_runs_colab_python():
    venv = book.ROOT / makefile_variable("COLAB_VENV")
    if not (venv / "bin" / "python").exists():
        pytest.skip(f"no {venv.name}: run `make env-colab` (make test makes it first)")
    done = subprocess.run([str(venv / "bin" / "python"), "-c",
                           "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == makefile_variable("COLAB_PYTHON_VERSION")


def test_find_python_prints_nothing_for_a_missing_version():
    script = book.ROOT / "tools" / "find_python.sh"
    done = subprocess.run(["bash", str(script), "find", "3.99"], capture_output=True, text=True)
    assert (done.returncode, done.stdout) == (1, "")
    done = subprocess.run(["bash", str(script), "find"], capture_output=True, text=True)
    assert done.returncode == 2 and "usage" in done.stderr


def test_colab_constraints_keeps_colab_versions_and_says_why_not():
    freeze = "\n".join([
        "keras==3.13.2", "numpy==2.1.3", "tensorflow==2.20.0", "ipython==7.34.0",
        "torch @ https://example.invalid/torch.whl", "",
    ])
    colab, constraints = colab_constraints.read_freeze(freeze)
    assert not [c for c in constraints if "@" in c] and colab["keras"] == "3.13.2"
    lines, warnings = colab_constraints.annotate(
        "keras==3.13.2\nnumpy==2.2.0\nnbval==0.11.0\nsix==1.17.0\n"
        "tensorflow_cpu==2.20.0\njedi==0.20.1\n", colab)
    assert lines == [
        "keras==3.13.2",
        "numpy==2.2.0  # Colab: 2.1.3",
        "nbval==0.11.0  # test tool, not in Colab",
        "six==1.17.0  # not in Colab's list",
        "tensorflow_cpu==2.20.0  # Colab: tensorflow==2.20.0 (same numbers, no CUDA stub logs)",
        "jedi==0.20.1  # not in Colab's list; IPython 7.34.0 needs it",
    ]
    assert len(warnings) == 2  # numpy and six: a reason to write in WHY


def test_jax_environment_has_no_tensorflow():
    versions = pins(book.ROOT / "requirements-jax.txt")
    assert "jax" in versions and "jaxlib" in versions and "keras" in versions
    assert not [n for n in versions if n.startswith("tensorflow")]
