"""The exception hierarchy.

::

    FncallError
      ├─ SpecError        a mistake in a *.fncall.yaml file: a collection error
      ├─ ProviderError    the model could not be asked, or answered unusably: a test error
      └─ FncallFailure    the model did the wrong thing (a test failure listing every failed check)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import Failure, Trajectory


class FncallError(Exception):
    """Base class of every error pytest-fncall raises on purpose."""


@dataclass(frozen=True)
class SpecProblem:
    """One problem in a spec file; ``line`` is 1-based, ``key_path`` like ``cases.a.expect``."""

    path: Path
    line: int | None
    key_path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path.name}:{self.line}" if self.line else self.path.name
        return (
            f"{where}: {self.key_path}: {self.message}"
            if self.key_path
            else (f"{where}: {self.message}")
        )


class SpecError(FncallError):
    """One or more problems in a spec file, found while collecting it."""

    def __init__(self, problems: Sequence[SpecProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ProviderError(FncallError):
    """The provider failed: bad configuration, transport error or an unusable response."""


class FncallFailure(FncallError, AssertionError):
    """The model's behaviour failed one or more checks."""

    def __init__(self, failures: Sequence[Failure], trajectory: Trajectory) -> None:
        self.failures = tuple(failures)
        self.trajectory = trajectory
        codes = ", ".join(failure.code for failure in self.failures)
        super().__init__(f"{len(self.failures)} check(s) failed: {codes}")
