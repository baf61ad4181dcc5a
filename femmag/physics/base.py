"""The protocol every physics module follows: declare, set up once, step many times, commit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from femmag.fields import FieldRegistry


@runtime_checkable
class PhysicsModule(Protocol):
    """A physics module.

    Attributes:
        name: short module name ("heat", "magnetization", ...), also its PETSc prefix stem.
        reads: names of fields it reads (checked at setup).
        writes: names of fields it writes.
    """

    name: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]

    def setup(self, fields: FieldRegistry) -> None:
        """Create spaces, forms, matrices and solvers; declare written fields; note read fields."""

    def step(self, t: float, dt: float) -> None:
        """Compute the trial state at ``t + dt`` from the committed state at ``t``."""

    def commit(self) -> None:
        """Accept the trial state (called after every module of the step succeeded)."""

    def summary(self) -> str:
        """A short human-readable description (parameters, sizes) printed on rank 0."""
