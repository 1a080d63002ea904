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
        return _single_line(text)

    def lines(self) -> list[str]:
        """The message as printed by the CLI, one line per problem."""
        return [self.one_line()]


class ConfigError(InputError):
    """A place config with one or more violations, each already a complete one-line message.

    Parameters
    ----------
    violations : list of str
        One line per violation: file, key, what was expected and an example.
    path : path, optional
        The config file.
    """

    def __init__(self, violations: list[str], *, path=None):
        self.violations = [_single_line(v) for v in violations] or ["invalid place config"]
        more = len(self.violations) - 1
        super().__init__(self.violations[0] + (f" (and {more} more problem{'s' * (more > 1)})" if more else ""))
        self.path = None if path is None else str(path)

    def one_line(self) -> str:
        return _single_line(self.problem)

    def lines(self) -> list[str]:
        return list(self.violations)


class Interrupted(KeyboardInterrupt):
    """A run stopped by SIGINT (Ctrl-C) or SIGTERM, saying honestly what the store now holds.

    Parameters
    ----------
    signum : int
        The signal received (``signal.SIGINT`` or ``signal.SIGTERM``).
    stored : bool or None
        True when the new results were committed completely before the signal took effect,
        False when the store keeps its previous results, None for commands that write no store
        (or when it could not be looked at).
    run_id : int, optional
        The run whose results the store holds after the interrupt.
    """

    def __init__(self, signum: int, stored: bool | None = None, run_id: int | None = None):
        self.signum, self.stored, self.run_id = signum, stored, run_id
        super().__init__(self.one_line())

    @property
    def exit_code(self) -> int:
        """128 + the signal number: 130 for Ctrl-C, 143 for SIGTERM (shell convention)."""
        return 128 + int(self.signum)

    def one_line(self) -> str:
        import signal

        name = {signal.SIGINT: "interrupted (Ctrl-C)", signal.SIGTERM: "terminated (SIGTERM)"}.get(
            self.signum, f"stopped by signal {self.signum}")
        if self.stored is True:
            return f"{name} after the new results were stored completely (run {self.run_id}); the store holds them"
        if self.stored is False:
            kept = f" (run {self.run_id})" if self.run_id else ""
            return f"{name}: the new results were not stored; the store keeps its previous results{kept}"
        return f"{name} before the command finished"


def _single_line(text: str) -> str:
    return " ".join(str(text).split())  # one line, whatever the inputs held
