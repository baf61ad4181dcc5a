"""Verification of the 2D (x, ζ) TE/TM optics of patterned films (issue 3 §2, physics-spec §1).

Ladder: the laterally uniform film (whose whole response is the scattered field, sourced by the
film in the bare-substrate background) reproduces the 1D FEM/transfer-matrix result under a plane
wave for both polarizations (absorption per unit width, R, T through the PML interfaces, and the
|E|² depth profile at the centre: a PML reflection would show up here); the Poynting theorem on
the closed contour of the PML interfaces (R + T + A + lateral = 1) for a film edge under a Gaussian
beam; mirror symmetry of a centred stripe; error messages.

The 2D mesh is distributed over MPI.COMM_WORLD: every call is collective and the asserted numbers
are the same on any number of ranks.
"""

import numpy as np
import pytest

from femmag.physics.optics.planar import PlanarOptics
from femmag.physics.optics.patterned import LayeredBackground, PatternedFilmOptics2D

LAM = 800e-9
N_COPT, N_SIO2 = 2.673 + 4.883j, 1.4533
FILM = [("CoPt", N_COPT, 10e-9)]  # seed-003 film


@pytest.mark.parametrize("polarization", ["TE", "TM"])
def test_uniform_film_plane_wave_reproduces_1d(polarization):
    optics = PatternedFilmOptics2D.from_si(FILM, LAM, 1.0, N_SIO2, pattern="uniform",
                                           polarization=polarization)
    planar = PlanarOptics.from_si(FILM, LAM, 1.0, N_SIO2)
    per_width = optics.layer_absorption / (2 * optics.half_width)
    assert per_width[0] == pytest.approx(planar.A, abs=1e-4)  # measured: 1e-5
    assert optics.A == pytest.approx(planar.A, abs=1e-4)
    # R and T from band-averaged Poynting fluxes next to the PMLs: a PML reflection would bias R.
    assert optics.R == pytest.approx(planar.R, abs=1e-4)
    assert optics.T == pytest.approx(planar.T, abs=1e-4)
    assert abs(optics.lateral_loss) < 1e-8  # x-invariant field: no lateral flux
    assert optics.energy_balance_error < 1e-4
    zeta = np.array([-150e-9, 1e-9, 5e-9, 9e-9, 200e-9])
    if polarization == "TE":
        np.testing.assert_allclose(optics.intensity_weight(0.0, zeta),
                                   planar.intensity_weight(zeta), atol=1e-3)
        np.testing.assert_allclose(optics.field(0.4e-6, zeta), planar.field(zeta), atol=1e-3)
    else:
        # TM: the unknown H_y against the exact H of the film stack (closed form, kx = 0). The
        # pointwise E comes from ∇H (O(h²)): 1e-3 in the finely meshed film (measured 1.1e-3),
        # ~2 % in the λ/15 cells of the dielectrics; the integrals above are accurate.
        exact = LayeredBackground.from_si([N_COPT**2], [10e-9], 1.0, N_SIO2, LAM, "TM", [0.0],
                                          [1.0])
        np.testing.assert_allclose(optics.field(0.4e-6, zeta), exact.field(0.0, zeta),
                                   atol=1e-3)
        q2d = optics.absorbed_power_density(0.0, zeta[1:4])
        np.testing.assert_allclose(q2d, planar.absorbed_power_density(zeta[1:4]), rtol=3e-3)


@pytest.mark.parametrize("polarization", ["TE", "TM"])
def test_film_edge_gaussian_beam_energy_balance(polarization):
    """Film for x < 0, bare silica beyond, Gaussian beam w0 = 1 µm centred on the edge."""
    optics = PatternedFilmOptics2D.from_si(FILM, LAM, 1.0, N_SIO2, pattern="edge", edge=0.0,
                                           beam_waist=1e-6, half_width=2.5e-6,
                                           cells_per_wavelength=10, polarization=polarization)
    assert optics.energy_balance_error < 1e-3  # measured: 6e-5 (TE), 2e-4 (TM)
    planar = PlanarOptics.from_si(FILM, LAM, 1.0, N_SIO2)
    assert 0.4 * planar.A < optics.A < 0.6 * planar.A  # about half of the beam meets the film
    w0 = optics.beam_waist
    # Exact (non-paraxial) power of the angular spectrum A(k) = w0/(2√π) exp(−k²w0²/4):
    # P/I0 = 2π ∫ |A|² kz/k0 dk over |k| < k0, about 0.8 % below the paraxial w0 √(π/2).
    k0 = 2 * np.pi / LAM
    k = np.linspace(-k0, k0, 200001)
    integrand = (w0 / (2 * np.sqrt(np.pi))) ** 2 * np.exp(-(k * w0) ** 2 / 2) \
        * np.sqrt(k0**2 - k**2) / k0
    exact = 2 * np.pi * np.sum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(k))
    assert optics.incident_power == pytest.approx(exact, rel=1e-6)
    assert optics.incident_power == pytest.approx(w0 * np.sqrt(np.pi / 2), rel=1.5e-2)
    q = optics.absorbed_power_density(np.array([-0.3e-6, 0.3e-6]), 5e-9)
    assert q[0] > 0 and q[1] == 0.0  # no absorber beyond the edge


def test_uniform_film_gaussian_beam_local_plane_wave_limit():
    """Wide beam on a uniform film: A → the plane-wave value (error ~ (λ/w0)²); q ∝ beam."""
    optics = PatternedFilmOptics2D.from_si(FILM, LAM, 1.0, N_SIO2, pattern="uniform",
                                           beam_waist=2e-6, cells_per_wavelength=10)
    planar = PlanarOptics.from_si(FILM, LAM, 1.0, N_SIO2)
    assert optics.A == pytest.approx(planar.A, rel=5e-3)
    x = np.array([0.0, 1e-6])
    q = optics.absorbed_power_density(x, 5e-9)
    assert q[1] / q[0] == pytest.approx(np.exp(-2 * (1e-6 / 2e-6) ** 2), rel=2e-2)
    assert optics.energy_balance_error < 1e-3


def test_stripe_is_mirror_symmetric():
    optics = PatternedFilmOptics2D.from_si(FILM, LAM, 1.0, N_SIO2, pattern="stripe",
                                           stripe_width=0.6e-6, cells_per_wavelength=10)
    x = np.array([0.1e-6, -0.1e-6, 0.25e-6, -0.25e-6])
    q = optics.absorbed_power_density(x, 5e-9)
    np.testing.assert_allclose(q[::2], q[1::2], rtol=1e-6)
    a = optics.layer_absorption_in_footprint[0]
    assert a == pytest.approx(optics.layer_absorption[0], rel=1e-12)  # absorber only in the stripe
    assert 0 < a < PlanarOptics.from_si(FILM, LAM, 1.0, N_SIO2).A * 0.6e-6 * 1.5


def test_layered_background_normal_incidence_equals_1d():
    """The closed-form background (one plane wave, kx = 0) is the 1D planar solution."""
    layers = [("Co", 2.49 + 4.80j, 3e-9), ("Cu", 0.25 + 5.01j, 20e-9), ("SiO2", 1.4533, 100e-9)]
    planar = PlanarOptics.from_si(layers, LAM, 1.0, 1.5108, cells_per_skin_depth=32)
    for pol in ("TE", "TM"):
        bg = LayeredBackground.from_si([n**2 for _, n, _ in layers], [d for *_, d in layers],
                                       1.0, 1.5108, LAM, pol, [0.0], [1.0])
        zeta = np.linspace(-50e-9, 200e-9, 41)
        if pol == "TE":
            np.testing.assert_allclose(bg.field(0.0, zeta), planar.field(zeta), atol=3e-5)
        assert abs(bg.r - (planar.r if pol == "TE" else -planar.r)) < 3e-5  # H: r_H = −r_E


def test_bad_input_messages():
    with pytest.raises(ValueError, match="unknown polarization"):
        PatternedFilmOptics2D.from_si(FILM, LAM, polarization="circular")
    with pytest.raises(ValueError, match="pattern"):
        PatternedFilmOptics2D.from_si(FILM, LAM, pattern="ring")
    with pytest.raises(ValueError, match="beam_waist"):
        PatternedFilmOptics2D.from_si(FILM, LAM, beam_waist=0.2e-6)
    with pytest.raises(ValueError, match="half_width"):
        PatternedFilmOptics2D.from_si(FILM, LAM, pattern="edge", edge=2e-6, half_width=1e-6)
    with pytest.raises(ValueError, match="stripe_width"):
        PatternedFilmOptics2D.from_si(FILM, LAM, pattern="stripe")
    with pytest.raises(ValueError, match="must be real"):
        PatternedFilmOptics2D.from_si(FILM, LAM, 1.0, 1.5 + 0.01j)


def test_doors_take_units():
    """The 2D optics and its closed-form background take lengths with units (strings or pint
    quantities) and give the SI results of ``from_si``; bare numbers are refused, naming the
    unit, before any mesh is built."""
    from femmag.physics.optics.patterned import patterned_optics
    from femmag.units import Q

    film = [("CoPt", N_COPT, "10 nm")]
    with pytest.raises(ValueError, match=r"PatternedFilmOptics2D.wavelength = 8e-07 has no "
                                         r"unit.*'800 nm'"):
        PatternedFilmOptics2D(film, LAM)
    with pytest.raises(ValueError, match=r"layer 0 \('CoPt'\) thickness = 1e-08 has no unit"):
        PatternedFilmOptics2D(FILM, "800 nm")
    for key, value in (("edge", 0.0), ("beam_waist", 1e-6), ("half_width", 2e-6),
                       ("stripe_width", 6e-7), ("stripe_centre", 0), ("period", 1e-6)):
        with pytest.raises(ValueError, match=rf"PatternedFilmOptics2D.{key} = {value!r} has no "
                                             rf"unit.*\(expected a length"):
            PatternedFilmOptics2D(film, "800 nm", **{key: value})
    with pytest.raises(ValueError, match=r"patterned_optics: wavelength = 8e-07 has no unit"):
        patterned_optics(None, None, LAM)
    with pytest.raises(ValueError, match=r"patterned_optics.edge = 0.0 has no unit"):
        patterned_optics(None, None, "800 nm", edge=0.0)

    options = {"pattern": "stripe", "cells_per_wavelength": 6, "polarization": "TM"}
    si = PatternedFilmOptics2D.from_si(FILM, LAM, 1.0, N_SIO2, stripe_width=0.6e-6,
                                       stripe_centre=0.1e-6, **options)
    units = PatternedFilmOptics2D([("CoPt", N_COPT, Q(10, "nm"))], "0.8 um", 1.0, N_SIO2,
                                  stripe_width="600 nm", stripe_centre=Q(0.1, "um"), **options)
    assert (units.num_dofs, units.half_width) == (si.num_dofs, pytest.approx(si.half_width))
    for name in ("R", "T", "A"):
        assert getattr(units, name) == pytest.approx(getattr(si, name), rel=1e-9, abs=1e-12)

    exact = LayeredBackground.from_si([N_COPT**2], [10e-9], 1.0, N_SIO2, LAM, "TE", [0.0], [1.0])
    plane = LayeredBackground([N_COPT**2], ["10 nm"], 1.0, N_SIO2, "800 nm", "TE")
    assert plane.r[0] == pytest.approx(exact.r[0], rel=1e-12)
    kx = np.array([0.0, 2.0])  # 1/µm
    spectrum = LayeredBackground([N_COPT**2], [Q(10, "nm")], 1.0, N_SIO2, Q(0.8, "um"), "TM",
                                 Q(kx, "1/um"), [1.0, 0.5])
    reference = LayeredBackground.from_si([N_COPT**2], [10e-9], 1.0, N_SIO2, LAM, "TM",
                                          kx * 1e6, [1.0, 0.5])
    np.testing.assert_allclose(spectrum.field([0.0, 0.3e-6], 5e-9),
                               reference.field([0.0, 0.3e-6], 5e-9), rtol=1e-12)
    with pytest.raises(ValueError, match=r"LayeredBackground.kx has no unit.*'1/m'"):
        LayeredBackground([N_COPT**2], ["10 nm"], 1.0, N_SIO2, "800 nm", "TE", kx, [1.0, 0.5])
    with pytest.raises(ValueError, match=r"LayeredBackground.thicknesses\[0\] = 1e-08 has no "
                                         r"unit"):
        LayeredBackground([N_COPT**2], [10e-9], 1.0, N_SIO2, "800 nm", "TE")
    with pytest.raises(ValueError, match="give both kx and amplitudes"):
        LayeredBackground([N_COPT**2], ["10 nm"], 1.0, N_SIO2, "800 nm", "TE", Q(kx, "1/um"))
