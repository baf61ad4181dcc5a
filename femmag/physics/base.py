"""The contract every physics module keeps with :func:`femmag.step.advance` and the outputs.

A module is built once (constructor: parameters only, cheap, validated), set up once (spaces,
forms, PETSc objects, fields declared in the registry), and stepped many times::

    declare(fields)    optional: declare fields other modules read during *their* setup
    setup(fields)      build everything; declare written fields, read the fields it needs
    step(t, dt)        trial state at t + dt from the committed state at t
    commit()           accept the trial state (every module of the step succeeded)
    reject()           drop the trial state (some module failed; the step is retried)
    add_traces(traces) optional: columns of the time-trace table
    outputs()          optional: fields for the field writer (P1/DG functions on the main mesh)
    state()            optional: the committed state for checkpoints (``checkpointable = True``)
    restore(entries)   optional: set the state from a read checkpoint
    summary()          one or a few lines for the run log
    destroy()          optional: free PETSc objects collectively (on all ranks)

Data passes between modules only through the :class:`~femmag.fields.FieldRegistry` (functions,
:class:`~femmag.fields.QuadratureField` s and field providers), never through another module's
attributes. The hooks are methods of :class:`PhysicsModule`, so :mod:`femmag.step` and the writers
call them without ``hasattr``: a module that does not subclass it is refused by
:func:`check_module`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from femmag.errors import StepFailure  # noqa: F401  (re-exported: modules raise it)

if TYPE_CHECKING:
    from femmag.fields import FieldRegistry
    from femmag.io.traces import TraceRecorder


@dataclass(frozen=True)
class OutputField:
    """A field for the field writer.

    Attributes:
        function: a ``dolfinx.fem.Function`` on the simulation's mesh.
        unit: SI unit string (``"K"``, ``"1"``, ``"T"``).
        description: one line, written beside the field.
        picture: options of the PNG picture made at each field time on r-z meshes (``None``:
            no picture): ``title``, ``cmap``, ``clim``, ``component`` (of a vector field),
            ``file`` (file-name stem, default the function's name), ``depth`` (depth shown, in
            units of the stack thickness) and ``top`` (height above the surface shown, nm).
    """

    function: Any
    unit: str
    description: str = ""
    picture: dict | None = None

    @property
    def name(self) -> str:
        return self.function.name


class PhysicsModule(ABC):
    """Base class of every physics module of a :class:`~femmag.simulation.Simulation`.

    Attributes:
        name: short module name (``"heat"``, ``"magnetization"``...), also its PETSc prefix stem.
        reads: names of the fields it reads (checked at setup).
        writes: names of the fields it writes.
    """

    name: str = ""
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    #: the module implements :meth:`state` / :meth:`restore_values` (or has no state), so a run
    #: with it can be checkpointed and resumed
    checkpointable: bool = False

    def declare(self, fields: FieldRegistry) -> None:  # noqa: B027 - optional hook
        """Declare fields that other modules read during their own :meth:`setup` (before this
        module's setup runs). Default: nothing."""

    @abstractmethod
    def setup(self, fields: FieldRegistry) -> None:
        """Create spaces, forms, matrices and solvers; declare written fields; read others."""

    @abstractmethod
    def step(self, t: float, dt: float) -> Any:
        """Compute the trial state at ``t + dt`` from the committed state at ``t``.

        Returns optional diagnostics (e.g. Newton iterations). Raises :class:`StepFailure` when
        this Δt cannot be done.
        """

    @abstractmethod
    def commit(self) -> None:
        """Accept the trial state."""

    @abstractmethod
    def reject(self) -> None:
        """Discard the trial state: the committed state at ``t`` stays."""

    def add_traces(self, traces: TraceRecorder) -> None:  # noqa: B027 - optional hook
        """Add this module's columns to the time-trace table. Default: none."""

    def outputs(self) -> list[OutputField]:
        """Fields for the field writer. Default: none."""
        return []

    @abstractmethod
    def summary(self) -> str:
        """A short human-readable description (parameters, sizes)."""

    def state(self) -> dict[str, Any]:
        """The committed state for a checkpoint: name → :class:`~femmag.io.checkpoint.
        FunctionState` / :class:`~femmag.io.checkpoint.PointState` (distributed, written with
        rank-independent keys) or a value identical on every rank. Default: no state."""
        return {}

    def restore(self, entries: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Set the committed (and trial) state from a read checkpoint: ``entries[name]`` is
        ``(keys, values)`` for a distributed entry of :meth:`state` (assign it with the same
        state object's ``assign``) or the value of a replicated one."""

    def destroy(self) -> None:  # noqa: B027 - optional hook
        """Free PETSc objects (collective: call on all ranks). Default: nothing."""


class ModuleContractError(TypeError):
    """An object passed as a physics module does not implement :class:`PhysicsModule`."""


def check_module(module: Any) -> PhysicsModule:
    """Return ``module`` if it is a :class:`PhysicsModule` with a name; raise a clear error if not."""
    if not isinstance(module, PhysicsModule):
        raise ModuleContractError(
            f"{type(module).__name__} is not a femmag physics module: subclass "
            f"femmag.physics.base.PhysicsModule and implement setup, step, commit, reject and "
            f"summary (see the README's 'Adding a physics module')")
    if not module.name:
        raise ModuleContractError(f"{type(module).__name__} has no 'name'")
    return module
