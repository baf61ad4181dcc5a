"""TOML case files: the same objects as in scripts, written down.

Example (``cases/seed003_film.toml``)::

    [stack]
    layers = [{ name = "film", material = "CoPt_S003A", thickness = "10 nm" }]
    substrate = { material = "fused_silica", thickness = "5 um" }

    [mesh]
    kind = "rz"            # "1d" | "rz" | "3d"
    radius = "20 um"

    [pulse]
    fluence = "2.6 mJ/cm^2"
    duration = "140 fs"
    diameter = "10 um"
    wavelength = "800 nm"
    helicity = "sigma-"
    arrival = "0.2 ps"

    [physics]
    magnetization = true

    [magnetization]
    initial = "+z"
    applied_field = "0 T"

    [time]
    end = "100 ps"
    dt_pulse = "2 fs"
    dt_max = "1 ps"

    [output]
    field_times = ["0.2 ps", "0.5 ps", "1 ps", "12 ps", "100 ps"]

Unknown sections or keys are errors (a typo must not be silently ignored).
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ALLOWED: dict[str, set[str]] = {
    "stack": {"layers", "substrate", "ambient"},
    "mesh": {"kind", "radius", "size", "shape", "air_above", "air_below", "max_cell_size",
             "min_cells_per_layer", "substrate_growth", "substrate_max_cell", "beam_radius",
             "cells_per_beam_radius", "radial_growth", "max_radial_cell", "air_growth",
             "air_max_cell", "cell_type", "quadrature_degree", "cells_per_radius",
             "cells_per_side", "force"},
    "pulse": {"fluence", "duration", "diameter", "wavelength", "helicity", "arrival", "count",
              "period"},
    "physics": {"magnetization", "substrate_bottom", "initial_temperature", "theta"},
    "magnetization": {"initial", "applied_field", "quadrature_degree", "model", "seed",
                      "max_substeps", "max_substep"},
    "materials": {"file"},
    "time": {"end", "dt_pulse", "dt_max", "growth", "window", "min_dt", "tolerance",
             "checkpoint_every"},
    "output": {"field_times"},
    # parameter sweeps: keys are dotted paths into this case; checked by femmag.study
    "sweep": None,
}


#: keys of a layer table ([stack] layers = [{...}], substrate = {...})
LAYER_KEYS = {"name", "material", "thickness", "min_cells"}


class CaseError(ValueError):
    """A case file is malformed: unknown key, missing section, wrong value."""


@dataclass
class Case:
    """A parsed case: build the simulation with :meth:`simulation`, then ``run(**run_options)``."""

    path: Path
    data: dict
    run_options: dict = field(default_factory=dict)

    def library(self):
        """The packaged materials library with the case's ``[materials] file`` merged in.

        The file may override packaged materials and add new ones (a new name is a new material).
        """
        from femmag.materials import Library

        lib = Library.default()
        if "materials" in self.data:
            lib = lib.merge_toml(self.path.parent / self.data["materials"]["file"])
        return lib

    def stack(self, library=None):
        """The layer stack; material names are checked against ``library`` (default
        :meth:`library`)."""
        from femmag.geometry import Layer, Stack

        lib = self.library() if library is None else library
        st = self.data["stack"]
        layers = [Layer(**layer) for layer in st["layers"]]
        sub = dict(st.get("substrate", {"material": "fused_silica", "thickness": "5 um"}))
        sub.setdefault("name", "substrate")
        return Stack(layers, substrate=Layer(**sub), ambient=st.get("ambient", "air"),
                     material_check=lib.get)

    def pulse(self):
        from femmag.pulse import Pulse, PulseTrain

        p = dict(self.data["pulse"])
        count, period = p.pop("count", 1), p.pop("period", None)
        pulse = Pulse(**p)
        if count > 1:
            if period is None:
                raise CaseError(f"{self.path}: [pulse] count = {count} needs a period "
                                f"(e.g. period = \"1 ns\")")
            return PulseTrain(pulse, count, period)
        return pulse

    def simulation(self, comm=None, verbose: bool = True):
        from mpi4py import MPI

        from femmag.simulation import Simulation, TimeStepping

        comm = comm or MPI.COMM_WORLD
        lib = self.library()
        mesh = dict(self.data.get("mesh", {}))
        kind = mesh.pop("kind", "rz")
        phys = self.data.get("physics", {})
        mag = phys.get("magnetization", True)
        mag_opts = self.data.get("magnetization", {}) if mag else False
        if mag and not mag_opts:
            mag_opts = True
        time = self.data.get("time", {})
        ts = TimeStepping(**{k: v for k, v in time.items()
                             if k not in ("end", "checkpoint_every")})
        heat_opts = {"theta": phys["theta"]} if "theta" in phys else {}
        return Simulation(self.stack(lib), self.pulse(), mesh=kind, mesh_options=mesh, library=lib,
                          magnetization=mag_opts,
                          initial_temperature=phys.get("initial_temperature", "300 K"),
                          substrate_bottom=phys.get("substrate_bottom", "fixed"),
                          heat_options=heat_opts, time_stepping=ts, comm=comm, verbose=verbose)


def load_case(path: str | Path) -> Case:
    """Read and check a TOML case file (structure only; values are checked by the objects)."""
    path = Path(path)
    if not path.exists():
        raise CaseError(f"case file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as err:
        raise CaseError(f"{path}: not valid TOML: {err}") from None
    return case_from_dict(data, path)


def case_from_dict(data: dict, path: str | Path = "<case>") -> Case:
    """Check a case given as a dict (a parsed TOML file, or one a sweep derived from it);
    ``path`` names it in messages and anchors relative file names (``[materials] file``)."""
    path = Path(path)
    for section, body in data.items():
        if section not in ALLOWED:
            hint = difflib.get_close_matches(section, ALLOWED, n=1)
            raise CaseError(f"{path}: unknown section [{section}]"
                            + (f"; did you mean [{hint[0]}]?" if hint else "")
                            + f" Known sections: {sorted(ALLOWED)}")
        if ALLOWED[section] is None:  # checked by the section's owner
            continue
        if not isinstance(body, dict):
            raise CaseError(f"{path}: [{section}] must be a table of keys, got {body!r}")
        for key in body:
            if key not in ALLOWED[section]:
                hint = difflib.get_close_matches(key, ALLOWED[section], n=1)
                raise CaseError(f"{path}: unknown key '{key}' in [{section}]"
                                + (f"; did you mean '{hint[0]}'?" if hint else "")
                                + f" Known keys: {sorted(ALLOWED[section])}")
    for required in ("stack", "pulse", "time"):
        if required not in data:
            raise CaseError(f"{path}: missing section [{required}]")
    if "end" not in data["time"]:
        raise CaseError(f"{path}: [time] needs end = \"100 ps\" (the end time, with its unit)")
    _check_layer_tables(path, data["stack"])
    run_options = {"t_end": data["time"]["end"],
                   "field_times": data.get("output", {}).get("field_times", []),
                   "checkpoint_every": data["time"].get("checkpoint_every")}
    return Case(path, data, run_options)


def _check_layer_tables(path: Path, stack: dict) -> None:
    """Every layer table has known keys (a typo names the table and suggests the key)."""
    layers = stack.get("layers", [])
    if not isinstance(layers, list):
        raise CaseError(f"{path}: [stack] layers must be a list of tables, e.g. layers = "
                        f"[{{ name = \"film\", material = \"Co\", thickness = \"10 nm\" }}]")
    tables = [(f"[stack] layers[{i}]", t) for i, t in enumerate(layers)]
    if "substrate" in stack:
        tables.append(("[stack] substrate", stack["substrate"]))
    for where, table in tables:
        if not isinstance(table, dict):
            raise CaseError(f"{path}: {where} must be a table {{ name = ..., material = ..., "
                            f"thickness = ... }}, got {table!r}")
        for key in table:
            if key not in LAYER_KEYS:
                hint = difflib.get_close_matches(key, LAYER_KEYS, n=1)
                raise CaseError(f"{path}: unknown key '{key}' in {where}"
                                + (f"; did you mean '{hint[0]}'?" if hint else "")
                                + f" Known keys: {sorted(LAYER_KEYS)}")
