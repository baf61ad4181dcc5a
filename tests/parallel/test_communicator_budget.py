"""Dropped solvers give their MPI communicators back (MPICH allows 2048 per process).

petsc4py defers the destruction of a dropped parallel PETSc object to a collective clean-up on
the object's communicator. A factorization left on a mesh's communicator (which DOLFINx frees
with the mesh) was never cleaned up: it kept its communicators, and MUMPS's, for the rest of the
process, and a long 2-rank test session died with "Too many communicators". Solvers now live on
COMM_WORLD, where :func:`femmag.parallel.collect_garbage` reaches them.

The induction solvers held their own matrices and vectors (M_σ, K, right-hand sides, scratch) on
the mesh's communicator as well: each dropped AxisymmetricInduction stranded 4 communicators and
each Induction3D 5 (measured on 2 ranks before the fix). They now live on COMM_WORLD too, and
``destroy()`` frees them at once.
"""

from __future__ import annotations

import pytest

import femmag  # noqa: F401  (before dolfinx)

import ufl
from dolfinx import fem, mesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI

from femmag.parallel import collect_garbage
from femmag.solvers import StepSolverCache
from femmag.units import Q

WORLD = MPI.COMM_WORLD


def free_communicators() -> int:
    """How many more communicators this process can create (duplicates COMM_SELF: local)."""
    dups = []
    try:
        while len(dups) < 100_000:
            dups.append(MPI.COMM_SELF.Dup())
    except MPI.Exception:
        pass
    for comm in dups:
        comm.Free()
    return len(dups)


def _factorize_and_drop() -> None:
    """A mesh, a step-solver cache with two factorizations (one evicted), dropped undestroyed."""
    msh = mesh.create_unit_square(WORLD, 8, 8)
    V = fem.functionspace(msh, ("Lagrange", 1))
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    dt = fem.Constant(msh, 1.0)
    form = fem.form((u * v + dt * ufl.inner(ufl.grad(u), ufl.grad(v))) * ufl.dx)

    def build(step):
        dt.value = step
        A = fem_petsc.assemble_matrix(form)
        A.assemble()
        return A

    cache = StepSolverCache(build, "communicator_budget", max_size=1)
    for step in (1.0, 0.5):
        cache.get(step).setUp()  # the factorization (MUMPS takes its own communicator)


def test_dropped_solvers_give_their_communicators_back():
    _factorize_and_drop()  # first use: PETSc's and MUMPS's one-time communicators
    collect_garbage(WORLD)
    before = free_communicators()
    for _ in range(4):
        _factorize_and_drop()
        collect_garbage(WORLD)
    after = free_communicators()
    assert after == before, f"{before - after} communicators kept by 4 dropped solvers"


def _step_rz_solver_and_drop(destroy: bool) -> None:
    """An r-z induction solver that factorized and stepped, then dropped (or destroyed)."""
    from femmag.induction import AxisymmetricInduction, GaussianImpressedFlux, rz_film_mesh

    film_mesh = rz_film_mesh(WORLD, beam_radius="5 um", thickness="10 nm", cells_per_radius=2)
    solver = AxisymmetricInduction(film_mesh, conductivity="8e6 S/m", t_start=Q(-0.3, "ps"),
                                   source=GaussianImpressedFlux("1 T", "5 um", "140 fs"))
    for _ in range(3):  # BDF2: two factorizations
        solver.step(solver.t, 20e-15)
        solver.commit()
    solver.magnetic_energy()
    solver.joule_power()
    if destroy:
        solver.destroy()


def _step_3d_solver_and_drop(destroy: bool) -> None:
    """A 3D N1curl induction solver that factorized and stepped, then dropped (or destroyed)."""
    from femmag.induction import GaussianImpressedFlux, Induction3D, disk_box_mesh

    disk = disk_box_mesh(WORLD, beam_radius="5 um", thickness="400 nm", cells_per_radius=1.0,
                         refined_factor=1.5, far_cell_factor=3.0, film_layers=1,
                         layer_growth=2.5)
    solver = Induction3D(disk, conductivity="2e6 S/m", t_start="-4 ps",
                         source=GaussianImpressedFlux("1 T", "5 um", "2 ps"))
    for _ in range(2):
        solver.step(solver.t, 0.4e-12)
        solver.commit()
    solver.magnetic_energy()
    solver.joule_power()
    if destroy:
        solver.destroy()


@pytest.mark.parametrize("destroy", [False, True], ids=["dropped", "destroyed"])
@pytest.mark.parametrize("build", [_step_rz_solver_and_drop, _step_3d_solver_and_drop],
                         ids=["rz", "3d"])
def test_induction_solvers_give_their_communicators_back(build, destroy):
    build(destroy)  # first use: one-time communicators
    collect_garbage(WORLD)
    before = free_communicators()
    for _ in range(2):
        build(destroy)
        collect_garbage(WORLD)
    after = free_communicators()
    assert after == before, (f"{before - after} communicators kept by 2 "
                             f"{'destroyed' if destroy else 'dropped'} induction solvers")
