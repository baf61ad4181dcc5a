# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Switching phase diagrams of seed 003 from the full coupled model
#
# Seed 003 (Du *et al.*, Sci. Rep. 7, 13513 (2017)) maps where a single σ− pulse switches a 10 nm
# ferromagnetic film: over beam diameter × fluence (Fig. 5), IFE coefficient × LLB damping λ
# (Fig. 6), and at 3.2 mJ/cm² in space (Fig. 8a,b: no switching under a 2 µm beam; under a 20 µm
# beam a demagnetized centre inside a switched ring). The seed computes these maps point by point
# with its full model, or with a scalar beam-centre model (`demo_aohs_scalar.py`). Here every point
# is a run of femmag's full coupled r-z chain — two-temperature model, LLB at the quadrature
# points, inverse-Faraday flux and eddy currents — driven through `femmag.study.Sweep`, and the
# scalar model runs on the same points beside it.
#
# It illustrates how to
#
# - run a map of the full model from a case file (`cases/seed003_fig5_map.toml`) with coarser
#   settings, from Python: `Sweep(case, axes={...}).run(DIR)`;
# - read the labelled results (`results.nc`) and draw them (`femmag plot DIR`);
# - use an early-stop rule of your own that records what the outcome variables do not hold
#   (here the final radial profile of m_z);
# - compare the full model with the scalar shortcut point by point, and find why they differ.
#
# **Outcome classes.** The seed's classes need two runs per point (Fig. 5 caption): σ− against a
# small disturbance field B0 ("a few Gauss" of numerical noise), and σ+ with B0 towards the flip.
# The model is symmetric under z → −z, so the σ+ run is the σ− run started from M− (same pulse,
# same B0 = +1 G): the sweep axis `magnetization.initial = ["+z", "-z"]` holds the pair.
# *switched*: only the +z start flips (σ− flips M+, σ+ does not); *demagnetized*: the −z start
# flips too (the final state is set by B0, not by the helicity) or a start ends multi-domain;
# *not switched*: each start keeps its sign (`femmag.study.plotting.phase_outcome`).
#
# The maps here are coarse (3 × 3 points, 4 cells per beam radius, 4 fs steps in the pulse
# window) so that the demo runs in minutes; the full-resolution maps are the case files, for
# `mpiexec -n N femmag sweep cases/seed003_fig5_map.toml --out maps/fig5`. `--fast` runs Fig. 8
# only (4 runs). Rerunning the demo into the same folder resumes its maps (points done are kept).

# +
import argparse
import copy
import os
import time
import tomllib
from pathlib import Path

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from femmag.models.beam_centre import scalar_time_grid
from femmag.study import SettledOutcome, Sweep
from femmag.study.outcomes import OUTCOMES
from femmag.study.plotting import phase_outcome, plot_sweep
from femmag.studies.seed003.scalar_maps import (
    DEMAGNETIZED,
    IFE_PER_MJ_CM2,
    SWITCHED,
    ElectronTemperatureTable,
    classify_outcome,
    final_states,
)

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_switching_maps", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="Fig. 8 only (CI)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
out = Path(args.out)
if comm.rank == 0:
    out.mkdir(parents=True, exist_ok=True)
comm.Barrier()
wall0 = time.perf_counter()
timings = {}
ROOT = Path(__file__).resolve().parents[1]
MJ, UM, GAUSS = 10.0, 1e-6, 1e-4  # 1 mJ/cm² in J/m², 1 µm, 1 G in SI
DISTURBANCE_G = 1.0
# -

# ## The coarse case
#
# The Fig. 5 case file with coarser numerics: 4 cells per beam radius (the mesh radius follows the
# beam: 4 r0), 4 fs steps in the pulse window. The runs end when the outcome is decided
# (`SettledOutcome`: pulses over, every T below 0.95 T_c and no sign change of m_z anywhere for
# 5 ps); at 3.2 mJ/cm² the centre stays above T_c for ~80 ps, so the case runs to 150 ps.

# +
base = tomllib.loads((ROOT / "cases" / "seed003_fig5_map.toml").read_text())
base.pop("sweep")
base["mesh"]["cells_per_beam_radius"] = 4
base["time"]["dt_pulse"] = "4 fs"
base["magnetization"]["applied_field"] = f"{DISTURBANCE_G:g} G"
PAIR = {"magnetization.initial": ["+z", "-z"]}


class SettledWithProfile(SettledOutcome):
    """The early-stop rule, recording the final thickness-averaged m_z(r) of every run it ends
    (and of runs that reach the end time), keyed by (diameter [µm], fluence [mJ/cm²], start)."""

    def __init__(self, t_end: float, **kw):
        super().__init__(**kw)
        self.t_end = t_end
        self.profiles = {}

    def __call__(self, sim):
        done = super().__call__(sim)
        if done or sim.t >= self.t_end * (1 - 1e-9):
            field = sim.fields["magnetization"]
            sel = field.owned
            r = np.round(field.points[sel, 0] * 1e6, 6)
            z = field.points[sel, 1] * 1e9
            w = field.volume_weights[sel]
            mz = field.values()[sel, 2]
            r, z, w, mz = (np.concatenate(sim.comm.allgather(a)) for a in (r, z, w, mz))
            radii, inverse = np.unique(r, return_inverse=True)
            average = np.bincount(inverse, w * mz) / np.bincount(inverse, w)
            centre = r == radii[0]
            pulse = sim.pulse
            key = (round(pulse.radius * 2e6, 6), round(pulse.fluence / MJ, 6),
                   "+z" if sim.magnetization.direction[2] > 0 else "-z")
            self.profiles[key] = {"r": radii, "mz": average, "z_centre": z[centre],
                                  "mz_centre": mz[centre]}
        return done


def gathered(rule):
    """Every group's profiles, on every rank."""
    merged = {}
    for part in comm.allgather(rule.profiles):
        merged.update(part)
    return merged


def sweep_run(name, axes, case=None):
    """Run a coarse map (resumes a previous run of the demo in the same folder)."""
    t0 = time.perf_counter()
    rule = SettledWithProfile(150e-12)
    ds = Sweep(copy.deepcopy(case or base), axes=axes).run(out / name, early_stop=rule,
                                                           quiet=True)
    timings[name] = time.perf_counter() - t0
    return ds, gathered(rule)


def names(codes):
    return np.array([*OUTCOMES, "not_run"])[np.asarray(codes)]
# -

# ## The scalar model on the same points
#
# Beam-centre T_e from the 1D (depth) reference, film-averaged; B_i from the thin-sheet kernel;
# one LLB point. σ− against B0 and σ+ with B0 towards the flip, classified as in the seed.

# +
T_END = 150e-12
scalar_times = scalar_time_grid(T_END)
scalar_temperature = ElectronTemperatureTable(T_END)


def scalar_phase(F, D, kappa=1.0, lam=None, level=DISTURBANCE_G):
    """Seed classes (names) of the scalar model at the points (F [mJ/cm²], D [µm], κ, λ)."""
    F, D, kappa = np.broadcast_arrays(*(np.asarray(a, float) for a in (F, D, kappa)))
    runs = [(-1.0, +1.0), (+1.0, -1.0)]  # (helicity, sign of B0): σ− against, σ+ towards
    flipped = []
    for h, s in runs:
        kw = {} if lam is None else {"coupling": np.broadcast_to(lam, F.shape).ravel()}
        res = final_states(F.ravel() * MJ, diameter=D.ravel() * UM,
                           ife_coefficient=kappa.ravel() * IFE_PER_MJ_CM2, helicity=h,
                           disturbance=s * level * GAUSS, times=scalar_times,
                           temperature=scalar_temperature, **kw)
        flipped.append(res.flipped.reshape(F.shape))
    code = classify_outcome(flipped[0], flipped[1])
    table = {SWITCHED: "switched", DEMAGNETIZED: "demagnetized"}
    return np.vectorize(lambda c: table.get(int(c), "not_switched"))(code)
# -

# ## Fig. 5: diameter × fluence at κ_IFE = 1 T/(mJ/cm²)
#
# Seed (T11): no switching at D = 2 µm; the switched region grows with D. (Fast mode: skipped.)

# +
diameters = [2.0, 10.0, 20.0]
fluences = [2.0, 2.6, 3.2]
rows = []  # the disagreement table: (figure, point, full, scalar)
profiles = {}
if not args.fast:
    fig5, prof5 = sweep_run("fig5", {"pulse.diameter": [f"{d:g} um" for d in diameters],
                                     "pulse.fluence": [f"{f:g} mJ/cm^2" for f in fluences],
                                     **PAIR})
    profiles.update(prof5)
    full5 = names(phase_outcome(fig5).values)  # (D, F)
    Dg, Fg = np.meshgrid(diameters, fluences, indexing="ij")
    scalar5 = scalar_phase(Fg, Dg)
    if comm.rank == 0:
        plot_sweep(fig5, out / "fig5_full_model.png",
                   title="full r-z model, κ = 1 T/(mJ/cm²), |B0| = 1 G")
        print("\nFig. 5 (κ = 1 T/(mJ/cm²), |B0| = 1 G): full model | scalar model")
        for i, D in enumerate(diameters):
            print(f"  D {D:4g} um: " + "  ".join(f"{F:g}: {full5[i, j]:>12} | {scalar5[i, j]:<12}"
                                                for j, F in enumerate(fluences)))
    rows += [("5", f"D {D:g} um, F {F:g}", full5[i, j], scalar5[i, j])
             for i, D in enumerate(diameters) for j, F in enumerate(fluences)]
    assert "switched" not in full5[0], "T11: no switching at D = 2 µm (κ = 1)"
    assert (full5 == "switched").sum(axis=1)[-1] >= (full5 == "switched").sum(axis=1)[0], \
        "T11: the switched region grows with D"
# -

# ## Fig. 6: κ_IFE × λ at 2.6 mJ/cm², D = 10 µm
#
# λ is the film's `llb_coupling` (a material property: the sweep overrides it, recorded in every
# point's run.toml). Seed (T12): switching needs both a fast response (large λ) and a large κ_IFE.
# (At λ = 0.3 both models give "demagnetized" at κ = 0 and 10 with |B0| = 1 G: the spins follow the
# disturbance; the scalar model's switched window at κ = 10 is λ ≈ 0.03-0.1.)

# +
kappas, lambdas = [0.0, 10.0], [0.003, 0.05]
if not args.fast:
    fig6, _ = sweep_run("fig6", {
        "induction.ife_coefficient": [f"{k:g} T/(mJ/cm^2)" for k in kappas],
        "materials.CoPt_S003A.llb_coupling": lambdas, **PAIR})
    full6 = names(phase_outcome(fig6).values)  # (κ, λ)
    Kg, Lg = np.meshgrid(kappas, lambdas, indexing="ij")
    scalar6 = np.empty(Kg.shape, dtype=object)
    for idx in np.ndindex(Kg.shape):
        scalar6[idx] = scalar_phase(2.6, 10.0, Kg[idx], lam=Lg[idx])[()]
    if comm.rank == 0:
        plot_sweep(fig6, out / "fig6_full_model.png",
                   title="full r-z model, 2.6 mJ/cm², D = 10 µm, |B0| = 1 G")
        print("\nFig. 6 (2.6 mJ/cm², 10 um): full model | scalar model")
        for i, k in enumerate(kappas):
            print(f"  kappa {k:4g}: " + "  ".join(f"lambda {lam:g}: {full6[i, j]:>12} | "
                                                 f"{scalar6[i, j]:<12}"
                                                 for j, lam in enumerate(lambdas)))
    rows += [("6", f"κ {k:g}, λ {lam:g}", full6[i, j], scalar6[i, j])
             for i, k in enumerate(kappas) for j, lam in enumerate(lambdas)]
    assert "switched" not in full6[0], "T12: no switching without the IFE"
    assert "switched" not in full6[:, 0], "T12: λ = 0.003 responds too slowly to switch"
    assert full6[1, 1] == "switched", "T12: κ = 10 with a fast response (λ = 0.05) switches"
# -

# ## Fig. 8a,b: 3.2 mJ/cm² in space
#
# Seed (T14): under a 2 µm beam nothing switches anywhere; under a 20 µm beam the centre is
# demagnetized (its final state follows B0, not the helicity) and a ring near the beam edge,
# where T peaks close to T_c while the induced field lasts longest, is deterministically switched:
# both starts end there along −z.

# +
fig8, prof8 = sweep_run("fig8", {"pulse.diameter": ["2 um", "20 um"],
                                 "pulse.fluence": ["3.2 mJ/cm^2"], **PAIR})
profiles.update(prof8)
if comm.rank == 0:
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for ax, D in zip(axes, (2.0, 20.0), strict=True):
        for start, style in (("+z", "-"), ("-z", "--")):
            p = profiles[(D, 3.2, start)]
            ax.plot(p["r"], p["mz"], style, label=f"start {start} (≙ σ{'−' if start == '+z' else '+'}"
                                                    f" from M+)")
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(D / 2, color="0.5", lw=0.8, ls=":")
        ax.set(xlabel="r [µm]", ylabel="final m_z (thickness average)",
               title=f"3.2 mJ/cm², D = {D:g} µm (dotted: r0)", xlim=(0, 2 * D))
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "fig8_final_profiles.png", dpi=120)
    plt.close(fig)


def ring(p_up, p_down):
    """Radii [µm] where both starts end along −z (deterministically switched)."""
    r = p_up["r"]
    both = (p_up["mz"] < 0) & (np.interp(r, p_down["r"], p_down["mz"]) < 0)
    return r[both]


small = ring(profiles[(2.0, 3.2, "+z")], profiles[(2.0, 3.2, "-z")])
large = ring(profiles[(20.0, 3.2, "+z")], profiles[(20.0, 3.2, "-z")])
centre_up = profiles[(20.0, 3.2, "+z")]["mz"][0]
centre_down = profiles[(20.0, 3.2, "-z")]["mz"][0]
if comm.rank == 0:
    print(f"\nFig. 8 (3.2 mJ/cm2, kappa = 1): switched ring at D = 2 um: "
          f"{'none' if small.size == 0 else f'{small.min():.2f}-{small.max():.2f} um'}; "
          f"at D = 20 um: {large.min():.2f}-{large.max():.2f} um (r0 = 10 um); centre m_z "
          f"{centre_up:+.3f} (start +z), {centre_down:+.3f} (start -z)")
assert small.size == 0, "T14: no switching anywhere under the 2 µm beam"
assert large.size > 0 and large.min() > 1.0, "T14: a switched ring away from the centre (20 µm)"
assert centre_up > 0 and centre_down > 0, \
    "T14: the 20 µm centre follows the disturbance from either start (demagnetized)"
# -

# ## Where the full and the scalar model disagree, and why
#
# The table lists every point. On the coarse Fig. 5 map the two models agree except at
# D = 10 µm, 2.6 mJ/cm² (full: demagnetized, scalar: not switched). Its traces
# (`fig5/points/<index>/traces.csv` with `keep_traces=True`; `results.nc`) say why:
#
# - the centre ends split through the thickness from either start (`reversed_centre_fraction`
#   0.50 from +z, 0.45 from −z): the full model resolves the depth, the scalar model has one
#   film-averaged T_e and one LLB point, so it can only end all one way;
# - the induced field at the centre has fallen below the 1 G disturbance by ~5 ps
#   (B_i = −1.6×10⁻⁴ T at 5 ps, −2×10⁻⁶ T at 10 ps), while the centre stays above T_c for 17.6 ps;
#   what remains of the field's imprint is a remnant m_z ≈ −2×10⁻⁵ that races against the 1 G
#   field while T crosses T_c. Points of the film that cross T_c at different times (the silica
#   cools the bottom of the film first) land on different sides: this point sits in the seed's
#   "narrow transition band" of random remagnetization, where the answer depends on details the
#   scalar model leaves out (depth profile of T, lateral heat flow, the finite beam's field).
#
# At 3.2 mJ/cm² both agree at the centre, but only the full model has the switched edge ring of
# Fig. 8: the scalar model knows the beam centre only.

# +
if comm.rank == 0 and rows:
    print("\nfig | point                | full model   | scalar model | agree")
    for figure, point, f, s in rows:
        print(f"{figure:>3} | {point:<20} | {f:<12} | {s:<12} | {'yes' if f == s else 'NO'}")
    agree = sum(f == s for _, _, f, s in rows)
    print(f"agreement: {agree}/{len(rows)} points")
    with open(out / "full_vs_scalar.csv", "w") as fh:
        fh.write("figure,point,full_model,scalar_model\n")
        fh.writelines(f"{a},{b},{c},{d}\n" for a, b, c, d in rows)
if profiles and comm.rank == 0:
    print("\nfinal m_z through the thickness at the beam centre (z [nm]: m_z):")
    for key in sorted(profiles):
        p = profiles[key]
        order = np.argsort(p["z_centre"])
        print(f"  D {key[0]:g} um, F {key[1]:g}, start {key[2]}: "
              + ", ".join(f"{z:.1f}: {m:+.3f}" for z, m in zip(p["z_centre"][order],
                                                                p["mz_centre"][order],
                                                                strict=True)))
# -

# ## Run time

# +
timings["total"] = time.perf_counter() - wall0
if comm.rank == 0:
    summary = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
    print(f"\nrun time ({comm.size} rank(s), {'fast' if args.fast else 'full'}): {summary}")
    (out / "timings.txt").write_text(summary + "\n")
# -
