r"""Time stepping shared by the induction solvers (r-z A_φ and 3D N1curl A), and their traces.

Both solve :math:`σ D_t(A + g(t)\,a_h) + θ K A^{n+1} + (1-θ) K A^n = θ b^{n+1} + (1-θ) b^n` for
the induced potential A with the *same* discrete derivative :math:`D_t y = c_0 y^{n+1} + c_1 y^n +
c_2 y^{n-1}` applied to the separable impressed potential g(t)·a_h, so that a step of the impressed
flux needs no Dirac source. :class:`InductionStepper` holds what the two have in common: the scheme
weights, the committed/trial history (A^n, A^{n-1}, g), the cumulative energy bookkeeping, and one
factorized system matrix c0 M_σ + θK per distinct c0 (an LRU
:class:`~femmag.solvers.StepSolverCache`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

from femmag.physics.base import StepFailure
from femmag.solvers import SolverDivergedError, StepSolverCache, check_ksp, persistent_comm

__all__ = ["SCHEMES", "InductionSolveFailure", "InductionStepper", "InductionTrace",
           "time_derivative_weights"]

SCHEMES = ("euler", "bdf2", "cn")


def time_derivative_weights(scheme: str, dt: float, dt_prev: float | None
                            ) -> tuple[float, tuple[float, float, float]]:
    """θ and the weights of D_t y = c0 y^{n+1} + c1 y^n + c2 y^{n-1} for one step.

    ``"bdf2"`` is the variable-step BDF2 (ratio w = Δt/Δt_prev), started by one backward Euler
    step (``dt_prev`` None); ``"euler"`` and ``"cn"`` use the one-step difference, with θ = 1 and
    θ = 1/2 on the spatial operator.
    """
    theta = 0.5 if scheme == "cn" else 1.0
    if scheme == "bdf2" and dt_prev is not None:
        w = dt / dt_prev
        return theta, ((1 + 2 * w) / ((1 + w) * dt), -(1 + w) / dt, w * w / ((1 + w) * dt))
    return theta, (1.0 / dt, -1.0 / dt, 0.0)


def persistent_vector(V: Any) -> PETSc.Vec:
    """A ghosted PETSc vector of the space ``V`` (as ``dolfinx.fem.petsc.create_vector``) on
    :func:`~femmag.solvers.persistent_comm` of the mesh's communicator.

    A vector on the mesh's communicator that is dropped without ``destroy()`` can never be
    cleaned up once DOLFINx has freed that communicator with the mesh: it strands it (measured:
    one communicator per mesh). On ``COMM_WORLD``, :func:`femmag.parallel.collect_garbage`
    frees it. PETSc accepts it with the mesh's matrices and vectors (congruent communicators).
    """
    index_map, bs = V.dofmap.index_map, V.dofmap.index_map_bs
    ghosts = np.asarray(index_map.ghosts, dtype=PETSc.IntType)
    if bs > 1:
        ghosts = (bs * ghosts[:, None] + np.arange(bs, dtype=PETSc.IntType)).ravel()
    comm = persistent_comm(V.mesh.comm)
    vec = PETSc.Vec().createGhost(ghosts, size=(bs * index_map.size_local,
                                                bs * index_map.size_global), bsize=bs, comm=comm)
    vec.set(0.0)
    return vec


def persistent_matrix(A: PETSc.Mat) -> PETSc.Mat:
    """``A`` (assembled, AIJ) copied onto :func:`~femmag.solvers.persistent_comm` of its
    communicator; ``A`` is destroyed. See :func:`persistent_vector` for why."""
    comm = persistent_comm(A.getComm())
    if comm is not MPI.COMM_WORLD:  # one rank (freed at once) or a sub-communicator
        return A
    copy = PETSc.Mat().createAIJ(size=A.getSizes(), csr=A.getValuesCSR(), comm=comm)
    copy.assemble()
    A.destroy()
    return copy


class InductionSolveFailure(StepFailure):
    """The linear solve of an induction step failed (the step is retried with a smaller Δt)."""


@dataclass
class InductionTrace:
    """Time traces recorded by the induction solvers' ``run`` (SI units).

    The energies are recorded by both solvers; the probe observables by the solver that has them
    (None otherwise): the r-z solver samples the film line at ``radii``, the 3D solver samples
    ``points``.

    Attributes:
        times: t [s], shape (n_t,).
        magnetic_energy: ∫ |∇×A|²/(2μ0) dV over the box [J], shape (n_t,).
        joule_energy: cumulative ∫∫ σ|E|² dV dt [J], shape (n_t,).
        source_work: cumulative work of the impressed EMF (and, in 3D, of the magnetization
            source) [J], shape (n_t,).
        numerical_dissipation: cumulative (θ - ½)ΔAᵀKΔA of the θ-scheme [J] (0 for CN and BDF2).
        impressed_field_z: B_IFE,z at the probe points [T], shape (n_t, n_probes).
        radii: r-z: probe radii on the film [m], shape (n_r,).
        induced_field_z: r-z: B_i,z = (∇×A)_z + B_IFE,z on the film [T], shape (n_t, n_r).
        induced_field_r: r-z: B_i,r = -∂_zA (mean of both sides) [T], shape (n_t, n_r).
        electric_field: r-z: E_φ on the film [V/m], shape (n_t, n_r).
        points: 3D: probe points [m], shape (n_p, 3).
        field: 3D: B = ∇×A + B_IFE at the points [T], shape (n_t, n_p, 3).
        average_field_z: 3D: Gaussian-weighted conductor average of B_z (see
            :meth:`~femmag.physics.induction.nedelec3d.Induction3D.film_average_field_z`) [T],
            shape (n_t,) (NaN if not requested).
        magnetic_moment: 3D: ½∫ x × j dV over the conductor [A m²], shape (n_t, 3).
    """

    times: np.ndarray
    magnetic_energy: np.ndarray
    joule_energy: np.ndarray
    source_work: np.ndarray
    numerical_dissipation: np.ndarray
    impressed_field_z: np.ndarray
    radii: np.ndarray | None = None
    induced_field_z: np.ndarray | None = None
    induced_field_r: np.ndarray | None = None
    electric_field: np.ndarray | None = None
    points: np.ndarray | None = None
    field: np.ndarray | None = None
    average_field_z: np.ndarray | None = None
    magnetic_moment: np.ndarray | None = None

    @property
    def energy_imbalance(self) -> np.ndarray:
        """(ΔW + Joule + numerical dissipation - source work) / max|source work| (≈ 0)."""
        scale = max(np.max(np.abs(self.source_work)), 1e-300)
        return (self.magnetic_energy - self.magnetic_energy[0] + self.joule_energy
                + self.numerical_dissipation - self.source_work) / scale


class InductionStepper(ABC):
    """Scheme, history, energy bookkeeping and factorization cache of an induction solver.

    A subclass builds its spaces and matrices, calls :meth:`_init_state` with the space of A, and
    implements :meth:`_system_matrix` (c0 M_σ + θK with the Dirichlet rows) and :meth:`step`
    (from :meth:`_begin_step` to :meth:`_end_step`).

    Args:
        source: impressed flux with ``amplitude(t)`` (None: no IFE).
        scheme: ``"bdf2"``, ``"euler"`` or ``"cn"``.
        t_start: initial time [s] (A = 0 there).
        solver_name: options-prefix stem of the direct solvers.
        sequential_lu: factorize with PETSc's own LU (one rank, a 2D system) instead of MUMPS.

    Attributes:
        vector_potential: the committed A (Function).
        joule_energy, source_work, numerical_dissipation: cumulative energies [J] (see
            :attr:`InductionTrace.energy_imbalance`).
        solve_count, factorization_count: linear solves and factorizations so far.
    """

    def __init__(self, *, source: Any, scheme: str, t_start: float, solver_name: str,
                 sequential_lu: bool = False) -> None:
        if scheme not in SCHEMES:
            raise ValueError(f"{type(self).__name__}: scheme={scheme!r} is unknown; choose one of "
                             f"{SCHEMES}.")
        self.source = source
        self.scheme = scheme
        self.theta = 0.5 if scheme == "cn" else 1.0
        self.t = float(t_start)
        self._g_now = self._amplitude(self.t)
        self._g_prev = self._g_now
        self._dg_now = 0.0  # D_t g of the committed step
        self._dt_prev: float | None = None
        self.joule_energy = 0.0
        self.source_work = 0.0
        self.numerical_dissipation = 0.0
        self._powers = (0.0, 0.0)  # committed Joule and source power [W]
        self._trial_powers = (0.0, 0.0)
        self._trial_energy = (0.0, 0.0, 0.0)
        self.solve_count = 0
        self.factorization_count = 0
        self._solvers = StepSolverCache(self._count_factorization, solver_name,
                                        small=sequential_lu)
        # the exact c0 each cached factorization was built with (key → c0, least recently used
        # first, as in the cache): a restored run rebuilds the same matrices
        self._factorized_c0: dict[float, float] = {}

    def _init_state(self, V: Any) -> None:
        """The Functions of the committed A^n, the previous A^{n-1} and the trial A^{n+1}."""
        from dolfinx import fem

        self.vector_potential = fem.Function(V, name="vector_potential")
        self._previous = fem.Function(V)
        self._trial = fem.Function(V)

    def _amplitude(self, t: float) -> float:
        return 0.0 if self.source is None else float(self.source.amplitude(t))

    # --- the linear solver of one step ------------------------------------------------------
    @abstractmethod
    def _system_matrix(self, c0: float) -> PETSc.Mat:
        """c0 M_σ + θ K with identity rows/columns at the Dirichlet dofs (a new matrix)."""

    def _count_factorization(self, key: float) -> PETSc.Mat:
        self.factorization_count += 1
        # the exact c0 of the step that needs the matrix, not the rounded key: the discrete
        # energy identity of the θ-schemes holds with the c0 of E = -D_t(A + g a_h)
        return self._system_matrix(self._c0_requested)

    def _solve(self, c0: float, rhs: PETSc.Vec, what: str) -> PETSc.Vec:
        """Solve (c0 M_σ + θK) A^{n+1} = rhs into the trial A; raise a step failure if it fails.

        Δt's that differ in the last digits (t1 - t0 of a time grid) share a factorization: c0 is
        the cache key to 12 digits.
        """
        self._c0_requested = c0
        key = float(f"{c0:.12e}")
        ksp = self._solvers.get(key)
        self._factorized_c0[key] = self._factorized_c0.pop(key, c0)
        while len(self._factorized_c0) > self._solvers.max_size:
            self._factorized_c0.pop(next(iter(self._factorized_c0)))
        A_new = self._trial.x.petsc_vec
        ksp.solve(rhs, A_new)
        try:
            check_ksp(ksp, what)
        except SolverDivergedError as error:
            raise InductionSolveFailure(str(error)) from error
        self._trial.x.scatter_forward()
        self.solve_count += 1
        return A_new

    # --- one step ---------------------------------------------------------------------------
    def _begin_step(self, t: float, dt: float) -> tuple[float, float, float, float, float]:
        """Check (t, dt); return the weights c0, c1, c2 of D_t, g(t + dt) and D_t g."""
        name = type(self).__name__
        if not dt > 0:
            raise ValueError(f"{name}.step: dt = {dt!r} s must be positive.")
        if abs(t - self.t) > 1e-9 * dt + 1e-24:
            raise ValueError(f"{name}.step: t = {t!r} s differs from the committed time "
                             f"{self.t!r} s; steps must be consecutive.")
        _, (c0, c1, c2) = time_derivative_weights(self.scheme, dt, self._dt_prev)
        g_new = self._amplitude(t + dt)
        dg = c0 * g_new + c1 * self._g_now + c2 * self._g_prev
        return c0, c1, c2, g_new, dg

    def _combine(self, out: PETSc.Vec, a0: float | None, a1: float, a2: float) -> PETSc.Vec:
        """out = a0 A^{n+1} + a1 A^n + a2 A^{n-1} (a0 None: without the trial term)."""
        out.set(0.0)
        if a0 is not None:
            out.axpy(a0, self._trial.x.petsc_vec)
        out.axpy(a1, self.vector_potential.x.petsc_vec)
        if a2 != 0.0:
            out.axpy(a2, self._previous.x.petsc_vec)
        return out

    def _end_step(self, t: float, dt: float, g_new: float, dg: float, *, two_step: bool,
                  joule_power: float, source_power: float, dissipation: float) -> None:
        """Record the trial powers and energy increments of the step.

        Args:
            two_step: a BDF2 step (not its Euler start): the energies are integrated with the
                trapezoidal rule (second order like the scheme); otherwise the θ-scheme's exact
                discrete identity (power × Δt).
        """
        if two_step:
            joule = 0.5 * dt * (joule_power + self._powers[0])
            work = 0.5 * dt * (source_power + self._powers[1])
        else:
            joule, work = dt * joule_power, dt * source_power
        self._trial_energy = (joule, work, dissipation)
        self._trial_powers = (joule_power, source_power)
        self._trial_step = (t + dt, dt, g_new, dg)

    def _commit_state(self) -> None:
        """Accept the trial fields (A^{n-1} ← A^n ← A^{n+1}); subclasses add their own."""
        self._previous.x.array[:] = self.vector_potential.x.array
        self.vector_potential.x.array[:] = self._trial.x.array

    def commit(self) -> None:
        """Accept the trial state of the last :meth:`step`."""
        t_new, dt, g_new, dg = self._trial_step
        self._commit_state()
        self._g_prev, self._g_now, self._dg_now = self._g_now, g_new, dg
        self._dt_prev = dt
        self.t = t_new
        joule, work, dissipation = self._trial_energy
        self._powers = self._trial_powers
        self.joule_energy += joule
        self.source_work += work
        self.numerical_dissipation += dissipation

    def reject(self) -> None:
        """Nothing to undo: a step computes a trial state from the committed one."""

    # --- checkpoints ---------------------------------------------------------------------------
    def _state_functions(self) -> dict[str, Any]:
        """Committed Functions besides A^n and A^{n-1} that a later step or output reads."""
        return {}

    def _restored(self) -> None:
        """Rebuild what derives from the restored Functions (assembled loads, curl...)."""

    def state(self) -> dict[str, Any]:
        """The committed state for a checkpoint (see :meth:`femmag.physics.base.PhysicsModule.
        state`): A^n, A^{n-1} and the solver's other committed Functions (rank-independent
        keys), the time, the BDF2 history (previous Δt, g, D_t g), the cumulative energies and
        the exact c0 of the cached factorizations."""
        from femmag.physics.induction.checkpointing import dof_state

        entries: dict[str, Any] = {
            "t": self.t, "g_now": self._g_now, "g_prev": self._g_prev, "dg_now": self._dg_now,
            "dt_prev": np.nan if self._dt_prev is None else self._dt_prev,
            "energies": np.array([self.joule_energy, self.source_work,
                                  self.numerical_dissipation]),
            "powers": np.array(self._powers),
            "solve_count": self.solve_count,
            "factorization_count": self.factorization_count,
            "factorized_keys": np.array(list(self._factorized_c0), dtype=float),
            "factorized_c0": np.array(list(self._factorized_c0.values()), dtype=float),
            "mpi_size": self.comm.size,
            "vector_potential": dof_state(self.vector_potential),
            "previous_vector_potential": dof_state(self._previous),
        }
        for name, function in self._state_functions().items():
            entries[name] = dof_state(function)
        return entries

    def restore(self, entries: dict[str, Any]) -> None:
        """Set the committed state from the entries of :meth:`state` (a read checkpoint)."""
        from femmag.physics.induction.checkpointing import check_rank_count, dof_state

        check_rank_count(self.vector_potential.function_space, entries["mpi_size"], self.comm,
                         type(self).__name__)
        functions = {"vector_potential": self.vector_potential,
                     "previous_vector_potential": self._previous, **self._state_functions()}
        for name, function in functions.items():
            dof_state(function).assign(*entries[name])
            # the assignment covers the dofs of owned cells; ghost-only dofs (of ghost cells,
            # used by point probes and interpolation) come from their owners
            function.x.scatter_forward()
        self.t = float(entries["t"])
        self._g_now, self._g_prev = float(entries["g_now"]), float(entries["g_prev"])
        self._dg_now = float(entries["dg_now"])
        dt_prev = float(entries["dt_prev"])
        self._dt_prev = None if np.isnan(dt_prev) else dt_prev
        self.joule_energy, self.source_work, self.numerical_dissipation = (
            float(e) for e in np.atleast_1d(entries["energies"]))
        self._powers = tuple(float(p) for p in np.atleast_1d(entries["powers"]))
        # the factorizations the checkpointed run held, in its order and with its exact c0:
        # later steps that reuse them solve with the same matrices as the uninterrupted run
        self._solvers.destroy()
        self._factorized_c0 = {}
        for key, c0 in zip(np.atleast_1d(entries["factorized_keys"]),
                           np.atleast_1d(entries["factorized_c0"]), strict=True):
            self._c0_requested = float(c0)
            self._solvers.get(float(key))
            self._factorized_c0[float(key)] = float(c0)
        self.solve_count = int(entries["solve_count"])
        self.factorization_count = int(entries["factorization_count"])
        self._restored()

    def _petsc_objects(self) -> list[Any]:
        """The PETSc matrices and vectors this solver owns (freed by :meth:`destroy`)."""
        return []

    def destroy(self) -> None:
        """Free the factorizations, matrices and vectors now (collective; the solver is unusable
        afterwards). A solver dropped without it is freed by
        :func:`femmag.parallel.collect_garbage` (its PETSc objects live on ``COMM_WORLD``)."""
        self._solvers.destroy()
        for obj in self._petsc_objects():
            obj.destroy()

    def _check_times(self, times: Any) -> np.ndarray:
        times = np.asarray(times, dtype=float)
        if abs(times[0] - self.t) > 1e-24 or np.any(np.diff(times) <= 0):
            raise ValueError(f"{type(self).__name__}.run: times must increase and start at the "
                             f"current time {self.t!r} s.")
        return times

    @abstractmethod
    def step(self, t: float, dt: float) -> None:
        """Compute the trial A at t + dt from the committed state at t (call :meth:`commit`)."""
