"""Shared test setup: collective garbage collection after each test, MPI helpers."""

import os

import pytest

import femmag  # noqa: F401  (imports dolfinx_solver before dolfinx)

from mpi4py import MPI

from femmag.parallel import collect_garbage

os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
os.environ.setdefault("FEMMAG_FAST", "1")


@pytest.fixture(autouse=True)
def _collective_gc():
    yield
    # PETSc objects are destroyed collectively: collect (Python, then PETSc) on all ranks together.
    collect_garbage(MPI.COMM_WORLD)
    MPI.COMM_WORLD.Barrier()


def pytest_collection_modifyitems(config, items):
    if MPI.COMM_WORLD.size > 1:
        skip = pytest.mark.skip(reason="serial-only test (skip_in_parallel)")
        for item in items:
            if "skip_in_parallel" in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def comm():
    return MPI.COMM_WORLD
