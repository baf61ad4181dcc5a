"""The θ-scheme machinery shared by the 1D and r-z DG spin-diffusion solvers.

Both solve M dμ/dt + K μ = F(t) for the spin accumulation μ [J] with M (the (N/2)-weighted mass)
and K (conduction, relaxation, interface and Nitsche terms) assembled once:

    (M/Δt + θK) μ^{n+1} = (M/Δt − (1 − θ)K) μ^n + (1 − θ) F(t_n) + θ F(t_{n+1})

with one MUMPS factorization per distinct Δt (:class:`~femmag.solvers.StepSolverCache`). A step
computes a *trial* state from the *committed* one; :meth:`DGThetaSpinDiffusion.commit` accepts it,
and stepping again without a commit recomputes the trial (rejection or a coupling iteration).

A subclass builds the spaces and forms (``V``, ``V0``, ``mu``, ``M``, ``K``, the scalar forms of the
diagnostics) and supplies the source vector F(t); see
:class:`~femmag.physics.spin.diffusion.SpinDiffusion1D` and
:class:`~femmag.physics.spin.diffusion_rz.SpinDiffusionRZ`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import dolfinx.fem.petsc
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from femmag.solvers import StepSolverCache, check_ksp, lu_solver

__all__ = ["DGThetaSpinDiffusion"]


class DGThetaSpinDiffusion(ABC):
    """θ-scheme stepping, steady solve, cell sources, probes and spin diagnostics of a DG spin
    diffusion solver (the geometry-specific forms live in the subclass).

    Subclass attributes: ``name`` (PETSc prefix stem), ``what`` (solver name in messages),
    ``volume_factor`` (2π on r-z: the diagnostics are integrals over the full revolution).
    After :meth:`_init_stepping` and the subclass's forms, :meth:`_init_state` allocates the work
    vectors and the committed state.
    """

    name = "spin_diffusion"
    what = "spin diffusion"
    volume_factor = 1.0

    #: factorizations kept (one per distinct Δt; adaptive stepping would otherwise grow it)
    MAX_CACHED_SOLVERS = 8

    # ------------------------------------------------------------------ construction
    @staticmethod
    def _check_scheme(where: str, degree: int, theta: float) -> None:
        if degree not in (1, 2):
            raise ValueError(f"{where}: degree must be 1 or 2, got {degree}")
        if not 0.5 <= theta <= 1.0:
            raise ValueError(f"{where}: theta must be in [0.5, 1] (0.5 = Crank-Nicolson, "
                             f"1 = backward Euler) for stability, got {theta}")

    def _init_stepping(self) -> None:
        """Clock, factorization cache and optional parts (before any source is set)."""
        self.t = 0.0
        self._solvers = StepSolverCache(self._system_matrix, self.name,
                                        self.MAX_CACHED_SOLVERS)
        self._cell_source: fem.Function | None = None
        self._cell_vec: PETSc.Vec | None = None
        self._steady_ksp: PETSc.KSP | None = None
        self._probe_cache: dict = {}  # probe points → (cells, owned-here mask)

    def _init_state(self) -> None:
        """Work vectors and the committed state μ(t) (the trial lives in :attr:`mu`)."""
        self._work = [self.M.createVecRight() for _ in range(3)]
        self._committed = self.mu.x.petsc_vec.copy()
        self._trial_t = 0.0

    # ------------------------------------------------------------------ sources (subclass)
    @property
    @abstractmethod
    def _has_source(self) -> bool:
        """Whether F(t) can be non-zero (otherwise its assembly is skipped)."""

    @abstractmethod
    def _source_vector(self, t: float, out: PETSc.Vec) -> None:
        """F(t) into ``out`` (including the cell source)."""

    @abstractmethod
    def _cell_source_forms(self) -> None:
        """Create ``self._cell_form`` = ∫(N/2) S_cell v (with the geometry's volume weight)."""

    @abstractmethod
    def _set_cell_values(self, values: np.ndarray) -> None:
        """Check ``values`` and write them into ``self._cell_source``."""

    def set_cell_source(self, values: np.ndarray) -> None:
        """A piecewise-constant source S [J/s] per cell (DG0 dof order of :attr:`V0`), added to
        the other sources and held constant until the next call (both θ-ends of a step).

        This is how a pointwise coupled model (the s-d model at the quadrature points of
        :mod:`femmag.physics.spin.module`) feeds its −dM/dt cell by cell.
        """
        if self._cell_source is None:
            self._cell_source = fem.Function(self.V0, name="spin_source_density")
            self._cell_source_forms()
            self._cell_vec = dolfinx.fem.petsc.create_vector(self.V)
        self._set_cell_values(np.asarray(values, dtype=float))
        with self._cell_vec.localForm() as local:
            local.set(0.0)
        dolfinx.fem.petsc.assemble_vector(self._cell_vec, self._cell_form)
        self._cell_vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)

    # ------------------------------------------------------------------ solving
    def _system_matrix(self, dt: float) -> PETSc.Mat:
        """θK + M/Δt."""
        A = self.K.copy()
        A.scale(self.theta)
        A.axpy(1.0 / dt, self.M, structure=PETSc.Mat.Structure.SUBSET_NONZERO_PATTERN)
        return A

    def _solver(self, dt: float) -> PETSc.KSP:
        return self._solvers.get(dt)

    def _make_ksp(self, A: PETSc.Mat) -> PETSc.KSP:
        return lu_solver(A, self.name)

    def step(self, t: float, dt: float) -> None:
        """Trial state μ(t + dt) from the committed state μ(t) (θ-scheme); see :meth:`commit`.

        Calling :meth:`step` again before :meth:`commit` recomputes the trial from the same
        committed state (e.g. with a changed source, in a fixed-point coupling loop).
        """
        where = type(self).__name__
        if not dt > 0:
            raise ValueError(f"{where}.step: dt must be > 0 s, got {dt}")
        if abs(t - self.t) > 1e-9 * dt:
            raise ValueError(f"{where}.step: t = {t:.6g} s but the committed state is at "
                             f"{self.t:.6g} s; call commit() after each accepted step")
        ksp = self._solver(dt)
        rhs, tmp, src = self._work
        self.M.mult(self._committed, rhs)
        rhs.scale(1.0 / dt)
        if self.theta < 1.0:
            self.K.mult(self._committed, tmp)
            rhs.axpy(-(1.0 - self.theta), tmp)
            if self._has_source:
                self._source_vector(self.t, src)
                rhs.axpy(1.0 - self.theta, src)
        if self._has_source:
            self._source_vector(self.t + dt, src)
            rhs.axpy(self.theta, src)
        ksp.solve(rhs, self.mu.x.petsc_vec)
        check_ksp(ksp, self.what)
        self.mu.x.scatter_forward()
        self._trial_t = self.t + dt

    def commit(self) -> None:
        """Accept the trial state of the last :meth:`step`."""
        self.mu.x.petsc_vec.copy(self._committed)
        self.t = self._trial_t

    def advance(self, dt: float) -> None:
        """:meth:`step` then :meth:`commit`: μ from t to t + dt."""
        self.step(self.t, dt)
        self.commit()

    def _sync_committed(self) -> None:
        """Make the current :attr:`mu` the committed state at :attr:`t`."""
        self.mu.x.petsc_vec.copy(self._committed)
        self._trial_t = self.t

    def committed_state(self) -> Any:
        """The committed μ(t) for a checkpoint: a :class:`~femmag.io.checkpoint.FunctionState`
        (keyed by original cell and local dof, so it reads back on any partition of the mesh)."""
        from femmag.io.checkpoint import FunctionState

        committed = fem.Function(self.V, name=self.mu.name)
        self._committed.copy(committed.x.petsc_vec)
        committed.x.scatter_forward()
        return FunctionState(committed)

    def restore_committed(self, keys: np.ndarray, values: np.ndarray, t: float) -> None:
        """Make the checkpointed values (of :meth:`committed_state`) the committed μ at ``t``."""
        from femmag.io.checkpoint import FunctionState

        FunctionState(self.mu).assign(keys, values)
        self.t = float(t)
        self._sync_committed()

    def solve_steady(self, t: float | None = None) -> None:
        """Solve the steady state K μ = F(t) (sources evaluated at ``t``, default the current t)."""
        if self._steady_ksp is None:
            self._steady_ksp = self._make_ksp(self.K)
        src = self._work[2]
        self._source_vector(self.t if t is None else t, src)
        self._steady_ksp.solve(src, self.mu.x.petsc_vec)
        check_ksp(self._steady_ksp, f"{self.what} (steady)")
        self.mu.x.scatter_forward()
        self._sync_committed()

    # ------------------------------------------------------------------ diagnostics
    def _allsum(self, value: float) -> float:
        return self.comm.allreduce(float(value), op=MPI.SUM)

    def total_spin(self) -> float:
        """Excess spins ∫(N/2) μ dV (per unit area in 1D [1/m²], in total on r-z [1]): exact
        discrete total (the per-layer vectors ∫(N/2) v). Collective."""
        x = self.mu.x.petsc_vec
        return self.volume_factor * float(sum(b.dot(x) for b in self._spin_vectors))

    def total_spin_assembled(self) -> float:
        """:meth:`total_spin` by direct integration of the DG function (independent check)."""
        return self.volume_factor * self._allsum(fem.assemble_scalar(self._total_form))

    def relaxation_rate(self) -> float:
        """∫(N/2) μ/τ_s dV [spins/s, per unit area in 1D]."""
        return self.volume_factor * self._allsum(fem.assemble_scalar(self._relax_form))

    def surface_loss_rate(self) -> float:
        """Spins leaving through sink faces [spins/s, per unit area in 1D] (Nitsche flux; 0 for
        reflecting faces)."""
        if self._loss_form is None:
            return 0.0
        return self.volume_factor * self._allsum(fem.assemble_scalar(self._loss_form))

    def _probe(self, key: tuple, xyz: np.ndarray) -> np.ndarray:
        """μ at the probe points ``xyz`` (located once per ``key`` by the subclass's ``_locate``),
        same values on all ranks."""
        if key not in self._probe_cache:
            self._probe_cache[key] = self._locate(key)
        cells, mine = self._probe_cache[key]
        vals = np.zeros(len(key))
        if np.any(mine):
            vals[mine] = np.asarray(self.mu.eval(xyz[mine], cells[mine])).reshape(-1)
        total = np.empty_like(vals)
        self.comm.Allreduce(vals, total, op=MPI.SUM)
        return total

    def _lowest_owner(self, cells: np.ndarray) -> np.ndarray:
        """Per probe, the lowest rank that found a cell for it (``comm.size`` if none did)."""
        found = np.where(cells >= 0, self.comm.rank, self.comm.size).astype(np.int64)
        owner = np.empty_like(found)
        self.comm.Allreduce(found, owner, op=MPI.MIN)
        return owner

    @abstractmethod
    def _locate(self, key: tuple) -> tuple[np.ndarray, np.ndarray]:
        """For each probe of ``key``: a local owned cell and whether this rank evaluates it."""

    # ------------------------------------------------------------------ clean-up
    @property
    @abstractmethod
    def _petsc_objects(self) -> Sequence:
        """The subclass's own PETSc vectors, freed by :meth:`destroy`."""

    def destroy(self) -> None:
        """Free the PETSc objects (collective)."""
        self._solvers.destroy()
        if self._steady_ksp is not None:
            self._steady_ksp.destroy()
            self._steady_ksp = None
        for obj in (self.M, self.K, *self._petsc_objects, *self._work, self._committed):
            obj.destroy()
        if self._cell_vec is not None:
            self._cell_vec.destroy()
            self._cell_vec = None

