"""Materials library: spec values in SI, sources, value forms (numpy and UFL/DOLFINx), errors."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)
from femmag.materials import (
    Library,
    MaterialError,
    MissingPropertyError,
    Property,
    UnknownMaterialError,
    get_material,
)
from femmag.units import MU_B

from mpi4py import MPI

LIB = Library.default()


# --- spec values, in SI ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("material", "prop", "expected"),
    [
        ("CoPt_S003A", "electron_heat_capacity_coefficient", 700.0),  # §4.5
        ("CoPt_S003A", "electron_phonon_coupling", 3e18),
        ("CoPt_S003A", "lattice_heat_capacity", 3.0e6),
        ("CoPt_S003A", "electron_thermal_conductivity", 30.0),
        ("CoPt_S003A", "lattice_thermal_conductivity", 2.0),
        ("CoPt_S003A", "electrical_conductivity", 8e6),  # §3.5
        ("CoPt_S003A", "curie_temperature", 550.0),  # §5.5
        ("CoPt_S003A", "saturation_magnetization", 8e5),
        ("CoPt_S003A", "atomic_moment", 1.2 * 9.2740100783e-24),  # 1.2 μ_B in J/T
        ("CoPt_S003A", "llb_coupling", 0.045),
        ("CoPt_S003A", "exchange_stiffness", 1e-11),
        ("CoPt_S003A", "anisotropy_constant", 1e6),
        ("Co", "electron_heat_capacity_coefficient", 714.0),  # §4.4
        ("Co", "spin_diffusion_length", 40e-9),  # §7.3, nm → m
        ("Co", "fermi_dos", 1.13e48),
        ("Co", "spin_relaxation_time", 4.6e-12),  # ps → s
        ("Co", "curie_temperature", 1388.0),  # §5.6 M3TM
        ("Co", "atomic_moment", 1.72 * 9.2740100783e-24),
        ("Co", "m3tm_demagnetization_rate", 25.3e12),  # 1/ps → 1/s
        ("Ni", "curie_temperature", 627.0),
        ("Ni", "spin_flip_probability", 0.185),
        ("Cu", "electrical_conductivity", 3.5e7),
        ("Cu", "spin_diffusion_length", 350e-9),
        ("Cu", "fermi_dos", 1.558e47),
        ("Cu", "spin_relaxation_time", 14e-12),
        ("Pt", "electron_heat_capacity_coefficient", 748.0),
        ("Ta", "electrical_conductivity", 5e5),
        ("fused_silica", "lattice_heat_capacity", 1.63e6),
        ("fused_silica", "lattice_thermal_conductivity", 1.38),
        ("glass", "lattice_heat_capacity", 2.15e6),
        ("sapphire", "lattice_thermal_conductivity", 35.0),
        ("CoPt_multilayer", "sd_rho", 2 * 1.602176634e-19),  # eV → J
        ("CoPt_multilayer_ref", "curie_temperature", 650.0),  # overrides its base
        ("CoPt_multilayer_ref", "electron_heat_capacity_coefficient", 730.0),  # from its base
    ],
)
def test_spec_values_in_si(material, prop, expected):
    assert get_material(material).prop(prop).value == pytest.approx(expected, rel=1e-12)


def test_atomic_moment_uses_bohr_magneton_of_units():
    assert get_material("CoPt_S003A").prop("atomic_moment").value == pytest.approx(1.2 * MU_B,
                                                                                  rel=1e-14)


def test_spin_transport_set_is_consistent():
    """§7.3 derived numbers: D = σ/(e²N), τ_s = λ_sf²/D.

    Spec: Co 3.4e-4 m²/s, 4.6 ps; Cu 8.8e-3 m²/s, 14 ps.
    """
    e = 1.602176634e-19
    for name, d_spec, tau_spec in (("Co", 3.4e-4, 4.6e-12), ("Cu", 8.8e-3, 14e-12)):
        m = get_material(name)
        d = m.prop("electrical_conductivity").value / (e**2 * m.prop("fermi_dos").value)
        tau = m.prop("spin_diffusion_length").value ** 2 / d
        assert d == pytest.approx(d_spec, rel=0.02)
        assert tau == pytest.approx(tau_spec, rel=0.03)
        assert m.prop("spin_relaxation_time").value == pytest.approx(tau, rel=0.03)


@pytest.mark.parametrize(
    ("material", "wavelength", "expected", "tol"),
    [
        ("Co", 800e-9, 2.49 + 4.80j, 1e-12),
        ("Co", 400e-9, 1.58 + 2.95j, 1e-12),
        ("Co", 600e-9, (2.49 + 1.58) / 2 + 1j * (4.80 + 2.95) / 2, 1e-12),  # midpoint
        ("Pt", 800e-9, 2.85 + 4.96j, 1e-12),
        ("Cu", 800e-9, 0.25 + 5.01j, 1e-12),
        ("Ta", 800e-9, 1.11 + 3.48j, 1e-12),
        ("CoPt", 400e-9, 1.65 + 2.90j, 1e-12),
        ("CoPt_S003A", 800e-9, 2.673 + 4.883j, 1e-12),
        # Sellmeier, against the §1.6 table (4 decimals)
        ("fused_silica", 800e-9, 1.4533, 6e-5),
        ("fused_silica", 400e-9, 1.4701, 6e-5),
        ("sapphire", 800e-9, 1.7601, 6e-5),
        ("sapphire", 400e-9, 1.7865, 6e-5),
        ("glass", 800e-9, 1.5108, 6e-5),
        ("glass", 400e-9, 1.5308, 6e-5),
        ("air", 800e-9, 1.0, 0.0),
    ],
)
def test_refractive_index(material, wavelength, expected, tol):
    n = get_material(material).refractive_index(wavelength)
    assert isinstance(n, complex)
    assert abs(n - expected) <= tol * abs(expected)


def test_cobalt_platinum_effective_medium():
    """§1.6: ε_CoPt = (ε_Co + ε_Pt)/2 reproduces the CoPt index to the spec's 2 decimals."""
    for lam in (400e-9, 800e-9):
        eps = (LIB.get("Co").permittivity(lam) + LIB.get("Pt").permittivity(lam)) / 2
        assert abs(np.sqrt(eps) - LIB.get("CoPt").refractive_index(lam)) < 0.006


def test_refractive_index_vectorized_and_with_unit():
    co = get_material("Co")
    lam = np.array([400e-9, 500e-9, 800e-9])
    n = co.refractive_index(lam)
    assert n.shape == (3,)
    assert n[1] == pytest.approx(1.58 + 0.25 * (2.49 - 1.58) + 1j * (2.95 + 0.25 * (4.80 - 2.95)))
    assert co.refractive_index("0.6 um") == pytest.approx(co.refractive_index(600e-9), rel=1e-14)
    assert co.permittivity(800e-9) == pytest.approx((2.49 + 4.80j) ** 2, rel=1e-14)


def test_wavelength_out_of_range():
    with pytest.raises(MaterialError, match=r"material 'Co'.*400-800 nm.*1030 nm"):
        get_material("Co").refractive_index(1030e-9)
    with pytest.raises(MaterialError, match=r"'fused_silica'.*210-3710 nm"):
        get_material("fused_silica").refractive_index(0.8)  # metres, not µm


def test_every_value_has_unit_and_source():
    tags = ("[LIT", "[DER", "[ASSUMP", "[CODE", "[S003", "[S000", "physics-spec")
    count = 0
    for mat in LIB:
        assert mat.description
        if mat.optics is not None:
            assert any(t in mat.optics.source for t in tags), mat.name
        for name, prop in mat.properties.items():
            count += 1
            assert prop.source.strip() and any(t in prop.source for t in tags), (mat.name, name)
            assert prop.unit and prop.input_unit, (mat.name, name)
    for iface in LIB.interfaces():
        for prop in iface.properties.values():
            assert any(t in prop.source for t in tags), iface.name
    assert count >= 90


def test_kinds_and_flags():
    assert get_material("Co").is_magnetic and get_material("Co").is_metal
    assert get_material("Cu").is_metal and not get_material("Cu").is_magnetic
    assert not get_material("fused_silica").is_metal
    # air: optics only, no thermal role (the heat module treats it as inert)
    air = get_material("air")
    assert air.has("refractive_index") and not air.has("lattice_heat_capacity")


# --- interfaces ---------------------------------------------------------------------------------
def test_interfaces_order_insensitive():
    g = LIB.interface("Cu", "Co").prop("spin_conductance").value
    assert g == LIB.interface("Co", "Cu").prop("spin_conductance").value == pytest.approx(1.96e15)
    free = LIB.interface("Cu", "Co", label="seed000_free").prop("spin_conductance").value
    assert free == pytest.approx(g / 3, rel=0.01)  # §7.3 #8: reduced ×3
    h = LIB.interface("fused_silica", "CoPt_S003A").prop("kapitza_conductance").value
    assert np.isinf(h)  # S003-A: perfect contact
    with pytest.raises(UnknownMaterialError, match=r"no interface data for 'Pt\|Cu'.*Co\|Cu"):
        LIB.interface("Pt", "Cu")


# --- the three value forms ------------------------------------------------------------------------
USER_TOML = """
[MyFilm]
base = "CoPt_S003A"
description = "user film with temperature-dependent parameters"

[MyFilm.electron_heat_capacity_coefficient]
expression = "700 * (1 + 1e-4*(T_e - 300))"
unit = "J/(m^3 K^2)"
source = "[ASSUMP] test"

[MyFilm.electron_phonon_coupling]
expression = "3 * (1 + 0.1*tanh((T_e - 1000)/500)) * sqrt(T_l/300) + 0*exp(-T_l)"
unit = "1e18 W/(m^3 K)"
source = "[ASSUMP] test"

[MyFilm.lattice_heat_capacity]
table = {T_l = [300, 600, 1500], value = [3.0, 3.3, 3.6]}
unit = "J/(cm^3 K)"
source = "[ASSUMP] test"

[MyFilm.electron_thermal_conductivity]
table = {T_e = [300, 1000, 3000], value = [30, 60, 40]}
unit = "W/(m K)"
source = "[ASSUMP] test"

[MyFilm.refractive_index]
unit = "1"
wavelength_nm = [400, 600, 800, 1000]
n = [1.6, 2.1, 2.6, 3.0]
k = [2.9, 3.9, 4.8, 5.5]
source = "[ASSUMP] test"

[interfaces."MyFilm|sapphire"]
kapitza_conductance = {value = 0.5, unit = "GW/(m^2 K)", source = "[ASSUMP] test"}
"""


def expected_forms(Te, Tl):
    """The user TOML's four properties written out independently (SI)."""
    gamma = 700 * (1 + 1e-4 * (Te - 300))
    G = 3e18 * (1 + 0.1 * np.tanh((Te - 1000) / 500)) * np.sqrt(Tl / 300)
    Cl = 1e6 * np.interp(Tl, [300, 600, 1500], [3.0, 3.3, 3.6])
    ke = np.interp(Te, [300, 1000, 3000], [30, 60, 40])
    return gamma, G, Cl, ke


FORM_PROPS = ("electron_heat_capacity_coefficient", "electron_phonon_coupling",
              "lattice_heat_capacity", "electron_thermal_conductivity")


@pytest.fixture
def user_library(tmp_path_factory):
    # one file per rank: no shared-filesystem race under mpiexec
    path = tmp_path_factory.mktemp(f"rank{MPI.COMM_WORLD.rank}") / "mine.toml"
    path.write_text(USER_TOML)
    return LIB.merge_toml(path)


def test_merge_user_toml(user_library):
    film = user_library.get("MyFilm")
    assert film.kind == "magnetic metal"  # inherited from base
    assert film.prop("curie_temperature").value == 550.0  # inherited
    assert not film.prop("electron_phonon_coupling").is_constant
    assert film.refractive_index(700e-9) == pytest.approx(2.35 + 4.35j, rel=1e-12)
    assert user_library.interface("sapphire", "MyFilm").prop(
        "kapitza_conductance").value == pytest.approx(5e8)
    assert "MyFilm" not in LIB  # the default library is unchanged
    assert "MyFilm" in user_library.table()


def test_value_forms_numpy(user_library):
    film = user_library.get("MyFilm")
    Te = np.array([100.0, 300.0, 650.0, 1000.0, 2000.0, 5000.0])
    Tl = np.array([290.0, 300.0, 450.0, 600.0, 1000.0, 2000.0])
    for name, ref in zip(FORM_PROPS, expected_forms(Te, Tl), strict=True):
        got = film.prop(name).numpy(Te, Tl)
        assert got.shape == Te.shape
        np.testing.assert_allclose(got, ref, rtol=1e-13, err_msg=name)
    # constant extrapolation of tables, broadcasting of scalars
    assert film.prop("electron_thermal_conductivity").numpy(1.0, None) == pytest.approx(30.0)
    assert film.prop("lattice_heat_capacity").numpy(None, 1e4) == pytest.approx(3.6e6)
    assert film.prop("curie_temperature").numpy(Te, Tl).shape == Te.shape
    with pytest.raises(MaterialError, match="depends on temperature"):
        film.prop("electron_phonon_coupling").value
    with pytest.raises(MaterialError, match="depends on T_l"):
        film.prop("electron_phonon_coupling").numpy(T_e=300.0)


def test_value_forms_ufl_in_dolfinx(user_library, comm):
    """Each form through .ufl, evaluated by DOLFINx at mesh vertices, equals .numpy."""
    import ufl
    from dolfinx import fem, mesh

    film = user_library.get("MyFilm")
    domain = mesh.create_unit_square(comm, 4, 4)
    V = fem.functionspace(domain, ("Lagrange", 1))
    Te, Tl = fem.Function(V), fem.Function(V)
    # T_e spans 100-3300 K (below, between and above the table knots), T_l 250-1750 K
    Te.interpolate(lambda x: 100.0 + 3200.0 * x[0])
    Tl.interpolate(lambda x: 250.0 + 1000.0 * x[1] + 500.0 * x[0])
    values = [film.prop(name).ufl(Te, Tl) for name in FORM_PROPS]
    values.append(film.prop("curie_temperature").ufl(Te, Tl))  # a constant → float
    assert isinstance(values[-1], float)
    expr = fem.Expression(ufl.as_vector([Te, Tl, *values]), V.element.interpolation_points)
    n_cells = domain.topology.index_map(domain.topology.dim).size_local
    data = expr.eval(domain, np.arange(n_cells, dtype=np.int32)).reshape(-1, 2 + len(values))
    te, tl = data[:, 0], data[:, 1]
    refs = [*expected_forms(te, tl), np.full_like(te, 550.0)]
    err = max(float(np.max(np.abs(data[:, 2 + i] - ref) / np.abs(ref)))
              for i, ref in enumerate(refs))
    err = comm.allreduce(err, op=MPI.MAX)
    assert err < 1e-12
    # the table really covers its range on some rank: points below and above the knots
    assert comm.allreduce(int(np.sum(te < 300)), op=MPI.SUM) > 0
    assert comm.allreduce(int(np.sum(te > 3000)), op=MPI.SUM) > 0


# --- errors ---------------------------------------------------------------------------------------
def test_unknown_material_did_you_mean():
    with pytest.raises(UnknownMaterialError, match=r"unknown material 'CoPt_S003'\. Did you mean "
                                                    r"'CoPt_S003A'\?.*Known materials: Co, "):
        LIB.get("CoPt_S003")
    with pytest.raises(KeyError, match="Did you mean 'sapphire'"):
        get_material("saphire")


def test_missing_property_message():
    with pytest.raises(MissingPropertyError, match=r"'Pt'.*no property 'curie_temperature'.*"
                                                   r"LLB magnetization.*It has: electron_heat"):
        get_material("Pt").prop("curie_temperature")
    assert not get_material("Pt").has("curie_temperature")
    assert get_material("Pt").has("electron_phonon_coupling")


def test_override_is_immutable():
    new = LIB.override("CoPt_S003A", electron_phonon_coupling="2e18 W/(m^3 K)",
                       llb_coupling=0.05, curie_temperature="0.6 kK")
    assert new.get("CoPt_S003A").prop("electron_phonon_coupling").value == 2e18
    assert new.get("CoPt_S003A").prop("curie_temperature").value == pytest.approx(600.0)
    assert new.get("CoPt_S003A").prop("llb_coupling").value == 0.05
    assert new.get("CoPt_S003A").prop("electron_phonon_coupling").source == "user override"
    # the default library (cached) is unchanged
    assert LIB.get("CoPt_S003A").prop("electron_phonon_coupling").value == 3e18
    assert Library.default().get("CoPt_S003A").prop("llb_coupling").value == 0.045
    with pytest.raises(TypeError):
        new.get("Co").properties["curie_temperature"] = None  # read-only mapping
    expr = LIB.override("Cu", electron_phonon_coupling={"expression": "1e17 * T_e / 300",
                                                        "unit": "W/(m^3 K)"})
    assert expr.get("Cu").prop("electron_phonon_coupling").numpy(600.0) == pytest.approx(2e17)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"electron_phonon_coupling": 3e18}, r"has no unit.*W/\(m\^3 K\)"),
        ({"electron_phonon_coupling": "3e18 W/m^3"}, "wrong unit"),
        ({"electron_phonon_coupling": "-3e18 W/(m^3 K)"}, "negative value"),
        ({"electron_phonon_couplin": "3e18 W/(m^3 K)"}, "Did you mean 'electron_phonon_coupling'"),
    ],
)
def test_override_errors(kwargs, match):
    with pytest.raises(MaterialError, match=match):
        LIB.override("CoPt_S003A", **kwargs)


def test_add_material():
    film = LIB.get("CoPt_S003A")
    hot = film.with_properties(curie_temperature=Property.from_quantity(
        "curie_temperature", "700 K", "[ASSUMP] test"))
    from dataclasses import replace

    lib2 = LIB.add(replace(hot, name="HotFilm"))
    assert lib2.get("HotFilm").prop("curie_temperature").value == 700.0
    assert "HotFilm" not in LIB and len(lib2) == len(LIB) + 1


BAD = [
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nvalue = 1e18\nsource = "[ASSUMP]"\n',
     r"\[X\.electron_phonon_coupling\]: missing 'unit'"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nvalue = 1e18\nunit = "W/(m^3 K)"\n',
     r"\[X\.electron_phonon_coupling\]: missing 'source'"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nvalue = -1e18\nunit = "W/(m^3 K)"\n'
     'source = "s"\n', r"\[X\.electron_phonon_coupling\]: negative value"),
    ('[X]\nkind = "metal"\n[X.lattice_heat_capacity]\ntable = {T_l = [300, 600], value = [3, -1]}'
     '\nunit = "J/(cm^3 K)"\nsource = "s"\n', r"\[X\.lattice_heat_capacity\]: negative value"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nvalue = 1e18\nunit = "W/(m^3 K)"\n'
     'source = "s"\nsorce = "t"\n', r"unknown key 'sorce'\. Did you mean 'source'"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_cupling]\nvalue = 1e18\nunit = "W/(m^3 K)"\n'
     'source = "s"\n', r"\[X\]: unknown key 'electron_phonon_cupling'\. Did you mean "
                       r"'electron_phonon_coupling'"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nvalue = 1e18\nunit = "W/m^3"\n'
     'source = "s"\n', r"unit 'W/m\^3' is not compatible with W/\(m\^3 K\)"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nexpression = "1e18*T_ee"\n'
     'unit = "W/(m^3 K)"\nsource = "s"\n', r"unknown name 'T_ee'\. Did you mean 'T_e'"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nexpression = "__import__(\'os\')"\n'
     'unit = "W/(m^3 K)"\nsource = "s"\n', r"not an allowed function"),
    ('[X]\nkind = "metal"\n[X.electron_phonon_coupling]\nexpression = "T_e^2"\n'
     'unit = "W/(m^3 K)"\nsource = "s"\n', r"use \*\* for powers"),
    ('[X]\nkind = "metl"\n', r"kind = 'metl'.*Did you mean 'metal'"),
    ('[X]\nkind = "metal"\n[X.refractive_index]\nunit = "1"\nwavelength_nm = [400, 800]\n'
     'n = [1.0, 2.0]\nk = [0.5, -0.1]\nsource = "s"\n', r"\[X\.refractive_index\]: k = .*negative"),
    ('[X]\nkind = "metal"\n[interfaces."X|Y"]\nspin_conductance = {value = 1e15, '
     'unit = "S/m^2", source = "s"}\n', r"interface 'X\|Y' names material 'Y'"),
]


@pytest.mark.parametrize(("text", "match"), BAD)
def test_validation_errors(tmp_path_factory, text, match):
    path = tmp_path_factory.mktemp(f"bad{MPI.COMM_WORLD.rank}") / "bad.toml"
    path.write_text(text)
    with pytest.raises(MaterialError, match=match) as info:
        Library.from_toml(path)
    assert str(path) in str(info.value) or "interface" in str(info.value)


def test_table_lists_materials():
    text = LIB.table()
    lines = text.splitlines()
    assert len(lines) == len(LIB) + 2
    row = next(line for line in lines if line.startswith("CoPt_S003A"))
    assert "2.673+4.883i" in row and "700" in row and "3e+18" in row and "550" in row


@pytest.mark.skip_in_parallel
def test_no_dolfinx_import_at_module_level():
    code = textwrap.dedent("""
        import sys
        import femmag.materials as m
        m.get_material("Co").prop("electron_phonon_coupling").numpy(300.0)
        assert "dolfinx" not in sys.modules and "ufl" not in sys.modules, "imported"
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
