"""PETSc option sets, options-prefix naming and convergence checks shared by every solver.

Each solver object gets a unique ``petsc_options_prefix`` (DOLFINx 0.11 requires one) and a copy of
one of the default option dicts below; a failed solve raises :class:`SolverDivergedError` whose
message gives PETSc's reason in words and what to try.
"""

from __future__ import annotations

from typing import Any

import itertools

import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

from femmag.errors import StepFailure

_counter = itertools.count()


def unique_prefix(name: str) -> str:
    """A PETSc options prefix unique in this process, e.g. ``femmag_heat_3_``."""
    return f"femmag_{name}_{next(_counter)}_"


def direct_solver_type() -> str:
    """The best available parallel direct solver: MUMPS, then SuperLU_dist, then PETSc's own LU."""
    for pkg in ("mumps", "superlu_dist"):
        if PETSc.Sys.hasExternalPackage(pkg):
            return pkg
    return "petsc"


def lu_options(small: bool = False) -> dict:
    """KSP options for a direct (LU) solve; MUMPS → SuperLU_dist → PETSc fallback.

    Args:
        small: a small system on one rank (a 1D mesh): PETSc's own sequential LU, which
            factorizes a few hundred banded unknowns in a fraction of MUMPS's setup time
            (bench_2tm_1d: the whole 1D step 1.6× faster).
    """
    return {
        "ksp_type": "preonly",
        "pc_type": "lu",
        "pc_factor_mat_solver_type": "petsc" if small else direct_solver_type(),
        "ksp_error_if_not_converged": False,
    }


def persistent_comm(comm: Any) -> Any:
    """``MPI.COMM_WORLD`` where ``comm`` has the same processes, else ``comm`` itself.

    A matrix lives on its mesh's communicator, which DOLFINx duplicates per mesh and frees with
    it. petsc4py defers the destruction of a dropped parallel object to a collective
    :func:`femmag.parallel.collect_garbage` on the object's communicator; a solver left on a
    mesh's communicator could never be reached that way again once the mesh is gone, and kept
    its MPI communicators (MUMPS duplicates its own) for the rest of the process: a long test
    session ran out of them. On ``COMM_WORLD`` the collection finds it.
    """
    mpi_comm = comm.tompi4py() if isinstance(comm, PETSc.Comm) else comm
    if mpi_comm.size > 1 and \
            MPI.Comm.Compare(mpi_comm, MPI.COMM_WORLD) in (MPI.IDENT, MPI.CONGRUENT):
        return MPI.COMM_WORLD
    return comm


def configured_ksp(A: PETSc.Mat, name: str, options: dict) -> PETSc.KSP:
    """A KSP on ``A`` configured from ``options``.

    The options are pushed under a unique prefix and removed from the global database again, so
    solvers built this way never see each other's options.
    """
    ksp = PETSc.KSP().create(persistent_comm(A.getComm()))
    prefix = unique_prefix(name)
    ksp.setOptionsPrefix(prefix)
    opts = PETSc.Options()
    for key, value in options.items():
        opts[prefix + key] = value
    ksp.setOperators(A)
    ksp.setFromOptions()
    for key in options:
        del opts[prefix + key]
    return ksp


def lu_solver(A: PETSc.Mat, name: str) -> PETSc.KSP:
    """A KSP that factorizes ``A`` once (direct LU, :func:`lu_options`) for repeated solves."""
    return configured_ksp(A, name, lu_options())


def newton_options(rtol: float = 1e-10, atol: float = 0.0, stol: float = 1e-11,
                   max_it: int = 25) -> dict:
    """SNES Newton options with a direct linear solve.

    The default convergence test is on the Newton update relative to the solution (``stol``):
    residuals of time-stepped energy equations carry large, unit-dependent scales (C T/Δt), so a
    residual ``atol`` has no universal meaning, and ``rtol`` alone fails when a step starts converged.
    """
    opts = {
        "snes_type": "newtonls",
        "snes_linesearch_type": "basic",
        "snes_rtol": rtol,
        "snes_atol": atol,
        "snes_stol": stol,
        "snes_max_it": max_it,
        "snes_error_if_not_converged": False,
    }
    opts.update(lu_options())
    return opts


def iterative_options(rtol: float = 1e-10) -> dict:
    """GMRES with block-Jacobi/ILU(0): for the time-stepped heat systems.

    With fs-scale steps these systems are dominated by the heat-capacity (mass) term and ILU is
    an excellent preconditioner; measured on the seed-003 r-z mesh (2.6k unknowns) it is 4× faster
    than MUMPS per Newton step, and it parallelizes trivially (one block per rank).
    """
    return {"ksp_type": "gmres", "ksp_rtol": rtol, "ksp_atol": 1e-30, "ksp_max_it": 500,
            "pc_type": "bjacobi", "sub_pc_type": "ilu", "ksp_error_if_not_converged": False}


_KSP_REASONS = {v: k for k, v in vars(PETSc.KSP.ConvergedReason).items() if isinstance(v, int)}


class StepSolverCache:
    """Factorize-once linear solvers of a time-stepped system, one per distinct Δt, least
    recently used evicted beyond ``max_size`` (adaptive stepping would otherwise grow it).

    Args:
        build: Δt [s] → the system matrix (owned by the cache from then on).
        name: solver name (options prefix stem, see :func:`lu_solver`).
        max_size: factorizations kept.
        small: PETSc's own sequential LU instead of MUMPS (a system on one rank: on the r-z
            induction mesh, 14k unknowns, it solves 2.5× faster; ``bench/bench_sweep.py``).
    """

    def __init__(self, build: Any, name: str, max_size: int = 8, small: bool = False) -> None:
        self.build, self.name, self.max_size = build, name, max_size
        self.small = small
        self._entries: dict[float, tuple[PETSc.Mat, PETSc.KSP]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, dt: float) -> PETSc.KSP:
        key = float(dt)
        if key in self._entries:
            self._entries[key] = self._entries.pop(key)  # most recently used last
        else:
            if len(self._entries) >= self.max_size:
                A_old, ksp_old = self._entries.pop(next(iter(self._entries)))
                ksp_old.destroy()
                A_old.destroy()
            A = self.build(key)
            self._entries[key] = (A, configured_ksp(A, self.name, lu_options(self.small)))
        return self._entries[key][1]

    def destroy(self) -> None:
        for A, ksp in self._entries.values():
            ksp.destroy()
            A.destroy()
        self._entries.clear()


class _LinearSolveFailed(Exception):
    """The linear solve of a Newton iteration failed (the reason is on the solver)."""


class CoefficientPacker:
    """A form's coefficients packed per cell, as ``dolfinx.fem.pack_coefficients`` packs them,
    by one precomputed gather per coefficient.

    The packing of Lagrange and DG coefficients without dof transformations copies dof values:
    probing it once with each coefficient's values set to its dof numbers gives the gather.
    Where that does not reproduce DOLFINx's packing exactly (transformed elements), every
    :meth:`pack` calls DOLFINx.
    """

    def __init__(self, form: Any) -> None:
        from dolfinx import cpp as _cpp

        self._form = form._cpp_object
        self._pack_cpp = _cpp.fem.pack_coefficients
        self._last_values: dict[int, np.ndarray] | None = None  # values at the last pack
        self.packed = self._pack_cpp(self._form)
        self._gathers: list | None = None
        functions = list(self._form.coefficients)
        saved = [f.x.array.copy() for f in functions]
        try:
            for f in functions:
                f.x.array[:] = -1.0
            gathers = []
            covered = {key: np.zeros(arr.size, dtype=bool) for key, arr in self.packed.items()}
            for f in functions:
                f.x.array[:] = np.arange(f.x.array.size, dtype=float)
                for key, arr in self._pack_cpp(self._form).items():
                    flat = arr.reshape(-1)
                    positions = np.flatnonzero(flat >= 0)
                    index = flat[positions].astype(np.int64)
                    gathers.append((self.packed[key].reshape(-1), positions, f.x.array, index))
                    covered[key][positions] = True
                f.x.array[:] = -1.0
        finally:
            for f, values in zip(functions, saved):
                f.x.array[:] = values
        exact = all(np.all(c) for c in covered.values())
        if exact:
            self._gathers = gathers
            reference = self._pack_cpp(self._form)
            self.pack()
            exact = all(np.array_equal(reference[key], arr) for key, arr in self.packed.items())
        if not exact:
            self._gathers = None

    #: coefficients with fewer values are gathered at every call without comparing
    COMPARE_FROM = 4096

    def pack(self) -> dict:
        """The packed coefficients of the current values (the same dict every call).

        A coefficient whose values are those of the last call (material fields, a fixed
        absorption profile, the committed temperatures within a step) is not gathered again:
        comparing its values costs a fraction of the gather, which repeats each value once per
        cell around it."""
        if self._gathers is None:
            self.packed = self._pack_cpp(self._form)
            return self.packed
        if self._last_values is None:
            self._last_values = {id(values): values.copy() for _, _, values, _ in self._gathers}
            for target, positions, values, index in self._gathers:
                target[positions] = values[index]
            return self.packed
        changed: dict[int, bool] = {}
        for target, positions, values, index in self._gathers:
            key = id(values)
            if values.size < self.COMPARE_FROM:  # small (1D): the gather costs less than a test
                target[positions] = values[index]
                continue
            if key not in changed:
                last = self._last_values[key]
                changed[key] = not np.array_equal(values, last)
                if changed[key]:
                    last[:] = values
            if changed[key]:
                target[positions] = values[index]
        return self.packed


class BandedLU:
    """LAPACK's banded LU (``dgbtrf``/``dgbtrs``) of a matrix that DOLFINx assembles into a CSR
    matrix on one rank: a 1D mesh's P1 system has a bandwidth of a few unknowns, where this
    factorizes and solves in microseconds (PETSc's sparse LU: ~0.1 ms, most of a 1D solve).

    Use :meth:`create`, which returns ``None`` where the bandwidth is too large.
    """

    #: the widest band (sub- or super-diagonals) solved this way
    MAX_BANDWIDTH = 16

    def __init__(self, csr: Any, lower: int, upper: int, rows: np.ndarray,
                 cols: np.ndarray) -> None:
        from scipy.linalg import lapack

        self.csr, self.lower, self.upper = csr, lower, upper
        n = len(csr.indptr) - 1
        # band storage of dgbtrf: A[i, j] at ab[lower + upper + i - j, j] (Fortran order)
        self.band = np.zeros((2 * lower + upper + 1, n), order="F")
        self._flat = self.band.reshape(-1, order="F")
        self._positions = (lower + upper + rows - cols) + self.band.shape[0] * cols
        self._dgbtrf, self._dgbtrs = lapack.dgbtrf, lapack.dgbtrs
        self._lu = self._pivots = None
        self.info = 0

    @classmethod
    def create(cls, jacobian_form: Any) -> "BandedLU | None":
        from dolfinx import la
        from dolfinx.fem import create_matrix

        csr = create_matrix(jacobian_form, block_mode=la.BlockMode.expanded)
        indptr = np.asarray(csr.indptr)
        n = len(indptr) - 1
        if n == 0 or csr.index_map(0).num_ghosts:
            return None
        rows = np.repeat(np.arange(n), np.diff(indptr))
        cols = np.asarray(csr.indices, dtype=np.int64)
        lower = int(np.max(rows - cols, initial=0))
        upper = int(np.max(cols - rows, initial=0))
        if max(lower, upper) > cls.MAX_BANDWIDTH or np.any(cols >= n):
            return None
        return cls(csr, lower, upper, rows, cols)

    def factorize(self, form: Any, constants: Any, coefficients: Any, bcs: list,
                  space: Any) -> None:
        """Assemble the form (identity rows at the Dirichlet dofs) and factorize it."""
        from dolfinx import cpp as _cpp

        data = self.csr.data
        data[:] = 0.0
        _cpp.fem.assemble_matrix(self.csr._cpp_object, form, constants, coefficients, bcs)
        _cpp.fem.insert_diagonal(self.csr._cpp_object, space, bcs, 1.0)
        self._flat[:] = 0.0
        self._flat[self._positions] = data
        self._lu, self._pivots, self.info = self._dgbtrf(self.band, self.lower, self.upper,
                                                         overwrite_ab=1)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """J⁻¹ rhs with the last factorization."""
        if self.info != 0:
            raise _LinearSolveFailed(f"banded LU: info = {self.info} (singular matrix)")
        x, info = self._dgbtrs(self._lu, self.lower, self.upper, rhs, self._pivots)
        if info != 0:
            raise _LinearSolveFailed(f"banded LU solve: info = {info}")
        return x


class NewtonSolver:
    """Newton's method for a residual form F(u; v) = 0, lean enough for thousands of small steps.

    Built once (compiled F and J = ∂F/∂u, PETSc matrix, vectors and KSP), solved many times. One
    iteration assembles J and F (DOLFINx's thin wrappers over its C++ assemblers), solves
    J δu = F and updates u ← u − δu; nothing else runs in Python. (PETSc SNES drives the same
    iteration through Python callbacks that cost ~0.3 ms per solve even when the
    start is converged: most of a 1D time step; see ``bench/bench_2tm_1d.py``.)

    Dirichlet conditions: u takes their values before the first iteration, so the increments
    vanish there (identity rows in J, zero entries in F).

    Convergence test on the update, in the unknown's own unit (kelvin for temperatures): stop when
    the error left after iteration k, estimated as ‖δu_k‖∞ ρ/(1 − ρ) with ρ = ‖δu_k‖∞/‖δu_{k−1}‖∞
    the observed contraction [Deuflhard, Newton Methods for Nonlinear Problems, 2004, §2.1]
    (‖δu_k‖∞ ρ² once ρ < 0.1, where the convergence is clearly quadratic), or ‖δu_k‖∞ itself, is
    ≤ ``atol``.
    From a good initial guess this stops after two iterations, without a final residual. After
    the first iteration, the next update is predicted as C δ_1² with the Newton constant C measured
    by the latest solve that iterated twice (as stiff integrators reuse the previous step's
    convergence rate [Hairer & Wanner, Solving ODEs II, 1996, §IV.8]); below ``atol`` the solve
    stops there. At most ``PREDICTED_SOLVES`` solves in a row do so before one iterates again to
    re-measure C. With a tolerance far below the time-discretization error (e.g. 1e-3 of it) this
    makes most time steps one Newton iteration; with the default 1e-6 K it never triggers.

    ``reuse_jacobian=True`` (a lagged Jacobian, "simplified Newton" [Deuflhard 2004, §2.1.4]):
    J and the linear solver's factorization or preconditioner are kept across iterations and
    solves, and only F is assembled, while the contraction ρ = ‖δu_k‖∞/‖δu_{k−1}‖∞ the stale
    J achieves stays below ``REUSE_CONTRACTION``; a slower contraction, a growing update or a
    failed linear solve assembles J afresh at the current iterate (a true Newton iteration), and
    :meth:`invalidate_jacobian` does so at the next iteration (the caller changed a constant of J,
    e.g. Δt). The convergence test is the same (it measures the contraction it gets), so the
    answer moves by no more than the tolerance; a time-stepped system whose operator changes
    slowly then costs one F assembly and one solve per iteration instead of J, its
    factorization, F and a solve. The stop after one iteration uses the contraction of the
    latest solve that iterated twice with the stale J.

    Args:
        F: residual (UFL form, linear in the test function).
        u: the unknown (a Function of the test function's space).
        bcs: Dirichlet conditions on u.
        name: solver name (options prefix stem, error messages).
        petsc_options: KSP/PC options (default :func:`lu_options`).
        atol: convergence tolerance on the update [unit of u].
        max_it: iteration limit.
        reuse_jacobian: keep J (and its factorization or preconditioner) while it converges.
    """

    #: solves in a row that may stop on the predicted update before C is measured again
    PREDICTED_SOLVES = 4
    #: with ``reuse_jacobian``: a stale J that contracts the updates by less than this per
    #: iteration is assembled afresh (a fresh J costs about one F assembly and solve more than
    #: an iteration with the old one; with ρ = 0.1 the tolerance is reached in a few iterations)
    REUSE_CONTRACTION = 0.1
    #: the cost of assembling J and setting its solver up, in iterations with an old J (F
    #: assembly and a solve); measured on r-z heat meshes of 20k-160k unknowns: 1-1.5
    JACOBIAN_COST = 1.0

    def __init__(self, F: Any, u: Any, bcs: list | tuple = (), *, name: str = "newton",
                 petsc_options: dict | None = None, atol: float = 1e-6,
                 max_it: int = 25, reuse_jacobian: bool = False) -> None:
        import ufl
        from dolfinx import fem
        from dolfinx.fem import petsc as fem_petsc

        self.name, self.u, self.bcs = name, u, list(bcs)
        self.atol, self.max_it = float(atol), int(max_it)
        self.residual_form = fem.form(F)
        self.jacobian_form = fem.form(ufl.derivative(F, u))
        options = lu_options() if petsc_options is None else petsc_options
        index_map = u.function_space.dofmap.index_map
        self._n_owned = index_map.size_local * u.function_space.dofmap.index_map_bs
        self._bc_owned = np.unique(np.concatenate(
            [bc.dof_indices()[0][:bc.dof_indices()[1]] for bc in self.bcs]
            or [np.zeros(0, dtype=np.int32)])).astype(np.int32)
        self._comm = u.function_space.mesh.comm
        self._values = u.x.array  # a view, taken once
        # C++ assembly called directly, with the coefficients packed by precomputed gathers
        # (DOLFINx's Python wrappers re-derive all of this at every call: most of a 1D solve)
        self._cpp_bcs = [bc._cpp_object for bc in self.bcs]
        self._space = self.jacobian_form.function_spaces[0]
        self._jacobian_coefficients = CoefficientPacker(self.jacobian_form)
        self._residual_coefficients = CoefficientPacker(self.residual_form)
        #: a direct solve of a narrow-banded matrix on one rank (a 1D mesh) runs as LAPACK's
        #: banded LU on a CSR matrix that DOLFINx assembles into; otherwise PETSc (KSP)
        self._banded = (BandedLU.create(self.jacobian_form)
                        if self._comm.size == 1 and options.get("pc_type") == "lu" else None)
        if self._banded is not None:
            self.A = self.ksp = None
            self.b = np.zeros(self._n_owned)
            self.du = None
        else:
            self.A = fem_petsc.create_matrix(self.jacobian_form)
            self.b = fem_petsc.create_vector(u.function_space)
            self.du = self.A.createVecRight()
            self.ksp = configured_ksp(self.A, name, options)
        #: iterations, updates ‖δu_k‖∞ and linear-solver reason of the last solve
        self.iterations = 0
        self.updates: list[float] = []
        self.reason = "not run"
        # Newton constant C of δ_2 ≈ C δ_1², measured by the last solve that iterated at least
        # twice; with it a later solve may stop after one iteration (see solve)
        self._newton_constant: float | None = None
        self._predicted_solves = 0
        self.reuse_jacobian = bool(reuse_jacobian)
        # J (and the linear solver's factorization/preconditioner) may serve the next iteration
        self._jacobian_current = False
        # contraction of the latest solve that iterated twice with a stale J (its predicted stop)
        self._stale_contraction: float | None = None
        #: assemblies of J and of F, Krylov iterations, since construction (benchmarks, tests)
        self.jacobian_assemblies = 0
        self.residual_assemblies = 0
        self.linear_iterations = 0

    def invalidate_jacobian(self) -> None:
        """The next iteration assembles J afresh (a constant of J changed, e.g. the time step)."""
        self._jacobian_current = False
        self._stale_contraction = None

    def _assemble(self, jacobian: bool = True) -> None:
        """Assemble F (and J and its factorization, if ``jacobian``)."""
        from dolfinx import cpp as _cpp

        J, F = self.jacobian_form._cpp_object, self.residual_form._cpp_object
        F_coefficients = self._residual_coefficients.pack()
        self.residual_assemblies += 1
        if jacobian:
            J_coefficients = self._jacobian_coefficients.pack()
            self.jacobian_assemblies += 1
            self._jacobian_current = True
        if self._banded is not None:
            if jacobian:
                self._banded.factorize(J, _cpp.fem.pack_constants(J), J_coefficients,
                                       self._cpp_bcs, self._space)
            self.b[:] = 0.0
            _cpp.fem.assemble_vector(self.b, F, _cpp.fem.pack_constants(F), F_coefficients)
            self.b[self._bc_owned] = 0.0
            return
        if jacobian:
            # as dolfinx.fem.petsc.assemble_matrix does, minus its Python (a new matrix state:
            # the KSP sets its preconditioner up again at the next solve)
            self.A.zeroEntries()
            _cpp.fem.petsc.assemble_matrix(self.A, J, _cpp.fem.pack_constants(J), J_coefficients,
                                           self._cpp_bcs)
            self.A.assemblyBegin(PETSc.Mat.AssemblyType.FLUSH)
            self.A.assemblyEnd(PETSc.Mat.AssemblyType.FLUSH)
            _cpp.fem.petsc.insert_diagonal(self.A, self._space, self._cpp_bcs, 1.0)
            self.A.assemble()
        with self.b.localForm() as local:
            local.set(0.0)
            _cpp.fem.assemble_vector(local.array_w, F, _cpp.fem.pack_constants(F),
                                     F_coefficients)
        self.b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self.b.array_w[self._bc_owned] = 0.0  # u satisfies the conditions: no increment there

    def _linear_solve(self) -> np.ndarray:
        """The Newton update δu = J⁻¹F (owned entries)."""
        if self._banded is not None:
            return self._banded.solve(self.b)
        self.ksp.solve(self.b, self.du)
        self.linear_iterations += self.ksp.getIterationNumber()
        ksp_reason = self.ksp.getConvergedReason()
        if ksp_reason < 0:
            self.reason = f"linear solver: {_KSP_REASONS.get(ksp_reason, ksp_reason)}"
            raise _LinearSolveFailed
        return self.du.array_r

    def solve(self, t: float | None = None) -> int:
        """Iterate from the current u; return the iteration count.

        Raises:
            SolverDivergedError: no convergence in ``max_it`` iterations, a failed linear solve
                or a non-finite update; u is left at the last iterate (the caller rejects it).
        """
        u, values = self.u, self._values
        for bc in self.bcs:
            bc.set(values)
        self.updates = []
        previous = None
        reuse = self.reuse_jacobian
        refresh = not (reuse and self._jacobian_current)
        stale = previous_stale = False
        fresh_start = refresh  # iteration 1 is a true Newton iteration
        k = 0
        while k < self.max_it:
            k += 1
            assemble_jacobian = refresh or not reuse
            if assemble_jacobian and reuse:
                self._stale_contraction = None  # a new J: its contraction is not known yet
            self._assemble(jacobian=assemble_jacobian)
            previous_stale, stale, refresh = stale, not assemble_jacobian, False
            try:
                du = self._linear_solve()
            except _LinearSolveFailed as err:
                if stale:  # the old J may be what failed: again with J at this iterate
                    refresh, stale = True, previous_stale
                    k -= 1
                    continue
                if str(err):
                    self.reason = f"linear solver: {err}"
                self._fail(k, t)
            values[:self._n_owned] -= du
            if self._comm.size > 1:
                u.x.scatter_forward()
            size = float(np.max(np.abs(du), initial=0.0))
            if self._comm.size > 1:
                size = self._comm.allreduce(size, op=MPI.MAX)
            if stale and previous is not None and not size < previous:
                # the old J made things worse (or non-finite): undo, again with J at this iterate
                values[:self._n_owned] += du
                if self._comm.size > 1:
                    u.x.scatter_forward()
                refresh, stale = True, previous_stale
                continue
            self.updates.append(size)
            self.iterations = k
            if not np.isfinite(size):
                self.reason = "DIVERGED_NAN (non-finite update)"
                self._fail(k, t)
            if k == 2 and 0.0 < size < previous:
                if not stale and not previous_stale:  # two Newton iterations
                    self._newton_constant = size / previous**2
                    self._predicted_solves = 0
                elif stale and previous_stale:  # two iterations with the same old J
                    self._stale_contraction = size / previous
                    self._predicted_solves = 0
            if size <= self.atol:
                self.reason = "CONVERGED_UPDATE"
                return k
            if k == 1 and self._predicted_solves < self.PREDICTED_SOLVES:
                # the next update predicted from the recent Newton constant (fresh J) or the
                # contraction of the old J is below tolerance
                if fresh_start:
                    predicted = (self._newton_constant * size**2
                                 if self._newton_constant is not None else np.inf)
                else:
                    rho = self._stale_contraction
                    predicted = (size * rho / (1.0 - rho) if rho is not None
                                 and rho < self.REUSE_CONTRACTION else np.inf)
                if predicted <= self.atol:
                    self._predicted_solves += 1
                    self.reason = "CONVERGED_PREDICTED"
                    return k
            if previous is not None and size < previous:
                rho = size / previous
                # remaining error: δ_k ρ² once Newton is clearly quadratic (δ_{k+1} ≈ C δ_k²,
                # C ≈ δ_k/δ_{k-1}², two Newton iterations), the linear-convergence bound
                # δ_k ρ/(1 − ρ) otherwise (and with an old J, which converges linearly)
                quadratic = rho < 0.1 and not stale and not previous_stale
                remaining = size * rho**2 if quadratic else size * rho / (1.0 - rho)
                if remaining <= self.atol:
                    self.reason = "CONVERGED_ESTIMATE"
                    return k
            if reuse and previous is not None:
                # an old J: a new one where it pays; a new J that has not reached the fast
                # (quadratic) regime yet, e.g. far from the solution: stay with Newton
                refresh = (self._refresh_pays(size, size / previous) if stale
                           else size > self.REUSE_CONTRACTION * previous)
            previous = size
        self.reason = (f"DIVERGED_MAX_IT (last update {self.updates[-1]:.3g} > tolerance "
                       f"{self.atol:.3g})")
        self._fail(self.max_it, t)
        return self.max_it  # not reached

    def _refresh_pays(self, size: float, rho: float) -> bool:
        """Whether J at the current iterate saves time over the old J, which contracted the last
        update ``size`` by ``rho``: the old J needs m more iterations to reach the tolerance
        (δ ρ^m ρ/(1 − ρ) ≤ atol); a Newton iteration from here ends it in about one, plus the
        cost of a new J (``JACOBIAN_COST`` iterations). Decided on all-reduced updates: every
        rank takes the same branch (J assembly is collective)."""
        if rho >= self.REUSE_CONTRACTION:
            return True
        remaining = size * rho / (1.0 - rho)
        if remaining <= self.atol:
            return False
        more = np.log(self.atol / remaining) / np.log(rho)
        return bool(more > 1.0 + self.JACOBIAN_COST)

    def _fail(self, iterations: int, t: float | None) -> None:
        self._newton_constant = None
        self._jacobian_current = False  # the retry (smaller step) starts with a fresh J
        when = f" at t = {t * 1e12:.4g} ps" if t is not None else ""
        history = ", ".join(f"{s:.3g}" for s in self.updates)
        raise SolverDivergedError(
            f"{self.name}: Newton solver did not converge{when}: {self.reason} after {iterations} "
            f"iterations (updates ‖δu‖∞: {history}). Try a smaller time step (dt_max / dt during "
            f"the pulse), a finer mesh, or check the material parameters for unphysical values.")

    def destroy(self) -> None:
        for obj in (self.ksp, self.A, self.b, self.du):
            if hasattr(obj, "destroy"):
                obj.destroy()

    def __del__(self) -> None:
        # petsc4py defers the destruction of garbage-collected objects on parallel communicators
        # (it must be collective), so dropped solvers kept their communicators: MPICH ran out of
        # context ids in a test session. Destroy explicitly, as DOLFINx's problem classes do.
        # Garbage collection runs in a different order on each rank, so this is safe only for
        # solvers whose destruction does not communicate (Krylov + block-Jacobi, PETSc LU on one
        # rank); with MUMPS under MPI call destroy() on all ranks before dropping the solver.
        if hasattr(self, "du"):
            self.destroy()


class SolverDivergedError(StepFailure):
    """A PETSc solve did not converge; the message names the solver, the reason and a remedy (a
    :class:`~femmag.errors.StepFailure`: the time loop retries the step with half Δt)."""


def check_ksp(ksp: PETSc.KSP, what: str) -> int:
    """Raise :class:`SolverDivergedError` if ``ksp`` did not converge; return its iteration count."""
    reason = ksp.getConvergedReason()
    if reason >= 0:
        return ksp.getIterationNumber()
    raise SolverDivergedError(
        f"{what}: linear solver failed: {_KSP_REASONS.get(reason, reason)}. The matrix may be "
        f"singular (a region without boundary condition or conductivity?) or the direct solver "
        f"ran out of memory. See https://petsc.org/release/manualpages/KSP/KSPConvergedReason/"
    )
