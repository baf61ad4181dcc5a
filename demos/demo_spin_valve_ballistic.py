# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Seed 000 Fig. 3 with ballistic hot-electron energy transport through Cu
#
# In `demos/demo_spin_valve_fem.py` the ref layer behind Cu(80 nm) is heated only by *diffusive*
# electron heat transport (the FEM 2TM): its demagnetization peaks 0.635 ps after the pump, against
# ~0.3 ps in seed 000 (Fig. 1c, Fig. 3b), and the run needs an absorption scale 0.6 (20 mJ/cm² →
# 12 mJ/cm² effective). The missing piece is the ballistic/superdiffusive transport of the
# optically excited electrons (Hohlfeld et al. 2000: in noble metals the excitation depth is
# δ_opt + δ_b with a "ballistic range" δ_b ≈ 100 nm; seed 000: "the ref layer is only excited by the
# hot electron current resulting from the optical absorption in the free layer").
#
# `femmag.physics.optics.ballistic` redistributes the absorbed power along the depth with a two-stream
# kernel (range δ_b per metal, reflecting outer faces, energy-conserving; see its docstring), and
# `ballistic_absorption(ranges, scale=...)` plugs it into `Simulation(absorption=...)`. Everything
# else is the calibrated chain of `demo_spin_valve_fem.py` (FEM 2TM with the FV thermal set, s-d at
# the quadrature points, T_c 550/700 K, τ_sd 0.1 ps, τ_s 0.05 ps, ρ 0.5 eV, ballistic *spin*
# transfer η = 0.5 with t_d = 70 fs, P and AP starts).
#
# Ranges: Pt 2 nm, Co 3 nm, Ta 2 nm ([ASSUMP], short-range 3d/5d metals) and δ_b(Cu) scanned over
# 0 (no ballistic transport anywhere: the plain optics), 30, 70, 100, 150 nm, with the
# absorption scale 0.6, 0.8, 1.0. Reported: the energy each group receives, the ref
# demagnetization and its peak time after the pump, the free layer's crossing time from P and
# whether AP stays unswitched.
#
# Run: ``python demos/demo_spin_valve_ballistic.py [--out DIR] [--fast]`` (also under ``mpiexec``).
# ``--fast`` runs δ_b(Cu) ∈ {0, 100 nm} × scale ∈ {0.6, 1.0} to 2.5 ps with the 10 fs step of the
# FEM demo's fast mode (~25 s serial); the full scan (30 runs, 5 fs, 5 ps) takes ~5 min.

# +
import argparse
import os
import time
from pathlib import Path

import femmag  # noqa: F401  (must come before dolfinx)

from mpi4py import MPI

import numpy as np

from femmag.studies.seed000 import seed000_spin_valve
from femmag.kernels.sd import SdParameters
from femmag.physics.optics.kerr import switching_time
from femmag.physics.optics.module import stack_optics
from femmag.physics.optics.ballistic import ballistic_absorption, ballistic_depth_profile, ballistic_ranges
from femmag.physics.spin.module import spin_transport
from femmag.studies.seed000 import seed000_thermal_library
from femmag.studies.seed000.groups import seed000_groups
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_spin_valve_ballistic", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="short runs (CI)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
rank0 = comm.rank == 0
out = Path(args.out)
if rank0:
    out.mkdir(parents=True, exist_ok=True)
PS, NM, EV = 1e-12, 1e-9, 1.602176634e-19
clock = time.perf_counter()
summary: list[str] = []


def note(line: str) -> None:
    summary.append(line)
    if rank0:
        print(line, flush=True)


T_END = 2.5 * PS if args.fast else 5 * PS
DT = 10e-15 if args.fast else 5e-15
ARRIVAL = 0.1 * PS
CU_RANGES = (0, 100) if args.fast else (0, 30, 70, 100, 150)          # nm
SCALES = (0.6, 1.0) if args.fast else (0.6, 0.8, 1.0)
SD = {"free": SdParameters(550.0, 0.5 * EV, 0.05 * PS, tau_sd=0.1 * PS),
      "ref": SdParameters(700.0, 0.5 * EV, 0.05 * PS, tau_sd=0.1 * PS)}
stack = seed000_spin_valve(substrate_thickness="1 um")
groups = seed000_groups(stack)
library = seed000_thermal_library()
pulse = Pulse("20 mJ/cm^2", "50 fs", "10 um", arrival=f"{ARRIVAL} s")  # seed 000 Fig. 3 fluence


def ranges(cu_nm: float) -> dict:
    """Proposed ranges with δ_b(Cu); 0 → no ballistic transport in any layer (optics only)."""
    if cu_nm == 0:
        return {m: 0 for m in ("Cu", "Pt", "Co", "Ta")}
    return ballistic_ranges({"Cu": f"{cu_nm} nm"})
# -

# ## 1. Where the absorbed energy ends up (no time stepping)
#
# Fractions of the incident fluence deposited per group (transfer matrix at 800 nm: A = 0.141 for
# the whole stack). Ballistic transport takes energy out of the cap and free layer (whose Pt/Co
# absorb ~3.5× more per volume than Ta) and carries it across Cu; the ref group's share grows from
# 3×10⁻⁴ (optics, §1.7) to ~10⁻² — while the free group loses ~1/3 of its energy, which is why the
# absorption scale 0.6 of the uncalibrated set can move toward 1.

# +
optics = stack_optics(stack, pulse.wavelength, library)
note(f"{'δ_b(Cu)':>8s} {'cap':>8s} {'free':>8s} {'Cu':>8s} {'ref':>8s} {'buffer':>8s} "
     f"{'total':>8s}   (fraction of the incident fluence)")
shares = {}
for cu in (0, 30, 70, 100, 150):
    prof = ballistic_depth_profile(optics.absorbed_power_density, stack, ranges(cu),
                                   library=library)
    ledger = prof.layer_absorption()
    shares[cu] = {g: sum(v for k, v in ledger.items() if k.startswith(g))
                  for g in ("cap_", "free_", "spacer_", "ref_", "buffer_")}
    note(f"{cu:6d} nm " + " ".join(f"{shares[cu][g]:8.5f}" for g in shares[cu])
         + f" {sum(ledger.values()):8.5f}")
assert abs(sum(shares[100].values()) - optics.A) < 1e-10 * optics.A, "energy conserved"
assert shares[100]["ref_"] > 30 * shares[0]["ref_"], "ballistic electrons heat the ref layer"
assert shares[100]["free_"] < 0.75 * shares[0]["free_"], "... and take energy from the free layer"
# -

# ## 2. Fig. 3 with ballistic energy transport: scan of δ_b(Cu) and the absorption scale
#
# One `Simulation` per (δ_b, scale, P/AP): FEM 2TM + s-d at the quadrature points; fixed Δt.
# "ref peak" is the time of the ref layer's largest demagnetization after the pump peak
# (seed 000: ~0.3 ps), "free ×0 (P)" the first zero crossing of the free m_d from P,
# "AP end" the free m_d at the end from AP (> 0: AP does not switch).

# +
def run(cu_nm: float, scale: float, state: str) -> dict:
    start = time.perf_counter()
    sim = Simulation(stack, pulse, mesh="1d", magnetization=False, library=library,
                     absorption=ballistic_absorption(ranges(cu_nm), scale=scale),
                     modules=[spin_transport(ferromagnets=groups, sd=SD, initial=state,
                                             transport="ballistic", efficiency=0.5,
                                             delay="70 fs")],
                     verbose=False, time_stepping=TimeStepping(dt_pulse=f"{DT} s",
                                                               dt_max=f"{DT} s"))
    tr = sim.run(f"{T_END} s", progress=False)
    sim.extra_modules[0].destroy()
    t = tr.column("time") * PS
    m_d = np.column_stack([tr.column(f"m_d_{g}") for g in ("free", "ref")])
    t_e = np.column_stack([tr.column(f"electron_temperature_{g}") for g in ("free", "ref")])
    ref = np.abs(m_d[:, 1])
    i = int(np.argmin(ref))
    try:
        t_cross = switching_time(t, m_d[:, 0]) - ARRIVAL
    except ValueError:
        t_cross = float("nan")
    return {"time": t, "m_d": m_d, "T_e": t_e, "t_cross": t_cross, "t_ref": t[i] - ARRIVAL,
            "ref_demag": 1 - ref[i] / ref[0], "free_end": m_d[-1, 0], "free_min": m_d[:, 0].min(),
            "Te_max": t_e.max(axis=0), "t_Te_ref": t[int(np.argmax(t_e[:, 1]))] - ARRIVAL,
            "wall": time.perf_counter() - start}


results = {(cu, s, state): run(cu, s, state) for cu in CU_RANGES for s in SCALES
           for state in ("P", "AP")}
note("")
note(f"{'δ_b(Cu)':>8s} {'scale':>5s} {'T_e,max free/ref':>17s} {'T_e,ref peak':>12s} "
     f"{'ref demag':>9s} {'ref peak':>9s} {'free ×0 (P)':>11s} {'P end':>6s} {'AP end':>6s} "
     f"{'AP min':>6s} {'wall':>5s}")
for cu in CU_RANGES:
    for s in SCALES:
        p, ap = results[(cu, s, "P")], results[(cu, s, "AP")]
        note(f"{cu:6d} nm {s:5.1f} {p['Te_max'][0]:7.0f}/{p['Te_max'][1]:5.0f} K "
             f"{p['t_Te_ref'] / PS:9.3f} ps {p['ref_demag']:9.3f} {p['t_ref'] / PS:6.3f} ps "
             f"{p['t_cross'] / PS:8.3f} ps {p['free_end']:+6.3f} {ap['free_end']:+6.3f} "
             f"{ap['free_min']:+6.3f} {p['wall'] + ap['wall']:5.1f}")
note("times after the pump peak; seed 000: ref demag ~18 % peaking at ~0.3 ps, free P→AP after "
     "~0.8 ps (Fig. 3), AP does not switch")
# -

# What ballistic transport changes (asserted; full-mode numbers in the table of the report below):
#
# - **timing of the heat, hardly of the demagnetization**: with δ_b(Cu) ≥ 70 nm the ref electrons
#   are heated during the pulse (T_e,ref peaks +30 fs after the pump instead of +0.34 ps), but the
#   ref demagnetization peaks only 55-90 fs earlier (0.55-0.58 ps instead of 0.635 ps at scale 0.6).
#   After the ballistic kick the ref T_e stays near 600 K for ~0.5 ps (diffusive inflow from the
#   1800 K free layer, slow e-ph cooling), and near T_c,ref = 700 K the s-d magnetization keeps
#   following it down: the peak time is set by the ref's cooling and s-d response, not by the
#   arrival of the heat. (Checked separately: without spin transfer, η = 0, the peak is at 0.55 ps;
#   with τ_sd,ref = 0.05 ps at 0.51 ps.) The seed's ~0.3 ps needs a faster-cooling ref (larger
#   G, less sustained inflow) or a different s-d set, not only ballistic energy transport;
# - **the absorption scale cannot be relaxed**: ballistic transport takes ~1/3 of the energy out of
#   the free layer (T_e,max 2060 → 1770 K at scale 0.6; the free layer at scale 1 with δ_b = 100 nm
#   gets 1.1× its energy at scale 0.6 without transport), but it *adds* energy to the ref layer,
#   whose demagnetization is the calibration target (~18 %, Fig. 1c): at scale 1 the ref
#   demagnetizes 43-51 % for every δ_b; ~20 % needs scale ≈ 0.55-0.6 at every δ_b;
# - **switching unchanged**: over the whole scan only P reverses (the free m_d crosses zero
#   1.02-1.20 ps after the pump, after the ref starts remagnetizing) and AP returns to its initial
#   state; ballistic transport makes the crossing 20-100 fs earlier.

# +
base, bal = results[(0, 0.6, "P")], results[(100, 0.6, "P")]
assert bal["t_Te_ref"] < base["t_Te_ref"] - 0.15 * PS, "ballistic heat reaches the ref earlier"
assert bal["t_ref"] < base["t_ref"] - 0.03 * PS, "ref demagnetization peaks (a bit) earlier"
assert bal["t_ref"] > 0.45 * PS, "... but not at the seed's ~0.3 ps (cooling-limited)"
assert bal["ref_demag"] > base["ref_demag"], "ballistic electrons demagnetize the ref more"
for cu in CU_RANGES:
    assert results[(cu, 1.0, "P")]["ref_demag"] > 0.4, f"δ_b {cu} nm: scale 1 overshoots ~18 %"
    assert 0.15 < results[(cu, 0.6, "P")]["ref_demag"] < 0.3, f"δ_b {cu} nm: ~20 % at scale 0.6"
    for s in SCALES:
        p, ap = results[(cu, s, "P")], results[(cu, s, "AP")]
        assert ap["free_end"] > 0.1, f"({cu} nm, {s}): AP does not switch"
        assert p["free_end"] < -0.1, f"({cu} nm, {s}): P switches"
        assert p["t_cross"] > p["t_ref"], f"({cu} nm, {s}): reversal after the ref remagnetizes"
assert bal["t_cross"] < base["t_cross"], "ballistic transport: earlier crossing"
ratio = shares[100]["free_"] * 1.0 / (shares[0]["free_"] * 0.6)
assert 0.9 < ratio < 1.3, f"free-layer energy (δ_b 100 nm, scale 1) / (no transport, 0.6): {ratio}"
note(f"free-layer energy, δ_b(Cu) = 100 nm at scale 1.0 / no transport at scale 0.6: {ratio:.2f}")
# -

# ## Figure and summary (rank 0)

# +
if rank0:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    colors = dict(zip(CU_RANGES, plt.cm.viridis(np.linspace(0, 0.9, len(CU_RANGES))),
                      strict=True))
    for (cu, s, state), res in results.items():
        if s != SCALES[-1] and s != 0.6:
            continue
        ls = "-" if s == 0.6 else "--"
        t = (res["time"] - ARRIVAL) / PS
        lw = 1.6 if state == "P" else 0.8
        axes[0].plot(t, res["m_d"][:, 0], color=colors[cu], ls=ls, lw=lw,
                     label=f"δ_b {cu} nm, ×{s} {state}" if state == "P" else None)
        axes[1].plot(t, np.abs(res["m_d"][:, 1]), color=colors[cu], ls=ls, lw=lw)
        if state == "P":
            axes[2].plot(t, res["T_e"][:, 1], color=colors[cu], ls=ls)
    axes[0].axhline(0, color="0.8", lw=0.5)
    axes[0].set(xlabel="t − t_pump [ps]", ylabel="free m_d", title="free (thick P, thin AP)")
    axes[0].legend(fontsize=6)
    axes[1].set(xlabel="t − t_pump [ps]", ylabel="|ref m_d|", title="ref layer")
    axes[2].set(xlabel="t − t_pump [ps]", ylabel="ref T_e [K]", title="ref electron temperature")
    fig.tight_layout()
    fig.savefig(out / "spin_valve_ballistic.png", dpi=110)
    (out / "summary.txt").write_text("\n".join(summary) + "\n")
    print(f"wrote {out}/spin_valve_ballistic.png, summary.txt "
          f"({time.perf_counter() - clock:.1f} s)")
# -
