"""Session-wide test hooks (``tests`` and ``demos`` alike): stop every rank on a failure, and an
opt-in resource probe for long sessions.

**A failure on one rank stops every rank.** Under ``mpiexec -n 2 python -m mpi4py -m pytest -x``
a test that fails on one rank only (an assertion on rank-local data) would end that rank's
session while the other goes on into the next test's collective calls and waits there forever:
the CI's 2-rank run then hangs until its time limit and prints nothing useful. So on a parallel
run a failed test prints its report, with the rank, on stderr and calls ``MPI_Abort``: the job
ends at once, non-zero, and the failure is in the log. ``FEMMAG_TEST_NO_ABORT=1`` turns this off
(to see every failure of a session that does not hang).

The resource probe:

``FEMMAG_LEAK_PROBE=<folder> pytest ...`` (serially or under ``mpiexec``) appends one line per
test to ``<folder>/leak-rank<r>.tsv`` on every rank, after the test's teardown (so after the
collective garbage collection of ``tests/conftest.py``): how many MPI communicators this process
can still create, how many petsc4py objects and DOLFINx meshes are alive, RSS and open file
descriptors. A column that grows from test to test is a leak; MPICH allows 2048 communicators
per process, and a session that runs out of them dies ("Too many communicators").

The communicator count duplicates ``COMM_SELF`` until MPI refuses, then frees them all: local to
the process (no collective call, so it cannot hang a rank), ~10 ms. Without the variable nothing
here runs.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import pytest

_PROBE_DIR = os.environ.get("FEMMAG_LEAK_PROBE")


def free_communicators() -> int:
    """How many more communicators this process can create now (MPICH: context ids left)."""
    from mpi4py import MPI

    dups = []
    try:
        while len(dups) < 100_000:
            dups.append(MPI.COMM_SELF.Dup())
    except MPI.Exception:
        pass
    for comm in dups:
        comm.Free()
    return len(dups)


def _live_objects() -> tuple[int, int, int]:
    """(petsc4py objects, DOLFINx meshes, mpi4py communicators) reachable by the collector."""
    from mpi4py import MPI
    from petsc4py import PETSc

    import dolfinx.mesh

    petsc = meshes = comms = 0
    for obj in gc.get_objects():
        kind = type(obj)  # not isinstance: a dead weak proxy raises there
        if issubclass(kind, PETSc.Object):
            petsc += 1
        elif issubclass(kind, dolfinx.mesh.Mesh):
            meshes += 1
        elif issubclass(kind, MPI.Comm):
            comms += 1
    return petsc, meshes, comms


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    if not report.failed or os.environ.get("FEMMAG_TEST_NO_ABORT"):
        return
    from mpi4py import MPI

    world = MPI.COMM_WORLD
    if world.size == 1:
        return
    import sys

    sys.stderr.write(
        f"\n[rank {world.rank}] FAILED {report.nodeid} ({report.when}); aborting all ranks "
        f"so that none waits in a collective call for this one:\n{report.longreprtext}\n"
    )
    sys.stderr.flush()
    sys.stdout.flush()
    import time

    time.sleep(0.5)  # let mpiexec forward the report before the abort ends the job
    world.Abort(1)


if _PROBE_DIR:

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(item, nextitem):
        yield
        from mpi4py import MPI

        rank = MPI.COMM_WORLD.rank
        path = Path(_PROBE_DIR) / f"leak-rank{rank}.tsv"
        new = not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        petsc, meshes, comms = _live_objects()
        row = [f"{time.time():.1f}", str(free_communicators()), str(petsc), str(meshes),
               str(comms), f"{_rss_mib():.0f}", str(len(os.listdir("/proc/self/fd"))),
               item.nodeid]
        with path.open("a") as out:
            if new:
                out.write("time\tfree_comms\tpetsc_objects\tmeshes\tpy_comms\trss_mib\tfds\ttest\n")
            out.write("\t".join(row) + "\n")
