"""Verification of the 1D spin-diffusion solver (physics-spec §7): steady states, Gaussian spread,
relaxation, MMS with an interface jump, spin conservation, P/AP decomposition.

All tests run serially and under ``mpiexec -n 2`` (the 1D mesh is distributed on COMM_WORLD).
"""

import numpy as np
import pytest

import femmag  # noqa: F401
import ufl
from dolfinx import fem
from mpi4py import MPI

from femmag.physics.optics.kerr import pap_decompose
from femmag.physics.spin.diffusion import (
    MagnetizationRateSource,
    SpinDiffusion1D,
    SpinLayer,
    read_magnetization_trace,
)
from femmag.reference.spin_diffusion import (
    bilayer_steady_state,
    gaussian_spreading,
    multilayer_steady_state,
)
from femmag.units import E_CHARGE, MU_B, NM, PS, Q

# physics-spec §7.3 Co/Cu parameters
SIGMA_CO, LAMBDA_CO, DOS_CO = 1e7, 40 * NM, 1.13e48
SIGMA_CU, LAMBDA_CU, DOS_CU = 3.5e7, 350 * NM, 1.558e47
G_REF, G_FREE = 1.96e15, 6.5e14
SOURCE = 1e-10  # J/s: μ ≈ S τ_s ≈ 0.5 meV in Co


def co(name, d):
    return SpinLayer(name, Q(d, "m"), Q(SIGMA_CO, "S/m"), dos=Q(DOS_CO, "1/(J*m^3)"),
                     spin_diffusion_length=Q(LAMBDA_CO, "m"),
                     is_ferromagnet=True)


def cu(d=80 * NM):
    return SpinLayer("Cu", Q(d, "m"), Q(SIGMA_CU, "S/m"), dos=Q(DOS_CU, "1/(J*m^3)"),
                     spin_diffusion_length=Q(LAMBDA_CU, "m"))


def gs(*values):
    """Interface conductances G_s [S/m²] as quantities (the solver's door takes units)."""
    return [Q(v, "S/m^2") for v in values]


def reference_profile(ref, z, layer):
    out = np.empty_like(z)
    for i in np.unique(layer):
        out[layer == i] = ref(z[layer == i], i)
    return out


def stack_reference(layers, conductances, sources, outer):
    return multilayer_steady_state([la.thickness for la in layers],
                                   [la.conductivity for la in layers], [la.dos for la in layers],
                                   [la.tau_s for la in layers], conductances, sources, outer)


def test_bilayer_steady_state_matches_analytic():
    """Co 3 nm / Cu 80 nm, uniform source in Co: §7.4 closed form to 1e-4 (values and jump)."""
    d_f, d_n = 3 * NM, 80 * NM
    layers = [co("Co", d_f), cu(d_n)]
    sd = SpinDiffusion1D(layers, gs(G_REF), MPI.COMM_WORLD, cells_per_layer=[8, 32])
    sd.set_layer_source("Co", SOURCE)
    sd.solve_steady()
    z, mu, layer = sd.profile()
    zeta = -(z + d_f)  # §7.4 coordinate: FM on [−d_F, 0]
    args = (SOURCE, d_f, SIGMA_CO, DOS_CO, layers[0].tau_s, d_n, SIGMA_CU, DOS_CU,
            layers[1].tau_s, G_REF)
    exact_f, flux = bilayer_steady_state(np.minimum(zeta, -1e-30), *args)
    exact_n, _ = bilayer_steady_state(np.maximum(zeta, 0.0), *args)
    exact = np.where(layer == 0, exact_f, exact_n)
    err = np.max(np.abs(mu - exact)) / np.max(np.abs(exact))
    assert err < 1e-4, f"bilayer steady state: relative max error {err:.2e}"
    # the interface jump μ_F(0⁻) − μ_N(0⁺) = J_s 2e²/G_s
    mu_f, mu_n = sd.values_at([(-d_f, "Co"), (-d_f, "Cu")])
    jump = flux * 2 * E_CHARGE**2 / G_REF
    assert abs((mu_f - mu_n) - jump) / jump < 1e-3
    # backward-Euler time stepping converges to the same steady state (BE's fixed point)
    sd_t = SpinDiffusion1D(layers, gs(G_REF), MPI.COMM_WORLD, cells_per_layer=[8, 32], theta=1.0)
    sd_t.set_layer_source("Co", SOURCE)
    for _ in range(60):
        sd_t.advance(10 * PS)
    err_t = np.max(np.abs(sd_t.profile()[1] - mu)) / np.max(np.abs(mu))
    assert err_t < 1e-8, f"transient → steady: {err_t:.2e}"


@pytest.mark.parametrize("outer", ["reflecting", "sink", ("reflecting", "sink")])
def test_trilayer_steady_state_matches_linear_solve(outer):
    """Co(3.2)/Cu(80)/Co(7) with sources in both Co layers vs the N-layer reference to 1e-4.

    DG2: with sinks DG1 needs ~4× more cells for 1e-4 (max error 1.1e-3 at these cells, rate 2).
    """
    layers = [co("Co_free", 3.2 * NM), cu(), co("Co_ref", 7 * NM)]
    conductances = [G_FREE, G_REF]
    sources = [SOURCE, 0.0, -0.4 * SOURCE]
    sd = SpinDiffusion1D(layers, gs(*conductances), MPI.COMM_WORLD, cells_per_layer=[8, 32, 12],
                         outer=outer, degree=2)
    sd.set_layer_source("Co_free", sources[0])
    sd.set_layer_source("Co_ref", sources[2])
    sd.solve_steady()
    z, mu, layer = sd.profile()
    ref = stack_reference(layers, conductances, sources, outer)
    exact = reference_profile(ref, z, layer)
    err = np.max(np.abs(mu - exact)) / np.max(np.abs(exact))
    assert err < 1e-4, f"trilayer ({outer}): relative max error {err:.2e}"
    avg = sd.layer_averages()
    exact_avg = np.array([ref.layer_average(i) for i in range(3)])
    assert np.max(np.abs(avg - exact_avg)) / np.max(np.abs(exact_avg)) < 1e-4


def test_gaussian_spreading_and_relaxation():
    """A Gaussian μ pulse in 1 µm Cu spreads and relaxes as the closed form, to 1e-4 (rel. L²)."""
    layer = cu(1000 * NM)
    D, amplitude, width, center = layer.diffusivity, 1e-22, 20 * NM, -500 * NM
    sd = SpinDiffusion1D([layer], [], MPI.COMM_WORLD, cells_per_layer=250, degree=2, theta=0.5)
    sd.set_initial({"Cu": lambda z: gaussian_spreading(z, 0.0, D, layer.tau_s, center, width,
                                                       amplitude)})
    dt = 2e-15
    for t_check in (0.2 * PS, 0.5 * PS, 1.0 * PS):
        while sd.t < t_check - 1e-3 * dt:
            sd.advance(dt)
        z, mu, _ = sd.profile()
        exact = gaussian_spreading(z, sd.t, D, layer.tau_s, center, width, amplitude,
                                   walls=(-1000 * NM, 0.0))
        err = np.sqrt(np.sum((mu - exact) ** 2) / np.sum(exact**2))
        assert err < 1e-4, f"Gaussian at t = {sd.t / PS:.2f} ps: relative L² error {err:.2e}"


def test_pure_relaxation():
    """Uniform μ in a reflecting layer decays as exp(−t/τ_s) (Crank–Nicolson), to 1e-4."""
    layer = co("Co", 10 * NM)
    sd = SpinDiffusion1D([layer], [], MPI.COMM_WORLD, cells_per_layer=4, theta=0.5)
    sd.set_initial(1e-22)
    for t_check in (1 * PS, 5 * PS, 10 * PS):
        while sd.t < t_check - 1e-18:
            sd.advance(20e-15)
        expected = 1e-22 * np.exp(-sd.t / layer.tau_s)
        got = sd.layer_averages()[0]
        assert abs(got - expected) / expected < 1e-4
        assert np.ptp(sd.profile()[1]) < 1e-12 * expected  # stays uniform


def _mms_error(n_cells, degree):
    """L² error of the steady solve for a manufactured μ with an interface jump (two layers)."""
    d1, d2 = 10 * NM, 20 * NM
    top = SpinLayer.from_si("A", d1, SIGMA_CO, DOS_CO, spin_diffusion_length=LAMBDA_CO)
    bottom = SpinLayer.from_si("B", d2, SIGMA_CU, DOS_CU, spin_diffusion_length=60 * NM)
    G = 1e15
    z_i = -d1
    g1, g2 = top.spin_conductivity, bottom.spin_conductivity
    flux = 0.3e-22 * G / (2 * E_CHARGE**2)  # interface flux J0 (upward) → jump 0.3e-22 J
    c1, a, b = 1e-22, 0.5e-22, 0.3e-22
    c2 = c1 + a - b + flux * 2 * E_CHARGE**2 / G  # jump condition: J0 = (G/2e²)(μ2(0) − μ1(0))

    # layer A (s = z − z_i ∈ [0, d1]) and B (s ∈ [−d2, 0]): zero flux at the outer faces, flux J0
    # at the interface from both sides (flux continuity), so the manufactured μ satisfies every
    # interface and boundary condition; the source S = μ/τ − (2g/N) μ'' makes it a solution.
    def mu_a(s, m=np):
        return c1 - flux / g1 * (s - s**2 / (2 * d1)) + a * m.cos(np.pi * s / d1)

    def mu_b(s, m=np):
        return c2 - flux / g2 * (s + s**2 / (2 * d2)) + b * m.cos(np.pi * s / d2)

    def src_a(z):
        s = z - z_i
        d2mu = flux / g1 / d1 - a * (np.pi / d1) ** 2 * np.cos(np.pi * s / d1)
        return mu_a(s) / top.tau_s - 2 * g1 / top.dos * d2mu

    def src_b(z):
        s = z - z_i
        d2mu = -flux / g2 / d2 - b * (np.pi / d2) ** 2 * np.cos(np.pi * s / d2)
        return mu_b(s) / bottom.tau_s - 2 * g2 / bottom.dos * d2mu

    sd = SpinDiffusion1D([top, bottom], gs(G), MPI.COMM_WORLD,
                         cells_per_layer=[n_cells, 2 * n_cells], degree=degree)
    sd.set_source_density({"A": src_a, "B": src_b})
    sd.solve_steady()
    # exact solution as UFL per layer, integrated with the solver's cell tags
    x = ufl.SpatialCoordinate(sd.mesh)[0]
    dx = ufl.Measure("dx", domain=sd.mesh, subdomain_data=sd.layered_mesh.cell_tags)
    form = ((sd.mu - mu_a(x - z_i, ufl)) ** 2 * dx(1) + (sd.mu - mu_b(x - z_i, ufl)) ** 2 * dx(2))
    err2 = MPI.COMM_WORLD.allreduce(fem.assemble_scalar(fem.form(form)), op=MPI.SUM)
    norm2 = MPI.COMM_WORLD.allreduce(fem.assemble_scalar(fem.form(
        mu_a(x - z_i, ufl) ** 2 * dx(1) + mu_b(x - z_i, ufl) ** 2 * dx(2))), op=MPI.SUM)
    return np.sqrt(err2 / norm2)


@pytest.mark.parametrize(("degree", "min_rate"), [(1, 1.9), (2, 2.9)])
def test_mms_interface_jump_rate(degree, min_rate):
    """Manufactured solution with a μ jump at the interface: L² rate ≈ degree + 1."""
    cells = [4, 8, 16, 32]
    errors = np.array([_mms_error(n, degree) for n in cells])
    rates = np.log2(errors[:-1] / errors[1:])
    assert rates[-1] >= min_rate, f"DG{degree} MMS: errors {errors}, rates {rates}"
    assert errors[-1] < 1e-3


@pytest.mark.parametrize("case", ["reflecting", "sink", "relaxation_only"])
def test_spin_conservation(case):
    """d/dt ∫(N/2)μ = source − relaxation − surface loss, step by step, to 1e-8."""
    layers = [co("Co_free", 3.2 * NM), cu(), co("Co_ref", 7 * NM)]
    outer = "sink" if case == "sink" else "reflecting"
    theta = 0.5
    sd = SpinDiffusion1D(layers, gs(G_FREE, G_REF), MPI.COMM_WORLD, cells_per_layer=[4, 20, 6],
                         outer=outer, theta=theta)
    if case == "relaxation_only":
        sd.set_initial({"Co_free": lambda z: 1e-22 + 0 * z, "Cu": lambda z: -2e-24 * (z / NM)})
    else:
        def pulse(t, t0, width):
            return np.exp(-(((t - t0) / width) ** 2))

        sd.set_layer_source("Co_free", lambda t: SOURCE * pulse(t, 0.2 * PS, 0.1 * PS))
        sd.set_layer_source("Co_ref", lambda t: -0.3 * SOURCE * pulse(t, 0.5 * PS, 0.2 * PS))

    def net_rate():
        return sd.source_rate() - sd.relaxation_rate() - sd.surface_loss_rate()

    dt = 10e-15
    total0 = total = sd.total_spin()
    rate, relax = net_rate(), sd.relaxation_rate()
    decay = 0.0  # ∫ relaxation dt with the scheme's weights
    defects, scale, losses = [], [], []
    for _ in range(100):
        sd.advance(dt)
        new_total, new_rate = sd.total_spin(), net_rate()
        predicted = dt * (theta * new_rate + (1 - theta) * rate)
        defects.append(new_total - total - predicted)
        scale.append(abs(predicted) + dt * abs(sd.source_rate()))
        new_relax = sd.relaxation_rate()
        decay += dt * (theta * new_relax + (1 - theta) * relax)
        total, rate, relax = new_total, new_rate, new_relax
        losses.append((sd.surface_loss_rate(), sd.source_rate()))
    rel = np.max(np.abs(defects)) / np.max(scale)
    assert rel < 1e-8, f"{case}: spin balance defect {rel:.2e}"
    assert sd.total_spin() == pytest.approx(sd.total_spin_assembled(), rel=1e-12)
    if case == "sink":
        # the sinks take a sizeable share of the injected spin (so the balance tests the loss term)
        losses = np.abs(np.array(losses))
        assert np.max(losses[:, 0]) > 0.01 * np.max(losses[:, 1])
    if case == "relaxation_only":
        # reflecting faces, no source: the whole decrease of the total spin is relaxation
        assert abs((total0 - total) - decay) / decay < 1e-8
        assert decay > 0.05 * total0


def _trace_csv(path, amplitude, t_peak):
    t = np.linspace(0.0, 2.0, 401)  # ps
    m = 1.0 - amplitude * (1 - np.exp(-t / t_peak)) * np.exp(-t / 0.8)
    np.savetxt(path, np.column_stack([t, m]), delimiter=",", header="time [ps],M/M_s",
               comments="")
    return t * PS, m


def test_pap_decomposition(tmp_path):
    """P/AP runs (ref-layer source sign flipped) split into free-only and ref-only runs (§8.2)."""
    rank = MPI.COMM_WORLD.rank
    free_csv, ref_csv = tmp_path / f"free_{rank}.csv", tmp_path / f"ref_{rank}.csv"
    t_free, m_free = _trace_csv(free_csv, 0.8, 0.1)
    _trace_csv(ref_csv, 0.18, 0.15)
    t_read, m_read = read_magnetization_trace(free_csv)
    np.testing.assert_allclose(t_read.m_as("s"), t_free, rtol=1e-12)
    np.testing.assert_allclose(m_read, m_free, rtol=1e-12)

    layers = [co("Co_free", 3.2 * NM), cu(), co("Co_ref", 7 * NM)]
    ms, eta = 1.4e6, 0.1

    def source(csv_path, polarity=1):
        t, m = read_magnetization_trace(csv_path)
        return MagnetizationRateSource(t, m, Q(ms, "A/m"), Q(DOS_CO, "1/(J*m^3)"),
                                       efficiency=eta, polarity=polarity)

    # S = −η (2/(N μ_B)) M_s dm/dt: check the prefactor on the free trace at 0.05 ps
    s_free = source(free_csv)
    rate = np.interp(0.05 * PS, t_free, np.gradient(m_free, t_free))
    assert s_free(0.05 * PS) == pytest.approx(-eta * 2 * ms / (DOS_CO * MU_B) * rate, rel=1e-12)
    assert s_free(0.05 * PS) > 0  # demagnetization (dm/dt < 0) gives μ_s > 0

    probes = [(-1.6 * NM, "Co_free"), (-3.2 * NM, "Cu"), (-43.2 * NM, "Cu"), (-83.2 * NM, "Cu"),
              (-86.0 * NM, "Co_ref")]

    def run(free=True, ref_polarity=None):
        sd = SpinDiffusion1D(layers, gs(G_FREE, G_REF), MPI.COMM_WORLD, cells_per_layer=[4, 20, 6])
        if free:
            sd.set_layer_source("Co_free", s_free)
        if ref_polarity is not None:
            sd.set_layer_source("Co_ref", source(ref_csv, ref_polarity))
        return sd.run("0.6 ps", "10 fs", depths=probes)["probes"]

    parallel, antiparallel = run(True, 1), run(True, -1)
    free_only, ref_only = run(True, None), run(False, 1)
    free, ref = pap_decompose(parallel, antiparallel)
    scale = np.max(np.abs(parallel))
    assert np.max(np.abs(free - free_only)) / scale < 1e-10
    assert np.max(np.abs(ref - ref_only)) / scale < 1e-10
    assert np.max(np.abs(ref_only)) > 1e-3 * scale  # the ref part is not trivially zero


def test_input_errors(tmp_path):
    with pytest.raises(ValueError, match="exactly one of spin_relaxation_time"):
        SpinLayer("Cu", "80 nm", "3.5e7 S/m", dos="1.558e47 1/(J*m^3)")
    with pytest.raises(ValueError, match="thickness must be positive"):
        SpinLayer("Cu", "-1 nm", "3.5e7 S/m", dos="1.558e47 1/(J*m^3)",
                  spin_relaxation_time="1 ps")
    with pytest.raises(ValueError, match="need 1 interface conductances"):
        SpinDiffusion1D([co("Co", 3 * NM), cu()], [], MPI.COMM_WORLD, cells_per_layer=4)
    with pytest.raises(ValueError, match="outer must be"):
        SpinDiffusion1D([cu()], [], MPI.COMM_WORLD, cells_per_layer=4, outer="open")
    sd = SpinDiffusion1D([co("Co", 3 * NM), cu()], gs(G_REF), MPI.COMM_WORLD, cells_per_layer=4)
    with pytest.raises(ValueError, match="not ferromagnetic"):
        sd.set_layer_source("Cu", 1.0)
    with pytest.raises(ValueError, match="no layer named 'Pt'"):
        sd.set_layer_source("Pt", 1.0)
    with pytest.raises(ValueError, match="outside layer 'Cu'"):
        sd.values_at([(0.0, "Cu")])
    bad = tmp_path / f"bad_{MPI.COMM_WORLD.rank}.csv"
    bad.write_text("time,M/M_s\n0,1\n1,0.9\n")
    with pytest.raises(ValueError, match="cannot read the time unit"):
        read_magnetization_trace(bad)
    with pytest.raises(ValueError, match="polarity must be"):
        MagnetizationRateSource.from_si(np.arange(3.0), np.ones(3), 1e6, DOS_CO, polarity=0)
    with pytest.raises(ValueError, match="same shape"):
        pap_decompose(np.zeros(3), np.zeros(4))


def test_step_commit_protocol():
    """step(t, dt) computes a trial from the committed state; commit() accepts it."""
    sd = SpinDiffusion1D([co("Co", 3 * NM), cu()], gs(G_REF), MPI.COMM_WORLD, cells_per_layer=4)
    sd.set_layer_source("Co", SOURCE)
    dt = 10e-15
    sd.step(0.0, dt)
    first = sd.profile()[1].copy()
    sd.step(0.0, dt)  # recomputed from the same committed state
    np.testing.assert_array_equal(sd.profile()[1], first)
    assert sd.t == 0.0
    sd.commit()
    assert sd.t == pytest.approx(dt)
    sd.step(dt, dt)
    assert np.max(np.abs(sd.profile()[1])) > np.max(np.abs(first))  # the source keeps injecting
    with pytest.raises(ValueError, match="committed state is at"):
        sd.step(0.0, dt)


def test_cell_source_balance_and_solver_cache():
    """A per-cell source (set_cell_source, as the pointwise s-d coupling uses) enters the spin
    balance like the layer sources; the per-Δt factorization cache stays bounded."""
    layers = [co("Co_free", 3.2 * NM), cu(), co("Co_ref", 7 * NM)]
    sd = SpinDiffusion1D(layers, gs(G_FREE, G_REF), MPI.COMM_SELF, cells_per_layer=[4, 20, 6],
                         outer="reflecting", theta=0.5)
    n_cells = sd.V0.dofmap.index_map.size_local
    with pytest.raises(ValueError, match="one value per cell"):
        sd.set_cell_source(np.zeros(n_cells + 1))
    z = sd.V0.tabulate_dof_coordinates()[:n_cells, 0]
    top = sd.mesh.geometry.x[:, 0].max()
    values = np.where(z > top - 3.2 * NM, SOURCE / (3.2 * NM), 0.0)  # uniform in the free layer
    sd.set_cell_source(values)
    total = sd.total_spin()
    rate, relax = sd.source_rate(), sd.relaxation_rate()
    assert rate == 0.0  # the layer-source bookkeeping does not see the cell source ...
    defects, injected = [], 0.0
    for k in range(10):
        dt = (1.0 + 0.1 * k) * 1e-15  # ten distinct Δt: the cache must evict
        sd.advance(dt)
        new_total, new_relax = sd.total_spin(), sd.relaxation_rate()
        change = new_total - total + dt * 0.5 * (relax + new_relax)
        defects.append(change)
        total, relax = new_total, new_relax
        injected += dt
    # ... so the net gain (change + relaxation) is the cell source's constant rate
    gains = np.array(defects) / (np.array([(1.0 + 0.1 * k) * 1e-15 for k in range(10)]))
    assert np.max(np.abs(gains / gains[0] - 1)) < 1e-8
    assert gains[0] == pytest.approx(0.5 * layers[0].dos * SOURCE, rel=1e-10)  # ∫(N/2) S dz
    assert len(sd._solvers) <= SpinDiffusion1D.MAX_CACHED_SOLVERS
    sd.destroy()


# ------------------------------------------------------------------------------------------------
# the public door: units, the literature parameters (D or N), the default mesh
# ------------------------------------------------------------------------------------------------
def test_spin_layer_takes_units_and_derives_dos_from_the_einstein_relation():
    """σ = e² N D: a layer given by D has N = σ/(e² D) and the same λ_sf, τ_s as one given by N."""
    by_dos = SpinLayer("Co", "3.2 nm", "5e6 S/m", dos="1.13e48 1/(J*m^3)",
                       spin_relaxation_time="0.05 ps", is_ferromagnet=True)
    D = 5e6 / (E_CHARGE**2 * 1.13e48)
    by_d = SpinLayer("Co", "3.2 nm", "5 MS/m", diffusivity=f"{D * 1e4!r} cm^2/s",
                     spin_relaxation_time="50 fs", is_ferromagnet=True)
    assert by_d.dos == pytest.approx(1.13e48, rel=1e-13)
    assert by_d.diffusivity == pytest.approx(D, rel=1e-13)
    assert E_CHARGE**2 * by_d.dos * by_d.diffusivity == pytest.approx(5e6, rel=1e-13)
    assert by_d.lambda_sf == pytest.approx(by_dos.lambda_sf, rel=1e-13)
    assert by_dos.lambda_sf == pytest.approx(np.sqrt(D * 0.05 * PS), rel=1e-13)
    # λ_sf instead of τ_s: τ_s = λ²/D
    cu = SpinLayer("Cu", "80 nm", "3.5e7 S/m", diffusivity="87.5 cm^2/s",
                   spin_diffusion_length="350 nm")
    assert cu.tau_s == pytest.approx((350 * NM) ** 2 / 8.75e-3, rel=1e-13)
    assert cu.dos == pytest.approx(3.5e7 / (E_CHARGE**2 * 8.75e-3), rel=1e-13)
    assert SpinLayer.from_si("Cu", 80 * NM, 3.5e7, cu.dos, spin_diffusion_length=350 * NM) == cu


@pytest.mark.parametrize(("arguments", "message"), [
    ({"thickness": 3.2e-9}, r"SpinLayer 'Co' thickness = 3.2e-09 has no unit.*'10 nm'"),
    ({"conductivity": 5e6}, r"SpinLayer 'Co' conductivity = 5000000.0 has no unit.*S/m"),
    ({"diffusivity": 1e-4}, r"SpinLayer 'Co' diffusivity = 0.0001 has no unit.*m\^2/s"),
    ({"spin_relaxation_time": 5e-14}, r"spin_relaxation_time = 5e-14 has no unit.*'1 ps'"),
    ({"thickness": "3.2 ps"}, r"SpinLayer 'Co' thickness = '3.2 ps' has the wrong unit"),
    ({"diffusivity": None}, r"give exactly one of diffusivity .* and dos"),
    ({"dos": "1e48 1/(J*m^3)"}, r"give exactly one of diffusivity .* and dos"),
])
def test_spin_layer_rejects_bare_numbers_and_wrong_units(arguments, message):
    base = {"thickness": "3.2 nm", "conductivity": "5e6 S/m", "diffusivity": "1.7e-4 m^2/s",
            "spin_relaxation_time": "0.05 ps"}
    base.update(arguments)
    base = {k: v for k, v in base.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        SpinLayer("Co", base.pop("thickness"), base.pop("conductivity"), **base)


def test_solver_doors_take_units():
    layers = [co("Co", 3 * NM), cu()]
    with pytest.raises(ValueError, match=r"interface_conductances\[0\] = 1960000000000000.0 has "
                                         r"no unit.*'6.5e14 S/m\^2'"):
        SpinDiffusion1D(layers, [G_REF], MPI.COMM_SELF)
    with pytest.raises(ValueError, match=r"SpinDiffusion1D.cell_size = 1e-09 has no unit"):
        SpinDiffusion1D(layers, ["1.96e15 S/m^2"], MPI.COMM_SELF, cell_size=1e-9)
    sd = SpinDiffusion1D(layers, ["1.96e15 S/m^2"], MPI.COMM_SELF, cell_size="1 nm")
    assert sd.interface_conductances[0] == 1.96e15
    with pytest.raises(ValueError, match=r"run t_end = 1e-12 has no unit"):
        sd.run(1e-12, "10 fs")
    history = sd.run("20 fs", "10 fs")
    assert history["time"][-1] == pytest.approx(20e-15, rel=1e-12)


def test_magnetization_trace_doors_take_units(tmp_path):
    """MagnetizationRateSource takes the trace time, M_s and N with units (strings, pint
    quantities, a (numbers, unit) tuple, the layer's SpinLayer for N) and refuses bare numbers
    naming the unit; read_magnetization_trace returns the time as a quantity and reads any time
    unit in the header."""
    t_ps = np.linspace(0.0, 2.0, 201)
    m = 1.0 - 0.5 * (1.0 - np.exp(-t_ps / 0.2))
    reference = MagnetizationRateSource.from_si(t_ps * PS, m, 1.4e6, DOS_CO, efficiency=0.1)
    layer = co("Co", 3 * NM)
    for time, ms, dos in ((Q(t_ps, "ps"), "1.4e6 A/m", Q(DOS_CO, "1/(J*m^3)")),
                          ((t_ps * 1e3, "fs"), Q(1.4, "MA/m"), layer),
                          ([f"{t} ps" for t in t_ps], "1400 kA/m", f"{DOS_CO} 1/(J*m^3)")):
        source = MagnetizationRateSource(time, m, ms, dos, efficiency=0.1)
        assert source(0.3 * PS) == pytest.approx(reference(0.3 * PS), rel=1e-12)
    with pytest.raises(ValueError, match=r"MagnetizationRateSource.time has no unit.*Q\(values, "
                                         r"'s'\)"):
        MagnetizationRateSource(t_ps * PS, m, "1.4e6 A/m", layer)
    with pytest.raises(ValueError, match=r"MagnetizationRateSource.saturation_magnetization = "
                                         r"1400000.0 has no unit.*A/m"):
        MagnetizationRateSource(Q(t_ps, "ps"), m, 1.4e6, layer)
    with pytest.raises(ValueError, match=r"MagnetizationRateSource.dos = .* has no unit.*"
                                         r"1/\(J\*m\^3\)"):
        MagnetizationRateSource(Q(t_ps, "ps"), m, "1.4e6 A/m", DOS_CO)
    with pytest.raises(ValueError, match=r"time has the wrong unit: \[nm\] is not a time"):
        MagnetizationRateSource(Q(t_ps, "nm"), m, "1.4e6 A/m", layer)
    with pytest.raises(ValueError, match="same length"):
        MagnetizationRateSource(Q(t_ps, "ps"), m[:-1], "1.4e6 A/m", layer)

    rank = MPI.COMM_WORLD.rank
    for header, scale in (("t (fs)", 1e-15), ("time_us", 1e-6), ("time [picosecond]", 1e-12)):
        path = tmp_path / f"trace_{rank}_{scale:g}.csv"
        path.write_text(f"{header},M/M_s\n0,1\n1,0.9\n2,0.7\n")
        time, m_read = read_magnetization_trace(path)
        np.testing.assert_allclose(time.m_as("s"), np.array([0.0, 1.0, 2.0]) * scale, rtol=1e-14)
        np.testing.assert_allclose(m_read, [1.0, 0.9, 0.7])
    time, _ = read_magnetization_trace(path, time_unit="ns")
    np.testing.assert_allclose(time.m_as("ns"), [0.0, 1.0, 2.0], rtol=1e-14)
    bad = tmp_path / f"length_{rank}.csv"
    bad.write_text("time [nm],M/M_s\n0,1\n1,0.9\n")
    with pytest.raises(ValueError, match=r"time unit 'nm' is not a unit of time"):
        read_magnetization_trace(bad)


def spin_valve_layers(d_free_nm, tau_fm_ps):
    """The seed-000 FM/Cu/FM valve with short FM spin-diffusion lengths (λ_sf = 1.3-13 nm)."""
    fm = {"conductivity": "5e6 S/m", "dos": "1.13e48 1/(J*m^3)",
          "spin_relaxation_time": f"{tau_fm_ps} ps", "is_ferromagnet": True}
    return [SpinLayer("free", f"{d_free_nm} nm", **fm),
            SpinLayer("Cu", "80 nm", "3.5e7 S/m", dos="1.558e47 1/(J*m^3)",
                      spin_diffusion_length="350 nm"),
            SpinLayer("ref", "7 nm", **fm)]


@pytest.mark.parametrize("degree", [1, 2])
@pytest.mark.parametrize("outer", ["reflecting", "sink"])
@pytest.mark.parametrize(("d_free_nm", "tau_fm_ps"), [(3.2, 0.05), (1.0, 0.01), (3.2, 1.0)])
def test_default_mesh_meets_1e4_on_thin_layers_with_strong_sources(degree, outer, d_free_nm,
                                                                   tau_fm_ps):
    """At the default mesh the Valet–Fert steady state of a thin free layer (1-3.2 nm, λ_sf down
    to 1.3 nm) with strong sources in both FM layers holds to 1e-4 of max|μ| (1 nm DG1 cells:
    8e-4)."""
    layers = spin_valve_layers(d_free_nm, tau_fm_ps)
    conductances = ["6.5e14 S/m^2", "1.96e15 S/m^2"]
    sources = [SOURCE, 0.0, -0.4 * SOURCE]
    sd = SpinDiffusion1D(layers, conductances, MPI.COMM_WORLD, outer=outer, degree=degree)
    sd.set_layer_source("free", sources[0])
    sd.set_layer_source("ref", sources[2])
    sd.solve_steady()
    z, mu, layer = sd.profile()
    ref = stack_reference(layers, sd.interface_conductances, sources, outer)
    exact = reference_profile(ref, z, layer)
    err = np.max(np.abs(mu - exact)) / np.max(np.abs(exact))
    assert err < 1e-4, f"default mesh DG{degree} ({outer}): relative max error {err:.2e}"
