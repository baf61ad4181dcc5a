# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Helicity-dependent switching of a 10 nm film by the prolonged induced field
#
# This demo reproduces seed 003, Figs. 1b and 2 (Du *et al.*, Sci. Rep. 7, 13513 (2017)) with the
# full coupled chain of femmag:
#
# optics (absorbed power) → two-temperature model (FEM) → inverse-Faraday impressed flux +
# eddy-current induction (FEM, A_φ(r, z) with the film as a conducting sheet) → LLB at the quadrature
# points of the film.
#
# It illustrates how to
#
# - switch on the induced field of a simulation (``induction={"ife_coefficient": ...}``),
# - compare σ−, σ+ and linear pulses,
# - read the beam-centre traces and the r-z maps of m_z.
#
# ## The physics
#
# A circularly polarized pulse of helicity h imprints a flux density
# $B_{IFE} = h\,\kappa_{IFE} F_0\, e^{-r^2/r_0^2} g(t)$ through the film (κ_IFE = 1 T per mJ/cm²,
# seed 003). Its fast change drives azimuthal loop currents in the conducting film
# (σ = 8×10⁶ S/m) that oppose the change (Lenz): each Bessel mode $J_1(kr)$ of the vector potential
# relaxes with $\tau_k = \mu_0\sigma d/(2k)$, so the field acting on the spins is the IFE pulse
# low-pass filtered: delayed by ~60 fs and prolonged to hundreds of fs (physics-spec §3.6). While the
# electrons are above T_c the longitudinal susceptibility is large and this prolonged field decides
# the sign of the magnetization that nucleates when the film cools: σ− (field along −z) switches
# M+, σ+ and linear light do not.
#
# Parameters: 2.6 mJ/cm², 140 fs, D = 10 µm, pulse peak at 0.2 ps; calibrated set S003-A
# (γ_e = 700 J/m³K², G = 3×10¹⁸ W/m³K, λ = 0.045, μ_at = 1.2 μ_B). The field of the magnetization
# itself is not included here (``magnetization_source=False``; see the note at the end).

# +
import argparse
import os
from pathlib import Path

import femmag  # noqa: F401  (must come before dolfinx)

from mpi4py import MPI

import numpy as np

from femmag.studies.seed003 import seed003_film
from femmag.io.plotting import trace_figure
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_film_switching", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="beam centre only (1D heat/LLB mesh), 30 ps (CI)")
parser.add_argument("--overwrite", action="store_true",
                    help="replace a previous run of this demo in --out (only the files its "
                         "run.toml lists; anything else there is refused)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
out = Path(args.out)
# -

# ## Three pulses, one film
#
# The σ− run uses the axisymmetric heat/LLB mesh (maps of m_z at the times of seed 003, Fig. 1b);
# σ+ and linear use the 1D beam-centre mesh, which gives the same centre traces much faster (lateral
# heat flow is negligible on 100 ps). In fast mode all three run on the 1D mesh, to 30 ps.
# (Linear light has no IFE field: its outcome is decided by the tiny residual m_z ≈ 1e-6 left
# while T_e > T_c, which keeps its sign; seed 003 adds a few-gauss disturbance for such cases.)

# +
t_end = "30 ps" if args.fast else "100 ps"
results = {}
for helicity in ("sigma-", "sigma+", "linear"):
    pulse = Pulse(fluence="2.6 mJ/cm^2", duration="140 fs", diameter="10 um", wavelength="800 nm",
                  helicity=helicity, arrival="0.2 ps")
    rz = helicity == "sigma-" and not args.fast
    sim = Simulation(seed003_film(), pulse, mesh="rz" if rz else "1d",
                     mesh_options={"radius": "20 um", "cells_per_beam_radius": 12} if rz else {},
                     magnetization={"initial": "+z"},
                     induction={"ife_coefficient": "1 T/(mJ/cm^2)"},
                     time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="1 ps"), comm=comm,
                     verbose=helicity == "sigma-")
    field_times = ["0.2 ps", "0.5 ps", "1 ps", "12 ps", "100 ps"] if rz else []
    results[helicity] = sim.run(t_end, out=out / helicity, field_times=field_times,
                                overwrite=args.overwrite)
# -

# ## Beam-centre traces (seed 003, Fig. 2a)

# +
traces = {}
for helicity, tr in results.items():
    t = tr.column("time")
    traces[f"m_z {helicity}"] = (t, tr.column("magnetization_z_centre"), "m_z (centre)")
    traces[f"B_i {helicity}"] = (t, tr.column("induced_field_centre"), "B_i,z (centre) [T]")
tr = results["sigma-"]
t = tr.column("time")
traces["T_e"] = (t, tr.column("electron_temperature_centre"), "temperature [K]")
traces["T_l"] = (t, tr.column("lattice_temperature_centre"), "temperature [K]")
trace_figure(traces, out / "switching_traces.png", title="seed 003: 2.6 mJ/cm², 10 µm, κ = 1 T/(mJ/cm²)",
             xlog=True)

final = {h: tr.column("magnetization_z_centre")[-1] for h, tr in results.items()}
Bi = results["sigma-"].column("induced_field_centre")
i_peak = int(np.argmin(Bi))
delay_fs = (t[i_peak] - 0.2) * 1e3
if comm.rank == 0:
    print(f"B_i,peak = {Bi[i_peak]:+.3f} T, {delay_fs:.0f} fs after the pulse peak "
          f"(seed: ~60 fs; B_IFE,peak = -2.6 T)")
    for h, m in final.items():
        print(f"{h:7s}: final m_z at the centre = {m:+.4f}")
    print(f"results: {out.resolve()}")

# At 30 ps (fast mode) T_e has only just fallen below T_c (~15 ps) and |m| is still ~1e-3: the
# sign is already decided; by 100 ps it has grown to ~0.5.
threshold = 2e-4 if args.fast else 0.1
assert final["sigma-"] < -threshold, "σ− must switch M+ (seed 003, Fig. 1b)"
assert final["sigma+"] > threshold, "σ+ must not switch"
assert final["linear"] > 0, "linear light must not switch"
assert 50 < delay_fs < 75, f"B_i peak delay {delay_fs:.0f} fs (seed: ≈ 60 fs)"
# -

# ## Note: the field of the magnetization
#
# With ``induction={"magnetization_source": True}`` the demagnetized centre's "ring-magnet" field
# (the stray field of the still-magnetized film around it, along −z at the centre, a few mT at
# 10-60 ps) is included. In femmag's model it is large enough to switch the centre for all helicities
# at 2.6 mJ/cm² (helicity-independent outcome), i.e. it acts like the seed's "disturbance" field
# (Fig. 7), which moves the upper threshold down. Seed 003 states this field is negligible; we keep
# it off by default and document the difference.
