"""Transfer-matrix reference (femmag.physics.optics.transfer_matrix) against the pip `tmm` package,
the Airy formula, the semi-infinite metal and energy conservation (physics-spec §1.5-§1.7).

The numerical tests call the SI path ``tmm_stack_si``; the public door ``tmm_stack`` (units) is
tested at the end. Oblique incidence and p: tests/verification/test_optics_oblique.py."""

import numpy as np
import pytest

from femmag.physics.optics.transfer_matrix import airy_single_film, tmm_stack, tmm_stack_si
from femmag.units import Q, UnitError

tmm = pytest.importorskip("tmm")

WAVELENGTH = 800e-9
NM = 1e-9
CO, PT, CU, TA = 2.49 + 4.80j, 2.85 + 4.96j, 0.25 + 5.01j, 1.11 + 3.48j  # §1.6, 800 nm
COPT, SILICA, GLASS = 2.673 + 4.883j, 1.4533, 1.5108

# seed-000 stack from the air side (§6.3 lists it from the glass):
# Ta(5) / [Pt(1)/Co(0.6)]x2 / Cu(80) / [Co(1)/Pt(1)]x3 / Co(1) / Pt(4) / Ta(5) / glass
SEED000_N = [TA, PT, CO, PT, CO, CU, *[CO, PT] * 3, CO, PT, TA]
SEED000_D = np.array([5, 1, 0.6, 1, 0.6, 80, *[1, 1] * 3, 1, 4, 5]) * NM
SEED000_FREE = slice(1, 5)
SEED000_REF = slice(6, 13)


def _reference(n_layers, d_layers, wavelength, n_incident=1.0, n_substrate=1.0):
    """pip tmm in nm units (it is unit-agnostic; nm keeps its numbers O(1))."""
    return tmm.coh_tmm("s", [n_incident, *n_layers, n_substrate],
                       [np.inf, *(np.asarray(d_layers) / NM), np.inf], 0, wavelength / NM)


def _random_stack(rng):
    count = rng.integers(1, 7)
    metal = rng.random(count) < 0.5
    n_real = np.where(metal, rng.uniform(0.1, 3.0, count), rng.uniform(1.3, 2.5, count))
    k = np.where(metal, rng.uniform(1.0, 8.0, count), rng.uniform(0.0, 0.05, count))
    thickness = 10 ** rng.uniform(np.log10(1 * NM), np.log10(1000 * NM), count)
    wavelength = rng.uniform(400, 1000) * NM
    n_substrate = rng.uniform(1.0, 2.0) + 1j * rng.choice([0.0, rng.uniform(0, 0.5)])
    return n_real + 1j * k, thickness, wavelength, n_substrate


def _compare_with_tmm(n_layers, d_layers, wavelength, n_substrate, n_incident=1.0):
    ours = tmm_stack_si(n_layers, d_layers, wavelength, n_incident=n_incident,
                     n_substrate=n_substrate)
    ref = _reference(n_layers, d_layers, wavelength, n_incident, n_substrate)
    assert ours.R == pytest.approx(ref["R"], abs=1e-10)
    assert ours.T == pytest.approx(ref["T"], abs=1e-10)
    assert ours.r == pytest.approx(ref["r"], abs=1e-10)
    layer_ref = tmm.absorp_in_each_layer(ref)
    assert ours.A == pytest.approx(np.sum(layer_ref[1:-1]), abs=1e-10)
    np.testing.assert_allclose(ours.layer_absorption, layer_ref[1:-1], rtol=0, atol=1e-10)
    # position-resolved absorption density and field at a few depths inside every layer
    tops = ours.interfaces[:-1]
    for index, (top, thickness) in enumerate(zip(tops, d_layers, strict=True), start=1):
        local = np.array([0.0, 0.3, 0.77, 1.0 - 1e-12]) * thickness  # bottom belongs below
        q_ours = ours.absorbed_power_density(top + local) * NM  # per nm, like tmm
        E_ours = ours.field(top + local)
        for x, q, E in zip(local, q_ours, E_ours, strict=True):
            point = tmm.position_resolved(index, x / NM, ref)
            scale = max(1.0, abs(point["absor"]))
            assert q == pytest.approx(point["absor"], abs=1e-8 * scale)
            assert E == pytest.approx(point["Ey"], abs=1e-8 * max(1.0, abs(point["Ey"])))


def test_seed003_film_matches_tmm_and_pinned_absorptance():
    _compare_with_tmm([COPT], [10 * NM], WAVELENGTH, SILICA)
    film = tmm_stack_si([COPT], [10 * NM], WAVELENGTH, n_substrate=SILICA)
    assert film.A == pytest.approx(0.3725, abs=5e-5)  # physics-spec §4.5
    assert film.R == pytest.approx(0.37447, abs=1e-5)
    assert film.T == pytest.approx(0.25304, abs=1e-5)


def test_seed000_stack_matches_tmm_and_ref_layer_absorbs_little():
    _compare_with_tmm(SEED000_N, SEED000_D, WAVELENGTH, GLASS)
    stack = tmm_stack_si(SEED000_N, SEED000_D, WAVELENGTH, n_substrate=GLASS)
    free = np.sum(stack.layer_absorption[SEED000_FREE])
    ref = np.sum(stack.layer_absorption[SEED000_REF])
    # pinned (this TMM, cross-checked with pip tmm above): ref ~3e-4 as stated in §1.7/§6.3
    assert stack.A == pytest.approx(0.140523, abs=2e-6)
    assert free == pytest.approx(0.071975, abs=2e-6)
    assert ref == pytest.approx(3.275e-4, abs=2e-7)
    assert ref / free < 5e-3


@pytest.mark.parametrize("seed", range(20))
def test_random_stacks_match_tmm(seed):
    n_layers, d_layers, wavelength, n_substrate = _random_stack(np.random.default_rng(seed))
    _compare_with_tmm(n_layers, d_layers, wavelength, n_substrate)


def test_airy_single_film():
    for n_film, thickness in [(COPT, 10 * NM), (1.9 + 0.01j, 250 * NM), (CU, 3 * NM)]:
        film = tmm_stack_si([n_film], [thickness], WAVELENGTH, n_incident=1.2, n_substrate=SILICA)
        r, t = airy_single_film(n_film, Q(thickness, "m"), "800 nm", n_incident=1.2,
                                n_substrate=SILICA)
        assert film.r == pytest.approx(r, abs=1e-13)
        assert film.t == pytest.approx(t, abs=1e-13)


def test_semi_infinite_metal_reflectance():
    # a 2 µm Cu layer is opaque: R equals the bare-interface value |(1-n)/(1+n)|²
    metal = tmm_stack_si([CU], [2000 * NM], WAVELENGTH, n_substrate=SILICA)
    assert metal.R == pytest.approx(abs((1 - CU) / (1 + CU)) ** 2, abs=1e-12)
    assert metal.T < 1e-50
    # the same with an absorbing substrate made of the metal and no layer
    bare = tmm_stack_si([], [], WAVELENGTH, n_substrate=CU)
    assert bare.R == pytest.approx(metal.R, abs=1e-12)


def test_absorbed_power_density_integrates_to_absorptance():
    rng = np.random.default_rng(7)
    for _ in range(5):
        n_layers, d_layers, wavelength, _ = _random_stack(rng)
        stack = tmm_stack_si(n_layers, d_layers, wavelength, n_substrate=1.5)
        nodes, weights = np.polynomial.legendre.leggauss(60)
        total = 0.0
        for top, thickness, a_layer in zip(stack.interfaces[:-1], d_layers,
                                           stack.layer_absorption, strict=True):
            # composite Gauss over sub-intervals shorter than ~skin depth/4
            pieces = max(1, int(np.ceil(thickness / (wavelength / 200))))
            edges = np.linspace(top, top + thickness, pieces + 1)
            middle, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
            zeta = middle[:, None] + half[:, None] * nodes[None, :]
            layer_integral = np.sum(stack.absorbed_power_density(zeta) * weights * half[:, None])
            assert layer_integral == pytest.approx(a_layer, abs=1e-8)
            total += layer_integral
        assert total == pytest.approx(stack.A, abs=1e-8)
        assert stack.R + stack.T + stack.A == pytest.approx(1.0, abs=1e-14)


def test_field_is_continuous_and_fluxes_match_in_half_spaces():
    stack = tmm_stack_si(SEED000_N, SEED000_D, WAVELENGTH, n_substrate=GLASS)
    eps = 1e-16
    for interface in stack.interfaces:
        above, below = stack.field(interface - eps), stack.field(interface + eps)
        assert below == pytest.approx(above, rel=1e-8, abs=1e-10)
    assert stack.poynting_flux(-50 * NM) == pytest.approx(1 - stack.R, abs=1e-12)
    assert stack.poynting_flux(stack.total_thickness + 300 * NM) == pytest.approx(stack.T,
                                                                                 rel=1e-10)
    # incident + reflected wave in air: |E(ζ)|² = |1 + r e^{-2ik0ζ}|²
    zeta = np.linspace(-400, 0, 5) * NM
    k0 = 2 * np.pi / WAVELENGTH
    expected = np.exp(1j * k0 * zeta) + stack.r * np.exp(-1j * k0 * zeta)
    np.testing.assert_allclose(stack.field(zeta), expected, atol=1e-12)


def test_backside_incidence_is_the_reversed_stack():
    front = tmm_stack_si(SEED000_N[::-1], SEED000_D[::-1], WAVELENGTH, n_incident=GLASS,
                      n_substrate=1.0)
    back = tmm_stack_si(SEED000_N, SEED000_D, WAVELENGTH, n_incident=1.0, n_substrate=GLASS,
                     from_substrate=True)
    assert back.R == pytest.approx(front.R, abs=1e-13)
    assert back.T == pytest.approx(front.T, abs=1e-13)
    np.testing.assert_allclose(back.layer_absorption, front.layer_absorption[::-1], atol=1e-13)
    zeta = np.linspace(-20, 130, 41) * NM  # ζ in the top-first frame of `back`
    mirrored = back.total_thickness - zeta
    np.testing.assert_allclose(back.absorbed_power_density(zeta),
                               front.absorbed_power_density(mirrored), rtol=1e-10, atol=1e-3)
    cells = np.linspace(0, back.total_thickness, 12)
    fractions = back.absorbed_fraction_between(cells[:-1], cells[1:])
    assert np.all(fractions > 0)
    assert np.sum(fractions) == pytest.approx(back.A, abs=1e-12)
    # the pump from the glass side now heats the ref layer most
    assert np.sum(back.layer_absorption[SEED000_REF]) > 100 * np.sum(
        back.layer_absorption[SEED000_FREE])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_layers": [COPT], "d_layers": [1e-8, 2e-8]}, "one thickness"),
        ({"n_layers": [COPT], "d_layers": [-1e-8]}, ">= 0 m"),
        ({"n_layers": [2 - 1j], "d_layers": [1e-8]}, "gain"),
        ({"n_layers": [COPT], "d_layers": [1e-8], "n_incident": 1 + 0.1j}, "transparent"),
        ({"n_layers": [COPT], "d_layers": [1e-8], "wavelength": 0.0}, "wavelength"),
    ],
)
def test_bad_input_messages(kwargs, message):
    arguments = {"wavelength": WAVELENGTH, **kwargs}
    with pytest.raises(ValueError, match=message):
        tmm_stack_si(**arguments)


def test_public_door_takes_units_and_rejects_bare_numbers():
    si = tmm_stack_si(SEED000_N, SEED000_D, WAVELENGTH, n_substrate=GLASS)
    strings = tmm_stack(SEED000_N, [f"{d / NM} nm" for d in SEED000_D], "800 nm",
                        n_substrate=GLASS)
    quantity = tmm_stack(SEED000_N, Q(SEED000_D / NM, "nm"), Q(0.8, "um"), n_substrate=GLASS)
    for result in (strings, quantity):
        assert result.A == pytest.approx(si.A, abs=1e-12)
        np.testing.assert_allclose(result.layer_absorption, si.layer_absorption, atol=1e-12)
    with pytest.raises(UnitError, match=r"tmm_stack: d_layers\[0\] = 1e-08 has no unit"):
        tmm_stack([COPT], [10e-9], "800 nm")
    with pytest.raises(UnitError, match=r"tmm_stack: wavelength = 8e-07 has no unit.*'800 nm'"):
        tmm_stack([COPT], ["10 nm"], 800e-9)
    with pytest.raises(UnitError, match=r"tmm_stack: angle = 45 has no unit.*'45 deg'"):
        tmm_stack([COPT], ["10 nm"], "800 nm", angle=45)
    with pytest.raises(ValueError, match="one thickness per layer as a sequence"):
        tmm_stack([COPT], "10 nm", "800 nm")
    with pytest.raises(UnitError, match="airy_single_film: thickness = 1e-08 has no unit"):
        airy_single_film(COPT, 10e-9, "800 nm")
