"""Dropped solvers give their MPI communicators back (MPICH allows 2048 per process).

petsc4py defers the destruction of a dropped parallel PETSc object to a collective clean-up on
the object's communicator. A factorization left on a mesh's communicator (which DOLFINx frees
with the mesh) was never cleaned up: it kept its communicators, and MUMPS's, for the rest of the
process, and a long 2-rank test session died with "Too many communicators". Solvers now live on
COMM_WORLD, where :func:`femmag.parallel.collect_garbage` reaches them.
"""

from __future__ import annotations

import femmag  # noqa: F401  (before dolfinx)

import ufl
from dolfinx import fem, mesh
from dolfinx.fem import petsc as fem_petsc
from mpi4py import MPI

from femmag.parallel import collect_garbage
from femmag.solvers import StepSolverCache

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
