"""Case files reach everything a script can: each table ends up in the Simulation, a case runs
the same numbers as the script it writes down, bad keys are clear errors, and every file in
``cases/`` builds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

from femmag.case import CaseError, case_from_dict, load_case
from femmag.cli import main
from femmag.io.traces import read_trace
from femmag.materials import Library

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "cases").glob("*.toml"))

FILM_1D = {
    "stack": {"layers": [{"name": "CoPt", "material": "CoPt_S003A", "thickness": "10 nm"}],
              "substrate": {"material": "fused_silica", "thickness": "5 um"}},
    "mesh": {"kind": "1d"},
    "pulse": {"fluence": "2.6 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
              "helicity": "sigma-", "arrival": "0.2 ps"},
    "time": {"end": "0.3 ps", "dt_pulse": "2 fs", "dt_max": "50 fs"},
}


def case(**sections):
    """FILM_1D with sections replaced or added (a section set to None is removed)."""
    data = {k: dict(v) for k, v in FILM_1D.items()}
    for name, body in sections.items():
        if body is None:
            data.pop(name, None)
        else:
            data[name] = body
    return case_from_dict(data, ROOT / "cases" / "test.toml")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_every_case_file_builds(path):
    """Every file of cases/ parses, passes the material checks and builds its Simulation."""
    sim = load_case(path).simulation(verbose=False)
    described = sim.describe()["case"]
    assert described["stack"][0]["name"] == load_case(path).data["stack"]["layers"][0]["name"]


def test_every_demo_built_on_simulation_has_a_case():
    names = {p.stem for p in CASES}
    assert {"seed003_film", "film_switching", "spin_valve_fem", "spin_valve_ballistic",
            "patterned_edge", "pulse_train_1d"} <= names


def test_tables_reach_the_simulation():
    c = case(induction={"ife_coefficient": "0.5 T/(mJ/cm^2)", "joule_heating": True,
                        "cells_per_radius": 8},
             magnetization={"model": "llb-stochastic", "seed": 3, "applied_field": ["0 T", "0 T",
                                                                                  "0.1 T"]},
             optics={"method": "fem", "from_substrate_side": True},
             physics={"kapitza": "1e9 W/(m^2 K)", "initial_temperature": "250 K"},
             heat={"theta": 0.5, "newton_max_it": 12},
             time={"end": "1 ps", "dt_pulse": "1 fs", "dt_max": "20 fs", "growth": 1.05})
    described = c.simulation(verbose=False).describe()["case"]
    assert described["induction"] == {"ife_coefficient": "0.5 T/(mJ/cm^2)",
                                      "joule_heating": True, "cells_per_radius": 8}
    assert described["magnetization"] == {"model": "llb-stochastic", "seed": 3,
                                          "applied_field": ("0 T", "0 T", "0.1 T")}
    assert described["optics"] == {"method": "fem", "from_substrate_side": True}
    # (plus the Newton tolerance the default accuracy knob of a 1d mesh ties to the step)
    assert {k: described["heat_options"][k] for k in ("theta", "newton_max_it",
                                                      "substrate_bottom")} == \
        {"theta": "0.5", "newton_max_it": "12", "substrate_bottom": "fixed"}
    assert described["initial_temperature"] == "250 K"
    assert described["time_stepping"]["growth"] == "1.05"
    assert described["time_stepping"]["dt_pulse"] == "1 fs"
    # the Kapitza resistance is a thin interface layer between the metal and the substrate
    assert len(described["stack"]) == 3 and "kapitza" in described["stack"][1]["name"].lower()


def test_pulse_train_and_spin_tables():
    c = load_case(ROOT / "cases" / "pulse_train_1d.toml")
    train = c.pulse()
    assert np.allclose(train.arrivals, [0.3e-12, 20.3e-12])
    spin = load_case(ROOT / "cases" / "spin_valve_fem.toml").simulation(verbose=False)
    assert len(spin._extra_module_specs) == 1  # the SpinTransport factory


def test_spin_tables_take_units():
    from femmag.case import _SD_UNITS, _SPIN_LAYER_UNITS, _with_units
    from femmag.kernels.sd import SdParameters
    from femmag.physics.spin.diffusion import SpinLayer

    sd = _with_units(SdParameters, {"curie_temperature": "550 K", "rho": "0.5 eV",
                                    "tau_s": "50 fs", "tau_sd": "0.1 ps"}, _SD_UNITS, "[spin] sd")
    assert (sd.curie_temperature, sd.tau_s, sd.tau_sd) == (550.0, 5e-14, 1e-13)
    assert sd.rho == pytest.approx(0.5 * 1.602176634e-19, rel=1e-12)
    layer = _with_units(SpinLayer, {"name": "Cu", "thickness": "80 nm", "conductivity":
                                    "3.5e7 S/m", "dos": "1.558e47 1/(J m^3)",
                                    "spin_diffusion_length": "350 nm"}, _SPIN_LAYER_UNITS,
                        "[spin] spin_layers[0]")
    assert layer.thickness == pytest.approx(80e-9) and layer.conductivity == 3.5e7
    with pytest.raises(CaseError, match=r"unknown key 'curie_temp'; did you mean "
                                        r"'curie_temperature'"):
        _with_units(SdParameters, {"curie_temp": "550 K", "rho": "0.5 eV",
                                   "tau_s": "50 fs", "tau_sd": "0.1 ps"}, _SD_UNITS, "sd.free")
    with pytest.raises(Exception, match="unit"):  # a bare number where a unit belongs
        _with_units(SdParameters, {"curie_temperature": 550, "rho": "0.5 eV", "tau_s": "50 fs",
                                   "tau_sd": "0.1 ps"}, _SD_UNITS, "sd.free")


@pytest.mark.parametrize("sections, message", [
    ({"induction": {"ife_coeficient": "1 T/(mJ/cm^2)"}},
     r"unknown key 'ife_coeficient' in \[induction\].*did you mean 'ife_coefficient'\?.*Known "
     r"keys: \["),
    ({"induction": {"box_factor": 6}},  # a FilmInduction3D option on a 1D mesh
     r"unknown key 'box_factor' in \[induction\] \(for \[mesh\] kind = '1d'\)"),
    ({"mesh": {"kind": "1d", "cells_per_beam_radius": 10}},
     r"unknown key 'cells_per_beam_radius' in \[mesh\] \(for kind = '1d'\)"),
    ({"optics": {"metod": "fem"}}, r"unknown key 'metod' in \[optics\]; did you mean 'method'"),
    ({"magnetization": {"modl": "m3tm"}}, r"\[magnetization\]; did you mean 'model'"),
    ({"spin": {"transprt": "ballistic"}}, r"\[spin\]; did you mean 'transport'"),
    ({"time": {"end": "1 ps", "dt_puls": "1 fs"}}, r"\[time\]; did you mean 'dt_pulse'"),
    ({"inductoin": {}}, r"unknown section \[inductoin\]; did you mean \[induction\]"),
    ({"physics": {"magnetization": False}, "induction": {}},
     r"\[induction\] given while \[physics\] magnetization = false"),
    ({"mesh": {"kind": "xz"}}, r"kind = 'xz'.*needs pattern ="),
])
def test_bad_keys_are_clear_errors(sections, message):
    with pytest.raises(CaseError, match=message):
        case(**sections)


def test_materials_that_cannot_run_the_case_are_refused_before_the_mesh():
    c = case(stack={"layers": [{"name": "film", "material": "Ni", "thickness": "10 nm"}]})
    with pytest.raises(CaseError, match=r"layer 'film' \(Ni\) cannot run heat: lacks "
                                        r"electron_heat_capacity_coefficient") as err:
        c.simulation(verbose=False)
    assert "layer 'film' (Ni) cannot run optics: no refractive_index" in str(err.value)
    assert "cannot run llb: lacks llb_coupling, saturation_magnetization" in str(err.value)
    c = case(stack={"layers": [{"name": "film", "material": "Co", "thickness": "10 nm"}]})
    with pytest.raises(CaseError, match=r"\(Co\) cannot run llb: lacks llb_coupling"):
        c.simulation(verbose=False)
    c = case(stack={"layers": [{"name": "film", "material": "Co", "thickness": "10 nm"}]},
             magnetization={"model": "m3tm"})
    c.simulation(verbose=False)  # Co runs the M3TM


def test_capabilities():
    lib = Library.default()
    assert lib.capabilities("CoPt_S003A")["llb"] is None
    assert lib.capabilities("Co")["llb"] == "lacks llb_coupling, saturation_magnetization"
    assert lib.capabilities("Co")["m3tm"] is None
    ni = lib.capabilities("Ni")
    assert ni["optics"] == "no refractive_index" and ni["heat"].startswith("lacks ")
    assert lib.capabilities("Cu")["llb"].startswith("not magnetic")
    assert lib.capabilities("Co", "1500 nm")["optics"] == \
        "refractive index known for 400-800 nm, not 1500 nm"
    assert lib.capabilities("CoPt_multilayer")["sd"] is None


def test_femmag_materials_lists_capabilities(capsys):
    assert main(["materials"]) == 0
    out = capsys.readouterr().out
    if MPI.COMM_WORLD.rank != 0:
        assert out == ""
        return
    rows = {line.split()[0]: line.split()[1:] for line in out.split("\n\n")[1].splitlines()[2:]
            if line and not line.startswith(("(", "why", " "))}
    assert rows["Ni"][:3] == ["✗", "✗", "✗"]  # heat, optics, LLB
    assert rows["CoPt_S003A"][:3] == ["✓", "✓", "✓"]
    assert rows["Cu"][2] == "·"  # not magnetic
    assert "  Ni: no heat (lacks electron_heat_capacity_coefficient" in out
    assert "no optics (no refractive_index)" in out
    assert "  Co: no LLB (lacks llb_coupling, saturation_magnetization)" in out


def _same_traces(a, b):
    assert a.header() == b.header()
    np.testing.assert_array_equal(np.array(a.rows), np.array(b.rows))


def test_new_material_from_a_file_runs(tmp_path):
    """A material with a new name from [materials] file runs; a pure rename gives the very numbers
    of the packaged material, a changed coupling other ones."""
    folder = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0))
    if MPI.COMM_WORLD.rank == 0:
        (folder / "mine.toml").write_text(
            '[MyFilm]\nbase = "CoPt_S003A"\ndescription = "the seed-003 film, renamed"\n'
            '[MyWeakFilm]\nbase = "CoPt_S003A"\n[MyWeakFilm.electron_phonon_coupling]\n'
            'value = 1.5e18\nunit = "W/(m^3 K)"\nsource = "test"\n')
    MPI.COMM_WORLD.Barrier()

    def film_case(material):
        data = {k: dict(v) for k, v in FILM_1D.items()}
        data["stack"]["layers"] = [{"name": "CoPt", "material": material, "thickness": "10 nm"}]
        data["materials"] = {"file": "mine.toml"}
        return case_from_dict(data, folder / "case.toml")

    runs = {m: film_case(m).simulation(verbose=False).run("0.3 ps", progress=False)
            for m in ("CoPt_S003A", "MyFilm", "MyWeakFilm")}
    _same_traces(runs["CoPt_S003A"], runs["MyFilm"])
    te = {m: r.column("electron_temperature_centre").max() for m, r in runs.items()}
    assert te["MyWeakFilm"] > te["MyFilm"] + 20  # weaker coupling: hotter electrons


def test_materials_override_table():
    c = case(materials={"override": {"CoPt_S003A": {"electron_phonon_coupling":
                                                     "1.5e18 W/(m^3 K)"}}})
    assert c.library().get("CoPt_S003A").prop("electron_phonon_coupling").value == 1.5e18
    assert Library.default().get("CoPt_S003A").prop("electron_phonon_coupling").value == 3e18


def test_spin_valve_case_equals_the_script():
    """cases/spin_valve_fem.toml builds the same run as the Python of demo_spin_valve_fem."""
    from femmag.kernels.sd import SdParameters
    from femmag.physics.spin.module import spin_transport
    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping
    from femmag.studies.seed000 import seed000_spin_valve
    from femmag.studies.seed000.groups import seed000_groups

    c = load_case(ROOT / "cases" / "spin_valve_fem.toml")
    from_case = c.simulation(verbose=False).run("0.3 ps", progress=False)
    ev, ps = 1.602176634e-19, 1e-12
    sd = {"free": SdParameters(550.0, 0.5 * ev, 0.05 * ps, tau_sd=0.1 * ps),
          "ref": SdParameters(700.0, 0.5 * ev, 0.05 * ps, tau_sd=0.1 * ps)}
    stack = seed000_spin_valve(substrate_thickness="1 um")
    script = Simulation(stack, Pulse("12 mJ/cm^2", "50 fs", "10 um", arrival="0.1 ps"),
                        mesh="1d", magnetization=False, verbose=False,
                        modules=[spin_transport(ferromagnets=seed000_groups(stack), sd=sd,
                                                initial="P", transport="ballistic",
                                                efficiency=0.5, delay="70 fs")],
                        time_stepping=TimeStepping(dt_pulse="5 fs", dt_max="5 fs"))
    _same_traces(from_case, script.run("0.3 ps", progress=False))
    assert from_case.column("m_d_free")[-1] < 0.99 * from_case.column("m_d_free")[0]


def test_run_induction_case_end_to_end(tmp_path, capsys):
    """`femmag run` of a 1D case with [induction]: the same traces as the script, the induction
    options in run.toml."""
    import tomllib

    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping
    from femmag.studies.seed003 import seed003_film

    out = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0)) / "run"
    assert main(["run", str(ROOT / "cases" / "film_switching_1d.toml"), "--out", str(out),
                 "--quiet"]) == 0
    MPI.COMM_WORLD.Barrier()
    data = read_trace(out / "traces.csv")
    manifest = tomllib.loads((out / "run.toml").read_text())
    assert manifest["case"]["induction"] == {"ife_coefficient": "1 T/(mJ/cm^2)"}
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.2 ps")
    script = Simulation(seed003_film(), pulse, mesh="1d", magnetization={"initial": "+z"},
                        induction={"ife_coefficient": "1 T/(mJ/cm^2)"}, verbose=False,
                        time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="50 fs"))
    traces = script.run("1 ps", progress=False)
    np.testing.assert_allclose(data["induced_field_centre [T]"],
                               traces.column("induced_field_centre"), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(data["magnetization_z_centre [1]"],
                               traces.column("magnetization_z_centre"), rtol=1e-9)
    # σ−: the IFE field points along −z, a few tenths of a tesla at 2.6 mJ/cm²
    assert -3.0 < data["induced_field_centre [T]"].min() < -0.5


def test_readme_case_example_builds():
    import re
    import tomllib

    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("### Case files"):]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    c = case_from_dict(tomllib.loads(example), ROOT / "README.md")
    described = c.simulation(verbose=False).describe()["case"]
    assert described["induction"] == {"ife_coefficient": "1 T/(mJ/cm^2)"}
