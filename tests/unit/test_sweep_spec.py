"""Sweep specifications: parsing, products, units, and errors that name the key before any run."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)
from femmag.study import Sweep, SweepError
from femmag.study.sweep import OVERRIDE_SOURCE, parse_axis

CASE = Path(__file__).parents[2] / "cases" / "seed003_film_1d.toml"


def _case() -> dict:
    return tomllib.loads(CASE.read_text())


def _error(axes: dict) -> str:
    with pytest.raises(SweepError) as info:
        Sweep(_case(), axes=axes)
    return str(info.value)


def test_list_axis_keeps_the_users_unit_and_records_si():
    axis = parse_axis("pulse.diameter", ["2 um", "10 um", "0.02 mm"])
    assert axis.name == "diameter" and axis.unit == "um"
    np.testing.assert_allclose(axis.labels, [2, 10, 20])
    np.testing.assert_allclose(axis.si, [2e-6, 1e-5, 2e-5], rtol=1e-14)
    assert axis.si_unit == "m"
    fluence = parse_axis("pulse.fluence", ["1 mJ/cm^2", "2.5 mJ/cm^2"])
    np.testing.assert_allclose(fluence.si, [10.0, 25.0], rtol=1e-14)
    assert fluence.unit == "mJ/cm^2" and fluence.si_unit == "J/m^2"


def test_ranges_linear_and_log():
    lin = parse_axis("pulse.fluence", {"from": "1 mJ/cm^2", "to": "4 mJ/cm^2", "num": 4})
    np.testing.assert_allclose(lin.labels, [1, 2, 3, 4], rtol=1e-12)
    assert lin.values[0] == "1 mJ/cm^2"
    log = parse_axis("pulse.diameter", {"from": "1 um", "to": "100 um", "num": 3,
                                        "spacing": "log"})
    np.testing.assert_allclose(log.labels, [1, 10, 100], rtol=1e-12)
    one = parse_axis("pulse.fluence", {"from": "2 mJ/cm^2", "to": "2 mJ/cm^2", "num": 1})
    assert one.values == ["2 mJ/cm^2"]
    bare = parse_axis("materials.CoPt_S003A.llb_coupling", {"from": 0.01, "to": 0.03, "num": 3})
    np.testing.assert_allclose(bare.labels, [0.01, 0.02, 0.03])
    assert bare.unit == "1"


@pytest.mark.parametrize("spec, words", [
    ({"from": "1 mJ/cm^2", "to": "4 mJ/cm^2", "num": 0}, "num = 0"),
    ({"from": "1 mJ/cm^2", "to": "4 mJ/cm^2", "num": 2.5}, "integer"),
    ({"from": "1 mJ/cm^2", "to": "4 mJ/cm^2"}, "needs ['num']"),
    ({"from": "1 mJ/cm^2", "to": "4 mJ/cm^2", "num": 3, "spacing": "cubic"}, "spacing"),
    ({"from": "1 mJ/cm^2", "to": "4 mJ/cm^2", "nun": 3}, "did you mean 'num'"),
    ({"from": "1 mJ/cm^2", "to": "4 um", "num": 3}, "unit mismatch"),
    ({"from": "-1 T", "to": "1 T", "num": 3, "spacing": "log"}, "one sign"),
    ([], "empty"),
    (["1 mJ/cm^2", "2 um"], "unit mismatch"),
    (["1 mJ/cm^2", "1 mJ/cm^2"], "repeated"),
    (["1 mJ/cm^2", "sigma+"], "mixed"),
    (["2 mJ/cmm^2"], "cannot read the unit"),
    ("2 mJ/cm^2", "give a list"),
])
def test_bad_axis_values_name_the_key(spec, words):
    with pytest.raises(SweepError) as info:
        parse_axis("pulse.fluence", spec)
    assert "'pulse.fluence'" in str(info.value) and words in str(info.value)


def test_points_are_the_product_first_axis_slowest():
    sweep = Sweep(_case(), axes={"pulse.fluence": ["1 mJ/cm^2", "2 mJ/cm^2"],
                                 "pulse.helicity": ["sigma-", "sigma+", "linear"]})
    assert sweep.shape == (2, 3) and len(sweep) == 6
    assert sweep.points[1] == {"pulse.fluence": "1 mJ/cm^2", "pulse.helicity": "sigma+"}
    assert sweep.points[3] == {"pulse.fluence": "2 mJ/cm^2", "pulse.helicity": "sigma-"}
    assert [a.name for a in sweep.axes] == ["fluence", "helicity"]
    assert list(sweep.axes[1].labels) == ["sigma-", "sigma+", "linear"]
    pulse = sweep.case(sweep.points[4]).pulse()
    assert pulse.fluence == pytest.approx(20.0) and pulse.helicity == 1


def test_sweep_table_in_the_case_file_quoted_or_dotted_keys(tmp_path):
    text = CASE.read_text()
    quoted = tmp_path / "quoted.toml"
    quoted.write_text(text + '\n[sweep]\n"pulse.diameter" = ["2 um", "20 um"]\n'
                             '"time.dt_max" = ["50 fs"]\n')
    dotted = tmp_path / "dotted.toml"
    dotted.write_text(text + '\n[sweep]\npulse.diameter = ["2 um", "20 um"]\n'
                             'time.dt_max = ["50 fs"]\n')
    a, b = Sweep(quoted), Sweep(dotted)
    assert a.points == b.points and a.shape == (2, 1)
    assert a.signature() == b.signature()
    assert "sweep" not in a.base  # the base case is the case without its sweep
    assert a.case(a.points[1]).pulse().radius == pytest.approx(10e-6)


def test_material_axis_goes_into_the_library_with_its_source():
    sweep = Sweep(_case(), axes={
        "materials.CoPt_S003A.electron_phonon_coupling": ["1e18 W/(m^3 K)", "3e18 W/(m^3 K)"],
        "materials.CoPt_S003A.curie_temperature": ["500 K"],
        "materials.Cu.curie_temperature": ["600 K"]})
    assert [a.name for a in sweep.axes] == ["electron_phonon_coupling",
                                            "CoPt_S003A_curie_temperature",
                                            "Cu_curie_temperature"]
    library = sweep.case(sweep.points[1]).library()
    prop = library.get("CoPt_S003A").prop("electron_phonon_coupling")
    assert prop.value == pytest.approx(3e18) and prop.source == OVERRIDE_SOURCE
    assert library.get("CoPt_S003A").prop("curie_temperature").value == pytest.approx(500.0)
    # the base case's library is untouched
    base = sweep.base_case.library().get("CoPt_S003A").prop("electron_phonon_coupling")
    assert base.source != OVERRIDE_SOURCE


@pytest.mark.parametrize("axes, words", [
    ({"pulse.fluense": ["1 mJ/cm^2"]}, "did you mean 'fluence'"),
    ({"pulsee.fluence": ["1 mJ/cm^2"]}, "unknown section [pulsee]"),
    ({"pulse.fluence": ["2 um"]}, "unit mismatch"),
    ({"pulse.wavelength": ["800 fs"]}, "wrong unit"),  # not in the case: checked by Pulse
    ({"pulse.helicity": ["sigma", "sigma+"]}, "not a helicity"),
    ({"fluence": ["1 mJ/cm^2"]}, "dotted path"),
    ({"stack.layers.3.thickness": ["5 nm"]}, "list of 1 items"),
    ({"materials.CoPtt.curie_temperature": ["500 K"]}, "did you mean 'CoPt'"),
    ({"materials.CoPt_S003A.curie_temprature": ["500 K"]}, "did you mean 'curie_temperature'"),
    ({"materials.CoPt_S003A.curie_temperature": ["500 um"]}, "wrong unit"),
    ({"sweep.x": [1]}, "cannot be swept"),
])
def test_bad_keys_are_refused_before_any_run(axes, words):
    message = _error(axes)
    assert f"'{next(iter(axes))}'" in message and words in message, message


def test_a_list_index_is_a_path():
    sweep = Sweep(_case(), axes={"stack.layers.0.thickness": ["5 nm", "20 nm"]})
    assert sweep.axes[0].name == "thickness"
    stack = sweep.case(sweep.points[1]).stack()
    assert stack.layers[0].thickness == pytest.approx(20e-9)


def test_a_case_without_sweep_is_refused():
    with pytest.raises(SweepError, match="no parameters to sweep"):
        Sweep(_case())


@pytest.mark.skip_in_parallel  # the CLI ends every rank on an error (MPI_Abort)
def test_cli_reports_a_bad_sweep_as_bad_input(tmp_path, capsys):
    from femmag.cli import main

    case = tmp_path / "case.toml"
    case.write_text(CASE.read_text() + '\n[sweep]\n"pulse.fluence" = ["2 um"]\n')
    assert main(["sweep", str(case), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "unit mismatch" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before anything was written
