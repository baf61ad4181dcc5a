"""Spin transport for scripts: spin accumulation across a magnetic multilayer.

Demagnetizing ferromagnets pump spins into their neighbours; the spin accumulation μ_s diffuses,
relaxes (τ_s) and crosses interfaces with a finite spin conductance G_s, where it jumps
(physics-spec §6-7). The pieces:

- :class:`SpinLayer`: one layer of a transport stack (thickness, conductivity σ, density of
  states N, and τ_s or the spin-diffusion length λ_sf; only ferromagnets carry sources).
- :class:`SpinDiffusion1D`: transient diffusion through a 1D stack of :class:`SpinLayer` s by
  discontinuous Galerkin (DG1/DG2, interface jumps, θ-scheme; spin bookkeeping exact), with
  sources per layer (:meth:`~SpinDiffusion1D.set_layer_source`), e.g. from a magnetization trace
  (:class:`MagnetizationRateSource`, :func:`read_magnetization_trace`,
  :func:`spin_source_from_rate`); :meth:`~SpinDiffusion1D.solve_steady` for steady states.
- :class:`SpinDiffusionRZ`: the same on the metal layers of an r-z domain, with lateral sources
  (:func:`gaussian_lateral_source`).
- :class:`SpinTransport` (built by :func:`spin_transport` inside
  ``femmag.Simulation(modules=[...])``): the s-d model at the quadrature points of the
  ferromagnets (:class:`SdParameters`) with diffusive, ballistic or no spin transport between
  them; :func:`sd_advance` is its pointwise kernel.

A uniform spin source in a 3 nm Co layer next to 80 nm of Cu (physics-spec §7.3 parameters):
in the steady state the spins injected per second equal the spins relaxed per second, and the
accumulation jumps at the Co/Cu interface:

>>> import femmag
>>> from mpi4py import MPI
>>> from femmag.spin import SpinDiffusion1D, SpinLayer
>>> co = SpinLayer("Co", "3 nm", conductivity="1e7 S/m", dos="1.13e48 1/(J*m^3)",
...                spin_diffusion_length="40 nm", is_ferromagnet=True)
>>> cu = SpinLayer("Cu", "80 nm", conductivity="3.5e7 S/m", dos="1.558e47 1/(J*m^3)",
...                spin_diffusion_length="350 nm")
>>> diffusion = SpinDiffusion1D([co, cu], ["1.96e15 S/m^2"], MPI.COMM_WORLD,
...                             cells_per_layer=[8, 32])
>>> diffusion.set_layer_source("Co", 1e-10)  # J/s
>>> diffusion.solve_steady()
>>> print(f"relaxed / injected = {diffusion.relaxation_rate() / diffusion.source_rate():.8f}")
relaxed / injected = 1.00000000
>>> mu_co, mu_cu = diffusion.values_at([(-3e-9, "Co"), (-3e-9, "Cu")])  # both sides, z [m]
>>> meV = femmag.to_si("1 meV", "energy")
>>> print(f"μ_s at the interface: {mu_co / meV:.3f} meV in Co, {mu_cu / meV:.3f} meV in Cu")
μ_s at the interface: 1.325 meV in Co, 1.310 meV in Cu
>>> diffusion.destroy()

The layers and conductances take quantities with their units; ``SpinLayer.from_si`` takes SI
numbers, and sources and times in ``step``/``run`` are SI (J/s, seconds).
"""

from __future__ import annotations

from femmag.kernels.sd import SdParameters, sd_advance
from femmag.physics.spin.diffusion import (
    LayeredMesh,
    MagnetizationRateSource,
    SpinDiffusion1D,
    SpinLayer,
    build_layered_interval_mesh,
    read_magnetization_trace,
    spin_source_from_rate,
)
from femmag.physics.spin.diffusion_rz import SpinDiffusionRZ, gaussian_lateral_source
from femmag.physics.spin.module import SpinTransport, spin_transport

__all__ = [
    "LayeredMesh",
    "MagnetizationRateSource",
    "SdParameters",
    "SpinDiffusion1D",
    "SpinDiffusionRZ",
    "SpinLayer",
    "SpinTransport",
    "build_layered_interval_mesh",
    "gaussian_lateral_source",
    "read_magnetization_trace",
    "sd_advance",
    "spin_source_from_rate",
    "spin_transport",
]
