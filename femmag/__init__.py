"""femmag: finite-element multiphysics for ultrafast, laser-driven magnetism in films and multilayers.

The physics chain (one module each, coupled in :mod:`femmag.step`):
optics → two-temperature heat → magnetization (LLB / s-d at quadrature points) → spin transport →
induction. SI units inside; :mod:`femmag.units` converts at the door.
"""

from __future__ import annotations

# The PyPI wheel `dolfinx-solver-real` must be imported before `dolfinx` (it puts the bundled
# PETSc/MPI libraries in place). An official DOLFINx container has no such module: skip it there.
try:  # pragma: no cover - depends on the installation
    import dolfinx_solver  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover
    pass
# MPI next: some compiled modules (basix/dolfinx) need libmpi loaded by mpi4py first.
import mpi4py.MPI  # noqa: E402, F401

__version__ = "0.1.0"

if mpi4py.MPI.COMM_WORLD.size > 1:  # an uncaught exception on one rank ends every rank
    from femmag.parallel import abort_on_uncaught_exception

    abort_on_uncaught_exception()

from femmag import units  # noqa: E402
from femmag.units import Q, to_si  # noqa: E402

__all__ = ["Q", "__version__", "to_si", "units"]
