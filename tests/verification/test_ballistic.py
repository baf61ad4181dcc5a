"""Ballistic hot-electron energy transport (femmag.physics.optics.ballistic): conservation, analytics.

Analytic references are derived in the module docstring: the two-stream deposit in a homogeneous
layer solves q − δ_b² q'' = f_b q_opt with q' = 0 at reflecting faces, so

* thick film, q_opt = A e^{−ζ/δ}/δ: q_b = A (δ e^{−ζ/δ} − δ_b e^{−ζ/δ_b})/(δ² − δ_b²),
  q_b(0) = A/(δ+δ_b) (Hohlfeld's effective-depth surface value), mean depth δ + δ_b²/(δ+δ_b);
* slab [0, L], uniform source on [0, a]: energy in [z1, z2] ⊂ [a, L] is
  λ sinh(a/λ)[sinh((L−z1)/λ) − sinh((L−z2)/λ)]/(a sinh(L/λ)).
"""

from __future__ import annotations

import itertools

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)

from mpi4py import MPI

import numpy as np
import pytest
from dolfinx import fem

from femmag.geometry.stack import Layer, Stack
from femmag.studies.seed000 import seed000_spin_valve
from femmag.materials import Library
from femmag.physics.optics.module import stack_optics
from femmag.physics.optics.ballistic import (PROPOSED_BALLISTIC_RANGES, ballistic_absorption,
                                      ballistic_depth_profile, ballistic_ranges)
from femmag.pulse import Pulse

NM = 1e-9
LIB = Library.default()
METALS = ("Cu", "Pt", "Co", "Ta")


def composite_integral(func, a: float, b: float, cells: int = 400, points: int = 8) -> float:
    """Gauss-Legendre composite rule on [a, b] (independent of the module's ledger)."""
    x, w = np.polynomial.legendre.leggauss(points)
    nodes = np.linspace(a, b, cells + 1)
    h = np.diff(nodes)[:, None]
    xg = nodes[:-1, None] + 0.5 * h * (x + 1)
    return float(np.sum(0.5 * h * w * func(xg.ravel()).reshape(xg.shape)))


def seed_optics():
    stack = seed000_spin_valve(substrate_thickness="1 um")
    return stack, stack_optics(stack, 800 * NM, LIB)


def group(values: dict, prefix: str) -> float:
    return sum(v for k, v in values.items() if k.startswith(prefix))


def test_energy_conservation_seed_stack():
    """Reflecting faces, metal-only transport: ∫ q_b = ∫ q_opt to 1e-10, per-layer ledger exact."""
    stack, optics = seed_optics()
    profile = ballistic_depth_profile(optics.absorbed_power_density, stack,
                                      ballistic_ranges({"Cu": "100 nm"}))
    z = np.concatenate([[0.0], np.cumsum([layer.thickness for layer in stack.layers])])
    total_b = sum(composite_integral(profile, a, b, cells=max(8, int((b - a) / (0.25 * NM))))
                  for a, b in itertools.pairwise(z))
    total_opt = sum(composite_integral(optics.absorbed_power_density, a, b,
                                       cells=max(8, int((b - a) / (0.25 * NM))))
                    for a, b in itertools.pairwise(z))
    assert total_opt == pytest.approx(float(np.sum(optics.layer_absorption)), rel=1e-10)
    assert total_b == pytest.approx(total_opt, rel=1e-10)
    ledger = profile.layer_absorption()
    assert sum(ledger.values()) == pytest.approx(total_opt, rel=1e-13)
    assert profile.lost_fraction == 0.0
    # energy really moved: the ref group receives > 30x its optical share, the free group less
    optical = profile.optical_layer_absorption()
    assert group(ledger, "ref_") > 30 * group(optical, "ref_")
    assert group(ledger, "free_") < 0.8 * group(optical, "free_")
    # the callable integrates per layer to the ledger (quadrature check of the evaluation)
    for name, (a, b) in zip(stack.names, itertools.pairwise(z), strict=True):
        assert composite_integral(profile, a, b, cells=max(8, int((b - a) / (0.25 * NM)))) == \
            pytest.approx(ledger[name], rel=1e-9, abs=1e-14)


def test_dielectric_barrier_and_losses():
    """A dielectric spacer blocks transport (each metal segment conserves its energy); absorbing
    faces lose exactly the flux that reaches them."""
    stack = Stack([Layer("upper", "Pt", "10 nm"), Layer("oxide", "fused_silica", "5 nm"),
                   Layer("lower", "Cu", "40 nm")], substrate=Layer("substrate", "glass", "1 um"))
    optics = stack_optics(stack, 800 * NM, LIB)
    optical = dict(zip(stack.names, optics.layer_absorption, strict=True))
    profile = ballistic_depth_profile(optics.absorbed_power_density, stack,
                                      {"Pt": "5 nm", "Cu": "100 nm"})
    ledger = profile.layer_absorption()
    for name in stack.names:  # no energy crosses the oxide
        assert ledger[name] == pytest.approx(optical[name], rel=1e-10)
    lossy = ballistic_depth_profile(optics.absorbed_power_density, stack,
                                    {"Pt": "5 nm", "Cu": "100 nm"}, top_reflectivity=0.0,
                                    bottom_reflectivity=0.5)
    ledger = lossy.layer_absorption()
    assert 0.0 < lossy.lost_fraction < optics.A
    assert sum(ledger.values()) + lossy.lost_fraction == pytest.approx(optics.A, rel=1e-12)
    # top segment alone: semi-transparent range 5 nm, surface absorbing → a definite share is lost
    assert ledger["upper"] < optical["upper"]


def test_zero_range_recovers_optics():
    """δ_b = 0 gives the optical profile exactly; δ_b → 0 converges as δ_b² (q_b = q + δ_b² q'')."""
    stack = Stack([Layer("film", "Co", "20 nm")], substrate=Layer("substrate", "glass", "1 um"))
    optics = stack_optics(stack, 800 * NM, LIB)
    z = np.linspace(2 * NM, 18 * NM, 17)
    exact = optics.absorbed_power_density(z)
    zero = ballistic_depth_profile(optics.absorbed_power_density, stack, {"Co": 0})
    assert np.array_equal(zero(z), exact)
    errors = []
    for lam in (0.2 * NM, 0.1 * NM, 0.05 * NM):
        profile = ballistic_depth_profile(optics.absorbed_power_density, stack,
                                          {"Co": f"{lam} m"})
        errors.append(np.max(np.abs(profile(z) / exact - 1)))
    assert errors[-1] < 2e-4
    rates = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(rates - 2.0) < 0.05), rates
    # the leading term: q_b − q ≈ δ_b² q'' (finite differences of the optical profile)
    h = 1e-3 * NM
    curvature = (optics.absorbed_power_density(z + h) - 2 * exact
                 + optics.absorbed_power_density(z - h)) / h**2
    lam = 0.05 * NM
    profile = ballistic_depth_profile(optics.absorbed_power_density, stack, {"Co": f"{lam} m"})
    assert np.allclose(profile(z) - exact, lam**2 * curvature, rtol=2e-2,
                       atol=1e-3 * np.max(np.abs(lam**2 * curvature)))


def test_thick_film_hohlfeld_effective_depth():
    """Thick Cu (3 µm, TMM optics: a single exponential): the two-stream closed form."""
    stack = Stack([Layer("film", "Cu", "3 um")], substrate=Layer("substrate", "glass", "1 um"))
    optics = stack_optics(stack, 800 * NM, LIB)
    k = LIB.get("Cu").refractive_index(800 * NM).imag
    delta = 800 * NM / (4 * np.pi * k)                       # optical penetration depth 12.7 nm
    absorbed = optics.A
    z = np.linspace(0, 800 * NM, 41)
    assert np.allclose(optics.absorbed_power_density(z), absorbed * np.exp(-z / delta) / delta,
                       rtol=1e-9)
    for lam in (30 * NM, 100 * NM):
        profile = ballistic_depth_profile(optics.absorbed_power_density, stack,
                                          {"Cu": f"{lam} m"})
        expected = absorbed * (delta * np.exp(-z / delta) - lam * np.exp(-z / lam)) / \
            (delta**2 - lam**2)
        assert np.allclose(profile(z), expected, rtol=1e-9, atol=0)
        # Hohlfeld's effective-depth source exp(-ζ/(δ+δ_b))/(δ+δ_b) has the same surface value
        assert profile(0.0) * (delta + lam) / absorbed == pytest.approx(1.0, rel=1e-10)
        mean_depth = composite_integral(lambda x: x * profile(x), 0, 2000 * NM, cells=4000) / \
            absorbed
        assert mean_depth == pytest.approx(delta + lam**2 / (delta + lam), rel=1e-8)
        # far from the surface the profile decays with the longer length δ_b
        far = profile(np.array([600, 700]) * NM)
        assert np.log(far[0] / far[1]) / (100 * NM) == pytest.approx(1 / lam, rel=1e-6)


def test_seed000_ref_fraction_analytic():
    """Seed-000 stack, one range λ in all metals, uniform source on cap+free [0, a]: the energy
    that reaches the ref group follows the slab formula (images in a reflecting slab)."""
    stack, _ = seed_optics()
    a = -stack.bounds("free_Co1")[0]                         # cap (5) + free (3.2) = 8.2 nm
    length = stack.total_thickness                           # 104.2 nm of metal
    ref_top = -stack.bounds("ref_Co4")[1]
    ref_bottom = -stack.bounds("ref_Co1")[0]

    def uniform(z):
        z = np.asarray(z, dtype=float)
        return np.where(z <= a, 1.0 / a, 0.0)

    for lam in (30 * NM, 100 * NM):
        profile = ballistic_depth_profile(uniform, stack, {m: f"{lam} m" for m in METALS})
        ledger = profile.layer_absorption()
        expected = lam * np.sinh(a / lam) * (np.sinh((length - ref_top) / lam)
                                             - np.sinh((length - ref_bottom) / lam)) / \
            (a * np.sinh(length / lam))
        assert group(ledger, "ref_") == pytest.approx(expected, rel=1e-10)
        assert sum(ledger.values()) == pytest.approx(1.0, rel=1e-12)
        # pointwise inside Cu: q = C cosh((L − ζ)/λ), C = sinh(a/λ)/(a sinh(L/λ))
        z = np.linspace(-stack.bounds("spacer_Cu")[1], -stack.bounds("spacer_Cu")[0], 9)
        c = np.sinh(a / lam) / (a * np.sinh(length / lam))
        assert np.allclose(profile(z), c * np.cosh((length - z) / lam), rtol=1e-10)
    # λ = 100 nm: 5.7 % of the energy given to cap+free electrons ends in the 7 nm ref group
    assert expected == pytest.approx(0.0569, abs=2e-4)


def test_absorption_on_the_mesh_matches_the_ledger(comm):
    """The ballistic profile at the heat quadrature points (PulsedAbsorption via the
    ballistic_absorption factory), integrated per group on a 1D mesh (2 ranks: allreduce)."""
    from femmag.geometry.builders import build_1d

    stack = seed000_spin_valve(substrate_thickness="1 um")
    domain = build_1d(stack, comm, max_cell_size="1 nm")
    pulse = Pulse("10 mJ/cm^2", "50 fs", "10 um", arrival="0.1 ps")
    factory = ballistic_absorption(ballistic_ranges({"Cu": "70 nm"}), scale=0.8)
    absorption = factory(domain, pulse, LIB)
    absorption.setup(None)
    ledger = factory.profile.layer_absorption()
    for prefix in ("free_", "spacer_", "ref_", "cap_"):
        names = [n for n in stack.names if n.startswith(prefix)]
        local = fem.assemble_scalar(fem.form(absorption.depth_weight * domain.dx_qp(names)))
        total = comm.allreduce(local, op=MPI.SUM)
        assert total == pytest.approx(0.8 * group(ledger, prefix), rel=2e-3), prefix
    assert "ballistic" in absorption.summary()


def test_bad_input_messages():
    stack, optics = seed_optics()
    q = optics.absorbed_power_density
    with pytest.raises(ValueError, match=r"no ballistic range for the metal layer\(s\) .*ref_Co4"):
        ballistic_depth_profile(q, stack, {"Cu": "70 nm", "Pt": "2 nm", "Ta": "2 nm"})
    with pytest.raises(ValueError, match=r"has no unit; give e\.g\. '70 nm'"):
        ballistic_depth_profile(q, stack, {**ballistic_ranges(), "Cu": 7e-8})
    with pytest.raises(ValueError, match=r"top_reflectivity = 1.5 must lie in \[0, 1\]"):
        ballistic_depth_profile(q, stack, ballistic_ranges(), top_reflectivity=1.5)
    with pytest.raises(ValueError, match="reflecting faces trap the energy"):
        ballistic_depth_profile(q, stack, {m: "1 km" for m in METALS})
    with pytest.raises(ValueError, match="ballistic range of 'Cu'"):
        ballistic_ranges({"Cu": "-3 nm"})
    assert set(METALS) <= set(PROPOSED_BALLISTIC_RANGES)


def test_ranges_from_a_library():
    """A Library with a ``ballistic_range`` property on every metal gives the same profile as the
    dict; a metal without one is a clear error."""
    stack, optics = seed_optics()
    ranges = ballistic_ranges({"Cu": "100 nm"})
    library = LIB
    for material in METALS:
        library = library.override(material, ballistic_range=ranges[material])
    from_library = ballistic_depth_profile(optics.absorbed_power_density, stack, library)
    from_dict = ballistic_depth_profile(optics.absorbed_power_density, stack, ranges)
    z = np.linspace(0, stack.total_thickness, 57)
    assert np.allclose(from_library(z), from_dict(z), rtol=1e-13, atol=0)
    from femmag.studies.seed003 import seed003_film

    film = seed003_film()  # CoPt_S003A has no ballistic_range in the packaged library
    with pytest.raises(ValueError, match=r"no ballistic range for the metal layer\(s\) CoPt"):
        ballistic_depth_profile(None, film, LIB)


def test_simulation_option_conserves_energy_and_heats_the_reference():
    """``Simulation(optics={"ballistic_range": True})`` (the library's ranges) on the seed-000
    stack: the absorbed energy is unchanged, the reference electrode behind Cu(80 nm) is heated
    within the pulse instead of ~0.3 ps later."""
    from mpi4py import MPI

    from femmag.studies.seed000 import seed000_spin_valve
    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping

    pulse = Pulse("5 mJ/cm^2", "50 fs", "10 um", arrival="0.1 ps")
    ref = [f"ref_{name}" for name in ("Co4", "Pt3", "Co3", "Pt2", "Co2", "Pt1", "Co1")]
    results = {}
    for ballistic in (False, True):
        optics = {"method": "tmm", "ballistic_range": True} if ballistic else {"method": "tmm"}
        sim = Simulation(seed000_spin_valve(), pulse, mesh="1d", magnetization=False,
                         optics=optics, comm=MPI.COMM_WORLD, verbose=False,
                         mesh_options={"max_cell_size": "1 nm"},
                         time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="10 fs"))
        sim.setup()
        sim.traces.add("ref_Te", "K", lambda s=sim: s.heat.average_temperatures(ref)[0])
        tr = sim.run("0.15 ps")
        results[ballistic] = (tr.column("absorbed_energy")[-1], tr.column("ref_Te")[-1],
                              sim.ballistic_profile)
    (e_plain, te_plain, none), (e_ball, te_ball, profile) = results[False], results[True]
    assert none is None and profile is not None
    assert abs(e_ball / e_plain - 1) < 2e-3  # same absorptance, redistributed (mesh quadrature)
    # 50 fs after the pulse peak the ballistic share has heated the reference electrode several
    # times more than diffusion through the Cu has
    assert te_ball - 300 > 3.0 * (te_plain - 300), (te_ball, te_plain)
    print(f"ref T_e at 0.15 ps: {te_plain:.1f} K (diffusive) vs {te_ball:.1f} K (ballistic)")
