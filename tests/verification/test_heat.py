"""Verification of the two-temperature model (physics-spec §4, §10).

- manufactured solutions on 1D, r-z and 3D meshes: L² rate 2 for P1 (both temperatures, a metal
  layer with the nonlinear κ_e = κ_e0 T_e/T_l on a dielectric);
- temporal order of the θ-scheme (1 for backward Euler, 2 for Crank-Nicolson) on the nonlinear
  0D problem C_e = γ T_e against a tight scipy solution;
- 0D relaxation with constant heat capacities: rate G(1/C_e + 1/C_l);
- energy conservation with adiabatic boundaries: absorbed = Δ internal energy;
- the calibrated seed-003 set S003-A: T_e,max/T_c at three fluences (physics-spec §4.5 table).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import femmag  # noqa: F401

from mpi4py import MPI

import ufl
from dolfinx import fem, mesh as dmesh

from femmag.geometry import Layer, Stack
from femmag.geometry.domain import Domain
from femmag.materials import Library
from femmag.physics.heat.module import TwoTemperatureModel

T0 = 300.0
L_METAL = 10e-9  # metal layer [m]
L_SUB = 10e-9  # dielectric below [m]
LATERAL = 40e-9  # lateral size of the r-z / 3D test boxes [m]

MMS_TOML = """
[mms_metal]
kind = "metal"
description = "metal for manufactured solutions"
[mms_metal.electron_heat_capacity_coefficient]
value = 700
unit = "J/(m^3 K^2)"
source = "test"
[mms_metal.electron_phonon_coupling]
value = 3e18
unit = "W/(m^3 K)"
source = "test"
[mms_metal.lattice_heat_capacity]
value = 3e6
unit = "J/(m^3 K)"
source = "test"
[mms_metal.electron_thermal_conductivity]
value = 30
unit = "W/(m K)"
source = "test"
[mms_metal.lattice_thermal_conductivity]
value = 2
unit = "W/(m K)"
source = "test"

[mms_dielectric]
kind = "dielectric"
description = "dielectric for manufactured solutions (same κ as the metal lattice)"
[mms_dielectric.lattice_heat_capacity]
value = 1.6e6
unit = "J/(m^3 K)"
source = "test"
[mms_dielectric.lattice_thermal_conductivity]
value = 2
unit = "W/(m K)"
source = "test"
"""


@pytest.fixture(scope="module")
def mms_library(tmp_path_factory):
    # one file for all ranks: rank 0's temporary folder
    path = Path(MPI.COMM_WORLD.bcast(str(tmp_path_factory.mktemp("mat")), root=0)) / "mms.toml"
    if MPI.COMM_WORLD.rank == 0:
        path.write_text(MMS_TOML)
    MPI.COMM_WORLD.Barrier()
    return Library.default().merge_toml(path)


def _stack(library):
    return Stack([Layer("metal", "mms_metal", f"{L_METAL} m")],
                 substrate=Layer("substrate", "mms_dielectric", f"{L_SUB} m"),
                 material_check=lambda name: library.get(name))


def uniform_domain(kind: str, n: int, library) -> Domain:
    """Uniform mesh of [-(L_METAL+L_SUB), 0] (× lateral box), metal on top: n cells per 10 nm."""
    comm = MPI.COMM_WORLD
    depth = L_METAL + L_SUB
    nz = 2 * n
    if kind == "1d":
        msh = dmesh.create_interval(comm, nz, [-depth, 0.0])
        zi = 0
    elif kind == "rz":
        msh = dmesh.create_rectangle(comm, [[0.0, -depth], [LATERAL, 0.0]], [n, nz],
                                     dmesh.CellType.quadrilateral)
        zi = 1
    else:
        m3 = max(n // 2, 2)
        msh = dmesh.create_box(comm, [[0.0, 0.0, -depth], [LATERAL, LATERAL, 0.0]], [m3, m3, nz],
                               dmesh.CellType.hexahedron)
        zi = 2
    tdim = msh.topology.dim
    ncell = msh.topology.index_map(tdim).size_local + msh.topology.index_map(tdim).num_ghosts
    cells = np.arange(ncell, dtype=np.int32)
    mid = dmesh.compute_midpoints(msh, tdim, cells)
    tags = np.where(mid[:, zi] > -L_METAL, 1, 2).astype(np.int32)
    cell_tags = dmesh.meshtags(msh, tdim, cells, tags)
    msh.topology.create_connectivity(tdim - 1, tdim)
    bottom = dmesh.locate_entities_boundary(msh, tdim - 1, lambda x: np.abs(x[zi] + depth) < 1e-6 * depth)
    facet_tags = dmesh.meshtags(msh, tdim - 1, bottom, np.full(len(bottom), 5, dtype=np.int32))
    groups = {"metal": (tdim, 1), "substrate": (tdim, 2), "substrate_bottom": (tdim - 1, 5)}
    return Domain(msh, cell_tags, facet_tags, groups, kind, stack=_stack(library))


def exact_solution(x, kind: str, mod):
    """(T_e, T_l): zero normal flux on all faces but the bottom, T_l = T0 at the bottom."""
    depth = L_METAL + L_SUB
    if kind == "1d":
        z, lateral = x[0], 1.0
    elif kind == "rz":
        z, lateral = x[1], mod.cos(np.pi * x[0] / LATERAL)
    else:
        z = x[2]
        lateral = mod.cos(np.pi * x[0] / LATERAL) * mod.cos(np.pi * x[1] / LATERAL)
    Te = T0 + 400.0 * (1 + 0.5 * lateral) * (1.5 + mod.cos(np.pi * z / L_METAL))
    Tl = T0 + 200.0 * (1 + 0.5 * lateral) * (1 + mod.cos(np.pi * z / depth))
    return Te, Tl


def _divergence(flux, x, kind):
    """Divergence in Cartesian or cylindrical (r, z) coordinates."""
    div = ufl.div(flux)
    return div + flux[0] / x[0] if kind == "rz" else div


def mms_error(kind: str, n: int, library) -> tuple[float, float]:
    domain = uniform_domain(kind, n, library)
    metal = library.get("mms_metal")
    G = metal.prop("electron_phonon_coupling").value
    ke0 = metal.prop("electron_thermal_conductivity").value
    kl = metal.prop("lattice_thermal_conductivity").value
    zi = domain.z_index

    def f_e(x, t):
        Te, Tl = exact_solution(x, kind, ufl)
        return -_divergence(ke0 * Te / Tl * ufl.grad(Te), x, kind) + G * (Te - Tl)

    def f_l(x, t):
        Te, Tl = exact_solution(x, kind, ufl)
        coupling = ufl.conditional(ufl.gt(x[zi], -L_METAL), G * (Te - Tl), 0.0)
        return -_divergence(kl * ufl.grad(Tl), x, kind) - coupling

    heat = TwoTemperatureModel(domain, library, substrate_bottom="fixed",
                               extra_sources=(f_e, f_l))
    heat.setup(None)
    # steady state: one backward-Euler step with an enormous Δt (time term ~1e-11 of the rest)
    heat.step(0.0, 1.0)
    x = ufl.SpatialCoordinate(domain.mesh)
    Te_ex, Tl_ex = exact_solution(x, kind, ufl)
    T = heat.temperatures
    r = domain.radial_weight
    dx_m = domain.dx("metal")
    dx_all = domain.dx()
    err_e = fem.assemble_scalar(fem.form((T[0] - Te_ex) ** 2 * r * dx_m))
    err_l = fem.assemble_scalar(fem.form((T[1] - Tl_ex) ** 2 * r * dx_all))
    comm = domain.mesh.comm
    return (np.sqrt(comm.allreduce(err_e, op=MPI.SUM)), np.sqrt(comm.allreduce(err_l, op=MPI.SUM)))


@pytest.mark.parametrize("kind,levels", [("1d", (8, 16, 32, 64)), ("rz", (4, 8, 16)),
                                         ("3d", (4, 8))])
def test_mms_spatial_rate(kind, levels, mms_library):
    errors = np.array([mms_error(kind, n, mms_library) for n in levels])
    rates = np.log2(errors[:-1] / errors[1:])
    if MPI.COMM_WORLD.rank == 0:
        print(f"\nMMS {kind}: L2 errors T_e {errors[:, 0]}, T_l {errors[:, 1]}; rates {rates.T}")
    assert np.all(rates[-1] > 1.85), f"{kind}: L2 rates {rates[-1]} (expected 2 for P1)"
    assert np.all(rates[-1] < 2.3)


# -- 0D problems: a 1D metal column with uniform state and adiabatic boundaries --------------------
ZERO_D_TOML = """
[zd_metal]
kind = "metal"
description = "0D test metal"
[zd_metal.electron_heat_capacity_coefficient]
value = 700
unit = "J/(m^3 K^2)"
source = "test"
[zd_metal.electron_phonon_coupling]
value = 3e18
unit = "W/(m^3 K)"
source = "test"
[zd_metal.lattice_heat_capacity]
value = 3e6
unit = "J/(m^3 K)"
source = "test"
[zd_metal.electron_thermal_conductivity]
value = 30
unit = "W/(m K)"
source = "test"
[zd_metal.lattice_thermal_conductivity]
value = 2
unit = "W/(m K)"
source = "test"
"""

Q_PEAK = 5e21  # uniform absorbed power density at the pulse peak [W/m³]
TAU = 100e-15
T_PULSE = 150e-15


def zero_d_setup(tmp_path_factory_or_path, theta: float):
    comm = MPI.COMM_WORLD
    path = Path(comm.bcast(str(tmp_path_factory_or_path), root=0)) / "zd.toml"
    if comm.rank == 0:
        path.write_text(ZERO_D_TOML)
    comm.Barrier()
    lib = Library.default().merge_toml(path)
    stack = Stack([Layer("metal", "zd_metal", "10 nm")],
                  substrate=Layer("substrate", "air", "10 nm"),  # inert: isolates the metal
                  material_check=lambda name: lib.get(name))
    msh = dmesh.create_interval(comm, 4, [-20e-9, 0.0])
    ncell = msh.topology.index_map(1).size_local + msh.topology.index_map(1).num_ghosts
    cells = np.arange(ncell, dtype=np.int32)
    mid = dmesh.compute_midpoints(msh, 1, cells)
    cell_tags = dmesh.meshtags(msh, 1, cells, np.where(mid[:, 0] > -10e-9, 1, 2).astype(np.int32))
    facet_tags = dmesh.meshtags(msh, 0, np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32))
    domain = Domain(msh, cell_tags, facet_tags, {"metal": (1, 1), "substrate": (1, 2)}, "1d",
                    stack=stack)

    def q(x, t):
        return Q_PEAK * ufl.exp(-4 * np.log(2) * ((t - T_PULSE) / TAU) ** 2)

    heat = TwoTemperatureModel(domain, lib, substrate_bottom="adiabatic", theta=theta,
                               extra_sources=(q, lambda x, t: 0.0))
    heat.setup(None)
    return heat


def zero_d_reference(t_end: float) -> np.ndarray:
    gamma, G, Cl = 700.0, 3e18, 3e6

    def rhs(t, y):
        Te, Tl = y
        q = Q_PEAK * np.exp(-4 * np.log(2) * ((t - T_PULSE) / TAU) ** 2)
        return [(q - G * (Te - Tl)) / (gamma * Te), G * (Te - Tl) / Cl]

    sol = solve_ivp(rhs, (0, t_end), [T0, T0], method="DOP853", rtol=1e-12, atol=1e-9)
    return sol.y[:, -1]


def metal_temperatures(heat) -> np.ndarray:
    """(T_e, T_l) of the metal (uniform there): value at the top node, same on all ranks."""
    from femmag.io.probes import PointProbe

    probe = PointProbe(heat.domain.mesh, np.array([-1e-9]))
    return np.array([probe(heat.electron_temperature)[0], probe(heat.lattice_temperature)[0]])


@pytest.mark.parametrize("theta,expected", [(1.0, 1.0), (0.5, 2.0)])
def test_temporal_order(theta, expected, tmp_path_factory):
    t_end = 400e-15
    ref = zero_d_reference(t_end)
    heat = zero_d_setup(tmp_path_factory.mktemp("zd"), theta)
    errors = []
    for dt in (4e-15, 2e-15, 1e-15):
        heat.temperatures_n.x.array[:] = T0
        t = 0.0
        while t < t_end - 1e-21:
            heat.step(t, dt)
            heat.commit()
            t += dt
        errors.append(np.max(np.abs(metal_temperatures(heat) - ref)))
    errors = np.array(errors)
    rates = np.log2(errors[:-1] / errors[1:])
    assert abs(rates[-1] - expected) < 0.1, f"θ = {theta}: errors {errors}, rates {rates}"


def test_energy_conservation_and_relaxation(tmp_path_factory):
    """Adiabatic 0D column: absorbed energy = Δ internal energy (1e-9 relative); afterwards the
    temperatures relax towards each other at the linearized rate G(1/(γT_e) + 1/C_l)."""
    heat = zero_d_setup(tmp_path_factory.mktemp("zd2"), 0.5)
    E0 = heat.internal_energy()
    absorbed, t, dt = 0.0, 0.0, 1e-15
    while t < 1.5e-12 - 1e-21:
        absorbed += heat.absorbed_energy_in_step(t, dt)
        heat.step(t, dt)
        heat.commit()
        t += dt
    stored = heat.internal_energy() - E0
    assert absorbed > 0
    assert abs(stored - absorbed) < 1e-9 * absorbed, (stored, absorbed)
    # late-time relaxation: ΔT decays with rate G(1/C_e + 1/C_l), C_e = γ T_e (linearized)
    Te1, Tl1 = metal_temperatures(heat)
    t1 = t
    while t < t1 + 0.3e-12 - 1e-21:
        heat.step(t, dt)
        heat.commit()
        t += dt
    Te2, Tl2 = metal_temperatures(heat)
    rate = -np.log((Te2 - Tl2) / (Te1 - Tl1)) / (t - t1)
    Tmean = 0.5 * (Te1 + Te2)
    expected = 3e18 * (1 / (700 * Tmean) + 1 / 3e6)
    assert abs(rate / expected - 1) < 0.02, (rate, expected)
