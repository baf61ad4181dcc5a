"""Verification of the r-z spin-diffusion solver (physics-spec §7.1-7.2, issue 6 §1).

(1) a laterally uniform source reproduces the 1D Valet-Fert steady state of Co(3.2)/Cu(80)/Co(7);
(2) spin conservation per step (source − relaxation − surface loss = d/dt total) to 1e-8;
(3) a Gaussian lateral profile in one layer spreads and relaxes as the analytic 2D (r) solution.
All run serially and under ``mpiexec -n 2``.
"""

import numpy as np
import pytest

import femmag  # noqa: F401
import dolfinx
from mpi4py import MPI

from femmag.geometry import Layer, Stack, build_axisymmetric
from femmag.physics.spin.diffusion import SpinDiffusion1D, SpinLayer
from femmag.physics.spin.diffusion_rz import SpinDiffusionRZ, gaussian_lateral_source
from femmag.reference.spin_diffusion import multilayer_steady_state
from femmag.units import NM, PS, Q

# physics-spec §7.3 Co/Cu parameters (as in the 1D tests)
SIGMA_CO, LAMBDA_CO, DOS_CO = 1e7, 40 * NM, 1.13e48
SIGMA_CU, LAMBDA_CU, DOS_CU = 3.5e7, 350 * NM, 1.558e47
G_REF, G_FREE = 1.96e15, 6.5e14
GS_REF, GS_FREE = Q(G_REF, "S/m^2"), Q(G_FREE, "S/m^2")  # with units, for the solver doors
SOURCE = 1e-10  # J/s


def co(d, name="Co"):
    return SpinLayer(name, Q(d, "m"), Q(SIGMA_CO, "S/m"), dos=Q(DOS_CO, "1/(J*m^3)"),
                     spin_diffusion_length=Q(LAMBDA_CO, "m"),
                     is_ferromagnet=True)


def cu(d=80 * NM):
    return SpinLayer("Cu", Q(d, "m"), Q(SIGMA_CU, "S/m"), dos=Q(DOS_CU, "1/(J*m^3)"),
                     spin_diffusion_length=Q(LAMBDA_CU, "m"))


def spin_valve_domain(comm, radius="200 nm", beam_radius="100 nm", cells_per_beam_radius=2):
    stack = Stack([Layer("Co_free", "Co", "3.2 nm"), Layer("Cu", "Cu", "80 nm"),
                   Layer("Co_ref", "Co", "7 nm")],
                  substrate=Layer("substrate", "glass", "20 nm"))
    return build_axisymmetric(stack, comm, radius=radius, beam_radius=beam_radius,
                              cells_per_beam_radius=cells_per_beam_radius, max_cell_size="1 nm",
                              substrate_max_cell="10 nm")


def spin_valve(comm, **kw):
    domain = spin_valve_domain(comm)
    layers = {"Co_free": co(3.2 * NM), "Cu": cu(), "Co_ref": co(7 * NM)}
    return SpinDiffusionRZ(domain, layers, {"Co_free|Cu": GS_FREE, "Cu|Co_ref": GS_REF}, **kw)


# (outer, tolerance vs the analytic steady state, tolerance vs SpinDiffusion1D on the same z grid);
# measured: reflecting 1.3e-3 / 2e-7, sink 8.0e-3 / 1.9e-4 (Nitsche on 0.8-nm Co cells)
STEADY_CASES = [("reflecting", 2e-3, 1e-5), ("sink", 1e-2, 5e-4)]


@pytest.mark.parametrize(("outer", "tol_analytic", "tol_1d"), STEADY_CASES)
def test_uniform_source_matches_1d_valet_fert(comm, outer, tol_analytic, tol_1d):
    sd = spin_valve(comm, outer=outer)
    sd.set_source("Co_free", SOURCE)
    sd.set_source("Co_ref", -0.5 * SOURCE)
    sd.solve_steady()
    layers = [co(3.2 * NM), cu(), co(7 * NM)]
    ref = multilayer_steady_state([la.thickness for la in layers],
                                  [la.conductivity for la in layers], [la.dos for la in layers],
                                  [la.tau_s for la in layers], [G_FREE, G_REF],
                                  [SOURCE, 0.0, -0.5 * SOURCE], outer=outer)
    faces = -np.cumsum([0.0, 3.2, 80.0, 7.0]) * NM
    names = ["Co_free", "Cu", "Co_ref"]
    points, expected = [], []
    for i, name in enumerate(names):
        for frac in (0.02, 0.5, 0.98):
            z = faces[i] + frac * (faces[i + 1] - faces[i])
            for r in (0.0, 50 * NM, 190 * NM):
                points.append((r, z, name))
                expected.append(float(ref(np.array([z]), i)[0]))
    values = sd.values_at(points)
    scale = np.max(np.abs(expected))
    # analytic Valet-Fert: the DG discretization error of 1-nm cells (largest in thin Co_free)
    assert np.max(np.abs(values - expected)) / scale < tol_analytic
    # the 1D DG solver on the same z grid: a laterally uniform r-z solution is the 1D one
    stack_1d = [co(3.2 * NM, "Co_free"), cu(),
                co(7 * NM, "Co_ref")]
    sd1 = SpinDiffusion1D(stack_1d, [GS_FREE, GS_REF], comm, cell_size="1 nm", outer=outer)
    sd1.set_layer_source("Co_free", SOURCE)
    sd1.set_layer_source("Co_ref", -0.5 * SOURCE)
    sd1.solve_steady()
    values_1d = sd1.values_at([(z, name) for _, z, name in points])
    assert np.max(np.abs(values - values_1d)) / scale < tol_1d
    sd1.destroy()
    averages = sd.layer_averages()
    for i, name in enumerate(names):
        assert averages[name] == pytest.approx(ref.layer_average(i), abs=tol_analytic * scale)
    sd.destroy()


@pytest.mark.parametrize("outer", ["reflecting", "sink"])
def test_spin_conservation_per_step(comm, outer):
    sd = spin_valve(comm, outer=outer, theta=0.5)
    pulse = lambda t: SOURCE * np.exp(-((t - 0.2 * PS) / (0.1 * PS)) ** 2)  # noqa: E731
    sd.set_source("Co_free", gaussian_lateral_source("100 nm", pulse))
    sd.set_source("Co_ref", gaussian_lateral_source("60 nm", lambda t: -0.3 * pulse(t)))
    dt, theta = 0.05 * PS, sd.theta
    rates_old = sd.source_rate() - sd.relaxation_rate() - sd.surface_loss_rate()
    total_old = sd.total_spin()
    worst, peak = 0.0, 0.0
    for _ in range(12):
        sd.advance(dt)
        total = sd.total_spin()
        rates = sd.source_rate() - sd.relaxation_rate() - sd.surface_loss_rate()
        balance = total - total_old - dt * (theta * rates + (1 - theta) * rates_old)
        worst = max(worst, abs(balance))
        peak = max(peak, abs(total), dt * abs(sd.source_rate()))
        total_old, rates_old = total, rates
    assert peak > 0
    assert worst / peak < 1e-8
    assert sd.total_spin_assembled() == pytest.approx(sd.total_spin(), rel=1e-10)
    if outer == "sink":
        assert sd.surface_loss_rate() > 0  # positive accumulation leaks out through the sinks
    sd.destroy()


def gaussian_spreading_error(comm, radial_cells):
    """Max error / peak of μ(r, t) after a Gaussian spreads and relaxes in a 20-nm Cu film."""
    stack = Stack([Layer("Cu", "Cu", "20 nm")], substrate=Layer("substrate", "glass", "20 nm"))
    width, tau = 100 * NM, 1 * PS
    # uniform radial cells over [0, 600 nm]; μ is uniform in z, so 2 cells across the film do
    domain = build_axisymmetric(stack, comm, radius="600 nm", beam_radius="600 nm",
                                cells_per_beam_radius=radial_cells, max_cell_size="10 nm",
                                min_cells_per_layer=2, substrate_max_cell="20 nm")
    layer = SpinLayer.from_si("Cu", 20 * NM, SIGMA_CU, DOS_CU, spin_relaxation_time=tau)
    sd = SpinDiffusionRZ(domain, {"Cu": layer}, {}, theta=0.5)
    sd.set_initial({"Cu": lambda r, z: 1e-3 * np.exp(-(r / width) ** 2)})
    D = layer.diffusivity
    t_end = 0.25 * (2 * width) ** 2 / (4 * D)  # ≈ 0.29 ps: the width grows by ≈ 12 %
    n_steps = 80
    for _ in range(n_steps):
        sd.advance(t_end / n_steps)
    w2 = width**2 + 4 * D * sd.t  # exact: μ = A (w²/w_t²) e^{−r²/w_t²} e^{−t/τ}, w_t² = w² + 4Dt
    r = np.linspace(0.0, 300 * NM, 31)
    exact = 1e-3 * width**2 / w2 * np.exp(-r**2 / w2) * np.exp(-sd.t / tau)
    values = sd.values_at([(ri, -10 * NM, "Cu") for ri in r])
    sd.destroy()
    return np.max(np.abs(values - exact)) / exact[0]


def test_gaussian_lateral_spreading_and_relaxation(comm):
    """Gaussian μ(r) in one layer spreads as the analytic 2D (r) solution, relaxing; rate 2."""
    coarse = gaussian_spreading_error(comm, 96)  # h = 6.25 nm: measured 1.23e-3
    fine = gaussian_spreading_error(comm, 192)  # h = 3.1 nm: measured 3.4e-4
    rate = np.log2(coarse / fine)
    assert fine < 5e-4, f"error {fine:.2e} of the peak"
    assert rate > 1.7, f"rate {rate:.2f} (errors {coarse:.2e}, {fine:.2e})"


def test_bad_input_messages(comm):
    domain = spin_valve_domain(comm)
    layers = {"Co_free": co(3.2 * NM), "Cu": cu(), "Co_ref": co(7 * NM)}
    with pytest.raises(ValueError, match=r"no interface conductance G_s \(S/m²\) for the "
                                         r"interfaces \['Cu\|Co_ref'\]"):
        SpinDiffusionRZ(domain, layers, {"Co_free|Cu": GS_FREE})
    with pytest.raises(ValueError, match="not regions of the mesh"):
        SpinDiffusionRZ(domain, {"Pt": co(3.2 * NM)}, {})
    with pytest.raises(ValueError, match="outer must be"):
        SpinDiffusionRZ(domain, layers, {"Co_free|Cu": GS_FREE, "Cu|Co_ref": GS_REF},
                        outer="absorbing")


def test_uniform_transient_matches_1d(comm):
    """Laterally uniform, time-dependent sources: the r-z transient equals SpinDiffusion1D."""
    sd = spin_valve(comm)
    stack_1d = [co(3.2 * NM, "Co_free"), cu(),
                co(7 * NM, "Co_ref")]
    sd1 = SpinDiffusion1D(stack_1d, [GS_FREE, GS_REF], comm, cell_size="1 nm")
    pulse = lambda t: SOURCE * np.exp(-((t - 0.2 * PS) / (0.1 * PS)) ** 2)  # noqa: E731
    sd.set_source("Co_free", lambda r, t: pulse(t) * np.ones_like(r))
    sd.set_source("Co_ref", lambda r, t: -0.5 * pulse(t) * np.ones_like(r))
    sd1.set_layer_source("Co_free", pulse)
    sd1.set_layer_source("Co_ref", lambda t: -0.5 * pulse(t))
    worst, peak = 0.0, 0.0
    for _ in range(10):
        sd.advance(0.05 * PS)
        sd1.advance(0.05 * PS)
        rz = np.array(list(sd.layer_averages().values()))
        one_d = sd1.layer_averages()
        worst = max(worst, np.max(np.abs(rz - one_d)))
        peak = max(peak, np.max(np.abs(one_d)))
    assert peak > 0
    assert worst / peak < 1e-8  # measured 2e-13: same z grid, r plays no role
    sd.destroy()
    sd1.destroy()


@pytest.mark.parametrize("lateral", [True, False])
def test_cell_source_balance_and_columns(comm, lateral):
    """A DG0 cell source (the pointwise coupling's path): per-step spin balance to 1e-8; with
    lateral_diffusion=False every radial column keeps its own spin (no exchange across r)."""
    sd = spin_valve(comm, lateral_diffusion=lateral)
    msh = sd.mesh
    n_owned = sd.V0.dofmap.index_map.size_local
    mid = dolfinx.mesh.compute_midpoints(msh, 2, np.arange(n_owned, dtype=np.int32))
    free = np.isin(np.arange(n_owned), sd.domain.cells("Co_free", include_ghosts=False))
    # a source in the free layer on the inner 50 nm only: lateral gradients in μ
    per_cell = np.where(free & (mid[:, 0] < 50 * NM), SOURCE, 0.0)
    values = np.zeros(n_owned)
    values[sd.V0.dofmap.list[:n_owned, 0]] = per_cell
    sd.set_cell_source(values)
    dt = 0.05 * PS
    rates_old = sd.source_rate() - sd.relaxation_rate()
    total_old, worst, peak = sd.total_spin(), 0.0, 0.0
    for _ in range(6):
        sd.advance(dt)
        rates = sd.source_rate() - sd.relaxation_rate()
        total = sd.total_spin()
        worst = max(worst, abs(total - total_old - 0.5 * dt * (rates + rates_old)))
        peak = max(peak, abs(total))
        total_old, rates_old = total, rates
    assert worst / peak < 1e-8  # measured 3.7e-14
    outside = comm.allreduce(float(np.sum(np.abs(sd.cell_spins()[mid[:, 0] > 50 * NM]))),
                             op=MPI.SUM)
    inside = comm.allreduce(float(np.sum(np.abs(sd.cell_spins()[mid[:, 0] < 50 * NM]))),
                            op=MPI.SUM)
    if lateral:
        assert outside > 0.3 * inside  # spins diffuse beyond r = 50 nm: measured 0.87
    else:
        assert outside < 1e-12 * inside  # columns are closed: measured 0
    sd.destroy()
