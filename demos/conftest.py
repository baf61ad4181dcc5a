"""Demo tests: collective garbage collection after each demo (as tests/conftest.py does).

Each demo builds meshes, PETSc solvers and MPI communicators; collecting them on all ranks
together after every demo keeps a long test session within MPI's communicator (context id) limit.
"""

import os

import pytest

import femmag  # noqa: F401  (imports dolfinx_solver before dolfinx)

from mpi4py import MPI

from femmag.parallel import collect_garbage

os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")


@pytest.fixture(autouse=True)
def _collective_gc():
    yield
    collect_garbage(MPI.COMM_WORLD)
    MPI.COMM_WORLD.Barrier()
