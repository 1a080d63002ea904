"""Errors that reach the user as one line: what went wrong, where, and how to fix it."""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input: a file, a record in it, or an argument.

    The message is built to be shown alone on one line by the CLI::

        <file>: <record>: <problem> — fix: <what to do>

    Parameters
    ----------
    problem : str
        What is wrong, in plain words.
    path : str or os.PathLike, optional
        The file the problem was found in.
    record : str, optional
        The row, feature or field (e.g. ``"row 12"``, ``"feature id=7"``).
    fix : str, optional
        What the user should do about it.
    """

    def __init__(self, problem: str, *, path=None, record=None, fix=None):
        self.problem = problem
        self.path = None if path is None else str(path)
        self.record = record
        self.fix = fix
        super().__init__(self.one_line())

    def one_line(self) -> str:
        parts = [p for p in (self.path, self.record) if p]
        text = ": ".join(parts + [self.problem]) if parts else self.problem
        if self.fix:
            text += f" — fix: {self.fix}"
        return " ".join(text.split())  # one line, whatever the inputs held
