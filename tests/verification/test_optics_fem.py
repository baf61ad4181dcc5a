"""Verification of the 1D finite-element optics (physics-spec §1, §2.3, §8.3).

Ladder: independent transfer matrices (the `tmm` package and a private characteristic-matrix TMM
with the exact field inside each layer), measured L² convergence rate, energy conservation,
analytic limits (semi-infinite metal, exponential decay in a thick absorber), backside =
reversed stack, first-order Kerr weight against the exact circular-mode (polar) transfer matrix.

Every PlanarOptics solves on MPI.COMM_SELF, so these tests give the same numbers on any number of
ranks (they run unchanged under ``mpiexec -n 2``).
"""

from types import SimpleNamespace

import numpy as np
import pytest
import tmm

from femmag.physics.optics.planar import PlanarOptics

LAM = 800e-9
N = {  # spec §1.6, 800 nm
    "Co": 2.49 + 4.80j, "Pt": 2.85 + 4.96j, "Cu": 0.25 + 5.01j, "Ta": 1.11 + 3.48j,
    "CoPt": 2.673 + 4.883j, "SiO2": 1.4533, "glass": 1.5108,
    "TiO2": 2.52, "MgO": 1.73, "Au": 0.18 + 5.1j,
}
SEED003 = [("CoPt", N["CoPt"], 10e-9)]
SEED000 = [(name, N[name], d * 1e-9) for name, d in [
    ("Ta", 5), ("Pt", 1), ("Co", 0.6), ("Pt", 1), ("Co", 0.6), ("Cu", 80), ("Co", 1), ("Pt", 1),
    ("Co", 1), ("Pt", 1), ("Co", 1), ("Pt", 1), ("Co", 1), ("Pt", 4), ("Ta", 5)]]


def tmm_package(layers, n0, ns, lam=LAM):
    """R, T, per-layer absorption and r from the `tmm` package (s-polarized, normal incidence)."""
    n_list = [n0] + [n for _, n, _ in layers] + [ns]
    d_list = [np.inf] + [d * 1e9 for _, _, d in layers] + [np.inf]
    data = tmm.coh_tmm("s", n_list, d_list, 0.0, lam * 1e9)
    return data["R"], data["T"], np.array(tmm.absorp_in_each_layer(data)[1:-1]), data["r"]


def tmm_field(layers, n0, ns, lam=LAM):
    """Private characteristic-matrix TMM (spec §1.5): r, t and a vectorised exact E(ζ)."""
    k0 = 2 * np.pi / lam
    idx = np.array([n for _, n, _ in layers], dtype=complex)
    d = np.array([t for _, _, t in layers])
    tops = np.concatenate([[0.0], np.cumsum(d)])
    # Back-propagate (E, E') from the substrate side, transmitted amplitude 1 (renormalised below).
    e, de = 1.0 + 0j, 1j * k0 * ns
    amps = []
    for j in range(len(layers) - 1, -1, -1):
        phase = k0 * idx[j] * d[j]
        a = 0.5 * (e + de / (1j * k0 * idx[j])) * np.exp(-1j * phase)
        b = 0.5 * (e - de / (1j * k0 * idx[j])) * np.exp(1j * phase)
        amps.append((a, b))
        e, de = a + b, 1j * k0 * idx[j] * (a - b)
    amps = amps[::-1]
    inc = 0.5 * (e + de / (1j * k0 * n0))
    refl = 0.5 * (e - de / (1j * k0 * n0))
    r, t = refl / inc, 1.0 / inc

    def field(zeta):
        zeta = np.asarray(zeta, dtype=float)
        out = np.where(zeta < 0, np.exp(1j * k0 * n0 * zeta) + r * np.exp(-1j * k0 * n0 * zeta),
                       t * np.exp(1j * k0 * ns * (zeta - tops[-1])))
        for j, (a, b) in enumerate(amps):
            inside = (zeta >= tops[j]) & (zeta <= tops[j + 1])
            s = zeta[inside] - tops[j]
            wave = np.exp(1j * k0 * idx[j] * s)
            out[inside] = (a * wave + b / wave) / inc
        return out

    return r, t, field


def random_stack(rng, n_layers):
    names = ["Co", "Pt", "Cu", "Ta", "Au", "SiO2", "TiO2", "MgO"]
    layers = []
    for _ in range(n_layers):
        name = names[rng.integers(len(names))]
        layers.append((name, N[name], 10 ** rng.uniform(-9, -6)))  # 1 nm .. 1 µm
    return layers


@pytest.mark.parametrize("layers, ns", [(SEED003, N["SiO2"]), (SEED000, N["glass"])],
                         ids=["seed003", "seed000"])
def test_seed_stacks_against_tmm(layers, ns):
    optics = PlanarOptics.from_si(layers, LAM, 1.0, ns)
    R, T, A_layers, r = tmm_package(layers, 1.0, ns)
    assert optics.R == pytest.approx(R, abs=1e-5)
    assert optics.T == pytest.approx(T, abs=1e-5)
    assert optics.A == pytest.approx(1 - R - T, abs=1e-5)
    assert abs(optics.r - r) < 1e-5
    np.testing.assert_allclose(optics.layer_absorption, A_layers, atol=1e-4, rtol=0)
    assert optics.absorption_balance_error < 1e-8  # ∫q dζ = A


def test_seed003_reference_numbers():
    """Spec §1.7: the 10 nm CoPt film on silica absorbs roughly a third of the pump."""
    optics = PlanarOptics.from_si(SEED003, LAM, 1.0, N["SiO2"])
    assert optics.A == pytest.approx(0.3725, abs=5e-4)
    assert optics.R == pytest.approx(0.3745, abs=5e-4)


def test_seed000_pump_absorbed_on_the_top_side():
    """Spec §1.7: the free (top) Co/Pt side absorbs almost everything, the ref layer little."""
    optics = PlanarOptics.from_si(SEED000, LAM, 1.0, N["glass"])
    a = optics.layer_absorption
    top, bottom = a[:5].sum(), a[6:].sum()
    assert top > 10 * bottom


def test_integral_of_q_equals_absorptance():
    """∫ q/I_inc dζ by sampling the public q(ζ) on a fine grid, against 1 − R − T."""
    optics = PlanarOptics.from_si(SEED000, LAM, 1.0, N["glass"])
    verts = optics.mesh_vertices
    xg, wg = np.polynomial.legendre.leggauss(4)
    left, right = verts[:-1], verts[1:]
    zeta = 0.5 * (left + right)[:, None] + 0.5 * (right - left)[:, None] * xg
    weights = 0.5 * (right - left)[:, None] * wg
    total = (optics.absorbed_power_density(zeta) * weights).sum()
    assert total == pytest.approx(optics.A, abs=1e-8)
    assert optics.q_of_z(-zeta[5]) == pytest.approx(optics.absorbed_power_density(zeta[5]))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_random_stacks_against_tmm(seed):
    rng = np.random.default_rng(seed)
    layers = random_stack(rng, 8)
    ns = [N["SiO2"], N["glass"], N["MgO"], 2.0 + 0.01j][seed - 1]
    optics = PlanarOptics.from_si(layers, LAM, 1.0, ns)
    R, T, A_layers, _ = tmm_package(layers, 1.0, ns)
    assert optics.R == pytest.approx(R, abs=1e-5)
    assert optics.T == pytest.approx(T, abs=1e-5)
    assert optics.A == pytest.approx(1 - R - T, abs=1e-5)
    np.testing.assert_allclose(optics.layer_absorption, A_layers, atol=1e-4, rtol=0)


def _l2_error_in_stack(optics, exact):
    """Relative L² error of E over the stack (0 ≤ ζ ≤ D), exact Gauss quadrature per FE cell."""
    verts = optics.mesh_vertices
    verts = verts[(verts >= 0) & (verts <= optics.thickness)]
    xg, wg = np.polynomial.legendre.leggauss(8)
    left, right = verts[:-1], verts[1:]
    zeta = 0.5 * (left + right)[:, None] + 0.5 * (right - left)[:, None] * xg
    weights = 0.5 * (right - left)[:, None] * wg
    err = (np.abs(optics.field(zeta) - exact(zeta)) ** 2 * weights).sum()
    norm = (np.abs(exact(zeta)) ** 2 * weights).sum()
    return np.sqrt(err / norm), np.diff(verts).max()


@pytest.mark.parametrize("degree, expected_rate", [(2, 3.0), (3, 4.0)])
def test_l2_convergence_rate(degree, expected_rate):
    """E in L² under uniform refinement: measured rate p + 1 (P2: 3)."""
    layers = [("SiO2", N["SiO2"], 150e-9), ("Co", N["Co"], 20e-9), ("MgO", N["MgO"], 80e-9)]
    _, _, exact = tmm_field(layers, 1.0, N["glass"])
    errors, sizes = [], []
    for level in range(1, 5):
        f = 2**level
        optics = PlanarOptics.from_si(layers, LAM, 1.0, N["glass"], degree=degree,
                              cells_per_skin_depth=1.0 * f, cells_per_wavelength=4.0 * f)
        error, h = _l2_error_in_stack(optics, exact)
        errors.append(error)
        sizes.append(h)
    rates = np.diff(np.log(errors)) / np.diff(np.log(sizes))
    assert rates[-2:].min() >= expected_rate - 0.2, (errors, rates)


def test_field_matches_exact_transfer_matrix_field():
    _, _, exact = tmm_field(SEED000, 1.0, N["glass"])
    optics = PlanarOptics.from_si(SEED000, LAM, 1.0, N["glass"])
    zeta = np.linspace(-300e-9, 400e-9, 2001)  # also outside the meshed interval
    np.testing.assert_allclose(optics.field(zeta), exact(zeta), atol=1e-5, rtol=0)


def test_thick_absorber_exponential_decay():
    """|E|² ∝ exp(−4πkζ/λ) inside a thick metal: fitted decay constant to 1e-3."""
    n = N["Co"]
    optics = PlanarOptics.from_si([("Co", n, 500e-9)], LAM, 1.0, N["glass"])
    zeta = np.linspace(10e-9, 150e-9, 300)
    slope = np.polyfit(zeta, np.log(optics.intensity_weight(zeta)), 1)[0]
    assert -slope == pytest.approx(4 * np.pi * n.imag / LAM, rel=1e-3)


def test_semi_infinite_metal_reflectance():
    """A metal substrate (exact absorbing half-space condition) and a 1 µm metal film."""
    n = N["Cu"]
    exact = abs((1 - n) / (1 + n)) ** 2
    half_space = PlanarOptics.from_si([("vacuum", 1.0, 37e-9)], LAM, 1.0, n)
    assert half_space.R == pytest.approx(exact, abs=1e-6)
    assert half_space.T == pytest.approx(1 - exact, abs=1e-6)  # all flux enters the metal
    film = PlanarOptics.from_si([("Cu", n, 1e-6)], LAM, 1.0, N["glass"])
    assert film.R == pytest.approx(exact, abs=1e-6)
    assert film.A == pytest.approx(1 - exact, abs=1e-6)


def test_backside_incidence_equals_reversed_stack():
    ns = N["glass"]
    back = PlanarOptics.from_si(SEED000, LAM, 1.0, ns, from_substrate_side=True)
    reversed_stack = PlanarOptics.from_si(SEED000[::-1], LAM, ns, 1.0)
    assert back.R == pytest.approx(reversed_stack.R, abs=1e-9)
    assert back.T == pytest.approx(reversed_stack.T, abs=1e-9)
    np.testing.assert_allclose(back.layer_absorption, reversed_stack.layer_absorption[::-1],
                               atol=1e-9)
    zeta = np.linspace(1e-9, back.thickness - 1e-9, 101)
    np.testing.assert_allclose(back.absorbed_power_density(zeta),
                               reversed_stack.absorbed_power_density(back.thickness - zeta),
                               rtol=1e-6, atol=1e-3)
    R, T, A_layers, _ = tmm_package(SEED000[::-1], ns, 1.0)
    assert back.R == pytest.approx(R, abs=1e-5)
    np.testing.assert_allclose(back.layer_absorption[::-1], A_layers, atol=1e-4)
    # Backside pumping heats the reference (bottom) side first.
    assert back.layer_absorption[6:].sum() > back.layer_absorption[:5].sum()


def _polar_kerr_exact(layers, magnetized, exy, n0, ns):
    """Exact polar Kerr angle from the circular eigenmodes ε± = ε_xx ± i ε_xy (normal incidence)."""
    r_pm = []
    for sign in (+1, -1):
        lay = [(nm, np.sqrt(n**2 + sign * 1j * exy) if i == magnetized else n, d)
               for i, (nm, n, d) in enumerate(layers)]
        r_pm.append(tmm_field(lay, n0, ns)[0])
    rp, rm = r_pm
    return 1j * (rp - rm) / (rp + rm)


@pytest.mark.parametrize("magnetized, layers", [
    (1, [("Pt", N["Pt"], 3e-9), ("Co", N["Co"], 1e-9), ("Pt", N["Pt"], 3e-9)]),
    (1, [("SiO2", N["SiO2"], 100e-9), ("Co", N["Co"], 15e-9), ("Cu", N["Cu"], 5e-9)]),
    (12, SEED000),
    (2, SEED000),
], ids=["Pt/Co/Pt", "SiO2/Co/Cu", "seed000-ref-Co", "seed000-free-Co"])
def test_kerr_weight_against_circular_mode_tmm(magnetized, layers):
    ns = N["glass"]
    exx = layers[magnetized][1] ** 2
    exy = 1j * exx * (0.02 + 0.005j) * 0.05  # Voigt ε_xy = i ε_xx Q m, small
    optics = PlanarOptics.from_si(layers, LAM, 1.0, ns)
    coeffs = np.zeros(len(layers), dtype=complex)
    coeffs[magnetized] = exy
    per_layer = optics.kerr_layer_integrals(coeffs)
    exact = _polar_kerr_exact(layers, magnetized, exy, 1.0, ns)
    assert abs(per_layer.sum() - exact) < 1e-4 * abs(exact)  # brief: 1 %; measured ~1e-6
    assert np.count_nonzero(per_layer) == 1
    # The pointwise weight integrates to the same per-layer value.
    lay = optics.layers[magnetized]
    xg, wg = np.polynomial.legendre.leggauss(40)
    zeta = 0.5 * (lay.top + lay.bottom) + 0.5 * lay.thickness * xg
    direct = (optics.kerr_weight(zeta) * wg).sum() * 0.5 * lay.thickness * exy
    assert abs(direct - per_layer[magnetized]) < 1e-6 * abs(direct)


def test_kerr_integrals_by_layer_name():
    optics = PlanarOptics.from_si(SEED000, LAM, 1.0, N["glass"])
    by_name = optics.kerr_layer_integrals({"Co": 0.01j})
    co = np.array([name == "Co" for name in optics.layer_names])
    assert np.all(by_name[~co] == 0) and np.all(by_name[co] != 0)
    with pytest.raises(ValueError, match="unknown layer"):
        optics.kerr_layer_integrals({"Fe": 0.01})


def test_ife_depth_weight_and_field():
    optics = PlanarOptics.from_si(SEED003, LAM, 1.0, N["SiO2"])
    xg, wg = np.polynomial.legendre.leggauss(20)
    zeta = 5e-9 + 5e-9 * xg
    w = optics.ife_depth_weight(zeta)
    assert (w * wg).sum() / 2 == pytest.approx(1.0, abs=1e-7)  # mean 1 over the film
    # Film average of |E/E_inc|² against the exact TMM field (spec §2.2 quotes "≈ 0.195", which is
    # close to the value at the top surface, 0.198; the film average is 0.1817).
    _, _, exact = tmm_field(SEED003, 1.0, N["SiO2"])
    mean_exact = (np.abs(exact(zeta)) ** 2 * wg).sum() / 2
    assert optics.mean_intensity_weight() == pytest.approx(mean_exact, rel=1e-6)
    assert optics.mean_intensity_weight() == pytest.approx(0.1817, abs=1e-3)
    b = optics.ife_flux_density(zeta, 0.0, 0.0, helicity="sigma-", peak_fluence=10.0,
                                spot_radius=5e-6, duration=140e-15, coefficient=0.1,
                                depth_weighted=True)
    np.testing.assert_allclose(b, -1.0 * w)
    uniform = optics.ife_flux_density(zeta, 0.0, 0.0, helicity=1, peak_fluence=10.0,
                                      spot_radius=5e-6, duration=140e-15, coefficient=0.1)
    np.testing.assert_allclose(uniform, 1.0)
    with pytest.raises(ValueError, match="unknown polarization"):
        optics.ife_flux_density(zeta, 0.0, 0.0, helicity="elliptic", peak_fluence=10.0,
                                spot_radius=5e-6, duration=140e-15, coefficient=0.1)


def test_from_stack_duck_typed():
    class Material:
        def __init__(self, n):
            self.n = n

        def refractive_index(self, wavelength):
            assert wavelength == pytest.approx(LAM, rel=1e-15)
            return self.n

    library = {"CoPt": Material(N["CoPt"]), "SiO2": Material(N["SiO2"])}
    stack = SimpleNamespace(layers=[SimpleNamespace(name="film", material="CoPt",
                                                    thickness=10e-9)], substrate="SiO2")
    optics = PlanarOptics.from_stack(stack, "800 nm", library)
    direct = PlanarOptics.from_si(SEED003, LAM, 1.0, N["SiO2"])
    assert optics.R == pytest.approx(direct.R, abs=1e-12)
    with pytest.raises(ValueError, match="not in the library"):
        PlanarOptics.from_stack(SimpleNamespace(layers=stack.layers, substrate="BK7"), "800 nm",
                                library)


def test_bad_input_messages():
    with pytest.raises(ValueError, match="wavelength .* must be a positive"):
        PlanarOptics.from_si(SEED003, -800e-9, 1.0, 1.45)
    with pytest.raises(ValueError, match="wavelength .* outside"):
        PlanarOptics.from_si(SEED003, 800, 1.0, 1.45)  # nm instead of m (internal SI path)
    with pytest.raises(ValueError, match=r"wavelength = 800 has no unit.*'800 nm'"):
        PlanarOptics([("CoPt", N["CoPt"], "10 nm")], 800, 1.0, 1.45)  # the public door
    with pytest.raises(ValueError, match=r"layer 0 \('CoPt'\) thickness = 1e-08 has no unit"):
        PlanarOptics(SEED003, "800 nm", 1.0, 1.45)
    with pytest.raises(ValueError, match=r"layer 0 \('CoPt'\).*negative extinction"):
        PlanarOptics.from_si([("CoPt", 2.673 - 4.883j, 10e-9)], LAM, 1.0, 1.45)
    with pytest.raises(ValueError, match="n_substrate.*negative extinction"):
        PlanarOptics.from_si(SEED003, LAM, 1.0, 1.45 - 0.1j)
    with pytest.raises(ValueError, match="thickness .* must be positive"):
        PlanarOptics.from_si([("Co", N["Co"], 0.0)], LAM, 1.0, 1.45)
    with pytest.raises(ValueError, match="incidence medium .* transparent"):
        PlanarOptics.from_si(SEED003, LAM, 1.0 + 0.1j, 1.45)
    with pytest.raises(ValueError, match="incidence medium .* transparent"):
        PlanarOptics.from_si(SEED003, LAM, 1.0, 2.0 + 0.1j, from_substrate_side=True)
    with pytest.raises(ValueError, match="degree"):
        PlanarOptics.from_si(SEED003, LAM, 1.0, 1.45, degree=0)
    with pytest.warns(UserWarning, match=r"skin depth is 13.3 nm"):
        thin = PlanarOptics.from_si([("Co", N["Co"], 0.02e-9), ("Cu", N["Cu"], 5e-9)], LAM, 1.0,
                                    1.45)
    R, T, _, _ = tmm_package([("Co", N["Co"], 0.02e-9), ("Cu", N["Cu"], 5e-9)], 1.0, 1.45)
    assert thin.R == pytest.approx(R, abs=1e-5)  # still solved correctly


def test_from_stack_with_femmag_stack_materials_and_pulse():
    """The real Stack / materials library / Pulse of femmag (spine), seed-000 spin valve."""
    stack_mod = pytest.importorskip("femmag.studies.seed000")
    pulse_mod = pytest.importorskip("femmag.pulse")
    stack = stack_mod.seed000_spin_valve()
    optics = PlanarOptics.from_stack(stack, "800 nm")
    R, T, A_layers, _ = tmm_package(SEED000, 1.0, N["glass"])
    assert optics.R == pytest.approx(R, abs=1e-4)  # library indices equal spec §1.6 to 1e-3
    np.testing.assert_allclose(optics.layer_absorption, A_layers, atol=1e-4)
    pulse = pulse_mod.Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.2 ps")
    b = optics.ife_flux_density_for_pulse(pulse, 3e-9, [0.0, pulse.radius], 0.2e-12,
                                          coefficient=0.1)
    np.testing.assert_allclose(b, [-2.6, -2.6 / np.e], rtol=1e-12)


# ------------------------------------------------------------------------------------------ 2D
def grating_2d(period, fill, n_substrate=N["SiO2"], **options):
    """The lamellar grating of the 2D optics: lines of width fill·period, one centred at x = 0."""
    from femmag.physics.optics.patterned import PatternedFilmOptics2D

    return PatternedFilmOptics2D.from_si(SEED003, LAM, 1.0, n_substrate, pattern="grating",
                                         period=period, stripe_width=fill * period, **options)


def test_2d_uniform_stack_reproduces_1d():
    """Fill factor 1 (laterally uniform): R, T, A and the field equal the 1D result to 1e-3."""
    grating = grating_2d(1.2e-6, 1.0)
    planar = grating.planar
    assert grating.R == pytest.approx(planar.R, abs=1e-3)
    assert grating.T == pytest.approx(planar.T, abs=1e-3)
    assert grating.A == pytest.approx(planar.A, abs=1e-3)
    x = np.array([0.0, 0.2e-6, 0.55e-6, -1.7e-6])
    zeta = np.array([-100e-9, 2e-9, 8e-9, 150e-9])
    np.testing.assert_allclose(grating.field(x, zeta), planar.field(zeta), atol=1e-3)


@pytest.mark.parametrize("period, fill", [(1.2e-6, 0.5), (0.5e-6, 0.3)])
def test_2d_grating_energy_balance(period, fill):
    """Lamellar CoPt grating on silica (with and without propagating diffraction orders)."""
    grating = grating_2d(period, fill)
    assert grating.energy_balance_error < 1e-3
    assert grating.A < grating.planar.A  # less metal, less absorption
    # Field is even and periodic in x.
    zeta = np.full(3, 5e-9)
    e = grating.field(np.array([0.1e-6, -0.1e-6, 0.1e-6 + period]), zeta)
    np.testing.assert_allclose(e, e[0], rtol=1e-10)


def test_2d_bad_input():
    with pytest.raises(ValueError, match="stripe_width ≤"):
        grating_2d(1e-6, 1.5)
    with pytest.raises(ValueError, match="n_substrate must be real"):
        grating_2d(1e-6, 0.5, n_substrate=1.5 + 0.1j)
    grating = grating_2d(1e-6, 0.5, cells_per_wavelength=10)
    with pytest.raises(ValueError, match="outside the mesh"):
        grating.field(0.0, 10e-6)


# ------------------------------------------------------------------------ wire-ups (heat, LLB)
def test_depth_profile_fem_equals_tmm_in_pulsed_absorption():
    """PulsedAbsorption with the FEM depth profile absorbs the same energy as its TMM default."""
    from mpi4py import MPI

    import ufl
    from dolfinx import fem

    from femmag.geometry import build_1d
    from femmag.studies.seed003 import seed003_film
    from femmag.materials import Library
    from femmag.physics.optics.module import PulsedAbsorption
    from femmag.physics.optics.planar import depth_profile_from_stack
    from femmag.pulse import Pulse

    library = Library.default()
    stack = seed003_film()
    domain = build_1d(stack, MPI.COMM_WORLD, max_cell_size="1 nm")
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um")
    energies = []
    for profile in (None, depth_profile_from_stack(stack, "800 nm", library, method="fem")):
        source = PulsedAbsorption(domain, pulse, library, depth_profile=profile)
        source.setup(None)
        local = fem.assemble_scalar(fem.form(source.depth_weight * ufl.dx))
        energies.append(domain.mesh.comm.allreduce(local, op=MPI.SUM) * pulse.fluence)
    assert energies[1] == pytest.approx(energies[0], rel=1e-6)  # measured: 6e-10
    assert energies[0] / pulse.fluence == pytest.approx(0.3725, abs=5e-4)


@pytest.mark.parametrize("backside", [False, True])
def test_depth_profile_methods_agree_seed000(backside):
    from femmag.studies.seed000 import seed000_spin_valve
    from femmag.physics.optics.planar import depth_profile_from_stack

    stack = seed000_spin_valve()
    fem_q = depth_profile_from_stack(stack, "800 nm", method="fem", from_substrate_side=backside)
    tmm_q = depth_profile_from_stack(stack, "800 nm", method="tmm", from_substrate_side=backside)
    tops = np.concatenate([[0.0], np.cumsum([lay.thickness for lay in stack.layers])])
    zeta = 0.5 * (tops[:-1] + tops[1:])  # layer mid-planes (no interface ambiguity)
    np.testing.assert_allclose(fem_q(zeta), tmm_q(zeta), rtol=1e-6)
    with pytest.raises(ValueError, match="method"):
        depth_profile_from_stack(stack, "800 nm", method="lambert-beer")


def _pulse(helicity="sigma+", fluence="2 mJ/cm^2"):
    from femmag.pulse import Pulse

    return Pulse(fluence, "140 fs", "10 um", helicity=helicity, arrival="0.2 ps")


def test_ife_field_normalization_helicity_and_fluence():
    from femmag.physics.optics.planar import IFEField

    points = np.array([[0.0, 0.0, -5e-9], [5e-6, 0.0, -5e-9], [3e-6, 4e-6, -1e-9]])
    t0 = 0.2e-12
    one = IFEField(_pulse(fluence="1 mJ/cm^2"), "1 T/(mJ/cm^2)", kind="3d")
    b = one(points, t0)
    assert b[0, 2] == pytest.approx(1.0, rel=1e-12)  # 1 T per mJ/cm² at r = 0, t = t0
    assert b[1, 2] == pytest.approx(np.exp(-1.0), rel=1e-12)  # r = r0
    assert b[2, 2] == pytest.approx(np.exp(-1.0), rel=1e-12)  # r from (x, y) in 3D
    np.testing.assert_array_equal(b[:, :2], 0.0)
    half_width = 0.5 * 140e-15
    assert one(points, t0 + half_width)[0, 2] == pytest.approx(0.5, rel=1e-12)  # FWHM
    plus = IFEField(_pulse("sigma+"), kind="3d")(points, t0)
    minus = IFEField(_pulse("sigma-"), kind="3d")(points, t0)
    linear = IFEField(_pulse("linear"), kind="3d")(points, t0)
    np.testing.assert_allclose(minus, -plus, rtol=0, atol=0)  # odd in helicity
    np.testing.assert_array_equal(linear, 0.0)  # no IFE for linear polarization
    np.testing.assert_allclose(plus, 2.0 * b, rtol=1e-12)  # linear in F0 (2 vs 1 mJ/cm²)


def test_ife_field_kinds_susceptibility_and_depth_weight():
    from femmag.physics.optics.planar import IFEField

    pulse = _pulse(fluence="1 mJ/cm^2")
    rz = IFEField(pulse, kind="rz")(np.array([[5e-6, -5e-9, 0.0]]), 0.2e-12)
    assert rz[0, 2] == pytest.approx(np.exp(-1.0), rel=1e-12)  # r = points[:, 0]
    one_d = IFEField(pulse, kind="1d")(np.array([[-5e-9, 0.0, 0.0]]), 0.2e-12)
    assert one_d[0, 2] == pytest.approx(1.0, rel=1e-12)
    alpha = IFEField(pulse, susceptibility="2.13e-11 A*m/V^2", kind="1d")
    assert alpha(np.zeros((1, 3)), 0.2e-12)[0, 2] == pytest.approx(1.35, abs=0.01)  # spec §2.2
    optics = PlanarOptics.from_si(SEED003, LAM, 1.0, N["SiO2"])
    weighted = IFEField(pulse, depth_weight=optics, kind="1d")
    zeta = np.linspace(0.0, 10e-9, 2001)
    bz = weighted(np.column_stack([-zeta, 0 * zeta, 0 * zeta]), 0.2e-12)[:, 2]
    assert np.trapezoid(bz, zeta) / 10e-9 == pytest.approx(1.0, rel=1e-6)  # mean 1 over film
    assert bz[0] > bz[-1]  # |E|² decays into the film
    with pytest.raises(ValueError, match="not both"):
        IFEField(pulse, "1 T/(mJ/cm^2)", susceptibility="2e-11 A*m/V^2")
    with pytest.raises(ValueError, match="kind"):
        IFEField(pulse, kind="2d")


def test_ife_field_as_magnetization_provider():
    """IFEField plugs into Magnetization.add_field (signature (points, t) -> (n, 3))."""
    from mpi4py import MPI

    from femmag.geometry import build_1d
    from femmag.studies.seed003 import seed003_film
    from femmag.physics.magnetization.module import Magnetization
    from femmag.physics.optics.planar import IFEField

    domain = build_1d(seed003_film(), MPI.COMM_WORLD, max_cell_size="2 nm")
    magnetization = Magnetization(domain)
    magnetization.add_field("ife", IFEField(_pulse("sigma-", "1 mJ/cm^2"), kind=domain.kind))
    magnetization.setup(None)
    b = magnetization.field_at_points(0.2e-12)
    if b.shape[0]:
        np.testing.assert_allclose(b[:, 2], -1.0, rtol=1e-12)
