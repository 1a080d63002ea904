"""``python -m analysis ARGS`` for tests, as a real child process without paying the imports each time.

A fresh ``python -m analysis`` spends 1.5-3.5 s importing pandas, pvlib, scipy, geopandas and DuckDB
before it looks at its arguments, and the suite runs the CLI dozens of times. :func:`run_cli` asks a
multiprocessing *forkserver* — started once per test process, with those libraries imported and
nothing else done — to fork a child for each call. The child is a separate process, as
``subprocess.run`` would start: it gets the call's working directory, environment and argv, its file
descriptors 0/1/2 are /dev/null and two files (so C libraries writing to fd 2 are captured as well),
it runs ``analysis/__main__.py`` (``runpy``, as ``-m`` does), then the interpreter's exit steps
(atexit handlers, garbage collection, flushing) and exits with the code ``sys.exit`` gave it;
an uncaught exception prints its traceback and exits 1, as Python does. The result is a
:class:`subprocess.CompletedProcess` (``returncode``, text ``stdout`` and ``stderr``); a call that
outlives ``timeout`` is killed and raises :class:`subprocess.TimeoutExpired`.

What it does not cover — the interpreter starting and importing the package from nothing, and
signals sent to the process — is tested with genuine subprocesses (``test_cli``'s ``--help`` and
signal tests, the interrupt tests in ``test_reliability`` and ``test_pipeline``).
"""

from __future__ import annotations

import locale
import multiprocessing
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Imported once in the fork server (what the commands import; none of it computes anything).
PRELOAD = ["cli_runner", "numpy", "pandas", "scipy.integrate", "pvlib", "geopandas", "pyogrio", "duckdb", "pyarrow",
           "yaml", "analysis", "analysis.cli", "analysis.config", "analysis.store", "analysis.pipeline",
           "analysis.campaign", "analysis.exports", "analysis.irradiance", "analysis.ingest.weather", "analysis.solar",
           "analysis.heat"]

_CONTEXT = None


def _context():
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


def _child(args, cwd, env, out_path, err_path, preexec_fn):
    """In the forked child: become ``python -m analysis ARGS`` and exit as it would."""
    import atexit
    import gc
    import runpy
    import traceback

    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    for fd, path in ((1, out_path), (2, err_path)):
        handle = os.open(path, os.O_WRONLY | os.O_TRUNC)
        os.dup2(handle, fd)
        os.close(handle)
    os.close(null)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    if preexec_fn is not None:
        preexec_fn()
    sys.argv = [sys.executable, *args]  # runpy sets argv[0] to analysis/__main__.py
    code = 0
    try:
        runpy.run_module("analysis", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    # The interpreter's exit steps: atexit handlers, destructors (e.g. DuckDB connections), flushing.
    try:
        atexit._run_exitfuncs()
        gc.collect()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code & 0xFF)


def run_cli(*args, timeout=300, cwd=ROOT, env=None, preexec_fn=None) -> subprocess.CompletedProcess:
    """Run ``python -m analysis *args`` in a forked child; return what ``subprocess.run`` would."""
    args = [str(a) for a in args]
    cmd = [sys.executable, "-m", "analysis", *args]
    with tempfile.TemporaryDirectory(prefix="cli-") as tmp:
        out_path, err_path = Path(tmp) / "stdout", Path(tmp) / "stderr"
        out_path.touch()
        err_path.touch()
        proc = _context().Process(target=_child, args=(args, str(cwd), dict(os.environ if env is None else env),
                                                       str(out_path), str(err_path), preexec_fn))
        proc.start()
        proc.join(timeout)
        if proc.exitcode is None:
            proc.kill()
            proc.join()
            raise subprocess.TimeoutExpired(cmd, timeout)
        encoding = locale.getpreferredencoding(False)
        stdout = out_path.read_text(encoding=encoding)
        stderr = err_path.read_text(encoding=encoding)
    return subprocess.CompletedProcess(cmd, proc.exitcode, stdout, stderr)
