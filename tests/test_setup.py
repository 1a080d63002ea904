"""Project set-up: pins agree, data have provenance, the spatial extension loads offline."""

import re
import tomllib

import pytest
import yaml
from conftest import ROOT

from analysis import store


def _norm(req):
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(map(_norm, project["dependencies"]))
    for extra in project["optional-dependencies"].values():
        wanted |= set(map(_norm, extra))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    got = {_norm(r) for r in pip if not r.startswith("-e")}
    assert got == wanted


def test_spatial_loads_from_the_wheel_without_network():
    con = store.connect()
    assert con.execute("SELECT ST_Area(ST_GeomFromText('POLYGON((0 0,2 0,2 2,0 2,0 0))'))").fetchone()[0] == 4.0
    assert con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()[0] is False


def test_every_data_folder_has_a_readme():
    for folder in [p for p in (ROOT / "data").iterdir() if p.is_dir()]:
        assert (folder / "README.md").is_file(), folder


def test_no_cdn_in_book_or_package():
    """No CDN address anywhere the book or the package is built from, vendored scripts included
    (MathJax's bundle carried three; book/_vendor/mathjax/README.md says how they were replaced)."""
    book = [p for p in ROOT.joinpath("book").rglob("*") if p.is_file() and p.suffix in (".md", ".js", ".css", ".html", ".yml")]
    for path in [*book, ROOT / "_config.yml", ROOT / "_toc.yml", *ROOT.joinpath("analysis").rglob("*.py")]:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = re.search(r"cdn\.jsdelivr|unpkg\.com|cdnjs|googleapis\.com|gstatic\.com", text)
        if path.name == "README.md":  # provenance notes may name where a file came from
            continue
        assert not found, (path, found and text[max(0, found.start() - 80):found.end() + 40])


def _ci_skip_guard() -> str:
    """The Python block of .ci/run that fails the run when a book/browser test was skipped."""
    text = (ROOT / ".ci" / "run").read_text()
    return re.search(r"<<'PY'\n(.*?)\nPY\n", text, re.S).group(1)


def test_ci_fails_when_a_browser_test_was_skipped(tmp_path):
    import subprocess
    import sys

    report = tmp_path / "junit.xml"
    report.write_text('<testsuites><testsuite><testcase classname="tests.test_book" name="test_every_page_in_chromium">'
                      '<skipped message="no chromium"/></testcase><testcase classname="tests.test_solar" name="t"/>'
                      '</testsuite></testsuites>')
    out = subprocess.run([sys.executable, "-c", _ci_skip_guard(), str(report)], capture_output=True, text=True)
    assert out.returncode == 1 and "test_every_page_in_chromium" in out.stderr
    report.write_text('<testsuites><testsuite><testcase classname="tests.test_book" name="x"/>'
                      '<testcase classname="tests.test_fuzz" name="y"><skipped/></testcase></testsuite></testsuites>')
    assert subprocess.run([sys.executable, "-c", _ci_skip_guard(), str(report)]).returncode == 0


def test_missing_chromium_fails_under_ci(monkeypatch):
    import importlib

    import pytest

    name = "book_build" if (ROOT / "tests" / "book_build.py").is_file() else "test_book"  # helpers move with the book tests
    module = importlib.import_module(name)
    require = getattr(module, "require_chromium", None) or getattr(module, "_require_chromium")
    monkeypatch.setattr(module, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but Chromium is missing"):
        require()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception):
        require()


@pytest.mark.slow  # runs the pipeline, a CLI command on real data or a pytest session
def test_xdist_groups_keep_shared_fixture_tests_in_one_worker(tmp_path):
    """The suite's time budget rests on ``--dist loadgroup`` sending every test of one pipeline run
    (Camden store + book build) to one worker; a pytest/xdist upgrade once made it silently ignore
    the groups (pytest-xdist#1386) and both workers built the book. Grouping is checked here as the
    suite's own conftest applies it (markers added in ``pytest_collection_modifyitems``)."""
    import subprocess
    import sys

    (tmp_path / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.hookimpl(tryfirst=True)\n"
        "def pytest_collection_modifyitems(config, items):\n"
        "    for item in items:\n"
        "        if 'grouped' in item.name:\n"
        "            item.add_marker(pytest.mark.xdist_group('shared'))\n")
    (tmp_path / "test_a.py").write_text(
        "import os, time, pathlib\n"
        "def _mark(name):\n"
        "    time.sleep(0.05)\n"
        "    (pathlib.Path(__file__).parent / f'{name}.worker').write_text(os.environ['PYTEST_XDIST_WORKER'])\n"
        + "".join(f"def test_grouped_{i}(): _mark('g{i}')\ndef test_free_{i}(): _mark('f{i}')\n" for i in range(6)))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider",
                          str(tmp_path)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    workers = {(tmp_path / f"g{i}.worker").read_text() for i in range(6)}
    assert len(workers) == 1, f"grouped tests ran in {sorted(workers)}: --dist loadgroup ignores xdist_group"


def test_extension_signature_checked_once_per_process_and_again_when_the_file_changes(tmp_path):
    """store.connect skips DuckDB's ~0.25 s signature check only for the very file it has already
    checked in this process; a tampered copy (another size or time) is checked and refused.

    Run in a child process: a second copy of the extension loaded into the test process (and its
    file deleted afterwards) leaves a fork handler pointing at unloaded code, and the next test
    that forks workers (the shading kernel does) crashed with a segmentation fault."""
    import subprocess
    import sys

    script = tmp_path / "check.py"
    script.write_text(f"""
import os
import shutil
from pathlib import Path

import duckdb

from analysis import store

good = Path({str(tmp_path)!r}) / "good" / "spatial.duckdb_extension"
good.parent.mkdir()
shutil.copy(store.spatial_extension_path(), good)
store.spatial_extension_path = lambda: good
store._SIGNATURE_CHECKED.clear()
con = store.connect()
assert con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0] is False
con.close()
con = store.connect()  # the same, checked file: loaded without the check
assert con.execute("SELECT current_setting('allow_unsigned_extensions')").fetchone()[0] is True
assert con.execute("SELECT ST_X(ST_Point(1, 2))").fetchone()[0] == 1.0
con.close()
data = bytearray(good.read_bytes())
data[len(data) // 2] ^= 0xFF  # one flipped byte: the signature no longer matches
good.write_bytes(bytes(data) + b"\\0")
try:
    store.connect()
except duckdb.Error:
    print("refused", flush=True)
# A refused (tampered) extension leaves DuckDB's process state unsafe: this process would crash
# on exit or at the next fork. It has said what it had to; it ends here without clean-up.
os._exit(0)
""", encoding="utf-8")
    import os

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "refused"
