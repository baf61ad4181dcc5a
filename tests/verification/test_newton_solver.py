"""femmag.solvers.NewtonSolver (the lean Newton of the heat module) against PETSc SNES.

A nonlinear diffusion problem −∇·((1 + u²)∇u) + u³ = f on the unit square with u = 1 + x y on the
left/bottom (Dirichlet) and natural elsewhere:

- the converged answer equals SNES's (newtonls, basic line search, LU) to 1e-11;
- the updates converge quadratically (δ_{k+1} ≤ 5 δ_k² in the unknown's unit);
- with a loose tolerance, repeated solves from a nearby start stop after one iteration on the
  predicted update (Newton constant of the previous solve), and the error left is below the
  tolerance (measured against a tightly converged solve);
- no convergence in max_it → SolverDivergedError naming the reason and a remedy.
Serial and on 2 ranks (same answer: the forms and the max-norm test are rank-independent).
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

import ufl
from dolfinx import fem, mesh
from dolfinx.fem.petsc import NonlinearProblem

from femmag.solvers import NewtonSolver, SolverDivergedError, lu_options, newton_options


def problem(n: int = 16):
    domain = mesh.create_unit_square(MPI.COMM_WORLD, n, n)
    V = fem.functionspace(domain, ("Lagrange", 1))
    u, v = fem.Function(V), ufl.TestFunction(V)
    x = ufl.SpatialCoordinate(domain)
    source = fem.Constant(domain, 10.0)
    F = ((1 + u**2) * ufl.dot(ufl.grad(u), ufl.grad(v)) + u**3 * v
         - source * (1 + x[0]) * v) * ufl.dx
    facets = mesh.locate_entities_boundary(domain, 1, lambda p: np.isclose(p[0], 0.0)
                                           | np.isclose(p[1], 0.0))
    g = fem.Function(V)
    g.interpolate(lambda p: 1.0 + p[0] * p[1])
    bc = fem.dirichletbc(g, fem.locate_dofs_topological(V, 1, facets))
    return V, u, F, bc, source


def max_difference(a: fem.Function, b: fem.Function) -> float:
    n = a.function_space.dofmap.index_map.size_local
    local = float(np.max(np.abs(a.x.array[:n] - b.x.array[:n]), initial=0.0))
    return MPI.COMM_WORLD.allreduce(local, op=MPI.MAX)


def test_agrees_with_snes_and_converges_quadratically():
    V, u, F, bc, _ = problem()
    newton = NewtonSolver(F, u, [bc], name="test", atol=1e-12)
    its = newton.solve()
    assert 3 <= its <= 8
    updates = newton.updates
    for before, after in zip(updates[1:-1], updates[2:]):
        assert after <= 5.0 * before**2, updates  # quadratic once in the basin
    reference = fem.Function(V)
    # the same residual with u → reference
    snes_F = ufl.replace(F, {u: reference})
    snes = NonlinearProblem(snes_F, reference, bcs=[bc], petsc_options_prefix="test_snes_",
                            petsc_options=newton_options(rtol=1e-14, stol=1e-14))
    snes.solve()
    assert snes.solver.getConvergedReason() > 0
    assert max_difference(u, reference) < 1e-11


def test_predicted_stop_keeps_the_error_below_tolerance():
    V, u, F, bc, source = problem()
    tight_u = fem.Function(V)
    tight = NewtonSolver(ufl.replace(F, {u: tight_u}), tight_u, [bc], name="tight", atol=1e-13,
                         petsc_options=lu_options())
    loose = NewtonSolver(F, u, [bc], name="loose", atol=1e-4)
    reasons = []
    for value in np.linspace(10.0, 10.4, 9):  # a slowly changing source: nearby solutions
        source.value = value
        loose.solve()
        tight.solve()
        reasons.append(loose.reason)
        assert max_difference(u, tight_u) <= 1e-4, (value, loose.reason, loose.updates)
    assert reasons.count("CONVERGED_PREDICTED") >= 4, reasons
    # at most PREDICTED_SOLVES predicted stops in a row, then C is measured again
    run = longest = 0
    for reason in reasons:
        run = run + 1 if reason == "CONVERGED_PREDICTED" else 0
        longest = max(longest, run)
    assert longest <= NewtonSolver.PREDICTED_SOLVES


def test_no_convergence_names_the_reason():
    V, u, F, bc, _ = problem()
    newton = NewtonSolver(F, u, [bc], name="stubborn problem", atol=1e-30, max_it=2)
    with pytest.raises(SolverDivergedError,
                       match=r"stubborn problem.*DIVERGED_MAX_IT.*smaller time step"):
        newton.solve(t=1e-12)


def test_reused_jacobian_same_answer_fewer_assemblies():
    """A lagged J (reuse_jacobian) over a sequence of nearby solves: every answer within the
    tolerance of a tightly converged one, far fewer J assemblies than Newton, and a new J after
    invalidate_jacobian()."""
    V, u, F, bc, source = problem()
    tight_u = fem.Function(V)
    tight = NewtonSolver(ufl.replace(F, {u: tight_u}), tight_u, [bc], name="tight", atol=1e-13,
                         petsc_options=lu_options())
    atol = 1e-8
    lagged = NewtonSolver(F, u, [bc], name="lagged", atol=atol, reuse_jacobian=True)
    fresh_u = fem.Function(V)
    fresh = NewtonSolver(ufl.replace(F, {u: fresh_u}), fresh_u, [bc], name="fresh", atol=atol)
    values = np.linspace(10.0, 10.2, 11)
    for value in values:
        source.value = value
        lagged.solve()
        fresh.solve()
        tight.solve()
        assert max_difference(u, tight_u) <= atol, (value, lagged.reason, lagged.updates)
        assert max_difference(fresh_u, tight_u) <= atol
    assert lagged.jacobian_assemblies <= len(values) // 2 + 2, lagged.jacobian_assemblies
    assert fresh.jacobian_assemblies == fresh.residual_assemblies
    before = lagged.jacobian_assemblies
    lagged.invalidate_jacobian()
    lagged.solve()
    assert lagged.jacobian_assemblies == before + 1


def test_packing_follows_changed_coefficients():
    """The packer skips coefficients whose values did not change, and repacks those that did:
    always what DOLFINx packs."""
    from dolfinx import cpp as _cpp

    from femmag.solvers import CoefficientPacker

    V, u, F, bc, _ = problem()
    form = fem.form(F)
    packer = CoefficientPacker(form)
    packer.COMPARE_FROM = 0  # compare every coefficient, however small
    for step in range(3):
        u.x.array[:] = 1.0 + 0.1 * step + np.arange(u.x.array.size) * 1e-3
        packed = packer.pack()
        reference = _cpp.fem.pack_coefficients(form._cpp_object)
        for key, value in reference.items():
            assert np.array_equal(packed[key], value)
        packed = packer.pack()  # unchanged: the same values without a gather
        for key, value in reference.items():
            assert np.array_equal(packed[key], value)
