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

    def hook(kind: type[BaseException], value: BaseException, traceback: Any) -> None:
        comm = MPI.COMM_WORLD
        sys.stderr.write(f"femmag: uncaught {kind.__name__} on rank {comm.rank} of "
                         f"{comm.size}; stopping every rank\n")
        previous(kind, value, traceback)
        sys.stderr.flush()
        sys.stdout.flush()
        comm.Abort(130 if issubclass(kind, KeyboardInterrupt) else 1)

    sys.excepthook = hook
    _installed = True
