# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Laser heating and ultrafast demagnetization of a 10 nm ferromagnetic film
#
# This demo reproduces the thermal and magnetic part of seed 003, Fig. 2a (Du *et al.*,
# Sci. Rep. 7, 13513 (2017)): a 10 nm "virtual" CoPt film (T_c = 550 K) on fused silica, pumped by
# a 140 fs, 800 nm pulse of 2.6 mJ/cm² peak fluence and 10 µm (1/e) diameter. The induced magnetic
# field of the paper is *not* included here (that is the induction solver's demo); without it the
# film demagnetizes and recovers along +z.
#
# It illustrates how to
#
# - describe a layer stack and a pulse with explicit units,
# - build an axisymmetric (r, z) mesh with gmsh, graded from nm cells in the film to µm cells in the
#   substrate,
# - couple planar optics (transfer matrix), the two-temperature model (FEM, PETSc Newton) and the
#   Landau-Lifshitz-Bloch equation at quadrature points,
# - write traces (CSV), fields (XDMF) and pictures (PNG), and check the physics.
#
# ## The model
#
# Electrons (T_e) and lattice (T_l) in the film (physics-spec §4):
#
# $$ \gamma_e T_e \partial_t T_e = \nabla\cdot(\kappa_e \nabla T_e) - G(T_e - T_l) + q(r,z,t), \qquad
#    C_l \partial_t T_l = \nabla\cdot(\kappa_l\nabla T_l) + G(T_e - T_l), $$
#
# one temperature in the substrate, perfect lattice contact, electrons blocked at the interface.
# The absorbed power density is $q = (q(\zeta)/I)\, I_{pk} e^{-r^2/r_0^2} e^{-4\ln 2 (t-t_0)^2/\tau^2}$
# with the depth profile of the planar stack. The reduced magnetization m follows the classical LLB
# equation driven by T_e (§5.1), with the calibrated set S003-A (γ_e = 700 J/m³K², G = 3×10¹⁸ W/m³K,
# λ = 0.045, μ_at = 1.2 μ_B).
#
# Parameters:
#
# - fluence 2.6 mJ/cm², FWHM 140 fs, diameter 10 µm, pulse peak at t0 = 0.2 ps (seed 003's axis)
# - mesh radius 20 µm, substrate 5 µm (fixed 300 K at its bottom; heat does not reach it in 100 ps)
# - run to 100 ps (``FEMMAG_FAST=1``: 3 ps on a coarser mesh, as in CI)

# +
import argparse
import os
from pathlib import Path

import femmag  # noqa: F401  (must come before dolfinx)

from mpi4py import MPI

import numpy as np

from femmag.studies.seed003 import seed003_film
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_film_heating", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="short run on a coarse mesh (CI)")
parser.add_argument("--overwrite", action="store_true",
                    help="replace a previous run of this demo in --out (only the files its "
                         "run.toml lists; anything else there is refused)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
# -

# ## Stack, pulse and mesh
#
# Thicknesses, fluences and durations are always given with their units; femmag converts them to
# SI once. The seed-003 film is a ready-made recipe: ``CoPt_S003A`` (10 nm) on ``fused_silica``.

# +
stack = seed003_film()
pulse = Pulse(fluence="2.6 mJ/cm^2", duration="140 fs", diameter="10 um", wavelength="800 nm",
              helicity="sigma-", arrival="0.2 ps")
t_end = "3 ps" if args.fast else "100 ps"
mesh_options = dict(radius="20 um", cells_per_beam_radius=8 if args.fast else 20,
                    max_cell_size="2.5 nm" if args.fast else "1 nm")
sim = Simulation(stack, pulse, mesh="rz", mesh_options=mesh_options, magnetization={"initial": "+z"},
                 time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="1 ps"), comm=comm)
# -

# ## Run
#
# ``run`` sets everything up (printing the field wiring), then time-steps with Δt = 2 fs during the
# pulse and growing steps afterwards. Fields are written at the times of seed 003, Fig. 1b/2.

# +
field_times = ["0.2 ps", "0.5 ps", "1 ps", "3 ps"] if args.fast else [
    "0.2 ps", "0.5 ps", "1 ps", "12 ps", "100 ps"]
traces = sim.run(t_end, out=args.out, field_times=field_times, overwrite=args.overwrite)
# -

# ## Results and checks
#
# The electron temperature at the beam centre peaks at 2.34 T_c (seed 003: 2.33 T_c "within
# 275 fs"), ~80 fs after the pulse peak; the magnetization is almost fully quenched and recovers
# once T_e falls below T_c (~15 ps with perfect lattice contact, §4.5).

# +
t_ps = traces.column("time")
Te = traces.column("electron_temperature_centre")
Tl = traces.column("lattice_temperature_centre")
mz = traces.column("magnetization_z_centre")
Tc = 550.0
i_max = int(np.argmax(Te))
peak_ratio = Te[i_max] / Tc
delay_fs = (t_ps[i_max] - 0.2) * 1e3
absorbed = traces.column("absorbed_energy")[-1]
stored = traces.column("internal_energy_change")[-1]
if comm.rank == 0:
    print(f"T_e,max = {Te[i_max]:.1f} K = {peak_ratio:.3f} T_c, {delay_fs:.0f} fs after the pulse peak")
    print(f"T_l,max = {Tl.max():.1f} K = {Tl.max() / Tc:.3f} T_c; m_z,min = {mz.min():.4f}")
    print(f"energy: absorbed {absorbed:.6e} J, stored {stored:.6e} J "
          f"(relative difference {abs(stored - absorbed) / absorbed:.1e})")
    print(f"{sim.timings['steps']} steps ({sim.timings['rejected']} rejected) in "
          f"{sim.timings['wall']:.1f} s; results in {Path(args.out).resolve()}")

assert abs(peak_ratio - 2.34) < 0.03, f"T_e,max/T_c = {peak_ratio:.3f}, expected 2.34 (S003-A)"
assert 40 < delay_fs < 130, f"T_e peak delay {delay_fs:.0f} fs"
assert mz.min() < 0.02, "the film should be almost fully demagnetized"
assert abs(stored - absorbed) < 1e-3 * absorbed, "energy conservation"
if not args.fast:
    below = t_ps[(Te < Tc) & (t_ps > 1.0)]
    assert len(below) and 8 < below[0] < 25, "T_e should fall below T_c after 10-20 ps"
    assert mz[-1] > 0.2, "the magnetization recovers along +z without the induced field"
# -
