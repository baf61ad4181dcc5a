"""Heat for scripts: the two-temperature model of electrons and lattice in a film stack.

In every metal layer the electron (T_e) and lattice (T_l) temperatures exchange energy through
the electron-phonon coupling G and diffuse (physics-spec §4); dielectrics and the substrate carry
one temperature. The absorbed laser power q(x, t) of :mod:`femmag.optics` heats the electrons.

- :class:`TwoTemperatureModel`: the finite-element solver (1D, r-z, x-z or 3D meshes, one blocked
  P1 space, energy-conserving θ-scheme, Newton). It is the ``heat`` module of the coupled chain:
  :class:`femmag.Simulation` builds it from a stack, a pulse and the materials library, which is
  the usual way to run it (``magnetization=False`` for heat alone). Bad parameters raise
  :class:`HeatSetupError`.
- :func:`solve_two_temperature_1d`: an independent 1D finite-volume model (scipy, method of lines)
  of a laterally uniform stack; :func:`material_layer` fills its layers from the library. It is
  the reference the FEM solver is verified against.
- :func:`solve_two_temperature_0d`: the 0D model of a film without heat loss
  (:class:`TwoTemperature0D` parameters), for calibrations on the first picosecond.

The FEM solver through :class:`femmag.Simulation` and the finite-volume reference on the
seed-003 film (10 nm CoPt, 2.6 mJ/cm², 140 fs) agree on the electron temperature peak
(within 0.3 %; the finite volumes use 10 cells across the film):

>>> import femmag
>>> from femmag.heat import material_layer, solve_two_temperature_1d
>>> stack = femmag.Stack([femmag.Layer("film", "CoPt_S003A", "10 nm")],
...                      substrate=femmag.Layer("substrate", "fused_silica_S003A", "4 um"))
>>> pulse = femmag.Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
>>> sim = femmag.Simulation(stack, pulse, mesh="1d", magnetization=False, verbose=False)
>>> fem_peak = sim.run("0.6 ps").column("electron_temperature_centre").max()
>>> film = material_layer("CoPt", "CoPt_S003A", 10e-9, 10)
>>> silica = material_layer("silica", "fused_silica_S003A", 4e-6, 60)
>>> fv = solve_two_temperature_1d([film], silica, fluence=26.0, duration=140e-15,  # J/m², s
...                               arrival=0.0, t_end=0.4e-12)
>>> fv_peak = fv.peak("electron", "CoPt")[0]
>>> print(f"T_e,max = {fem_peak:.0f} K (FEM), {fv_peak:.0f} K (finite volumes)")
T_e,max = 1286 K (FEM), 1289 K (finite volumes)

The reduced models take SI numbers; :class:`femmag.Simulation` takes quantities with units.
"""

from __future__ import annotations

from femmag.models.two_temperature_0d import TwoTemperature0D, solve_two_temperature_0d
from femmag.models.two_temperature_1d import (
    TwoTemperature1DResult,
    material_layer,
    solve_two_temperature_1d,
)
from femmag.physics.heat.module import HeatSetupError, TwoTemperatureModel

__all__ = [
    "HeatSetupError",
    "TwoTemperature0D",
    "TwoTemperature1DResult",
    "TwoTemperatureModel",
    "material_layer",
    "solve_two_temperature_0d",
    "solve_two_temperature_1d",
]
