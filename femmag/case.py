"""TOML case files: the same objects as in scripts, written down.

A case file holds one table per keyword argument of :class:`~femmag.simulation.Simulation`, with
the option names of the object it configures, so that a script and a case file read alike:

=====================  =========================================================================
``[stack]``            ``layers = [{name, material, thickness, min_cells}]``, ``substrate = {}``,
                       ``ambient``: :class:`~femmag.geometry.Stack` of
                       :class:`~femmag.geometry.Layer`
``[mesh]``             ``kind = "1d" | "rz" | "3d" | "xz"`` and the options of its builder
                       (:mod:`femmag.geometry.builders`); ``kind = "xz"`` takes
                       ``pattern = {kind, half_width, edge, ...}`` (a
                       :class:`~femmag.geometry.patterned.LateralPattern`)
``[pulse]``            :class:`~femmag.pulse.Pulse` options; ``count`` and ``period`` make a
                       :class:`~femmag.pulse.PulseTrain`, and so do ``arrivals = ["0.3 ps",
                       "2 ps"]`` with optional ``fluences = [...]`` and ``helicities = [...]``
                       (one per pulse); or ``[[pulse]]``, an array of pulse tables (one per
                       pulse, same duration, diameter and wavelength)
``[physics]``          ``magnetization = true | false``, ``initial_temperature``,
                       ``substrate_bottom``, ``kapitza = true | "1e9 W/(m^2 K)"``
``[heat]``             options of :class:`~femmag.physics.heat.module.TwoTemperatureModel`
                       (``theta``, ``newton_tolerance``, ...)
``[magnetization]``    options of :class:`~femmag.physics.magnetization.module.Magnetization`:
                       ``model = "llb" | "llb-quantum" | "llb-stochastic" | "m3tm"`` (or a table
                       region → model), ``initial``, ``applied_field``, ``seed``, ...
``[induction]``        options of :class:`~femmag.physics.induction.module.FilmInduction`
                       (``FilmInduction3D`` on ``kind = "3d"``): ``ife_coefficient``,
                       ``representation``, ``magnetization_source``, ``joule_heating``, ...;
                       the table switches the induced field on
``[optics]``           ``Simulation(optics=...)``: ``method = "tmm" | "fem"``,
                       ``from_substrate_side``, ``ballistic_range = true | {Cu = "70 nm"}``,
                       ``ballistic_fraction``, ... (:data:`femmag.simulation.OPTICS_OPTIONS`)
``[spin]``             options of :class:`~femmag.physics.spin.module.SpinTransport` (added as
                       a module): ``ferromagnets = {free = ["free_Co"]}``,
                       ``sd = {free = {curie_temperature = "550 K", rho = "0.5 eV", tau_s =
                       "0.05 ps", tau_sd = "0.1 ps"}}``, ``transport``, ``spin_layers = [{...}]``,
                       ``interface_conductances = ["6.5e14 S/m^2", ...]``, ``efficiency``,
                       ``delay``, ``initial``, ...
``[materials]``        ``file = "mine.toml"`` (or a list; library format, new names add
                       materials) and ``override = {Co = {electron_phonon_coupling = "4e18
                       W/(m^3 K)"}}`` (:meth:`~femmag.materials.Library.override`)
``[time]``             ``end``, ``checkpoint_every`` and the :class:`~femmag.timestepping.
                       TimeStepping` options (``dt_pulse``, ``dt_max``, ``growth``, ...)
``[output]``           ``field_times``
``[outputs]``          ``Simulation(outputs=...)``: ``fields = ["electron_temperature"]``,
                       ``times = ["1 ps", ...]`` or ``every = "10 ps"``
                       (:data:`femmag.simulation.OUTPUT_OPTIONS`)
``[probes]``           ``Simulation(probes=...)``: one table per probe, ``[probes.centre]
                       field = "electron_temperature"``, ``at = ["0 um", "0 nm"]``,
                       ``component`` (:data:`femmag.io.probes.PROBE_OPTIONS`)
``[sweep]``            parameter sweeps, read by :mod:`femmag.study`
=====================  =========================================================================

The option lists of ``[mesh]``, ``[heat]``, ``[magnetization]``, ``[induction]``, ``[spin]`` and
``[time]`` are read from the signatures of the objects they configure, so a new option of a
module is available in case files at once.

Example (``cases/seed003_film.toml``)::

    [stack]
    layers = [{ name = "film", material = "CoPt_S003A", thickness = "10 nm" }]
    substrate = { material = "fused_silica", thickness = "5 um" }

    [mesh]
    kind = "rz"            # "1d" | "rz" | "3d" | "xz"
    radius = "20 um"

    [pulse]
    fluence = "2.6 mJ/cm^2"
    duration = "140 fs"
    diameter = "10 um"
    wavelength = "800 nm"
    helicity = "sigma-"
    arrival = "0.2 ps"

    [magnetization]
    initial = "+z"
    applied_field = "0 T"

    [induction]
    ife_coefficient = "1 T/(mJ/cm^2)"

    [time]
    end = "100 ps"
    dt_pulse = "2 fs"
    dt_max = "1 ps"

    [output]
    field_times = ["0.2 ps", "0.5 ps", "1 ps", "12 ps", "100 ps"]

Unknown sections or keys are errors naming the section, the key, the closest known key and all
known keys (a typo must not be silently ignored). Not expressible in a case file: field providers
(``Simulation(fields=...)``: callables), ready ``absorption`` objects and modules other than spin
transport, and ``SpinTransport(temperatures=...)`` (prescribed temperature traces).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: keys of the sections whose options are not read from a signature (None: checked elsewhere)
_FIXED_KEYS: dict[str, set[str] | None] = {
    "stack": {"layers", "substrate", "ambient"},
    "pulse": {"fluence", "duration", "diameter", "wavelength", "helicity", "arrival", "count",
              "period", "arrivals", "fluences", "helicities"},
    "physics": {"magnetization", "substrate_bottom", "initial_temperature", "theta", "kapitza"},
    "materials": {"file", "override"},
    "output": {"field_times"},
    # parameter sweeps: keys are dotted paths into this case; checked by femmag.study
    "sweep": None,
}

#: every section of a case file
SECTIONS = ("stack", "mesh", "pulse", "physics", "heat", "magnetization", "induction", "optics",
            "spin", "materials", "time", "output", "outputs", "probes", "sweep")

#: keys of one table of a ``[[pulse]]`` array (one pulse each)
PULSE_TABLE_KEYS = {"fluence", "duration", "diameter", "wavelength", "helicity", "arrival"}

#: keys of a layer table ([stack] layers = [{...}], substrate = {...})
LAYER_KEYS = {"name", "material", "thickness", "min_cells", "refractive_index"}

#: units of the SI float fields of SdParameters and SpinLayer (case files give them with units)
_SD_UNITS = {"curie_temperature": "K", "rho": "J", "tau_s": "s", "tau_sd": "s",
             "m3tm_rate": "1/s"}
_SPIN_LAYER_UNITS = {"thickness": "m", "conductivity": "S/m", "dos": "1/(J*m^3)",
                     "spin_relaxation_time": "s", "spin_diffusion_length": "m",
                     "diffusion_constant": "m^2/s"}


class CaseError(ValueError):
    """A case file is malformed: unknown key, missing section, wrong value."""


def _options(obj: Any, *skip: str) -> set[str]:
    """Keyword options of a callable (its signature less ``skip``)."""
    return {name for name, p in inspect.signature(obj).parameters.items()
            if name not in skip and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


@functools.cache
def mesh_keys() -> dict[str, set[str]]:
    """``[mesh]`` options per mesh kind: the keyword arguments of its builder."""
    from femmag.geometry import builders
    from femmag.geometry.patterned import build_patterned

    return {"1d": _options(builders.build_1d, "stack", "comm"),
            "rz": _options(builders.build_axisymmetric, "stack", "comm"),
            "3d": _options(builders.build_3d, "stack", "comm"),
            "xz": _options(build_patterned, "stack", "comm")}


@functools.cache
def induction_keys() -> dict[str, set[str]]:
    """``[induction]`` options per mesh kind: the keyword arguments of the induction module."""
    from femmag.physics.induction.module import FilmInduction
    from femmag.physics.induction.module3d import FilmInduction3D

    axisymmetric = _options(FilmInduction, "domain", "pulse", "library")
    return {"1d": axisymmetric, "rz": axisymmetric,
            "3d": _options(FilmInduction3D, "domain", "pulse", "library")}


@functools.cache
def section_keys(section: str) -> set[str] | None:
    """The known keys of a case-file section (None: the section's owner checks them)."""
    if section in _FIXED_KEYS:
        return _FIXED_KEYS[section]
    if section == "mesh":
        return {"kind"} | set().union(*mesh_keys().values())
    if section == "heat":
        from femmag.physics.heat.module import TwoTemperatureModel

        return _options(TwoTemperatureModel, "domain", "library", "initial_temperature",
                        "extra_sources")
    if section == "magnetization":
        from femmag.physics.magnetization.module import Magnetization

        return _options(Magnetization, "domain", "library", "initial_temperature")
    if section == "induction":
        return set().union(*induction_keys().values())
    if section == "optics":
        from femmag.simulation import OPTICS_OPTIONS

        return set(OPTICS_OPTIONS)
    if section == "outputs":
        from femmag.simulation import OUTPUT_OPTIONS

        return set(OUTPUT_OPTIONS)
    if section == "probes":  # keys are probe names; each table is checked by _check_probes
        return None
    if section == "spin":
        from femmag.physics.spin.module import SpinTransport

        return _options(SpinTransport, "simulation", "temperatures")
    if section == "time":
        from femmag.timestepping import TimeStepping

        return {"end", "checkpoint_every"} | {f.name for f in dataclasses.fields(TimeStepping)}
    raise CaseError(f"unknown section [{section}]")


def _unknown_key(path: Path, where: str, key: str, known: set[str], why: str = "") -> CaseError:
    hint = difflib.get_close_matches(key, known, n=1)
    return CaseError(f"{path}: unknown key '{key}' in {where}{why}"
                     + (f"; did you mean '{hint[0]}'?" if hint else "")
                     + f" Known keys: {sorted(known)}")


def _check_keys(path: Path, where: str, table: Any, known: set[str], why: str = "") -> None:
    if not isinstance(table, dict):
        raise CaseError(f"{path}: {where} must be a table of keys, got {table!r}")
    for key in table:
        if key not in known:
            raise _unknown_key(path, where, key, known, why)


@dataclass
class Case:
    """A parsed case: build the simulation with :meth:`simulation`, then ``run(**run_options)``."""

    path: Path
    data: dict
    run_options: dict = field(default_factory=dict)

    @property
    def mesh_kind(self) -> str:
        return self.data.get("mesh", {}).get("kind", "rz")

    def library(self):
        """The packaged materials library with the case's ``[materials]`` applied: ``file`` (one
        or a list, merged in order; a new name adds a material, an existing one replaces it),
        then ``override`` (``{material: {property: value}}``, :meth:`Library.override`)."""
        from femmag.materials import Library

        lib = Library.default()
        spec = self.data.get("materials", {})
        files = spec.get("file", [])
        for name in [files] if isinstance(files, str) else files:
            lib = lib.merge_toml(self.path.parent / name)
        for material, properties in spec.get("override", {}).items():
            lib = lib.override(material, **properties)
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
        """``[pulse]`` as a Pulse or a PulseTrain (``count``/``period``, ``arrivals``, or a
        ``[[pulse]]`` array of tables)."""
        from femmag.pulse import Pulse, PulseTrain

        if isinstance(self.data["pulse"], list):  # [[pulse]]: one table per pulse
            tables = self.data["pulse"]
            shape = {k: tables[0].get(k) for k in ("duration", "diameter", "wavelength")}
            for i, table in enumerate(tables[1:], start=1):
                for key, value in shape.items():
                    if table.get(key, value) != value:
                        raise CaseError(f"{self.path}: [[pulse]] {i}: {key} = "
                                        f"{table[key]!r} differs from the first pulse's "
                                        f"{value!r}; the pulses of a train share duration, "
                                        f"diameter and wavelength (leave them out after the "
                                        f"first)")
            for i, table in enumerate(tables):
                if "arrival" not in table and len(tables) > 1:
                    raise CaseError(f"{self.path}: [[pulse]] {i} needs arrival = \"... ps\" "
                                    f"(each pulse of a train its own)")
            first = Pulse(**tables[0])
            if len(tables) == 1:
                return first
            return PulseTrain(first, arrivals=[t["arrival"] for t in tables],
                              fluences=[t.get("fluence", tables[0]["fluence"]) for t in tables],
                              helicities=[t.get("helicity", tables[0].get("helicity", 0))
                                          for t in tables])
        p = dict(self.data["pulse"])
        count, period = p.pop("count", 1), p.pop("period", None)
        per_pulse = {k: p.pop(k) for k in ("arrivals", "fluences", "helicities") if k in p}
        if per_pulse:
            if "arrivals" not in per_pulse:
                raise CaseError(f"{self.path}: [pulse] fluences/helicities need arrivals = "
                                f"[\"0.3 ps\", ...] (one time per pulse)")
            if count != 1 or period is not None:
                raise CaseError(f"{self.path}: [pulse] give arrivals or count and period, "
                                f"not both")
            p.setdefault("arrival", per_pulse["arrivals"][0])
            return PulseTrain(Pulse(**p), **per_pulse)
        pulse = Pulse(**p)
        if count > 1:
            if period is None:
                raise CaseError(f"{self.path}: [pulse] count = {count} needs a period "
                                f"(e.g. period = \"1 ns\")")
            return PulseTrain(pulse, count, period)
        return pulse

    def mesh_options(self) -> dict:
        """``[mesh]`` less ``kind``: ``pattern`` as a LateralPattern, ``msh_file`` relative to
        the case file."""
        mesh = {k: v for k, v in self.data.get("mesh", {}).items() if k != "kind"}
        if "pattern" in mesh:
            from femmag.geometry.patterned import LateralPattern

            mesh["pattern"] = LateralPattern(**mesh["pattern"])
        if "msh_file" in mesh:
            mesh["msh_file"] = str(self.path.parent / mesh["msh_file"])
        return mesh

    def magnetization_options(self) -> dict | bool:
        """``[magnetization]`` as ``Simulation(magnetization=...)``: False when ``[physics]
        magnetization = false``."""
        if not self.data.get("physics", {}).get("magnetization", True):
            return False
        options = dict(self.data.get("magnetization", {}))
        field_ = options.get("applied_field")
        if isinstance(field_, list):  # TOML has no tuples: a 3-vector of quantities
            options["applied_field"] = tuple(field_)
        return options or True

    def spin_module(self):
        """The ``[spin]`` table as a ``Simulation(modules=[...])`` factory (None without it)."""
        if "spin" not in self.data:
            return None
        from femmag.kernels.sd import SdParameters
        from femmag.physics.spin.diffusion import SpinLayer
        from femmag.physics.spin.module import spin_transport

        options = dict(self.data["spin"])
        if "sd" in options:
            options["sd"] = {group: _with_units(SdParameters, table, _SD_UNITS,
                                                f"{self.path}: [spin] sd.{group}")
                             for group, table in options["sd"].items()}
        if "spin_layers" in options:
            options["spin_layers"] = [
                _with_units(SpinLayer, table, _SPIN_LAYER_UNITS,
                            f"{self.path}: [spin] spin_layers[{i}]")
                for i, table in enumerate(options["spin_layers"])]
        if "interface_conductances" in options:
            from femmag.units import to_si

            options["interface_conductances"] = [
                to_si(g, "S/m^2", "[spin] interface_conductances")
                for g in options["interface_conductances"]]
        for key in ("efficiency", "outer"):  # pairs are tuples
            if isinstance(options.get(key), list):
                options[key] = tuple(options[key])
        return spin_transport(**options)

    def check_materials(self, library=None) -> None:
        """Refuse, before any mesh is built, a material that lacks what the case's physics
        needs (:meth:`femmag.materials.Library.capabilities` says why)."""
        lib = self.library() if library is None else library
        stack = self.stack(lib)
        pulse = self.pulse()
        wavelength = getattr(pulse, "pulse", pulse).wavelength
        mag = self.magnetization_options()
        models = mag.get("model", "llb") if isinstance(mag, dict) else "llb"
        problems = []
        # every layer is heated and every index enters the optics (ambient included)
        checks = [(layer.name, layer.material, ["heat", "optics"]) for layer in
                  stack.all_layers()]
        if stack.ambient is not None:
            checks.append(("ambient", stack.ambient, ["optics"]))
        for name, material, needs in checks:
            can = lib.capabilities(material, wavelength=wavelength)
            if mag and lib.get(material).has("curie_temperature"):
                model = models.get(name, "llb") if isinstance(models, dict) else models
                needs = [*needs, "m3tm" if model == "m3tm" else "llb"]
            problems += [f"layer '{name}' ({material}) cannot run {what}: {can[what]}"
                         for what in needs if can[what]]
        if problems:
            raise CaseError(f"{self.path}: the materials cannot run this case:\n  "
                            + "\n  ".join(problems)
                            + "\nAdd the missing properties with [materials] file or override")

    def simulation(self, comm=None, verbose: bool = True):
        """The :class:`~femmag.simulation.Simulation` of this case (not set up, not run)."""
        from mpi4py import MPI

        from femmag.simulation import Simulation, TimeStepping

        comm = comm or MPI.COMM_WORLD
        lib = self.library()
        self.check_materials(lib)
        phys = self.data.get("physics", {})
        time = self.data.get("time", {})
        ts = TimeStepping(**{k: v for k, v in time.items()
                             if k not in ("end", "checkpoint_every")})
        heat_opts = dict(self.data.get("heat", {}))
        if "theta" in phys:
            heat_opts.setdefault("theta", phys["theta"])
        spin = self.spin_module()
        return Simulation(self.stack(lib), self.pulse(), mesh=self.mesh_kind,
                          mesh_options=self.mesh_options(), library=lib,
                          magnetization=self.magnetization_options(),
                          induction=(dict(self.data["induction"]) if "induction" in self.data
                                     else None),
                          optics=dict(self.data.get("optics", {})) or None,
                          kapitza=phys.get("kapitza"),
                          initial_temperature=phys.get("initial_temperature", "300 K"),
                          substrate_bottom=phys.get("substrate_bottom", "fixed"),
                          heat_options=heat_opts, time_stepping=ts,
                          modules=[spin] if spin is not None else [], comm=comm,
                          probes=self.data.get("probes"), outputs=self.data.get("outputs"),
                          verbose=verbose)


def _with_units(cls: Any, table: Any, units: dict[str, str], where: str) -> Any:
    """``cls(**table)`` with the keys checked. A class that parses its own units (it has a
    ``from_si``, e.g. SpinLayer) gets the values as written; for a dataclass of SI floats,
    quantities given with units (strings) are converted to the SI float of the field."""
    from femmag.units import to_si

    parses_units = hasattr(cls, "from_si")
    if parses_units:
        import inspect

        known = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    else:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        known = list(fields)
    if not isinstance(table, dict):
        raise CaseError(f"{where} must be a table of {sorted(known)}, got {table!r}")
    for key in table:
        if key not in known:
            hint = difflib.get_close_matches(key, known, n=1)
            raise CaseError(f"{where}: unknown key '{key}'"
                            + (f"; did you mean '{hint[0]}'?" if hint else "")
                            + f" Known keys: {sorted(known)}")
    values = dict(table)
    if not parses_units:
        for key, value in table.items():
            takes_float = "float" in str(fields[key].type) and "str" not in str(fields[key].type)
            if key in units and takes_float and not isinstance(value, bool):
                values[key] = to_si(value, units[key], f"{where} {key}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as err:
        raise CaseError(f"{where}: {err}") from None


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
        if section not in SECTIONS:
            hint = difflib.get_close_matches(section, SECTIONS, n=1)
            raise CaseError(f"{path}: unknown section [{section}]"
                            + (f"; did you mean [{hint[0]}]?" if hint else "")
                            + f" Known sections: {sorted(SECTIONS)}")
        known = section_keys(section)
        if known is None:  # checked by the section's owner
            continue
        if section == "pulse" and isinstance(body, list):  # [[pulse]]: a table per pulse
            for i, table in enumerate(body):
                _check_keys(path, f"[[pulse]] {i}", table, PULSE_TABLE_KEYS)
            if not body:
                raise CaseError(f"{path}: [[pulse]] holds no pulse")
            continue
        _check_keys(path, f"[{section}]", body, known)
    _check_probes(path, data.get("probes", {}))
    for required in ("stack", "pulse", "time"):
        if required not in data:
            raise CaseError(f"{path}: missing section [{required}]")
    if "end" not in data["time"]:
        raise CaseError(f"{path}: [time] needs end = \"100 ps\" (the end time, with its unit)")
    _check_layer_tables(path, data["stack"])
    _check_per_kind(path, data)
    if data.get("output", {}).get("field_times") and (
            "times" in data.get("outputs", {}) or "every" in data.get("outputs", {})):
        raise CaseError(f"{path}: field times given twice, in [output] field_times and in "
                        f"[outputs] times/every; keep one")
    run_options = {"t_end": data["time"]["end"],
                   "field_times": data.get("output", {}).get("field_times", []),
                   "checkpoint_every": data["time"].get("checkpoint_every")}
    return Case(path, data, run_options)


def _check_per_kind(path: Path, data: dict) -> None:
    """Options that exist only for some mesh kinds, and sections that contradict each other."""
    kind = data.get("mesh", {}).get("kind", "rz")
    if kind not in mesh_keys():
        raise CaseError(f"{path}: [mesh] kind = {kind!r}: use one of {sorted(mesh_keys())}")
    _check_keys(path, "[mesh]", data.get("mesh", {}), {"kind"} | mesh_keys()[kind],
                f" (for kind = '{kind}')")
    if kind == "xz" and "pattern" not in data.get("mesh", {}):
        raise CaseError(f"{path}: [mesh] kind = 'xz' (a patterned film under a line focus) needs "
                        f"pattern = {{ kind = \"edge\", half_width = \"6 um\" }}")
    if "induction" in data:
        if kind not in induction_keys():
            raise CaseError(f"{path}: [induction] needs [mesh] kind = '1d', 'rz' or '3d', not "
                            f"'{kind}'")
        _check_keys(path, "[induction]", data["induction"], induction_keys()[kind],
                    f" (for [mesh] kind = '{kind}')")
    magnetization = data.get("physics", {}).get("magnetization", True)
    if not magnetization:
        for section in ("magnetization", "induction"):
            if section in data:
                raise CaseError(f"{path}: [{section}] given while [physics] magnetization = "
                                f"false; remove one of them")
    spin = data.get("spin", {})
    for group, regions in spin.get("ferromagnets", {}).items():
        if not isinstance(regions, list):
            raise CaseError(f"{path}: [spin] ferromagnets.{group} must be a list of stack layer "
                            f"names, e.g. [\"free_Co1\", \"free_Pt1\"], got {regions!r}")
    override = data.get("materials", {}).get("override", {})
    if not isinstance(override, dict) or not all(isinstance(v, dict) for v in override.values()):
        raise CaseError(f"{path}: [materials] override must be a table of tables, e.g. "
                        f"override = {{ Co = {{ electron_phonon_coupling = "
                        f"\"4e18 W/(m^3 K)\" }} }}")


def _check_probes(path: Path, probes: Any) -> None:
    """``[probes]``: one table per probe with the keys of
    :data:`femmag.io.probes.PROBE_OPTIONS` (the values are checked by the Simulation)."""
    from femmag.io.probes import PROBE_OPTIONS

    if not isinstance(probes, dict):
        raise CaseError(f"{path}: [probes] must be a table of probes, e.g. [probes.centre] "
                        f"field = \"electron_temperature\", at = [\"0 um\", \"0 nm\"]")
    for name, table in probes.items():
        if not isinstance(table, dict):
            raise CaseError(f"{path}: [probes] {name} must be a table {{ field = "
                            f"\"electron_temperature\", at = [\"0 um\", \"0 nm\"] }}, got "
                            f"{table!r}")
        _check_keys(path, f"[probes.{name}]", table, set(PROBE_OPTIONS))


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
                raise _unknown_key(path, where, key, LAYER_KEYS)
