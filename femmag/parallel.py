"""A failure on one rank stops every rank.

An uncaught exception on one MPI rank would otherwise leave the other ranks waiting in their next
collective call forever (a hung cluster job). :func:`abort_on_uncaught_exception` chains a
``sys.excepthook`` that prints the traceback (prefixed with the rank) and then calls
``MPI_Abort`` on ``COMM_WORLD``, which ends every rank of the job. ``import femmag`` installs it
when the job has more than one rank. femmag's own error paths make no collective call, so the
hook is always reached.
"""

from __future__ import annotations

import sys
from typing import Any

_installed = False


def abort_on_uncaught_exception() -> None:
    """Install the hook (idempotent)."""
    global _installed
    if _installed:
        return
    from mpi4py import MPI

    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        import os
        import time
        import traceback

        comm = MPI.COMM_WORLD
        sys.stdout.flush()
        header = (f"femmag: uncaught {kind.__name__} on rank {comm.rank} of {comm.size}; "
                  f"stopping every rank\n")
        if previous is sys.__excepthook__:
            # one unbuffered write of the whole report, so that none of it is still in a
            # buffer when MPI_Abort ends the process
            text = header + "".join(traceback.format_exception(kind, value, tb))
            os.write(2, text.encode(errors="replace"))
        else:
            sys.stderr.write(header)
            previous(kind, value, tb)
            sys.stderr.flush()
        # mpiexec forwards each rank's stderr through a pipe; give it a moment to pass the
        # report on before the abort tears the job down (else its last lines can be lost)
        time.sleep(0.5)
        comm.Abort(130 if issubclass(kind, KeyboardInterrupt) else 1)

    sys.excepthook = hook
    _installed = True


def collect_garbage(comm: Any = None) -> None:
    """Free dropped PETSc objects (collective on ``comm``, default ``COMM_WORLD``).

    petsc4py does not destroy a garbage-collected object of a parallel communicator at once (the
    destruction may communicate, and the collector runs in a different order on each rank): it
    stashes it on its communicator. This collects Python garbage, then destroys the objects that
    every rank of ``comm`` has dropped, in creation order. Call it on all ranks at the same point
    (a Simulation does at setup; the test suites after every test).
    """
    import gc

    from mpi4py import MPI
    from petsc4py import PETSc

    gc.collect()
    PETSc.garbage_cleanup(MPI.COMM_WORLD if comm is None else comm)
