"""``python -m analysis``."""

import os
import sys

from analysis.cli import main

code = main()
if code in (130, 143):
    # Interrupted: the command has already unwound (rollback, temporary files removed, its one line
    # printed). Leave without the interpreter's finalisation, which tears modules down while library
    # threads (DuckDB, BLAS, the shading pool's feeder) may still be running — once a SIGTERM during
    # `bench` ended in a segmentation fault there instead of exit 143.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
