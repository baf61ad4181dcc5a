"""The seed-003 set S003-A and the seed-000 reference's thermal set are written once.

The values live in ``femmag/materials/library.toml`` (``[CoPt_S003A]``, ``[fused_silica_S003A]``)
and ``femmag/studies/seed000/thermal.toml``. No ``.py`` file under ``femmag/`` may carry them as
number literals (comments and docstrings are not code; the scan reads number tokens), and every
copy the code derives equals the library value.
"""

import io
import tokenize
from pathlib import Path

import numpy as np
import pytest

import femmag
from femmag.materials import Library

PACKAGE = Path(femmag.__file__).parent
FILM, SUBSTRATE = "CoPt_S003A", "fused_silica_S003A"

#: S003-A numbers that mean nothing else in the package: G, C_l, the film index 2.673 + 4.883i,
#: the absorptance it gives, the substrate's heat capacity and index, the film conductivity.
#: (γ_e = 700, κ_e0 = 30, κ_l = 2, T_c = 550 ... also occur as unrelated numbers; the checks
#: of the derived copies below cover them.)
S003A_LITERALS = {3e18: "G", 3e6: "C_l", 2.673: "n", 4.883: "k", 0.3725: "absorptance",
                  1.64e6: "substrate C", 1.4533: "substrate n", 8e6: "sigma"}


def _number_literals(path: Path):
    """(line, text, value) of every number token of a Python file (imaginary: the imaginary part)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for token in tokens:
        if token.type != tokenize.NUMBER:
            continue
        text = token.string.replace("_", "")
        if text[-1] in "jJ":
            value = float(text[:-1])
        elif text[:2].lower() in ("0x", "0o", "0b"):
            value = float(int(text, 0))
        else:
            value = float(text)
        yield token.start[0], token.string, value


def test_no_s003a_literal_in_the_package():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text, value in _number_literals(path):
            for number, name in S003A_LITERALS.items():
                if value == pytest.approx(number, rel=1e-12):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {text} ({name})")
    assert not found, ("S003-A values written outside library.toml; read them from "
                       "femmag.materials.Library.default().get('CoPt_S003A'):\n"
                       + "\n".join(found))


def test_the_scan_sees_literals(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""G = 3e18 in a docstring is fine."""\nn = 2.673 + 4.883j  # 3e18\n')
    assert [value for _, _, value in _number_literals(probe)] == [2.673, 4.883]


def _library():
    lib = Library.default()
    return lib.get(FILM), lib.get(SUBSTRATE), lib


def test_derived_copies_of_s003a_equal_the_library():
    from femmag.materials import micromagnetic_parameters
    from femmag.models.beam_centre import S003_LLB, S003A_CONDUCTIVITY
    from femmag.models.electron_temperature import ElectronTemperatureTable
    from femmag.models.two_temperature_0d import S003A
    from femmag.physics.optics.transfer_matrix import tmm_stack_si
    from femmag.studies.seed003 import seed003_film, seed003_film_layers
    from femmag.studies.seed003.scalar_maps import CURIE_TEMPERATURE, SATURATION_FIELD_0K
    from femmag.units import MU0

    film, substrate, lib = _library()
    value = {name: film.prop(name).value for name in film.properties}
    n_film, n_substrate = film.refractive_index(800e-9), substrate.refractive_index(800e-9)
    assert n_film == pytest.approx(2.673 + 4.883j, abs=1e-12)  # the spec's index (§4.5)

    (layer,), silica = seed003_film_layers()
    assert layer["n"] == n_film and silica["n"] == n_substrate
    assert (layer["gamma_e"], layer["G"], layer["C_l"], layer["kappa_e0"], layer["kappa_l"]) == (
        value["electron_heat_capacity_coefficient"], value["electron_phonon_coupling"],
        value["lattice_heat_capacity"], value["electron_thermal_conductivity"],
        value["lattice_thermal_conductivity"])
    assert (silica["C"], silica["kappa"]) == (
        substrate.prop("lattice_heat_capacity").value,
        substrate.prop("lattice_thermal_conductivity").value)
    assert silica["C"] == 1.64e6 and lib.get("fused_silica").prop("lattice_heat_capacity").value \
        != silica["C"]  # S003-A's own substrate heat capacity
    assert ElectronTemperatureTable(1e-12).layers == [layer]

    assert (S003A.electron_heat_coefficient, S003A.electron_phonon_coupling,
            S003A.lattice_heat_capacity) == (value["electron_heat_capacity_coefficient"],
                                             value["electron_phonon_coupling"],
                                             value["lattice_heat_capacity"])
    absorbed = tmm_stack_si([n_film], [S003A.thickness], 800e-9, n_substrate=n_substrate)
    assert S003A.absorptance == absorbed.layer_absorption[0]
    assert S003A.absorptance == pytest.approx(0.3725, abs=5e-5)  # the spec's rounded A

    assert S003_LLB == micromagnetic_parameters(FILM).llb
    assert (S003_LLB.curie_temperature, S003_LLB.coupling) == (value["curie_temperature"],
                                                                value["llb_coupling"])
    assert S003A_CONDUCTIVITY == value["electrical_conductivity"]
    assert CURIE_TEMPERATURE == value["curie_temperature"]
    assert SATURATION_FIELD_0K == MU0 * value["saturation_magnetization"]
    assert seed003_film()["CoPt"].material == FILM


def test_seed000_thermal_set_is_the_library_with_the_overlay():
    import tomllib

    from femmag.models.two_temperature_1d import material_layer
    from femmag.studies.seed000 import SEED000_THERMAL, seed000_thermal_library
    from femmag.studies.seed000.thermal import THERMAL_OVERLAY

    library = seed000_thermal_library()
    overlay = tomllib.loads(THERMAL_OVERLAY.read_text(encoding="utf-8"))
    for material, properties in overlay.items():
        for name, entry in properties.items():
            assert library.get(material).prop(name).value == pytest.approx(entry["value"],
                                                                           rel=1e-15)
    for material, params in SEED000_THERMAL.items():
        layer = material_layer(material, material, 1e-9, 1, library=library)
        assert params == {k: v for k, v in layer.items()
                          if k not in ("name", "thickness", "cells", "n")}
    # the overlay changes only what it lists
    default = Library.default()
    assert library.get("glass").prop("lattice_heat_capacity").value == \
        default.get("glass").prop("lattice_heat_capacity").value
    assert library.get("Co").prop("electron_phonon_coupling").value != \
        default.get("Co").prop("electron_phonon_coupling").value
    assert np.isfinite(SEED000_THERMAL["Cu"]["kappa_e0"])
