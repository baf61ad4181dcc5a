"""femmag.kernels: pure, vectorized pointwise physics (numpy, optional numba); no dolfinx import.

Arrays are shaped (n_points, 3) for vectors and (n_points,) for scalars; SI units.

- :mod:`femmag.kernels.llb`: classical LLB (Langevin mean field m_e, χ̃_∥, damping, H_int, dm/dt)
  and the stiff-safe point integrator :func:`~femmag.kernels.llb.llb_advance`.
- :mod:`femmag.kernels.ode`: fused numba point loops used by the integrators (compiled once,
  cached on disk; ``FEMMAG_NO_NUMBA=1`` forces the numpy paths).
- :mod:`femmag.kernels.warmup`: compiles every numba kernel ahead of first use
  (``python -m femmag.kernels.warmup``; ``make setup`` runs it).

Submodules are imported on demand (``from femmag.kernels.llb import llb_advance``) so that
importing one kernel does not pay for the others (numba is loaded only by the compiled modules
:data:`NUMBA_MODULES`). When one of their kernels compiles (no cache yet: first use without
``make setup``), rank 0 says so once on stderr, since that takes tens of seconds.
"""

from __future__ import annotations

import importlib.abc
import os
import sys

#: Submodules with numba kernels (``cache=True``: compiled on first call, then loaded from disk).
NUMBA_MODULES = ("femmag.kernels.ode", "femmag.kernels.stochastic", "femmag.kernels.sd")

COMPILE_NOTICE = "femmag: compiling the numba kernels (first use, about 30 s; cached afterwards)"

_compile_notice_given = False


def _is_rank_zero() -> bool:
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None:
        return mpi.COMM_WORLD.rank == 0
    for var in ("PMI_RANK", "OMPI_COMM_WORLD_RANK"):
        if var in os.environ:
            return os.environ[var] == "0"
    return True


def announce_compile(module: str, stream=None) -> bool:
    """Print :data:`COMPILE_NOTICE` once per process, on rank 0, when a numba kernel of one of
    :data:`NUMBA_MODULES` starts compiling; returns whether it printed."""
    global _compile_notice_given
    if _compile_notice_given or module not in NUMBA_MODULES:
        return False
    _compile_notice_given = True
    if not _is_rank_zero():
        return False
    print(COMPILE_NOTICE, file=sys.stderr if stream is None else stream, flush=True)
    return True


def _install_compile_listener() -> None:
    """Listen to numba's compile events (sent on cache misses only: a cached run pays nothing)."""
    try:
        from numba.core import event
    except ImportError:  # numba absent: the numpy paths compile nothing
        return

    class _CompileNotice(event.Listener):
        def on_start(self, ev):
            announce_compile(getattr(ev.data["dispatcher"].py_func, "__module__", ""))

        def on_end(self, ev):
            pass

    event.register("numba:compile", _CompileNotice())


class _BeforeNumbaModules(importlib.abc.MetaPathFinder):
    """Installs the compile listener just before the first numba module is imported (numba is
    imported there anyway); finds nothing itself."""

    installed = False

    def find_spec(self, fullname, path=None, target=None):
        if not self.installed and fullname in NUMBA_MODULES:
            self.installed = True
            _install_compile_listener()
        return None  # the normal finders import the module


if "numba" in sys.modules:
    _install_compile_listener()
else:
    sys.meta_path.insert(0, _BeforeNumbaModules())
