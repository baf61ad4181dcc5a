"""Simulation: a stack, a pulse and the materials → domain, physics modules, outputs; ``run``.

>>> from femmag.geometry import Layer, Stack
>>> from femmag.pulse import Pulse
>>> from femmag.simulation import Simulation
>>> stack = Stack([Layer("film", "CoPt_S003A", "10 nm")],
...               substrate=Layer("substrate", "fused_silica", "5 um"))
>>> pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
>>> sim = Simulation(stack, pulse, mesh="1d", verbose=False)
>>> traces = sim.run("0.5 ps")
>>> print(f"T_e,max = {traces.column('electron_temperature_centre').max():.0f} K")
T_e,max = 1286 K

Everything a user can get wrong (units, stack, materials, mesh groups, time steps, the output
directory) is checked in the constructor, in :meth:`setup` and at the start of :meth:`run`, before
the first solve. The modules are built in the coupling order of :mod:`femmag.step`; they exchange
data only through the field registry ``sim.fields``.
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from mpi4py import MPI

from femmag.fields import FieldRegistry
from femmag.io.probes import PointProbe, attach_probes, locate_probes, parse_probes
from femmag.io.traces import TraceRecorder
from femmag.physics.base import PhysicsModule, check_module
from femmag.physics.heat.module import TwoTemperatureModel
from femmag.physics.magnetization.module import Magnetization
from femmag.physics.optics.module import PulsedAbsorption
from femmag.step import StepRejected, advance
from femmag.timestepping import StepController, TimeStepping
from femmag.units import to_si

__all__ = ["RunFailure", "Simulation", "TimeStepping"]


#: times closer than this are the same time [s] (far above an ulp at ns, far below any step)
_TIME_EPSILON = 1e-21

#: the checkpoint file of a run directory
CHECKPOINT = "checkpoint.npz"

#: the keys of ``Simulation(optics={...})`` (also the keys of a case file's ``[optics]`` table)
OPTICS_OPTIONS = ("method", "from_substrate_side", "angle", "polarization", "ballistic_range",
                  "ballistic_fraction")

#: the keys of ``Simulation(outputs={...})`` (also the keys of a case file's ``[outputs]`` table)
OUTPUT_OPTIONS = ("fields", "times", "every")


#: Simulation(accuracy=a): relative step tolerance and Newton tolerance as fractions of a
#: (calibrated on bench/bench_2tm_vs_udkm1dsim.py: a = 0.1 % gives 0.05 % there)
ACCURACY_STEP = 0.2
ACCURACY_NEWTON = 1e-3

#: the accuracy a Simulation aims at unless told otherwise, per mesh kind ("accurate by
#: default"); kinds not listed keep the fixed pulse-window steps (accuracy=None). r-z and 3D:
#: the graded cells cost ~2× the z nodes and TR-BDF2 two solves per step; measured on the
#: seed-003 demo runs (bench/README.md) they stay opt-in this round
DEFAULT_ACCURACY = {"1d": 1e-3}


def _accuracy(value: Any, mesh: Any = None) -> float | None:
    """``accuracy`` as a fraction: 1e-3, "1e-3" or "0.1 %"; None stays None; "default": the
    mesh kind's :data:`DEFAULT_ACCURACY` (None for the others and for a ready Domain)."""
    if value is None:
        return None
    if isinstance(value, str) and value == "default":
        return DEFAULT_ACCURACY.get(mesh) if isinstance(mesh, str) else None
    text = str(value).strip()
    try:
        fraction = float(text[:-1]) / 100.0 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"accuracy = {value!r}: give a relative error, e.g. 1e-3 or "
                         f"'0.1 %'") from None
    if not 1e-7 <= fraction <= 0.1:
        raise ValueError(f"accuracy = {value!r}: give a relative error between 1e-7 and 10 %, "
                         f"e.g. 1e-3 ('0.1 %')")
    return fraction


class RunFailure(RuntimeError):
    """The run cannot go on (e.g. the time step fell below ``min_dt``); every rank agrees."""


def _now() -> str:
    import datetime

    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def _terminate_as_interrupt():
    """Within the block, SIGTERM raises KeyboardInterrupt (the run is marked interrupted and its
    files are kept) instead of killing the process silently. Main thread only."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _rule_text(rule: Any) -> str:
    """How ``run.toml`` names an early-stop rule."""
    return str(getattr(rule, "description", None) or getattr(rule, "__name__", None) or rule)


class Simulation:
    """The coupled film/multilayer problem.

    Args:
        stack: :class:`femmag.geometry.Stack` (layers top → bottom, substrate).
        pulse: :class:`femmag.pulse.Pulse` or :class:`femmag.pulse.PulseTrain`.
        mesh: ``"1d"``, ``"rz"`` (axisymmetric), ``"3d"`` or ``"xz"`` (a laterally patterned
            film under a line focus; ``mesh_options={"pattern": LateralPattern(...)}``, absorption
            from the 2D Maxwell solver of :mod:`femmag.physics.optics.patterned_absorption`), or a ready
            :class:`femmag.geometry.Domain`.
        mesh_options: keyword arguments of the builder (e.g. ``radius="20 um"``).
        library: materials library (default: the packaged one).
        magnetization: ``True`` (LLB on the magnetic layers), ``False``, or a dict of
            :class:`femmag.physics.magnetization.module.Magnetization` options.
        induction: ``None`` (no induced field) or a dict of
            :class:`femmag.physics.induction.module.FilmInduction` options, e.g.
            ``{"ife_coefficient": "1 T/(mJ/cm^2)"}``: the IFE impressed flux and the eddy
            currents it drives act on the magnetization.
        fields: extra field providers acting on the magnetization, ``{name: callable(points,
            t) -> B (n, 3) [T]}`` (e.g. a disturbance field), declared in the field registry.
        optics: ``{"method": "fem" | "tmm", "from_substrate_side": False, "angle": "45 deg",
            "polarization": "s" | "p" | "unpolarized"}`` (keys: :data:`OPTICS_OPTIONS`): the
            absorption depth profile from the FEM harmonic-Maxwell solver
            (:mod:`femmag.physics.optics.planar`) or the transfer matrix (default), pumped from
            the top or through the substrate, at an angle of incidence (in the medium the light
            comes from; the pulse fluence is per area normal to the beam, so the film receives
            F cos θ and absorbs F A(θ) cos θ at the beam centre; the spot stays round); with
            ``"ballistic_range": True`` (the library's ``ballistic_range`` values) or a dict
            ``{material or layer: "70 nm"}``, and optionally ``"ballistic_fraction"``, the
            energy is redistributed by ballistic hot electrons (:mod:`femmag.physics.optics.ballistic`).
        kapitza: ``None`` (perfect lattice contact at metal/dielectric interfaces), ``True``
            (the library's interface ``kapitza_conductance`` values) or one conductance for all,
            e.g. ``"1e9 W/(m^2 K)"``; see :mod:`femmag.geometry.kapitza`.
        initial_temperature: ``"300 K"``.
        substrate_bottom: ``"fixed"`` or ``"adiabatic"``.
        time_stepping: :class:`TimeStepping` (default: from ``accuracy``).
        accuracy: the one accuracy knob: the relative error of the temperatures to aim at,
            e.g. ``1e-3`` or ``"0.1 %"`` (of their rise). It sets the mesh and the time steps
            together: cells graded toward every interface and the free surface from the physics
            (:func:`femmag.geometry.builders.physical_grading`: lattice boundary layers,
            absorption and electron diffusion lengths), TR-BDF2 time steps under a relative
            error tolerance (``TimeStepping(relative_tolerance=...)``) and the Newton tolerance
            tied to it. Explicit ``time_stepping``, ``mesh_options`` (``grading``) and
            ``heat_options`` (``scheme``, ``theta``) override its parts. ``"default"`` (the
            default): ``"0.1 %"`` on ``mesh="1d"`` (:data:`DEFAULT_ACCURACY`; r-z, 3D, x-z and
            ready Domains: ``None``). ``None``: the settings before the knob existed, so old
            results stay reproducible: fixed pulse-window steps (``TimeStepping()``), backward
            Euler and uniform cells of ``max_cell_size``.
        comm: MPI communicator.
        absorption: a ready source of ``absorbed_power_density`` (a
            :class:`~femmag.physics.base.PhysicsModule` named ``"optics"`` that declares it), or
            a factory ``(domain, pulse, library) -> module``, replacing the planar optics (e.g.
            the patterned-film absorption of a 2D Maxwell solve).
        modules: further physics modules stepped after the built-in chain, in order (see
            :mod:`femmag.step`): :class:`~femmag.physics.base.PhysicsModule` objects, or
            factories ``(simulation) -> module`` called at setup, after the built-in modules
            exist. Modules exchange data only through the field registry ``simulation.fields``.
        probes: named point probes recorded as trace columns (``traces.csv``, with units):
            ``{"centre_surface": {"field": "electron_temperature", "at": ["0 um", "0 nm"]}}``.
            ``field``: a field of the run with point values (``electron_temperature``,
            ``lattice_temperature``, ``magnetization``, ``d_magnetization`` of the s-d model, a
            field provider such as ``induced_field`` on 1d/r-z meshes, or the names of
            ``fields=``); ``component``: ``"x"``/``"r"``, ``"y"``, ``"z"`` (default for vectors)
            or ``"norm"``, or as a suffix (``"magnetization_z"``). ``at``: the point in the
            mesh's coordinates with units, z = 0 at the top surface and negative into the stack
            (``["-5 nm"]`` on 1d, ``[r, z]`` on r-z and x-z, ``[x, y, z]`` on 3D). The value is
            the field in the cell that holds the point (the magnetization: its cell average),
            the same on any number of ranks. Names, keys, units and coordinates are checked in
            the constructor, the fields and the mesh extent at setup, before any step.
        outputs: which fields are written and when (keys :data:`OUTPUT_OPTIONS`):
            ``{"fields": ["electron_temperature", "magnetization"], "times": ["1 ps", "10 ps"]}``
            or ``{"every": "10 ps"}`` (t = 0, every, 2 every, ... up to the end time). Default:
            every output field, at ``run(field_times=...)``. A run stopped early by
            ``run(stop_when=...)`` also writes the fields at its stop time.
        verbose: print the setup summary and a progress bar (rank 0).
    """

    def __init__(self, stack: Any, pulse: Any, *, mesh: Any = "rz", mesh_options: dict | None = None,
                 library: Any = None, magnetization: bool | dict = True,
                 induction: dict | None = None, fields: dict | None = None,
                 kapitza: Any = None, optics: dict | None = None,
                 initial_temperature: Any = "300 K", substrate_bottom: str = "fixed",
                 heat_options: dict | None = None,
                 time_stepping: TimeStepping | None = None, accuracy: Any = "default",
                 comm: MPI.Comm = MPI.COMM_WORLD,
                 absorption: Any = None, modules: list | tuple = (),
                 probes: dict | None = None, outputs: dict | None = None,
                 verbose: bool = True) -> None:
        from femmag.materials import Library

        self.library = library if library is not None else Library.default()
        if kapitza is not None and kapitza is not False:
            from femmag.geometry.kapitza import insert_kapitza_layers

            stack, self.library = insert_kapitza_layers(
                stack, self.library, conductance=None if kapitza is True else kapitza)
        self.stack = stack
        self.pulse = pulse
        self.comm = comm
        self.verbose = verbose
        self.accuracy = _accuracy(accuracy, mesh)
        heat_options = dict(heat_options or {})
        if self.accuracy is not None:
            # TR-BDF2 with a relative step tolerance, Newton one hundredth of it (calibrated on
            # bench/bench_2tm_vs_udkm1dsim.py: mesh and steps each spend about half the error)
            if "theta" not in heat_options:
                heat_options.setdefault("scheme", "trbdf2")
            heat_options.setdefault("newton_relative", ACCURACY_NEWTON * self.accuracy)
            if time_stepping is None:
                time_stepping = TimeStepping(relative_tolerance=ACCURACY_STEP * self.accuracy,
                                             dt_max="2 ps")
        self.time_stepping = time_stepping or TimeStepping()
        self.initial_temperature = initial_temperature
        self._mesh_spec = mesh
        self._mesh_options = dict(mesh_options or {})
        if isinstance(mesh, str) and mesh not in ("1d", "rz", "3d", "xz"):
            raise ValueError(f"mesh = {mesh!r}: use '1d', 'rz', '3d', 'xz' or a Domain")
        if mesh == "xz" and "pattern" not in (mesh_options or {}):
            raise ValueError("mesh='xz' (a patterned film under a line focus) needs "
                             "mesh_options={'pattern': femmag.geometry.LateralPattern(...)}")
        self._magnetization_options = (None if magnetization is None or magnetization is False
                                       else {} if magnetization is True else dict(magnetization))
        self._induction_options = None if induction is None else dict(induction)
        if self._induction_options is not None and self._magnetization_options is None:
            raise ValueError("induction needs the magnetization (it acts on the spins): "
                             "set magnetization=True")
        self._extra_fields = dict(fields or {})
        if absorption is not None and optics:
            raise ValueError("give either optics={...} (planar depth profile) or absorption= "
                             "(a ready source of absorbed_power_density), not both")
        self._absorption = absorption
        self._extra_module_specs = list(modules)
        self._optics_options = dict(optics or {})
        unknown = set(self._optics_options) - set(OPTICS_OPTIONS)
        if unknown:
            raise ValueError(f"optics options {sorted(unknown)} unknown; use 'method' "
                             f"('fem'|'tmm'), 'from_substrate_side', 'angle' (e.g. '45 deg'), "
                             f"'polarization' ('s'|'p'|'unpolarized'), 'ballistic_range' and "
                             f"'ballistic_fraction'")
        if "angle" in self._optics_options:  # a bad angle fails here, before any setup
            to_si(self._optics_options["angle"], "angle", "optics['angle']")
        self._heat_options = heat_options
        self._heat_options.setdefault("substrate_bottom", substrate_bottom)
        self._check_pulse_train()
        kind = mesh if isinstance(mesh, str) else getattr(mesh, "kind", None)
        self.probe_specs = parse_probes(probes, kind)
        self._check_probe_fields(kind)
        self.output_options = self._checked_outputs(outputs)
        self.t = 0.0
        #: the end time of the run being set up [s] (sizes the r-z induction box), or None
        self.end_time: float | None = None
        self.modules: list[Any] = []
        self.fields = FieldRegistry()
        self._setup_done = False
        self._resumed = False
        self._dt_prev = self.time_stepping.dt_pulse_s

    def _check_pulse_train(self) -> None:
        """A train whose pulses differ in fluence or helicity drives the induction with each
        pulse's own IFE flux, which the induction modules do not take yet."""
        uniform = getattr(self.pulse, "uniform", True)
        if self._induction_options is not None and not uniform:
            raise ValueError("induction with a PulseTrain whose pulses differ in fluence or "
                             "helicity is not supported yet (the IFE flux of every pulse is the "
                             "first one's); give the pulses the same fluence and helicity, or "
                             "run without induction")

    def _known_fields(self, kind: str | None) -> set[str] | None:
        """The fields a probe or an output can name, known before setup (None: further modules
        may add fields, checked at setup)."""
        known = {"electron_temperature", "lattice_temperature", *self._extra_fields}
        if self._magnetization_options is not None:
            known.add("magnetization")
        if self._induction_options is not None and kind != "3d":
            known.add("induced_field")
        return None if self._extra_module_specs else known

    def _check_probe_fields(self, kind: str | None) -> None:
        known = self._known_fields(kind)
        for spec in self.probe_specs:
            if spec.field == "induced_field" and kind == "3d" and \
                    self._induction_options is not None:
                raise ValueError(f"probe '{spec.name}': the 3D induction gives the induced field "
                                 f"at the magnetization's points only; use the trace column "
                                 f"induced_field_centre")
            if known is not None and spec.field not in known:
                raise ValueError(f"probe '{spec.name}': no field '{spec.field}' in this run; "
                                 f"fields with point values: {sorted(known)}")

    def _checked_outputs(self, outputs: dict | None) -> dict:
        """``outputs`` with its times in SI (``times`` sorted, ``every`` > 0), checked."""
        if outputs is None:
            return {}
        if not isinstance(outputs, dict):
            raise ValueError(f"outputs must be a dict with keys {list(OUTPUT_OPTIONS)}, e.g. "
                             f"{{'fields': ['electron_temperature'], 'every': '10 ps'}}, got "
                             f"{outputs!r}")
        unknown = set(outputs) - set(OUTPUT_OPTIONS)
        if unknown:
            raise ValueError(f"outputs options {sorted(unknown)} unknown; use "
                             f"{list(OUTPUT_OPTIONS)}")
        checked: dict[str, Any] = {}
        if "times" in outputs and "every" in outputs:
            raise ValueError("outputs: give 'times' or 'every', not both")
        if "fields" in outputs:
            names = outputs["fields"]
            if isinstance(names, str) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"outputs['fields'] must be a list of field names, e.g. "
                                 f"['electron_temperature', 'magnetization'], got {names!r}")
            kind = self._mesh_spec if isinstance(self._mesh_spec, str) else None
            known = self._known_fields(kind)
            if known is not None:
                known = known - {"induced_field", *self._extra_fields}  # providers: no fields
                bad = [n for n in names if n not in known]
                if bad:
                    raise ValueError(f"outputs['fields']: {bad} not written by this run; its "
                                     f"field outputs: {sorted(known)}")
            checked["fields"] = list(names)
        if "times" in outputs:
            times = outputs["times"]
            times = [times] if isinstance(times, str) else list(times)
            checked["times"] = sorted(to_si(t, "time", "outputs['times']") for t in times)
            if any(t < 0 for t in checked["times"]):
                raise ValueError(f"outputs['times'] = {outputs['times']!r}: times must be >= 0")
        if "every" in outputs:
            checked["every"] = to_si(outputs["every"], "time", "outputs['every']")
            if not checked["every"] > 0:
                raise ValueError(f"outputs['every'] = {outputs['every']!r} must be > 0")
        checked["given"] = dict(outputs)
        return checked

    def _field_times(self, field_times: Any, t_end: float) -> list[float]:
        """The field times of a run [s]: ``run(field_times=...)`` or ``outputs`` times/every."""
        given = sorted(to_si(t, "time", "field_times") for t in field_times)
        opts = self.output_options
        if given and ("times" in opts or "every" in opts):
            raise ValueError("field times given twice: in run(field_times=...) and in "
                             "Simulation(outputs={'times' | 'every': ...}); give them once")
        if "times" in opts:
            return list(opts["times"])
        if "every" in opts:
            n = int(np.floor(t_end / opts["every"] * (1 + 1e-12)))
            return [k * opts["every"] for k in range(n + 1)]
        return given

    # -- setup -----------------------------------------------------------------------------------
    def build_domain(self):
        """Build the mesh and its :class:`~femmag.geometry.domain.Domain` from ``mesh`` and
        ``mesh_options`` (called by :meth:`setup`)."""
        from femmag.geometry import builders

        spec = self._mesh_spec
        if not isinstance(spec, str):
            return spec
        opts = dict(self._mesh_options)
        if self.accuracy is not None and spec in ("1d", "rz", "3d") and "grading" not in opts:
            from femmag.geometry.builders import physical_grading

            base = getattr(self.pulse, "pulse", self.pulse)
            opts["grading"] = physical_grading(self.stack, self.library, self.accuracy,
                                               wavelength=base.wavelength)
            # the physics sets the largest cells too, unless the user capped them
            opts.setdefault("max_cell_size", f"{max(h for _, h in opts['grading'].values())} m")
        if spec == "1d":
            return builders.build_1d(self.stack, self.comm, **opts)
        if spec == "xz":
            from femmag.geometry.patterned import build_patterned

            return build_patterned(self.stack, opts.pop("pattern"), self.comm, **opts)
        base = getattr(self.pulse, "pulse", self.pulse)
        if spec == "rz":
            opts.setdefault("radius", f"{4 * base.radius} m")
            opts.setdefault("beam_radius", f"{base.radius} m")
            return builders.build_axisymmetric(self.stack, self.comm, **opts)
        if opts.get("shape", "disk") == "disk":
            opts.setdefault("radius", f"{4 * base.radius} m")
        else:
            opts.setdefault("size", f"{8 * base.radius} m")
        return builders.build_3d(self.stack, self.comm, **opts)

    def setup(self) -> None:
        """Build the domain and modules, check the field wiring, print the summary (rank 0)."""
        if self._setup_done:
            return
        from femmag.parallel import collect_garbage

        collect_garbage(self.comm)  # the solvers of earlier, dropped simulations (collective)
        t0 = time.perf_counter()
        self.domain = self.build_domain()
        # probe points are located before any physics is built: a point outside the mesh costs
        # only the mesh (collective)
        self._located_probes = locate_probes(self.probe_specs, self.domain.mesh,
                                             self.domain.kind)
        profile = None
        self.ballistic_profile = None
        if self._optics_options:
            from femmag.physics.optics.planar import depth_profile_from_stack

            base = getattr(self.pulse, "pulse", self.pulse)
            profile = depth_profile_from_stack(
                self.stack, (base.wavelength, "m"), self.library,
                method=self._optics_options.get("method", "tmm"),
                from_substrate_side=self._optics_options.get("from_substrate_side", False),
                angle=self._optics_options.get("angle", "0 deg"),
                polarization=self._optics_options.get("polarization", "s"))
            ranges = self._optics_options.get("ballistic_range")  # dict, or True: the library's
            if ranges is not None and ranges is not False:
                from femmag.physics.optics.ballistic import ballistic_depth_profile

                profile = ballistic_depth_profile(
                    profile, self.stack, self.library if ranges is True else ranges,
                    library=self.library,
                    ballistic_fraction=self._optics_options.get("ballistic_fraction", 1.0))
                self.ballistic_profile = profile
        if self._absorption is None and self.domain.kind == "xz":
            # a patterned cross-section: the 2D Maxwell solution of the same pattern (TE; pass
            # absorption=PatternedAbsorption(..., optics={...}) for other choices)
            from femmag.physics.optics.patterned_absorption import PatternedAbsorption

            self.optics = PatternedAbsorption(self.domain, self.pulse, self.library)
        elif self._absorption is None:
            self.optics = PulsedAbsorption(self.domain, self.pulse, self.library,
                                           depth_profile=profile)
        elif isinstance(self._absorption, PhysicsModule):
            self.optics = self._absorption
        else:  # a factory (domain, pulse, library) -> absorption object
            self.optics = self._absorption(self.domain, self.pulse, self.library)
        self.heat = TwoTemperatureModel(self.domain, self.library,
                                        initial_temperature=self.initial_temperature,
                                        **self._heat_options)
        self.magnetization = None
        if self._magnetization_options is not None:
            self.magnetization = Magnetization(self.domain, self.library,
                                               initial_temperature=self.initial_temperature,
                                               **self._magnetization_options)
        self.induction = None
        if self._induction_options is not None:
            if self.domain.kind == "3d":  # Nédélec A-formulation on its own disk box with air
                from femmag.physics.induction.module3d import FilmInduction3D as Induction
            else:  # axisymmetric A_φ solver, coupled through the radius
                from femmag.physics.induction.module import FilmInduction as Induction
            options = dict(self._induction_options)
            if self.domain.kind != "3d":  # the r-z box is sized from the run's end time
                options.setdefault("end_time", f"{self.end_time!r} s" if self.end_time else None)
            self.induction = Induction(self.domain, self.pulse, self.library, **options)
        # further modules (spin transport, ...): objects, or factories called with the Simulation
        self.extra_modules = [check_module(spec if isinstance(spec, PhysicsModule) else spec(self))
                              for spec in self._extra_module_specs]
        # the coupling order (femmag.step.CHAIN), then the further modules in the order given
        self.modules = [check_module(m) for m in (self.optics, self.heat, self.magnetization,
                                                  self.induction, *self.extra_modules)
                        if m is not None]
        for module in self.modules:  # fields read during another module's setup
            module.declare(self.fields)
        for name, provider in self._extra_fields.items():  # user fields acting on the spins
            self.fields.declare(name, "T", "field provider given to Simulation(fields=...)",
                                "user", provider, provider=True)
        for module in self.modules:
            module.setup(self.fields)
        self.fields.check()
        if "fields" in self.output_options:  # again, with the fields of further modules
            names = [o.name for o in self.fields.outputs()]
            bad = [n for n in self.output_options["fields"] if n not in names]
            if bad:
                raise ValueError(f"outputs['fields']: {bad} not written by this run; its field "
                                 f"outputs: {names}")
        base = getattr(self.pulse, "pulse", self.pulse)
        self.controller = StepController(
            self.time_stepping, list(getattr(self.pulse, "arrivals", [base.arrival])),
            base.duration, lambda: self.heat.error_estimate,
            ladder=self.induction is not None,  # the induction factorizes once per distinct Δt
            relative_error=lambda: self.heat.relative_error_estimate,
            exponent=self.heat.error_exponent)
        self._setup_traces()
        self.setup_time = time.perf_counter() - t0
        self._setup_done = True
        if self.verbose:
            self.print(self.summary())

    def _probe_point(self) -> np.ndarray:
        """Beam centre, mid-depth of the first magnetic layer (or of the top layer)."""
        regions = self.magnetization.magnetic_regions if self.magnetization else [
            self.stack.layers[0].name]
        top, bottom = self.stack.bounds(regions[0])
        z = 0.5 * (top + bottom)
        kind = self.domain.kind
        return np.array([z]) if kind == "1d" else np.array([0.0, z]) if kind in ("rz", "xz") \
            else np.array([0.0, 0.0, z])

    def _setup_traces(self) -> None:
        """Trace columns: each module adds its own; the energy bookkeeping is the run's."""
        base = getattr(self.pulse, "pulse", self.pulse)
        self.centre = PointProbe(self.domain.mesh, self._probe_point())
        self.traces = TraceRecorder(centre=self.centre, centre_radius=0.02 * base.radius)
        self.optics.add_traces(self.traces)
        self.heat.add_traces(self.traces)
        energy_unit = {"1d": "J/m^2", "xz": "J/m"}.get(self.domain.kind, "J")  # per area/length
        self.traces.add("absorbed_energy", energy_unit, lambda: self._absorbed)
        self.traces.add("internal_energy_change", energy_unit,
                        lambda: self.heat.internal_energy() - self._E0)
        for module in self.modules:
            if module is not self.optics and module is not self.heat:
                module.add_traces(self.traces)
        attach_probes(self.probe_specs, self._located_probes, self.fields, self.traces,
                      lambda: self.t, self.comm)
        self._absorbed = 0.0
        self._E0 = self.heat.internal_energy()

    def summary(self) -> str:
        """The set-up in words: ranks and set-up time, the stack, the mesh and every module."""
        lines = [f"femmag simulation on {self.comm.size} rank(s); setup {self.setup_time:.2f} s",
                 self.stack.describe() if hasattr(self.stack, "describe") else repr(self.stack),
                 self.domain.summary() if hasattr(self.domain, "summary") else "",
                 *[m.summary() for m in self.modules],
                 self.ballistic_profile.summary() if self.ballistic_profile is not None else "",
                 "fields:", self.fields.summary()]
        return "\n".join(line for line in lines if line)

    def print(self, *args: Any) -> None:
        """Print on rank 0 only, and only when ``verbose``."""
        if self.comm.rank == 0 and self.verbose:
            print(*args, flush=True)

    # -- time loop -------------------------------------------------------------------------------
    def run(self, t_end: Any, *, out: str | Path | None = None, field_times: list[Any] = (),
            progress: bool | None = None, overwrite: bool = False,
            checkpoint_every: Any = None, resume: bool = False,
            manifest: dict | None = None, stop_when: Any = None) -> TraceRecorder:
        """Integrate to ``t_end``; write traces (CSV), fields (XDMF) and figures (PNG) to ``out``.

        Args:
            t_end: e.g. ``"100 ps"``.
            out: output directory (None: keep results in memory only): a new or empty directory,
                or one holding a previous femmag run (replaced only with ``overwrite=True``); see
                :mod:`femmag.io.rundir`. It is checked before the mesh is built.
            field_times: times at which fields are written (VTKHDF, XDMF) and pictured (PNG);
                or give them once as ``Simulation(outputs={"times" | "every": ...})``.
            progress: show a progress line on rank 0 (default: ``verbose``).
            overwrite: replace the files of a previous femmag run in ``out``.
            checkpoint_every: e.g. ``"10 ps"``: after the first step past each multiple of it,
                write the whole state to ``out/checkpoint.npz`` (replacing the previous one).
            resume: continue the run in ``out`` from its checkpoint (this simulation must be
                built from the same case); the traces go on in ``traces.csv``, the fields in a
                new ``fields_from_<t>ps.xdmf``. A resumed run equals the uninterrupted one.
            manifest: further entries for ``run.toml`` (the CLI records the case file).
            stop_when: an early-stop rule: a callable ``(simulation) -> bool`` called on every
                rank after each committed step; the run ends before ``t_end`` once every rank
                says True (e.g. :class:`femmag.study.outcomes.SettledOutcome`: the outcome is
                decided). ``run.toml`` records the rule (its ``description``) and
                ``stopped_early``; ``self.stopped_early`` says whether it fired. A run that
                writes fields writes them at the stop time too (``fields_at_stop_time`` and
                ``field_times_written`` in ``run.toml``).

        Returns:
            The :class:`~femmag.io.traces.TraceRecorder` with all time traces.

        ``out/run.toml`` records the case, every material value used, the versions and the status:
        ``running``, then ``complete`` once every file is closed, or ``failed``/``interrupted``
        with the reason and the last committed time. ``traces.csv`` grows as the run goes, so an
        interrupted run keeps every committed step.
        """
        t_end_s = to_si(t_end, "time", "t_end")
        if not t_end_s > self.t:
            raise ValueError(f"t_end = {t_end!r} must be later than the current time "
                             f"{self.t * 1e12:g} ps")
        stops = self._field_times(field_times, t_end_s)
        every = None if checkpoint_every is None else \
            to_si(checkpoint_every, "time", "checkpoint_every")
        if every is not None and not every > 0:
            raise ValueError(f"checkpoint_every = {checkpoint_every!r} must be > 0")
        if (every is not None or resume) and out is None:
            raise ValueError("checkpoints and resume need an output directory: give out=...")
        rundir = None
        if out is not None:
            from femmag.io.rundir import RunDirectory

            rundir = RunDirectory(out, self.comm, overwrite=overwrite, resume=resume)
            rundir.check()  # before the mesh: a refused path costs nothing
        if not self._setup_done:
            self.end_time = t_end_s
        self.setup()
        progress = self.verbose if progress is None else progress
        writer = None
        if resume:
            self.restore(rundir.path / CHECKPOINT)
            if not t_end_s > self.t:
                raise ValueError(f"t_end = {t_end!r} must be later than the checkpoint's time "
                                 f"{self.t * 1e12:g} ps")
        if rundir is not None:
            rundir.check(estimated_bytes=self._estimated_output_bytes(len(stops)))
            description = {**self.describe(t_end_s, stops), **(manifest or {})}
            if stop_when is not None:
                description["stop_rule"] = _rule_text(stop_when)
            if resume:
                description["resumed_from_ps"] = self.t * 1e12
            rundir.open(description)
        try:
            if rundir is not None:
                from femmag.io.writers import FieldWriter

                fields_file = f"fields_from_{self.t * 1e12:g}ps.xdmf" if resume else "fields.xdmf"
                writer = FieldWriter(rundir.path, self, filename=fields_file,
                                     names=self.output_options.get("fields"))
                rundir.files = writer.files  # the writer lists what it writes, as it goes
                self.traces.open_stream(rundir.path / "traces.csv", self.comm,
                                        comment="femmag time traces; case, parameters, versions "
                                                "and status in run.toml")
                rundir.add_file("traces.csv")
            with _terminate_as_interrupt():
                self._loop(t_end_s, stops, writer, progress,
                           checkpoint=None if every is None else (every, rundir),
                           stop_when=stop_when)
            if rundir is not None:
                self.traces.close_stream()
                writer.close()
                writer.figures(self)
                self.comm.Barrier()
                if self.comm.rank == 0:
                    rundir.update(status="complete", finished=_now(),
                                  last_time_ps=self.t * 1e12, steps=self.timings["steps"],
                                  rejected_steps=self.timings["rejected"],
                                  wall_seconds=self.timings["wall"],
                                  stopped_early=self.stopped_early if stop_when else None,
                                  field_times_written=[f"{t * 1e12:.6g} ps"
                                                       for t in writer.times],
                                  fields_at_stop_time=(f"{self.t * 1e12:.6g} ps"
                                                       if self.fields_at_stop else None))
                self.comm.Barrier()
        except BaseException as err:
            # rank-local clean-up only: another rank may be inside a collective call
            try:
                err.femmag_run_failed = True  # the CLI reports it as a failed run, not bad input
            except AttributeError:  # pragma: no cover - exceptions without a __dict__
                pass
            try:
                self.traces.close_stream()
            except OSError:  # e.g. a full disk: the original error is the one to report
                pass
            if rundir is not None:
                interrupted = isinstance(err, KeyboardInterrupt)
                try:
                    rundir.update(status="interrupted" if interrupted else "failed",
                                  reason=f"{type(err).__name__}: {err}", finished=_now(),
                                  last_time_ps=self.t * 1e12, failed_on_rank=self.comm.rank)
                except OSError:  # e.g. a full disk: the original error is the one to report
                    pass
                if isinstance(err, RunFailure) and writer is not None:
                    writer.close()  # a failure all ranks agreed on: the collective close is safe
            raise
        return self.traces

    def _rule_says_stop(self, stop_when: Any) -> bool:
        """The early-stop rule's verdict, agreed by every rank (stop only if all say so)."""
        return bool(self.comm.allreduce(int(bool(stop_when(self))), op=MPI.MIN))

    def _estimated_output_bytes(self, n_field_times: int) -> float:
        """Rough size of the field output: 8 bytes per value and time, ×2 for mesh and PNGs."""
        values = sum(o.function.x.array.size for o in self.fields.outputs())
        values = self.comm.allreduce(values, op=MPI.SUM)
        return 2.0 * 8.0 * values * max(n_field_times, 1) + 2**20

    def describe(self, t_end: float | None = None, field_times: list[float] = ()) -> dict:
        """The resolved case: every option, every material value used (with unit and source),
        the modules, versions and MPI size (the ``run.toml`` manifest's content)."""
        from femmag.io.rundir import provenance

        layers = list(self.stack.all_layers())
        materials = {}
        for layer in layers:
            mat = self.library.get(layer.material)
            entry = {"kind": mat.kind, "description": mat.description}
            for prop in mat.properties.values():
                entry[prop.name] = {"value": prop.describe(), "source": prop.source}
            if mat.optics is not None:
                entry["refractive_index"] = str(mat.optics)
            materials[mat.name] = entry
        ts = self.time_stepping
        case = {
            "stack": [{"name": layer.name, "material": layer.material,
                       "thickness": f"{layer.thickness * 1e9:.6g} nm"} for layer in layers],
            "pulse": repr(self.pulse),
            "mesh": self._mesh_spec if isinstance(self._mesh_spec, str) else "domain",
            "mesh_options": {k: str(v) for k, v in self._mesh_options.items()},
            "magnetization": self._magnetization_options,
            "induction": self._induction_options,
            "optics": self._optics_options,
            "heat_options": {k: str(v) for k, v in self._heat_options.items()},
            "initial_temperature": str(self.initial_temperature),
            "time_stepping": {k: str(getattr(ts, k)) for k in
                              ("dt_pulse", "dt_max", "growth", "window", "min_dt", "tolerance",
                               "relative_tolerance") if getattr(ts, k) is not None},
            "accuracy": "none" if self.accuracy is None else f"{self.accuracy:g}",
            "fields": sorted(self._extra_fields),
        }
        if self.probe_specs:
            case["probes"] = {p.name: p.describe() for p in self.probe_specs}
        if self.output_options:
            case["outputs"] = {k: v if k == "fields" else [str(x) for x in v]
                               if isinstance(v, list) else str(v)
                               for k, v in self.output_options["given"].items()}
        if t_end is not None:
            case["t_end"] = f"{t_end * 1e12:.6g} ps"
            case["field_times"] = [f"{t * 1e12:.6g} ps" for t in field_times]
        return {"case": case, "materials": materials,
                "modules": [m.summary() for m in self.modules] if self._setup_done else [],
                "versions": provenance(), "mpi_size": self.comm.size}

    # -- checkpoints -------------------------------------------------------------------------------
    def checkpoint(self, path: str | Path) -> None:
        """Write the whole committed state (every module, the time, the step controller, the
        traces so far) to ``path`` (collective); see :mod:`femmag.io.checkpoint`."""
        from femmag.io.checkpoint import CheckpointError, write_checkpoint

        self.setup()
        distributed: dict[str, Any] = {}
        replicated: dict[str, Any] = {}
        for module in self.modules:
            if not module.checkpointable:
                raise CheckpointError(f"module '{module.name}' ({type(module).__name__}) does not "
                                      f"support checkpoints yet: run without checkpoint_every")
            for name, value in module.state().items():
                target = distributed if hasattr(value, "collect") else replicated
                target[f"{module.name}::{name}"] = value
        replicated.update({
            "simulation::t": self.t, "simulation::dt_prev": self._dt_prev,
            "simulation::controller_target": self.controller.target,
            "simulation::absorbed": self._absorbed, "simulation::E0": self._E0,
            "simulation::trace_header": np.array(self.traces.header()),
            "simulation::trace_rows": np.array(self.traces.rows, dtype=float).reshape(
                len(self.traces.rows), len(self.traces.columns) + 1),
            "simulation::modules": np.array([m.name for m in self.modules]),
        })
        write_checkpoint(path, self.comm, distributed, replicated)

    def restore(self, path: str | Path) -> None:
        """Set the state of this (freshly built, same case) simulation from a checkpoint; the next
        :meth:`run` continues the checkpointed run's step sequence exactly."""
        from femmag.io.checkpoint import CheckpointError, read_checkpoint

        self.setup()
        entries = read_checkpoint(path, self.comm)
        names = [m.name for m in self.modules]
        if list(np.atleast_1d(entries["simulation::modules"])) != names:
            raise CheckpointError(f"the checkpoint '{path}' was written with the modules "
                                  f"{list(entries['simulation::modules'])}, this simulation has "
                                  f"{names}: resume with the same case")
        header = [str(h) for h in np.atleast_1d(entries["simulation::trace_header"])]
        if header != self.traces.header():
            raise CheckpointError(f"the checkpoint '{path}' has other trace columns: resume with "
                                  f"the same case")
        for module in self.modules:
            prefix = f"{module.name}::"
            module.restore({k[len(prefix):]: v for k, v in entries.items()
                            if k.startswith(prefix)})
        self.t = float(entries["simulation::t"])
        self._dt_prev = float(entries["simulation::dt_prev"])
        self.controller.target = float(entries["simulation::controller_target"])
        self._absorbed = float(entries["simulation::absorbed"])
        self._E0 = float(entries["simulation::E0"])
        self.traces.rows = [list(row) for row in np.atleast_2d(entries["simulation::trace_rows"])]
        self._resumed = True

    def _loop(self, t_end: float, stops: list[float], writer: Any, progress: bool,
              checkpoint: tuple[float, Any] | None = None, stop_when: Any = None) -> None:
        ts = self.time_stepping
        self.stopped_early = False
        if self._resumed:  # continue the step sequence of the checkpointed run exactly
            dt = self._dt_prev
            self._resumed = False
        else:
            dt = ts.dt_pulse_s
            self.controller.reset()
        every, rundir = checkpoint if checkpoint is not None else (None, None)
        next_checkpoint = None if every is None else (np.floor(self.t / every) + 1) * every
        self.fields_at_stop = False
        if not self.traces.rows:
            self.traces.sample(self.t)
            if writer is not None and stops and stops[0] <= self.t:
                writer.write(self.t)
        # a step that lands on an output time may end an ulp short of it: such a time is done
        # (so a run resumed there takes the same steps as the uninterrupted one)
        pending = [s for s in stops if s > self.t + _TIME_EPSILON]
        self.timings = {"steps": 0, "rejected": 0, "wall": 0.0}
        self.module_seconds: dict[str, float] = {}
        wall0 = time.perf_counter()
        last_print = -1.0
        retry = None  # after a rejected step: retry with half the step, bypassing the policy
        while self.t < t_end * (1 - 1e-12):
            dt = retry if retry is not None else self.controller.next_dt(self.t, dt)
            retry = None
            dt = min(dt, t_end - self.t)
            if pending and self.t + dt > pending[0]:
                dt = pending[0] - self.t
            try:
                absorbed = self.heat.absorbed_energy_in_step(self.t, dt)
                info = advance(self, self.t, dt)
            except StepRejected as err:
                self.timings["rejected"] += 1
                dt = retry = self.controller.rejected(dt)
                if dt < ts.min_dt_s:
                    raise RunFailure(f"time step fell below min_dt = {ts.min_dt!r} at t = "
                                       f"{self.t * 1e12:.4g} ps; last failure: {err}") from err
                continue
            self._absorbed += absorbed
            self.t += dt
            self._dt_prev = dt
            self.timings["steps"] += 1
            for name, seconds in info["seconds"].items():
                self.module_seconds[name] = self.module_seconds.get(name, 0.0) + seconds
            s0 = time.perf_counter()
            self.traces.sample(self.t)
            self.module_seconds["traces"] = self.module_seconds.get("traces", 0.0) + \
                time.perf_counter() - s0
            self.traces.flush()  # at most every few seconds of wall time (rank 0, no comm.)
            if next_checkpoint is not None and self.t >= next_checkpoint * (1 - 1e-12):
                self.checkpoint(rundir.path / CHECKPOINT)
                if self.comm.rank == 0:
                    rundir.add_file(CHECKPOINT)
                    rundir.update(checkpoint_time_ps=self.t * 1e12)
                next_checkpoint = (np.floor(self.t / every * (1 + 1e-12)) + 1) * every
            if pending and abs(self.t - pending[0]) <= 1e-9 * max(dt, 1e-18):
                self.traces.flush(force=True)
                if writer is not None:
                    s0 = time.perf_counter()
                    writer.write(self.t)
                    self.module_seconds["output"] = self.module_seconds.get("output", 0.0) + \
                        time.perf_counter() - s0
                pending.pop(0)
            if progress and self.comm.rank == 0:
                frac = self.t / t_end
                now = time.perf_counter() - wall0
                if now - last_print > 0.5 or self.t >= t_end * (1 - 1e-12):
                    last_print = now
                    bar = "#" * int(30 * frac)
                    sys.stdout.write(f"\r[{bar:<30}] t = {self.t * 1e12:8.3f} ps  "
                                     f"dt = {dt * 1e15:7.2f} fs  steps {self.timings['steps']}"
                                     f"  {now:6.1f} s")
                    sys.stdout.flush()
            if stop_when is not None and self._rule_says_stop(stop_when):
                self.stopped_early = True
                # the state the run ends in, unless it was just written (only when the run
                # writes fields at all: sweeps without field times stay lean)
                if writer is not None and stops and not (
                        writer.times and abs(writer.times[-1] - self.t) <= _TIME_EPSILON):
                    self.traces.flush(force=True)
                    writer.write(self.t)
                    self.fields_at_stop = True
                break
        self.timings["wall"] = time.perf_counter() - wall0
        if progress and self.comm.rank == 0:
            sys.stdout.write("\n")
            sys.stdout.flush()
