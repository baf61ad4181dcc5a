"""femmag: finite-element multiphysics for ultrafast laser-driven magnetism in thin films.

The physics chain (one module each, coupled in :mod:`femmag.step`):
optics → two-temperature heat → magnetization (LLB / s-d at quadrature points) → spin transport →
induction. SI units inside; :mod:`femmag.units` converts at the door.

The public surface, for scripts:

- the problem: :class:`Stack` and :class:`Layer` (the films), :class:`Pulse` and
  :class:`PulseTrain` (the pump), :class:`Library` (the materials), :class:`TimeStepping` (the
  time-step policy), :class:`Simulation` (the coupled run) and :func:`load_case` (the same from a
  TOML case file); :mod:`femmag.io` (``femmag.io.load``) reads a run directory back;
- one module per solver, each a short guide with an example: :mod:`femmag.optics`,
  :mod:`femmag.heat`, :mod:`femmag.magnetization`, :mod:`femmag.spin`, :mod:`femmag.induction`.

``import femmag`` stays light: these names are loaded on first use (DOLFINx only with
:class:`Simulation` or a solver module), so a script can ``import femmag`` before ``dolfinx`` as
the PyPI wheel requires.

>>> import femmag
>>> stack = femmag.Stack([femmag.Layer("film", "CoPt_S003A", "10 nm")],
...                      substrate=femmag.Layer("substrate", "fused_silica", "5 um"))
>>> pulse = femmag.Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
>>> f"{pulse.fluence:.0f} J/m², {stack.total_thickness * 1e9:.0f} nm"
'26 J/m², 10 nm'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# netCDF4 (sweep results, femmag.study) and the DOLFINx wheel each bundle an HDF5 library; once
# DOLFINx's is loaded, a netCDF4 imported later cannot write ("NetCDF: HDF error"). Load it first.
try:  # pragma: no cover - depends on the installation
    import netCDF4  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover
    pass
# The PyPI wheel `dolfinx-solver-real` must be imported before `dolfinx` (it puts the bundled
# PETSc/MPI libraries in place). An official DOLFINx container has no such module: skip it there.
try:  # pragma: no cover - depends on the installation
    import dolfinx_solver  # noqa: F401
except ModuleNotFoundError:  # pragma: no cover
    pass
# MPI next: some compiled modules (basix/dolfinx) need libmpi loaded by mpi4py first.
import mpi4py.MPI

__version__ = "0.1.0"

if mpi4py.MPI.COMM_WORLD.size > 1:  # an uncaught exception on one rank ends every rank
    from femmag.parallel import abort_on_uncaught_exception

    abort_on_uncaught_exception()

from femmag import units
from femmag.units import Q, to_si

# Public name → the module that defines it, imported on first access (PEP 562): eager imports
# would pull DOLFINx (Simulation) and the solvers into every `import femmag`.
_LAZY_NAMES = {
    "Simulation": "femmag.simulation",
    "Stack": "femmag.geometry",
    "Layer": "femmag.geometry",
    "Pulse": "femmag.pulse",
    "PulseTrain": "femmag.pulse",
    "TimeStepping": "femmag.timestepping",
    "Library": "femmag.materials",
    "load_case": "femmag.case",
}
_LAZY_MODULES = ("io", "optics", "heat", "magnetization", "spin", "induction")

if TYPE_CHECKING:  # static analysers see the names; at run time they are lazy
    from femmag import heat, induction, io, magnetization, optics, spin
    from femmag.case import load_case
    from femmag.geometry import Layer, Stack
    from femmag.materials import Library
    from femmag.pulse import Pulse, PulseTrain
    from femmag.simulation import Simulation
    from femmag.timestepping import TimeStepping


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
    elif name in _LAZY_MODULES:
        value = importlib.import_module(f"femmag.{name}")
    else:
        raise AttributeError(f"module 'femmag' has no attribute {name!r}")
    globals()[name] = value  # cached: later look-ups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Layer",
    "Library",
    "Pulse",
    "PulseTrain",
    "Q",
    "Simulation",
    "Stack",
    "TimeStepping",
    "__version__",
    "heat",
    "induction",
    "io",
    "load_case",
    "magnetization",
    "optics",
    "spin",
    "to_si",
    "units",
]
