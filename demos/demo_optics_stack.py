# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: light
# ---

# # Optics of the seed stacks: absorption profiles, Kerr depth weight, a film edge under a beam
#
# femmag does not take its laser heat source from a hand-typed Lambert-Beer profile: it solves the
# time-harmonic Maxwell equation on its own meshes (physics-spec §1). This demo shows
#
# - the absorbed power density q(ζ)/I_inc of the **seed-003 film** (10 nm CoPt on fused silica)
#   and of the **seed-000 spin valve** (Ta/Pt/[Co/Pt]/Co/Cu(80)/[Co/Pt]/Ta on glass) at 800 nm,
#   pumped from the top or through the substrate, by P3 finite elements (real/imaginary split,
#   exact radiation conditions) overlaid on the transfer-matrix reference, with a per-layer
#   absorption table;
# - the absorptance of the seed-003 film at **oblique incidence**, s, p and unpolarized, 0-85°
#   (FEM against the transfer matrix), and what the film absorbs per unit area, A(θ) cos θ;
# - the complex magneto-optical Kerr depth weight w(ζ) ∝ E_0(ζ)² of the seed-000 stack
#   (spec §8.3): its modulus says how much each depth contributes to the Kerr signal, its phase
#   how a layer's contribution splits into rotation and ellipticity;
# - a 2D (x, ζ) solve of the seed-003 film that **ends at x = 0** under a Gaussian beam (waist
#   1 µm) centred on the edge, TE and TM, with perfectly matched layers on all sides and the
#   scattered-field formulation (background: bare substrate).
#
# Model (spec §1.2-1.4): d²E/dζ² + k0² ε(ζ) E = 0 along the depth ζ = −z, and
# q/I_inc = (k0 ε''/n_in) |E/E_inc|² (Poynting form), so that ∫ q dζ = A = 1 − R − T.
#
# It asserts the agreement with the transfer matrix (per-layer absorption to 1e-6, profiles to
# 1e-6 of their maximum, at every angle and polarization), ∫q dζ = A, and the 2D energy balance
# R + T + A + lateral = 1 to 1e-3.
# ``--fast`` (or ``FEMMAG_FAST=1``) uses a coarser 2D mesh. Runs under ``mpiexec -n 2`` (the 2D
# mesh is distributed; rank 0 prints and writes the PNGs).

# +
import argparse
import os
from pathlib import Path

import femmag  # noqa: F401  (must come before dolfinx)

from mpi4py import MPI

import numpy as np

from femmag.studies.seed000 import seed000_spin_valve
from femmag.studies.seed003 import seed003_film
from femmag.materials import Library
from femmag.physics.optics.planar import PlanarOptics, depth_profile_from_stack
from femmag.physics.optics.patterned import PatternedFilmOptics2D
from femmag.physics.optics.transfer_matrix import tmm_stack
from femmag.units import Q

parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
parser.add_argument("--out", default="out/demo_optics_stack", help="output folder")
parser.add_argument("--fast", action="store_true", default=os.environ.get("FEMMAG_FAST") == "1",
                    help="coarser 2D mesh (CI)")
args, _ = parser.parse_known_args()
comm = MPI.COMM_WORLD
out = Path(args.out)
if comm.rank == 0:
    out.mkdir(parents=True, exist_ok=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

wavelength = "800 nm"  # the optics doors take units
lam = 800e-9  # the same in metres, for the library's refractive indices
library = Library.default()
# -

# ## Planar stacks: FEM against the transfer matrix
#
# ``PlanarOptics.from_stack`` reads the optical constants of every layer from the materials library
# (spec §1.6) and solves the 1D problem on its own P3 mesh (32 cells per skin depth, 80 per
# wavelength, nodes on every interface: the default of every optics route). The transfer matrix
# (``femmag.physics.optics.transfer_matrix``) is the independent reference. Backside pumping
# (``from_substrate_side=True``) sends the light in through the substrate.


# +
def indices(stack):
    n = [library.get(lay.material).refractive_index(lam) for lay in stack.layers]
    ns = library.get(stack.substrate.material).refractive_index(lam)
    return n, Q(np.array([lay.thickness for lay in stack.layers]), "m"), ns


def compare(stack, label, backside):
    fem_optics = PlanarOptics.from_stack(stack, wavelength, library,
                                         from_substrate_side=backside)
    n, d, ns = indices(stack)
    ref = tmm_stack(n, d, wavelength, 1.0, ns, from_substrate=backside)
    zeta = np.linspace(0.0, fem_optics.thickness, 4001)[1:-1]
    q_fem = fem_optics.absorbed_power_density(zeta)
    q_tmm = depth_profile_from_stack(stack, wavelength, library, method="tmm",
                                     from_substrate_side=backside)(zeta)
    side = "substrate side" if backside else "top"
    if comm.rank == 0:
        print(f"\n{label}, pumped from the {side}: R = {fem_optics.R:.5f}, "
              f"T = {fem_optics.T:.5f}, A = {fem_optics.A:.5f} (TMM A = {ref.A:.5f})")
        print(f"  {'layer':<8}{'d [nm]':>8}{'A_layer FEM':>14}{'A_layer TMM':>14}")
        for lay, a_fem, a_tmm in zip(fem_optics.layers, fem_optics.layer_absorption,
                                     ref.layer_absorption, strict=True):
            print(f"  {lay.name:<8}{lay.thickness * 1e9:>8.2f}{a_fem:>14.6f}{a_tmm:>14.6f}")
    assert np.abs(fem_optics.layer_absorption - ref.layer_absorption).max() < 1e-6
    assert abs(fem_optics.A - ref.A) < 1e-6
    assert fem_optics.absorption_balance_error < 1e-8  # ∫ q dζ = 1 − R − T
    assert np.abs(q_fem - q_tmm).max() < 1e-6 * np.abs(q_tmm).max()
    return fem_optics, zeta, q_fem, q_tmm


results = {}
for label, stack in (("seed-003 film", seed003_film()), ("seed-000 spin valve",
                                                          seed000_spin_valve())):
    for backside in (False, True):
        results[label, backside] = compare(stack, label, backside)
# -

# The seed-003 film absorbs about 37 % of a front pump (spec §1.7); through the silica it absorbs
# more (54 %): the film/air side reflects less in that direction. In the spin valve a front pump
# is absorbed almost only above the Cu spacer (the free layer side), a back pump in the reference
# side: this is what lets seed 000 heat one magnetic layer selectively.

# +
if comm.rank == 0:
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharey="row")
    for row, label in enumerate(("seed-003 film", "seed-000 spin valve")):
        for col, backside in enumerate((False, True)):
            optics, zeta, q_fem, q_tmm = results[label, backside]
            ax = axes[row, col]
            ax.plot(zeta * 1e9, q_fem * 1e-9, lw=2.5, alpha=0.6, label="FEM (P3)")
            ax.plot(zeta * 1e9, q_tmm * 1e-9, "k--", lw=1, label="transfer matrix")
            for lay in optics.layers:
                ax.axvline(lay.bottom * 1e9, color="0.85", lw=0.5)
            ax.set_title(f"{label}, pump from the {'substrate' if backside else 'top'}")
            ax.set_xlabel("depth ζ [nm]")
            ax.set_ylabel("q / I_inc [1/nm]")
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "absorption_profiles.png", dpi=120)
    plt.close(fig)
# -

# ## Oblique incidence: s, p and unpolarized
#
# A pump at angle θ keeps its in-plane wavenumber k0 sin θ through the stack. For s light
# (E ⟂ plane of incidence) the solver keeps the E_y equation with ε → ε − sin²θ; for p light it
# solves for H_y with a 1/ε weight (H_y and E_x ∝ (1/ε) dH_y/dζ are what stay continuous at an
# interface), and the absorbed power counts both E_x and E_z. ``polarization="unpolarized"`` is
# the mean of the two. The profile q/S_inc integrates to A(θ) for an incident flux S_inc through
# the film plane; the pulse fluence is per area normal to the beam, so per unit film area the
# film absorbs F A(θ) cos θ (what ``Simulation(optics={"angle": ...})`` puts into the heat).

# +
angles = np.arange(0, 86, 5)
film_stack = seed003_film()
absorptance = {}
for polarization in ("s", "p", "unpolarized"):
    values = []
    for angle in angles:
        fem_angle = PlanarOptics.from_stack(film_stack, wavelength, library,
                                            angle=f"{angle} deg", polarization=polarization)
        n, d, ns = indices(film_stack)
        ref_angle = tmm_stack(n, d, wavelength, 1.0, ns, angle=f"{angle} deg",
                              polarization=polarization)
        assert abs(fem_angle.A - ref_angle.A) < 1e-6
        values.append(fem_angle.A)
    absorptance[polarization] = np.array(values)
# at normal incidence s and p are the same light; p absorbs more towards the pseudo-Brewster angle
assert abs(absorptance["s"][0] - absorptance["p"][0]) < 1e-9
assert absorptance["p"].max() > absorptance["p"][0] > absorptance["s"][-1]
if comm.rank == 0:
    print("\nseed-003 film, absorptance A(θ) and absorbed fraction per film area A(θ) cos θ")
    print(f"  {'θ [deg]':>8}{'A_s':>9}{'A_p':>9}{'A_unpol':>9}{'A cos θ (p)':>13}")
    for k in range(0, len(angles), 3):
        cos = np.cos(np.radians(angles[k]))
        print(f"  {angles[k]:>8}{absorptance['s'][k]:>9.4f}{absorptance['p'][k]:>9.4f}"
              f"{absorptance['unpolarized'][k]:>9.4f}{absorptance['p'][k] * cos:>13.4f}")
    fig, ax = plt.subplots(figsize=(6, 4))
    for polarization, style in (("s", "C0-"), ("p", "C1-"), ("unpolarized", "k--")):
        ax.plot(angles, absorptance[polarization], style, label=f"A, {polarization}")
    ax.plot(angles, absorptance["p"] * np.cos(np.radians(angles)), "C1:",
            label="A cos θ, p (per film area)")
    ax.set_xlabel("angle of incidence θ [deg]")
    ax.set_ylabel("absorbed fraction")
    ax.set_title("10 nm CoPt on fused silica, 800 nm")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "oblique_absorptance.png", dpi=120)
    plt.close(fig)
# -

# ## Kerr depth weight of the spin valve
#
# To first order in the off-diagonal permittivity ε_xy(ζ), the complex Kerr angle is
# Θ_K = ∫ w(ζ) ε_xy(ζ) dζ with w = −i k0 E_0(ζ)²/(2 n_0 r) (spec §8.3; E_0 the probe field
# without magnetization). Per-layer integrals of w give the a + ib (magnetic layers) and
# a'' + ib'' (Cu spin accumulation) of seed 000, Eq. 1.

# +
probe = PlanarOptics.from_stack(seed000_spin_valve(), wavelength, library)
zeta = np.linspace(0.0, probe.thickness, 4001)[1:-1]
weight = probe.kerr_weight(zeta)
unit = np.ones(len(probe.layers))
per_layer = probe.kerr_layer_integrals(unit)  # ∫_layer w dζ (ε_xy = 1 in every layer)
if comm.rank == 0:
    print("\nKerr depth weight of the seed-000 stack (probe 800 nm from the top):")
    print(f"  {'layer':<8}{'|∫w|':>12}{'phase [deg]':>13}")
    for lay, w in zip(probe.layers, per_layer, strict=True):
        print(f"  {lay.name:<8}{abs(w):>12.4e}{np.degrees(np.angle(w)):>13.1f}")
    fig, ax = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
    ax[0].semilogy(zeta * 1e9, np.abs(weight))
    ax[0].set_ylabel("|w(ζ)| [1/m]")
    ax[1].plot(zeta * 1e9, np.degrees(np.unwrap(np.angle(weight))))
    ax[1].set_ylabel("arg w(ζ) [deg]")
    ax[1].set_xlabel("depth ζ [nm]")
    for a in ax:
        for lay in probe.layers:
            a.axvline(lay.bottom * 1e9, color="0.85", lw=0.5)
    fig.tight_layout()
    fig.savefig(out / "kerr_depth_weight.png", dpi=120)
    plt.close(fig)
# the probe sees the top (free) side far better than the layers below 80 nm of Cu
top_side = np.abs(per_layer[:5]).sum()
bottom_side = np.abs(per_layer[6:]).sum()
assert top_side > 10 * bottom_side
# -

# ## A film edge under a finite beam (2D)
#
# The seed-003 film covers x < 0 and ends at x = 0; a Gaussian beam of waist 1 µm (1/e field
# radius) comes in at normal incidence, centred on the edge. The scattered field is sourced by the
# film in the bare-silica background and absorbed by PMLs (one wavelength thick) on all four sides.
# R, T and the lateral loss come from band-averaged Poynting fluxes next to the PMLs; their sum
# with the absorptance must be 1.

# +
film = [("CoPt", library.get("CoPt_S003A").refractive_index(lam), "10 nm")]
n_silica = library.get("fused_silica").refractive_index(lam).real
resolution = dict(cells_per_wavelength=10 if args.fast else 15)
edges = {}
for polarization in ("TE", "TM"):
    edge = PatternedFilmOptics2D(film, wavelength, 1.0, n_silica, pattern="edge", edge="0 um",
                                 beam_waist="1 um", polarization=polarization, **resolution)
    edges[polarization] = edge
    if comm.rank == 0:
        print("\n" + edge.summary())
    assert edge.energy_balance_error < 1e-3
x = np.linspace(-1.5e-6, 1.5e-6, 241 if args.fast else 481)
depth = np.linspace(-0.3e-6, 0.3e-6, 121 if args.fast else 241)
X, Z = np.meshgrid(x, depth)
intensity = edges["TE"].intensity_weight(X, Z)  # collective
q_line = {p: e.absorbed_power_density(x, 5e-9) for p, e in edges.items()}  # collective
planar = PlanarOptics([("CoPt", film[0][1], "10 nm")], wavelength, 1.0, n_silica)
if comm.rank == 0:
    fig, ax = plt.subplots(2, 1, figsize=(8, 6.5), gridspec_kw={"height_ratios": [3, 2]})
    image = ax[0].pcolormesh(x * 1e6, depth * 1e6, intensity, shading="auto", cmap="magma")
    ax[0].plot([-1.5, 0.0, 0.0, -1.5], [0.0, 0.0, 0.01, 0.01], "c-", lw=1)
    ax[0].invert_yaxis()
    ax[0].set_ylabel("depth ζ [µm]")
    ax[0].set_title("|E_y/E_0|², TE, film (cyan) for x < 0, Gaussian beam w0 = 1 µm")
    fig.colorbar(image, ax=ax[0])
    for polarization, q in q_line.items():
        ax[1].plot(x * 1e6, q * 1e-9, label=f"{polarization}, ζ = 5 nm")
    beam = planar.absorbed_power_density(np.array([5e-9]))[0] * np.exp(-2 * x**2 / 1e-12)
    ax[1].plot(x * 1e6, np.where(x < 0, beam, 0) * 1e-9, "k--", lw=1,
               label="local plane wave × beam")
    ax[1].set_xlabel("x [µm]")
    ax[1].set_ylabel("q / I_0 [1/nm]")
    ax[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "film_edge_2d.png", dpi=120)
    plt.close(fig)
    print(f"\nfigures in {out.resolve()}")
# -

# The absorbed power density follows the local plane-wave model (dashed: the 1D profile times the
# beam's |E|²) about a wavelength away from the edge. Within a wavelength of the edge it
# oscillates around it (interference with the waves the edge launches), with a narrow peak at the
# very end of the film for TE (E along the edge) and a broad excess of ~70 % about 0.15 µm inside
# the film for TM (E across the edge) — corrections the planar model cannot give, which the heat
# solver can take from this 2D solution. About half of the beam meets the film: A ≈ 0.185 (TE)
# and 0.208 (TM) against 0.372 for the uniform film.

# ## A periodic grating: R, T, A against the period, and the field of one period
#
# Lines of the same film (fill factor w/p = 1/2) repeated with period p, under a normally incident
# plane wave (``pattern="grating"``). At normal incidence the field is even about the line centre
# and about the gap centre, so one half period with natural (symmetry) boundary conditions on both
# sides is exact; PMLs above and below absorb all the diffraction orders, and R and T are the
# fluxes of all orders together. Below p = λ/n_silica ≈ 0.55 µm only the zeroth order propagates
# in the substrate (below λ = 0.8 µm none but the zeroth in air); the kinks of R(p) and T(p) at
# p = λ/n_silica and p = λ are the Rayleigh anomalies, where an order turns propagating. The
# Fourier modal method of ``femmag.reference.rcwa`` (TE, 81 orders) is the independent check.

# +
from femmag.reference.rcwa import lamellar_grating  # noqa: E402

periods = np.array([0.3, 0.5, 0.8, 1.2, 2.0] if args.fast else
                   [0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.6, 2.0]) * 1e-6
grating_resolution = dict(cells_per_wavelength=10) if args.fast else {}
rta = {"TE": [], "TM": []}
for polarization in ("TE", "TM"):
    for period in periods:
        g = PatternedFilmOptics2D(film, wavelength, 1.0, n_silica, pattern="grating",
                                  period=Q(period, "m"), stripe_width=Q(0.5 * period, "m"),
                                  polarization=polarization, **grating_resolution)
        assert g.energy_balance_error < 1e-3
        rta[polarization].append((g.R, g.T, g.A))
rta = {k: np.array(v) for k, v in rta.items()}
fmm = np.array([[r.R, r.T, r.A] for r in (
    lamellar_grating([(film[0][1], 10e-9, True)], lam, p, 0.5 * p, n_substrate=n_silica,
                     polarization="TE", orders=81) for p in periods)])
fmm_error = np.abs(rta["TE"] - fmm).max()
assert fmm_error < 1e-3, fmm_error
one = PatternedFilmOptics2D(film, wavelength, 1.0, n_silica, pattern="grating", period="0.6 um",
                            stripe_width="0.3 um", polarization="TE", **grating_resolution)
xg = np.linspace(-0.3e-6, 0.3e-6, 121 if args.fast else 241)
zg = np.linspace(-0.25e-6, 0.25e-6, 101 if args.fast else 201)
XG, ZG = np.meshgrid(xg, zg)
grating_intensity = one.intensity_weight(XG, ZG)  # collective; any x (periodic, even)
if comm.rank == 0:
    print(f"\ngrating (w/p = 1/2), max |FEM − Fourier modal method| over R, T, A (TE): "
          f"{fmm_error:.1e}")
    print(" p [µm]   R_TE    T_TE    A_TE    R_TM    T_TM    A_TM")
    for p, te, tm in zip(periods, rta["TE"], rta["TM"], strict=True):
        print(f" {p * 1e6:5.2f}  " + "  ".join(f"{v:.4f}" for v in (*te, *tm)))
    fig, ax = plt.subplots(1, 2, figsize=(11, 4))
    for polarization, style in (("TE", "-"), ("TM", "--")):
        for k, label in enumerate("RTA"):
            ax[0].plot(periods * 1e6, rta[polarization][:, k], f"C{k}{style}o", ms=3,
                       label=f"{label} {polarization}")
    ax[0].plot(periods * 1e6, fmm[:, 2], "k+", label="A TE, Fourier modal")
    for anomaly in (lam / n_silica, lam):
        ax[0].axvline(anomaly * 1e6, color="0.7", lw=0.8)
    ax[0].set_xlabel("period p [µm]  (w/p = 1/2)")
    ax[0].set_ylabel("fraction of the incident power")
    ax[0].legend(fontsize=7, ncol=2)
    image = ax[1].pcolormesh(xg * 1e6, zg * 1e6, grating_intensity, shading="auto", cmap="magma")
    ax[1].plot([-0.15, 0.15, 0.15, -0.15, -0.15], [0, 0, 0.01, 0.01, 0], "c-", lw=1)
    ax[1].invert_yaxis()
    ax[1].set_xlabel("x [µm]")
    ax[1].set_ylabel("depth ζ [µm]")
    ax[1].set_title("|E_y/E_0|², TE, p = 0.6 µm, one period (line in cyan)")
    fig.colorbar(image, ax=ax[1])
    fig.tight_layout()
    fig.savefig(out / "grating_2d.png", dpi=120)
    plt.close(fig)
# -
