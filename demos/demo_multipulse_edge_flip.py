# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Multi-pulse edge flip under a 20 µm beam (the shape of seed 003, Fig. 8c), and thermal noise
#
# Seed 003 (Du *et al.*, Sci. Rep. 7, 13513 (2017)) shows that a large beam (D = 20 µm) of high
# fluence (F0 = 3.2 mJ/cm²) demagnetizes the centre of the spot, where the electrons stay above
# T_c long after the induced field has gone, while a ring near the edge of the hot region switches
# to the direction of the inverse-Faraday (IFE) field; with a weak IFE (κ_IFE = 0.03 T per mJ/cm²)
# and a random noise of ~6 G the ring builds up over several pulses (Fig. 8c).
#
# Here the film plane is a 2D P1 mesh with the LLB equation at its nodes
# (:mod:`femmag.models.film_plane`):
#
# - **temperature**: T_e(x, y, t) = T_e^{1D}(F(r), t), a table of the 1D depth two-temperature model
#   (set S003-A, §4.5) versus the local fluence F(r) = F0 exp(−r²/r0²); lateral heat flow is
#   negligible (measured against the axisymmetric FEM 2TM: ≤ 0.55 K of a ≤ 6 K difference);
# - **induced field**: *prescribed* (the coupled induction solve comes later): the total field of a
#   thin conducting sheet (σ = 8×10⁶ S/m, d = 10 nm) threaded by the IFE flux
#   h κ F0 exp(−r²/r0²) exp(−4 ln2 t²/τ_p²), σ− (h = −1, IFE field along −z), no feedback of m;
# - **micromagnetic terms**: exchange (lumped-mass P1 Laplacian), uniaxial anisotropy
#   K(T) = K0 m_e³, local thin-film demag (spec §5.3); on 0.2 µm cells exchange is weak (walls
#   are ~5 nm wide);
# - **pulses**: identical, no heat accumulation (each starts from 300 K); each pulse window lasts
#   until T_e < T_c everywhere (~100 ps at 3.2 mJ/cm²), then a rest at 300 K.
#
# Two noise models are run (``--noise``):
#
# 1. **disturbance** (seed-003 practice): the deterministic LLB plus a random field along z of
#    RMS 6 G, white in space (per node) and in time (correlation time 10 fs, averaged over each
#    LLB step). This gives the edge flip.
# 2. **thermal**: the stochastic LLB (Evans et al. 2012, spec §5.4) with the thermal noise of each
#    node's cell volume V_i = A_i × 10 nm (A_i: lumped-mass area, ~(0.25 µm)² in fast mode, i.e.
#    ~4.5×10⁷ spins). Its fluctuations (printed below: δ|m| ≈ 4×10⁻⁵ at 300 K, ≈ 4×10⁻⁴ above
#    T_c) are ~10² times the response of m to the 6 G field, and they are transverse as well:
#    see the conclusion.
#
# Parameters: D = 20 µm, F0 = 3.2 mJ/cm², κ_IFE = 0.03 T per mJ/cm² (peak IFE field 96 mT), initial
# state uniform +z (against the IFE field, so that switched nodes show; ``--random`` starts from
# random domains of 1 µm correlation length as in seed 003), 6 pulses on 0.2 µm cells
# (``--fast``/``FEMMAG_FAST=1``: 4 pulses, and 2 with thermal noise, on 0.25 µm cells).

# +
import argparse
import os
import time
from pathlib import Path

import femmag  # noqa: F401  (must come before dolfinx)

from mpi4py import MPI

import numpy as np

from femmag.kernels.llb import equilibrium_magnetization, longitudinal_susceptibility
from femmag.geometry.film_plane_mesh import film_plane_mesh
from femmag.models.electron_temperature import ElectronTemperatureTable
from femmag.materials import micromagnetic_parameters
from femmag.models.film_plane import (
    PULSE_LEAD,
    FilmPlaneMagnetization,
    GaussianBeamInducedField,
    GaussianBeamTemperature,
    WhiteNoiseDisturbance,
    plot_maps,
    pulse_train_times,
    run_pulse_train,
)
from femmag.pulse import Pulse, PulseTrain
from femmag.units import KB, MJ_PER_CM2, UM, Q, to_si

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_multipulse_edge_flip", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="fewer pulses on a coarser, smaller mesh (CI)")
parser.add_argument("--random", action="store_true", help="random initial domains instead of +z")
parser.add_argument("--noise", choices=["both", "disturbance", "thermal"], default="both",
                    help="noise model(s) to run: seed-003 6 G disturbance and/or stochastic LLB")
parser.add_argument("--xdmf", action="store_true", help="also write m_z as XDMF (VTX always)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
out = Path(args.out)
wall_start = time.perf_counter()
# -

# ## Beam, pulses and material
#
# Inputs carry units; everything is SI inside. The window of each pulse ends at 110 ps, when the
# beam centre (T_e = 530 K) is below T_c = 550 K.

# +
fluence = to_si("3.2 mJ/cm^2", "fluence", "F0")
beam_radius = to_si("20 um", "length", "D") / 2
kappa_ife = 0.03  # T per mJ/cm²
helicity = -1  # σ−: IFE field along −z
peak_ife = helicity * kappa_ife * fluence / MJ_PER_CM2  # T
window = 110e-12
thickness = 10e-9
half_width = (7 if args.fast else 8) * UM  # the hot (T_e > T_c) disc has r ≈ 7 µm
cell = (0.25 if args.fast else 0.2) * UM
params = micromagnetic_parameters("CoPt_S003A")
m_e300 = float(equilibrium_magnetization(300.0, params.curie_temperature))
table = ElectronTemperatureTable.from_reference_2tm(fluence, window)
mesh = film_plane_mesh(comm, half_width, cell)
if comm.rank == 0:
    print(f"peak IFE field {peak_ife * 1e3:.0f} mT; T_e,max at the centre "
          f"{table(np.array([fluence]), 0.08e-12)[0]:.0f} K; T_e(110 ps) "
          f"{table(np.array([fluence]), window)[0]:.0f} K")
# -

# ## The noise levels
#
# Thermal: ⟨δ|m|²⟩ = k_B T χ̃_∥(T)/(M_s0 V) for an interior node (V = cell² × d); below T_c the
# transverse fluctuations of the direction are δθ² ≈ k_B T/(2 K(T) V). Disturbance: the response
# of |m| to a static 6 G field along m is χ̃_∥ × 6 G (the white field acts less, being averaged).

# +
volume = cell**2 * thickness
moment = params.saturation_magnetization * volume
tc = params.curie_temperature
for label, temperature in (("300 K", 300.0), ("1.05 T_c", 1.05 * tc), ("1.2 T_c", 1.2 * tc)):
    chi = float(longitudinal_susceptibility(temperature, tc, params.atomic_moment))
    thermal = np.sqrt(KB * temperature * chi / moment)
    if comm.rank == 0:
        print(f"noise at {label:8s}: thermal δ|m| = {thermal:.2e} (V = {volume:.3g} m³, "
              f"{moment / params.atomic_moment:.3g} spins); 6 G disturbance χ̃_∥·6 G = "
              f"{chi * 6e-4:.2e}")
# -

# ## Run a pulse train
#
# Δt = 10 fs through the pulse, then growing to 0.5 ps; maps are gathered after each pulse (after
# the rest at 300 K), written to VTX (m, a P1 vector field: ``*.bp``, open in ParaView) and drawn
# black/white. The regions: the centre (r < 3 µm), the edge ring (4.45–4.8 µm) and outside
# (r > 5.2 µm).

# +
history: dict[str, list[dict[str, float]]] = {}
Regions = dict[str, np.ndarray]


def run(noise: str, n_pulses: int, rest: float, dt_rest: float
        ) -> tuple[FilmPlaneMagnetization, Regions]:
    """One pulse train with the given noise model; fills ``history[noise]``, writes the maps.

    Returns the film at the end and the region masks of its owned nodes."""
    pulse = Pulse("3.2 mJ/cm^2", "140 fs", "20 um", helicity=helicity)
    train = PulseTrain(pulse, n_pulses, Q(window + rest + PULSE_LEAD, "s"))
    thermal = noise == "thermal"
    # deterministic runs with fields along z keep m ∥ z: the field corrector is not needed there
    film = FilmPlaneMagnetization(
        mesh, params, temperature=GaussianBeamTemperature(table, fluence, beam_radius, train),
        thermal_noise=thermal, seed=2017, thickness=thickness, corrector=thermal)
    film.add_field("induced", GaussianBeamInducedField(peak_ife, beam_radius, train=train))
    if not thermal:
        film.add_field("noise", WhiteNoiseDisturbance(6e-4, 10e-15, seed=2017))
    if args.random:
        film.set_random_domains(1 * UM, seed=8)
    else:
        film.set_uniform("+z")
    summary = film.summary()  # collective (counts the nodes of all ranks)
    if comm.rank == 0:
        print(f"\n[{noise}] {summary}")
    times, ends = pulse_train_times(train, window, dt_fine=10e-15, dt_max=0.5e-12,
                                    dt_rest=dt_rest)
    snapshots = {0: "initial"} | {e: f"after pulse {k + 1}" for k, e in enumerate(ends)}
    radius = np.hypot(film.owned_points[:, 0], film.owned_points[:, 1])
    rings = {"centre": radius < 3 * UM, "edge ring": (radius > 4.45 * UM) & (radius < 4.8 * UM),
             "outside": radius > 5.2 * UM}
    rows = history.setdefault(noise, [])

    def measure(label: str, model: FilmPlaneMagnetization) -> None:
        """Per-region mean m_z/m_e(300 K) and the fraction of the region along −z (all ranks)."""
        row = {}
        mz = model.m[: model.n_owned, 2]
        for name, mask in rings.items():
            row[name] = model.region_mean_mz(mask) / m_e300
            down = comm.allreduce(int(np.count_nonzero(mz[mask] < 0)), op=MPI.SUM)
            row[name + " down"] = down / comm.allreduce(int(np.count_nonzero(mask)), op=MPI.SUM)
        rows.append(row)
        if comm.rank == 0:
            print(f"{label:16s} " + "  ".join(f"{k} {v:+.2f}" for k, v in row.items()))

    start = time.perf_counter()
    result = run_pulse_train(film, times, snapshots=snapshots, vtx=out / f"m_maps_{noise}.bp",
                             xdmf=out / f"mz_maps_{noise}.xdmf" if args.xdmf else None,
                             csv_path=out / f"mean_mz_{noise}.csv", on_snapshot=measure)
    seconds = time.perf_counter() - start
    if comm.rank == 0:
        plot_maps(result.snapshots, out / f"edge_flip_maps_{noise}.png", reference=m_e300,
                  columns=min(len(result.snapshots), 5), extent=6 * UM)
        print(f"[{noise}] {len(times) - 1} steps in {seconds:.1f} s ({comm.size} rank(s)); "
              f"maps: {(out / f'edge_flip_maps_{noise}.png').resolve()}")
    return film, rings


runs = {}
if args.noise in ("both", "disturbance"):
    runs["disturbance"] = run("disturbance", 4 if args.fast else 6, 10e-12, 1e-12)
if args.noise in ("both", "thermal"):
    # 50 ps at 300 K: the direction of m, random after T_c, relaxes towards ±z (time constant
    # 1/(γ α_⊥ H_K,eff) ≈ 220 ps; a full relaxation would cost ~5x more steps)
    runs["thermal"] = run("thermal", 2 if args.fast else 4, 50e-12, 2e-12)
if comm.rank == 0:
    print(f"total {time.perf_counter() - wall_start:.1f} s")
# -

# ## What we see, and the checks
#
# **Disturbance (seed-003 practice).**
#
# - The centre (r < 4.5 µm, T_e above T_c for ≳ 10 ps up to ~100 ps) comes back as a fine random
#   pattern after every pulse: the magnetization relaxes to ~0 while T_e > T_c, long after the
#   induced field has decayed, and the noise picks the sign node by node (about half the nodes
#   down, a new pattern each pulse): "demagnetized".
# - At the edge of that disc, r ≈ 4.5–4.8 µm (F ≈ 2.6 mJ/cm², T_e drops below T_c after ~10-15
#   ps), the residual magnetization left from the previous state, the tail of the induced field
#   (−0.3 G at 5 ps, −0.04 G at 10 ps) and the step-averaged noise are comparable when the film
#   re-orders. A node already along the IFE field is re-selected (residual and field agree); a node
#   against it flips with some probability. This ratchet grows a switched ring over the pulses:
#   fraction of the ring along −z ≈ 0.37 after pulse 1, ≈ 0.6 after 4 pulses (fast mode),
#   0.71 after 6 (full mode). This is the multi-pulse edge flip of seed 003 Fig. 8c, which
#   "gradually shows up after the second and third pulses and becomes stabilized after more
#   pulses".
# - Outside r ≈ 5 µm the film never loses its order and keeps its initial state.
#
# **Thermal noise (stochastic LLB, V_i = A_i × 10 nm).** The whole region that stays above T_c
# for more than ~1 ps, the edge ring included, comes back random after the *first* pulse (ring
# ≈ 0.5 down, like the centre) and stays random: no ratchet, no edge flip. Above T_c the thermal
# fluctuations of a 0.25 µm × 10 nm cell (δ|m| ≈ 4×10⁻⁴) are far larger than what the induced
# field's tail or a 6 G field leave in m (χ̃_∥·6 G ≈ 10⁻⁶), and they are transverse too, so the
# direction of m is forgotten once |m| falls to ~10⁻³; even outside (r > 5.2 µm, above T_c only
# briefly) ~10 % of the nodes change sign. So the seed's edge flip rests on a noise far weaker
# than the thermal noise of cells of this size in this (mean-field LLB) model: with the thermal
# noise the outcome is decided by the cell volume (a modelling choice, spec §5.4), and the
# coupled induction (feedback of m, flux accumulation at the edge) is the piece to revisit.
# The thermal maps also show grey (tilted) nodes: m comes back from T_c in a random 3D direction
# and turns to ±z only in 1/(γ α_⊥ H_K,eff) ≈ 220 ps, longer than the 50 ps rest simulated here
# (~60 % of the nodes are within 45° of ±z at its end).

# +
if "disturbance" in history:
    rows = history["disturbance"]
    film, rings = runs["disturbance"]
    down = [h["edge ring down"] for h in rows]  # [initial, after pulse 1, ...]
    assert down[-1] > down[1] + 0.1, f"the switched part of the ring should grow: {down}"
    if not args.random:
        assert down[-1] > 0.52, f"edge ring: only {down[-1]:.2f} switched after the pulses"
        assert down[-1] > down[1] + 0.15, f"the ring should grow over the pulses: {down}"
        assert rows[-1]["outside down"] < 0.05, "outside the hot region m must not change"
        outside = rings["outside"]
        kept = np.all(film.m[: film.n_owned, 2][outside] > 0)
        assert comm.allreduce(bool(kept), op=MPI.LAND), "outside the hot region m must not change"
    assert 0.3 < rows[-1]["centre down"] < 0.7, "the centre should be demagnetized (mixed)"
    assert abs(rows[-1]["centre"]) < 0.4, "the centre should be demagnetized (mean m_z ~ 0)"
if "thermal" in history:
    rows = history["thermal"]
    for row in rows[1:]:
        assert 0.35 < row["centre down"] < 0.65, f"thermal: centre should be random: {row}"
        assert 0.3 < row["edge ring down"] < 0.7, f"thermal: the ring is randomized: {row}"
        assert abs(row["centre"]) < 0.3
    if not args.random:
        assert rows[-1]["outside down"] < 0.3, f"thermal: outside mostly kept: {rows[-1]}"
        assert rows[-1]["outside"] > 0.4
        # most nodes are back near ±z after the 50 ps rest; the rest of the tilt relaxes in
        # 1/(γ α_⊥ H_K,eff) ≈ 220 ps (H_K,eff = 2 K_eff/M_s(T) ≈ 0.69 T at 300 K): grey nodes
        film, _ = runs["thermal"]
        tilt = np.abs(film.m[: film.n_owned, 2]) / np.linalg.norm(film.m[: film.n_owned], axis=1)
        aligned = np.count_nonzero(tilt > np.cos(np.radians(45)))
        aligned = comm.allreduce(aligned, op=MPI.SUM) / comm.allreduce(film.n_owned, op=MPI.SUM)
        if comm.rank == 0:
            print(f"thermal: {aligned:.2f} of the nodes within 45° of ±z after the rest")
        assert aligned > 0.5, f"thermal: only {aligned:.2f} of the nodes are back near ±z"
# -
