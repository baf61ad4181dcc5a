"""Optics for scripts: absorption, reflectance, Kerr and IFE depth weights of a film stack.

Where the pump's energy goes in a planar stack (physics-spec §1), and how a probe sees it (§8):

- :class:`PlanarOptics`: the 1D time-harmonic Maxwell (Helmholtz) problem by P3 finite
  elements (s, p or unpolarized, at any angle of incidence); ``PlanarOptics.from_stack(stack, wavelength)`` takes a :class:`femmag.Stack` and the
  refractive indices of the materials library. It gives r, R, T, A, the per-layer absorption,
  the field E(ζ), the absorbed power density q(ζ)/I, the Kerr depth weight and the IFE depth
  weight (depth ζ = −z, 0 at the top of the stack).
- :func:`tmm_stack`: the transfer-matrix solution of the same problem (numpy only, exact for
  planar stacks; the default absorption of :class:`femmag.Simulation`);
  :func:`airy_single_film` is the closed form for one film.
- :func:`depth_profile_from_stack`: ζ ↦ q(ζ)/I of a stack by either method, the callable the
  heat source takes (``Simulation(..., optics={"method": ...})`` chooses it in a run).
- Kerr signals: :class:`KerrSynthesizer` turns simulated M(z, t) and μ_s(z, t) into Kerr
  rotation and ellipticity through the depth weight; :func:`pap_decompose`, :func:`spin_signal`,
  :func:`switching_time` and the CSV helpers :func:`read_kerr_csv`, :func:`write_kerr_csv`
  analyse measured or simulated traces.
- Beyond the planar stack: :class:`PatternedFilmOptics2D` / :func:`patterned_optics` (a film edge,
  stripe or grating, 2D TE/TM with PMLs) and the hot-electron ballistic range
  (:func:`ballistic_depth_profile`, :class:`BallisticProfile`).
- In a coupled run: :class:`PulsedAbsorption` (q(x, t) for the heat module) and :class:`IFEField`
  (the inverse-Faraday field acting on the spins) are the physics modules
  :class:`femmag.Simulation` builds.

The FEM solution against the transfer matrix, for the seed-003 film (10 nm CoPt on fused silica,
800 nm):

>>> import numpy as np
>>> import femmag
>>> from femmag.optics import PlanarOptics, depth_profile_from_stack
>>> stack = femmag.Stack([femmag.Layer("film", "CoPt_S003A", "10 nm")],
...                      substrate=femmag.Layer("substrate", "fused_silica", "5 um"))
>>> fem = PlanarOptics.from_stack(stack, "800 nm")
>>> print(f"R = {fem.R:.4f}, T = {fem.T:.4f}, A = {fem.A:.4f}")
R = 0.3745, T = 0.2530, A = 0.3725
>>> tm = depth_profile_from_stack(stack, "800 nm", method="tmm")
>>> depth = np.linspace(0.0, 10e-9, 11)
>>> bool(np.allclose(fem.absorbed_power_density(depth), tm(depth), rtol=1e-5))
True

Inputs carry their units (``"800 nm"``, ``"45 deg"`` or pint quantities); the returned profile
q(ζ)/I takes depths in metres.
The classes and functions are those of :mod:`femmag.physics.optics`; this module only gathers
them.
"""

from __future__ import annotations

from femmag.physics.optics.ballistic import (
    BallisticProfile,
    ballistic_absorption,
    ballistic_depth_profile,
)
from femmag.physics.optics.kerr import (
    KerrSynthesizer,
    KerrTrace,
    pap_decompose,
    read_kerr_csv,
    spin_signal,
    switching_time,
    write_kerr_csv,
)
from femmag.physics.optics.module import PulsedAbsorption
from femmag.physics.optics.patterned import PatternedFilmOptics2D, patterned_optics
from femmag.physics.optics.planar import (
    IFEField,
    OpticalLayer,
    PlanarOptics,
    depth_profile_from_stack,
)
from femmag.physics.optics.transfer_matrix import (
    TransferMatrixResult,
    airy_single_film,
    tmm_stack,
)

__all__ = [
    "BallisticProfile",
    "IFEField",
    "KerrSynthesizer",
    "KerrTrace",
    "OpticalLayer",
    "PatternedFilmOptics2D",
    "PlanarOptics",
    "PulsedAbsorption",
    "TransferMatrixResult",
    "airy_single_film",
    "ballistic_absorption",
    "ballistic_depth_profile",
    "depth_profile_from_stack",
    "pap_decompose",
    "patterned_optics",
    "read_kerr_csv",
    "spin_signal",
    "switching_time",
    "tmm_stack",
    "write_kerr_csv",
]
