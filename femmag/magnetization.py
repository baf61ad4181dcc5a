"""Magnetization for scripts: Landau–Lifshitz–Bloch and M3TM dynamics of a hot ferromagnet.

Near and above the Curie temperature the length of the magnetization changes as fast as its
direction: the Landau–Lifshitz–Bloch (LLB) equation carries both, driven by the electron
temperature T_e and the field B in tesla (physics-spec §5). The pieces:

- :func:`llb_advance`: the classical (Garanin) LLB at any number of points over one step with
  T_e and B held (precession exact, stiff longitudinal relaxation by L-stable SDIRK2 sub-steps;
  numba-compiled); :func:`llb_0d_trace` integrates one point along T_e(t) and B(t).
  :class:`LLBParameters` holds T_c, the atomic moment μ_at and the coupling λ;
  :func:`micromagnetic_parameters` reads them (and M_s, A, K) from a material of the library;
  :func:`equilibrium_magnetization` is the mean-field m_e(T).
- :func:`m3tm_advance`: the microscopic three-temperature model (Koopmans 2010) with
  :class:`M3TMParameters` (:func:`m3tm_parameters` from the library).
- In a coupled run, :class:`Magnetization` is the ``magnetization`` module
  :class:`femmag.Simulation` builds: the state at the quadrature points of every magnetic layer,
  with ``model`` one of :data:`MODELS` (classical, quantum or stochastic LLB, M3TM) and the
  fields of the other modules (IFE, induced field) acting on it. A step it cannot take raises
  :class:`MagnetizationStepFailure` (the run retries with half the step).

The seed-003 film material held at T_e = 450 K (T_c = 550 K): starting from |m| = 1 along z,
the LLB relaxes the length to the equilibrium m_e(450 K) within a picosecond:

>>> import numpy as np
>>> from femmag.magnetization import (equilibrium_magnetization, llb_0d_trace,
...                                   micromagnetic_parameters)
>>> params = micromagnetic_parameters("CoPt_S003A").llb
>>> times = np.linspace(0.0, 2e-12, 201)  # s
>>> electron_temperature = np.full_like(times, 450.0)  # K
>>> m = llb_0d_trace(times, electron_temperature, None, params, m0=[0.0, 0.0, 1.0])  # no field
>>> m_e = float(equilibrium_magnetization(450.0, params.curie_temperature))
>>> print(f"|m| = {np.linalg.norm(m[-1]):.3f} after 2 ps, m_e(450 K) = {m_e:.3f}")
|m| = 0.522 after 2 ps, m_e(450 K) = 0.522

The kernels take SI numbers (seconds, kelvin, tesla) and numpy arrays.
"""

from __future__ import annotations

from femmag.kernels.llb import LLBParameters, llb_0d_trace, llb_advance
from femmag.kernels.m3tm import M3TMParameters, m3tm_advance
from femmag.kernels.mean_field import equilibrium_magnetization
from femmag.materials.kernel_parameters import m3tm_parameters, micromagnetic_parameters
from femmag.physics.magnetization.module import MODELS, Magnetization, MagnetizationStepFailure

__all__ = [
    "MODELS",
    "LLBParameters",
    "M3TMParameters",
    "Magnetization",
    "MagnetizationStepFailure",
    "equilibrium_magnetization",
    "llb_0d_trace",
    "llb_advance",
    "m3tm_advance",
    "m3tm_parameters",
    "micromagnetic_parameters",
]
