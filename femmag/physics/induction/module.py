r"""The induced field acting on the film: IFE impressed flux + eddy (loop) currents + M variations.

Wraps :class:`femmag.physics.induction.axisymmetric.AxisymmetricInduction` as a physics module of a
:class:`~femmag.simulation.Simulation` (physics-spec §2.3, §3):

- the impressed inverse-Faraday flux
  :math:`B_{IFE} = h\,\kappa_{IFE} F_0\, e^{-r^2/r_0^2} g(t)\,\hat z` of the pump (helicity h; κ_IFE in T per mJ/cm², the seeds' unit) drives azimuthal loop currents
  in the conducting film (Lenz's law), which prolong the field ("prolonged induced field");
- optionally the film magnetization :math:`M_z = M_s(0\,K)\,m_z(r)` (thickness average of the LLB
  state) is a source too, so that a demagnetized centre produces its "ring-magnet" field and dM/dt
  drives currents;
- it writes ``induced_field``: a field provider ``(points, t) -> B (n, 3)`` [T] giving
  :math:`B_{i,z}(r) = (\nabla\times A)_z + B_{IFE,z}` at the film, read by the magnetization module
  (and, with ``joule_heating``, ``joule_power_density`` for the heat module).

The induction problem lives on its own r-z mesh (film as a thin conducting sheet of sheet
conductance σd, or a resolved layer, in an air/substrate box); it is coupled to the heat/LLB mesh
through the radius only, which is exact for the axisymmetric pulse.

Box size (``box_radius="auto"``, the default): after the pulse the eddy currents of a thin sheet
spread outwards (Maxwell's receding image: the field pattern moves away at w = 2/(μ0σd), i.e. by
one beam radius per sheet time constant τ_sheet = μ0σd r0/2), so a box that is right at the pulse
is too small later: with R = 20 r0 the centre field is 22 % low at t - t0 = 20 τ_sheet (1 ps for a
2 µm beam, 5 ps for 10 µm). :func:`induction_box_radius` sizes the box from the run's end time::

    R = r0 · max(20, 5 (t_end - t0)/τ_sheet)

which keeps the centre field within 1 % of the converged (larger) box up to t_end (measured: the
first 1 % deviation comes at (t - t0)/τ_sheet ≈ R/(4.1 r0); tests/verification/test_induction.py
checks the rule against a box twice as large). The end time comes from ``end_time=``, or from
``Simulation.run(t_end)`` (the Simulation passes its end time when it builds the module); a
continuation past the sized end time warns once; a resumed run rebuilds the box of its checkpoint.
Cells grow towards the boundary (up to R/20 there): a box of 640 r0 has ~5× the cells of 20 r0
(measured at 5 cells per r0: 2.9k → 15.9k).

Reused responses (sweeps): without ``magnetization_source`` and ``joule_heating`` the induced field
is linear and time-invariant in the IFE source, B_i(r, t) = h κ F · U(r, t), with the unit response
U fixed by the beam radius, pulse duration and arrivals, the film conductivity and thickness, the
box, the induction mesh and the probe radii. Inside :func:`reuse_induction_responses` (a sweep
runs its points in it) the module looks U up in an :class:`InductionResponseCache` keyed on
exactly those; on a miss it solves U once on a fine time grid of its own (Δt = τ_p/100 within
4 τ_p of each pulse peak, then doubling every 20 steps, up to the end time) and keeps it; the
field at the point's steps is the cubic spline of U in time. No mesh or solver is built for a hit.
Measured (seed-003 film, D = 10 µm, 2 fs steps; tests/verification/test_sweep_reuse.py checks
≤ 1e-3 at 4 fs): the reused field differs from the field solved at the point's own steps by
1.5e-4 of the peak, the solved run's own BDF2 step error (the fine response itself agrees with one
at halved steps to 7e-5 of the peak).

The local demagnetizing field −μ0 M of the film itself is not added (it belongs to the effective anisotropy of
the PMA film, which the longitudinal LLB along z does not carry).

Coupling (see :mod:`femmag.step`): the LLB step over [t, t+Δt] sees B_i of the committed induction
state (one step lag; B_i changes on ≥ 25 fs scales, Δt ≤ 2-5 fs during the pulse); the induction
step then uses the trial magnetization at t+Δt.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from mpi4py import MPI

from femmag.geometry.induction_meshes import rz_film_mesh
from femmag.physics.induction.axisymmetric import (AxisymmetricInduction, GaussianImpressedFlux,
                                                   pulse_time_grid_si)
from femmag.physics.induction.film import FilmInductionModule
from femmag.units import MU0, Q, to_si

__all__ = ["FilmInduction", "InductionResponse", "InductionResponseCache", "induction_box_radius",
           "reuse_induction_responses"]

#: the smallest box, in beam radii (the dipolar truncation error of the pulse itself ~1e-4)
MIN_BOX_FACTOR = 20.0
#: box radius per beam radius per sheet time constant elapsed since the pulse peak
BOX_FACTOR_PER_SHEET_TIME = 5.0


def sheet_time_constant(beam_radius: float, conductivity: float, thickness: float) -> float:
    """τ_sheet = μ0 σ d r0 / 2 [s]: the decay time of the beam-sized mode k = 1/r0 of the sheet,
    and the time in which its eddy currents spread by one beam radius."""
    return MU0 * conductivity * thickness * beam_radius / 2.0


def induction_box_radius(beam_radius: float, conductivity: float, thickness: float,
                         elapsed: float) -> float:
    """Box radius R [m] that keeps the centre field within 1 % of an unbounded sheet for a time
    ``elapsed`` [s] after the pulse peak: R = r0 max(20, 5 elapsed/τ_sheet) (SI arguments)."""
    tau = sheet_time_constant(beam_radius, conductivity, thickness)
    return beam_radius * max(MIN_BOX_FACTOR, BOX_FACTOR_PER_SHEET_TIME * max(elapsed, 0.0) / tau)


#: the fine grid of a reused response: Δt = τ_p / RESPONSE_STEPS_PER_DURATION within
#: RESPONSE_PULSE_WINDOW τ_p of each pulse peak, then doubling every RESPONSE_STEPS_PER_LEVEL steps
RESPONSE_STEPS_PER_DURATION = 100
RESPONSE_PULSE_WINDOW = 4.0
RESPONSE_STEPS_PER_LEVEL = 20
#: bumped whenever the way a response is computed changes (part of the cache key)
RESPONSE_VERSION = 1


@dataclass(frozen=True)
class InductionResponse:
    """The unit response U(r, t) of the film: B_i,z [T] per tesla of peak impressed field.

    Attributes:
        times: the fine grid [s], from the solver's start to the end time.
        radii: the probe radii [m].
        field: U at (times, radii), shape (len(times), len(radii)).
        solve_seconds: wall time of the solve that made it (``solve_cpu_seconds``: its CPU time
            on this rank).
    """

    times: np.ndarray
    radii: np.ndarray
    field: np.ndarray
    solve_seconds: float
    solve_cpu_seconds: float = 0.0

    def __post_init__(self) -> None:
        from scipy.interpolate import CubicSpline

        object.__setattr__(self, "_spline", CubicSpline(self.times, self.field, axis=0))

    @property
    def nbytes(self) -> int:
        return 5 * self.field.nbytes  # the values and the spline's four coefficient arrays

    def __call__(self, t: float) -> np.ndarray:
        """U at time ``t`` [s] on the probe radii (cubic spline in time)."""
        end = self.times[-1]
        if t > end * (1 + 1e-9) + 1e-24:
            raise ValueError(f"FilmInduction: the reused induction response covers t <= "
                             f"{end * 1e12:.6g} ps, the run asks for t = {t * 1e12:.6g} ps; run "
                             f"outside reuse_induction_responses() (or give induction "
                             f"end_time) to go further")
        return self._spline(min(max(t, self.times[0]), end))


class InductionResponseCache:
    """Unit responses of the r-z film induction shared by the simulations of one process.

    Keyed on everything a response depends on (:meth:`FilmInduction.response_key`); the least
    recently used entries go beyond ``max_bytes``. Counters: ``hits``, ``misses``,
    ``solve_seconds`` and ``solve_cpu_seconds`` (wall and CPU time spent solving responses).
    """

    def __init__(self, max_bytes: float = 512e6) -> None:
        self.max_bytes = float(max_bytes)
        self._entries: OrderedDict[tuple, InductionResponse] = OrderedDict()
        self.hits = 0
        self.misses = 0
        self.solve_seconds = 0.0
        self.solve_cpu_seconds = 0.0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: tuple) -> bool:
        return key in self._entries

    def get(self, key: tuple) -> InductionResponse | None:
        response = self._entries.get(key)
        if response is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return response

    def put(self, key: tuple, response: InductionResponse) -> None:
        self._entries[key] = response
        self.solve_seconds += response.solve_seconds
        self.solve_cpu_seconds += response.solve_cpu_seconds
        while len(self._entries) > 1 and sum(r.nbytes for r in self._entries.values()) > \
                self.max_bytes:
            self._entries.popitem(last=False)


_ACTIVE_CACHES: list[InductionResponseCache] = []


@contextlib.contextmanager
def reuse_induction_responses(cache: InductionResponseCache | None = None
                              ) -> Iterator[InductionResponseCache]:
    """Within this block, every linear :class:`FilmInduction` (no magnetization source, no Joule
    heating, a known end time) set up reuses the unit responses of ``cache`` (a new one by
    default), solving a response only for a key it has not seen. Yields the cache."""
    cache = InductionResponseCache() if cache is None else cache
    _ACTIVE_CACHES.append(cache)
    try:
        yield cache
    finally:
        _ACTIVE_CACHES.remove(cache)


def active_response_cache() -> InductionResponseCache | None:
    """The innermost cache of :func:`reuse_induction_responses`, or None."""
    return _ACTIVE_CACHES[-1] if _ACTIVE_CACHES else None


def response_time_grid(end: float, arrivals: tuple[float, ...], duration: float) -> np.ndarray:
    """The fine grid of a reused response on [0, end] [s]: τ_p/100 steps from 4 τ_p before to
    4 τ_p after each pulse peak, doubling every 20 steps in between (up to 1/20 of ``end``)."""
    dt_fine = duration / RESPONSE_STEPS_PER_DURATION
    window = RESPONSE_PULSE_WINDOW * duration
    dt_max = max(end / 20, dt_fine)
    starts = [0.0] + [a - window for a in arrivals[1:] if window < a - window < end]
    starts = sorted(set(starts))
    pieces = []
    for i, start in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else end
        peak = max((a for a in arrivals if a <= stop), default=arrivals[0])
        pieces.append(pulse_time_grid_si(start, stop, pulse_peak_time=peak,
                                         pulse_duration=duration, dt_pulse=dt_fine,
                                         dt_max=dt_max, pulse_window=RESPONSE_PULSE_WINDOW,
                                         steps_per_level=RESPONSE_STEPS_PER_LEVEL)[(1 if i else 0):])
    return np.concatenate(pieces)


class FilmInduction(FilmInductionModule):
    """Induced field of the pump on the (first) magnetic layer.

    Args:
        domain: the simulation domain (its stack gives the film thickness and material).
        pulse: the pump :class:`~femmag.pulse.Pulse` (helicity, fluence, radius, duration, arrival),
            or a :class:`~femmag.pulse.PulseTrain` (the IFE flux repeats at every arrival).
        library: materials library (``electrical_conductivity`` of the film material).
        ife_coefficient: κ_IFE, e.g. ``"1 T/(mJ/cm^2)"`` (seed 003); ``"0 T/(mJ/cm^2)"`` for none.
        conductivity: film conductivity (default: the material's ``electrical_conductivity``).
        representation: ``"sheet"`` (default) or ``"resolved"``.
        magnetization_source: include the film magnetization as a source of the field.
        cells_per_radius: film spacing r0/N of the induction mesh (10 gives Δt_peak to ~0.3 fs).
        box_radius: radius (and half-height) of the induction box: ``"auto"`` (default, from the
            end time, see the module docstring) or a length such as ``"2 mm"``.
        end_time: the time up to which the auto box must be accurate, e.g. ``"100 ps"``; default
            the end time of ``Simulation.run`` (20 r0 if the module runs without one).
        layer: which magnetic layer (default: the first one of the stack).
        joule_heating: feed the eddy-current Joule power σ E_φ² back into the electron
            temperature of the layer (written as ``joule_power_density``, read by the heat module;
            lagged one step). Seed 003 ignores it; for κ_IFE = 1 T per mJ/cm² at 2.6 mJ/cm² and
            D = 10 µm it deposits ~93% as much energy as the laser (zero at the beam centre,
            61% of the local laser deposit at r0).

    Attributes:
        joule_energy_delivered: Joule energy handed to the heat module so far [J]
            (∫ dt ∫ 2πr d σE² dr over the probe radii, i.e. within the heat mesh; the induction
            box extends further).
    """

    induced_field_description = "B_i,z at the film: IFE + eddy currents (+ M variations)"

    def __init__(self, domain: Any, pulse: Any, library: Any = None, *,
                 ife_coefficient: Any = "1 T/(mJ/cm^2)", conductivity: Any = None,
                 representation: str = "sheet", magnetization_source: bool = False,
                 cells_per_radius: float = 10.0, layer: str | None = None,
                 joule_heating: bool = False, box_radius: Any = "auto",
                 end_time: Any = None) -> None:
        if domain.kind not in ("1d", "rz"):
            raise ValueError(f"FilmInduction: mesh kind '{domain.kind}' is not supported yet; use "
                             f"'1d' (beam centre) or 'rz' (the induction itself is axisymmetric)")
        # a PulseTrain drives the same IFE flux at every arrival (the induction is linear)
        self.arrivals = tuple(float(t) for t in getattr(pulse, "arrivals", ()))
        super().__init__(domain, getattr(pulse, "pulse", pulse), library,
                         ife_coefficient=ife_coefficient, conductivity=conductivity,
                         magnetization_source=magnetization_source,
                         joule_heating=joule_heating, layer=layer)
        self.representation = representation
        self.cells_per_radius = cells_per_radius
        if isinstance(box_radius, str) and box_radius.strip() == "auto":
            self.box_radius = None
        else:
            self.box_radius = to_si(box_radius, "length", "induction box_radius")
            if not self.box_radius >= 5 * self.pulse.radius:
                raise ValueError(f"FilmInduction: box_radius = {box_radius!r} must be at least "
                                 f"5 beam radii ({5 * self.pulse.radius * 1e6:.4g} um), or 'auto'")
        self.end_time = None if end_time is None else to_si(end_time, "time", "induction end_time")
        self._warned_box = False
        if joule_heating:
            import dolfinx.mesh as dmesh

            mesh = domain.mesh
            cells = domain.cells(self.layer)
            mid = dmesh.compute_midpoints(mesh, mesh.topology.dim, cells)
            self._joule_radius = mid[:, 0] if domain.kind == "rz" else np.zeros(len(mid))
            self._joule_dofs = self.joule_power_density.function_space.dofmap.list[cells][:, 0]

    def resolved_box_radius(self) -> float:
        """The box radius [m] this module builds: the given one, or the auto rule's."""
        if self.box_radius is not None:
            return self.box_radius
        first_peak = self.pulse.arrival
        elapsed = 0.0 if self.end_time is None else self.end_time - first_peak
        return induction_box_radius(self.pulse.radius, self.conductivity, self.thickness, elapsed)

    def accurate_until(self) -> float:
        """The latest time [s] up to which the box keeps the centre field within 1 %."""
        tau = sheet_time_constant(self.pulse.radius, self.conductivity, self.thickness)
        factor = self.box_radius_built / self.pulse.radius
        return self.pulse.arrival + factor / BOX_FACTOR_PER_SHEET_TIME * tau

    def setup(self, fields: Any) -> None:
        comm = self.domain.mesh.comm
        self._magnetization = self._read_magnetization(fields)
        # radii at which the film field is needed: those of the LLB points (all ranks, sorted)
        radii = np.zeros(1)
        if self._magnetization is not None and self.domain.kind == "rz":
            local = np.unique(np.round(self._magnetization.points[:, 0], 15))
            radii = np.unique(np.concatenate(comm.allgather(local)))
        self._probe_radii = radii
        self.response = None
        cache = active_response_cache()
        if cache is not None and self.reuses_response:
            self._use_response(cache, self.resolved_box_radius(), radii)
        else:
            self._build(self.resolved_box_radius(), radii)

    # --- the reused unit response (linear induction, see the module docstring) ------------------
    @property
    def reuses_response(self) -> bool:
        """Whether the field is linear in the IFE source alone (no magnetization source, no Joule
        heating) and the end time is known, so a unit response can stand for the solve."""
        return not self.magnetization_source and not self.joule_heating and \
            self.end_time is not None

    def _pulse_arrivals(self) -> tuple[float, ...]:
        return self.arrivals if self.arrivals else (float(self.pulse.arrival),)

    def response_key(self, box_radius: float, radii: np.ndarray) -> tuple:
        """Everything the unit response depends on (exact floats): the beam radius, pulse
        duration and arrivals, film conductivity and thickness, box radius, induction mesh
        (representation, cells per radius), end time, probe radii, scheme and version."""
        radii = np.asarray(radii, dtype=float)
        return ("rz film induction unit response", RESPONSE_VERSION, "bdf2", 2,
                float(self.pulse.radius), float(self.pulse.duration), self._pulse_arrivals(),
                float(self.conductivity), float(self.thickness), float(box_radius),
                self.representation, float(self.cells_per_radius), float(self.end_time),
                tuple(radii[radii < 0.999 * box_radius].tolist()))

    def _use_response(self, cache: InductionResponseCache, box_radius: float,
                      radii: np.ndarray) -> None:
        key = self.response_key(box_radius, radii)
        comm = self.domain.mesh.comm
        # one decision for the group (the caches of its ranks hold the same keys; be sure)
        response = cache.get(key)
        if comm.allreduce(response is None, op=MPI.LOR):
            response = self._solve_response(box_radius, radii)
            cache.put(key, response)
        self.response = response
        self.box_radius_used = box_radius
        self.radii = response.radii
        self._t = 0.0
        self._trial_t = 0.0
        self.field_z = self.peak_field * response(0.0)
        self._joule_profile = np.zeros(len(self.radii))

    def _solve_response(self, box_radius: float, radii: np.ndarray) -> InductionResponse:
        """Solve the unit response (peak impressed field 1 T) on its fine grid (collective)."""
        t0, cpu0 = time.perf_counter(), time.process_time()
        peak, self.peak_field = self.peak_field, 1.0
        try:
            self._build(box_radius, radii)
            times = response_time_grid(self.end_time, self._pulse_arrivals(),
                                       self.pulse.duration)
            field = np.empty((len(times), len(self.radii)))
            field[0] = self.field_z
            for i in range(1, len(times)):
                self.solver.step(times[i - 1], times[i] - times[i - 1])
                self.solver.commit()
                field[i] = self.solver.film_fields(self.probe)["induced_field_z"]
        finally:
            self.peak_field = peak
            if getattr(self, "solver", None) is not None:
                self.solver.destroy()
            self.solver = self.probe = self.film_mesh = None  # only the response is kept
        return InductionResponse(times, self.radii.copy(), field, time.perf_counter() - t0,
                                 time.process_time() - cpu0)

    def _build(self, box_radius: float, radii: np.ndarray) -> None:
        """The induction mesh, source, solver and film probe for a box of ``box_radius`` [m]."""
        comm = self.domain.mesh.comm
        pulse = self.pulse
        if getattr(self, "solver", None) is not None:
            self.solver.destroy()
        self.film_mesh = rz_film_mesh(comm, beam_radius=Q(pulse.radius, "m"),
                                      thickness=Q(self.thickness, "m"),
                                      box_radius=Q(box_radius, "m"),
                                      representation=self.representation,
                                      cells_per_radius=self.cells_per_radius)
        source = GaussianImpressedFlux.from_si(self.peak_field, pulse.radius, pulse.duration,
                                               pulse_peak_time=pulse.arrival,
                                               later_peak_times=self.arrivals[1:])
        self.solver = AxisymmetricInduction(self.film_mesh, conductivity=Q(self.conductivity,
                                                                           "S/m"),
                                            source=source, scheme="bdf2")
        radii = radii[radii < 0.999 * self.film_mesh.radius]
        self.radii = radii
        self.probe = self.solver.film_probe(radii)
        self.field_z = np.zeros(len(radii))
        self._update_field()

    def step(self, t: float, dt: float) -> None:
        if not self._warned_box and t + dt > self.accurate_until() * (1 + 1e-9):
            self._warned_box = True
            if self.domain.mesh.comm.rank == 0:
                warnings.warn(
                    f"FilmInduction: the induction box (radius "
                    f"{self.box_radius_built * 1e6:.4g} um) keeps the centre field within 1 % "
                    f"only up to t = {self.accurate_until() * 1e12:.4g} ps; the eddy currents "
                    f"spread beyond it later. Give induction={{'end_time': ...}} (or "
                    f"'box_radius') for a longer run.", stacklevel=2)
        if self.response is not None:
            self._trial_t = t + dt
            return
        super().step(t, dt)

    def commit(self) -> None:
        if self.response is None:
            super().commit()
            return
        self._t = self._trial_t
        self.field_z = self.peak_field * self.response(self._t)

    @property
    def box_radius_built(self) -> float:
        """The radius [m] of the induction box in use (solved, or of the reused response)."""
        return self.box_radius_used if self.response is not None else self.film_mesh.radius

    def state(self) -> dict[str, Any]:
        if self.response is not None:
            return {"response_time": self._t, "box_radius": self.box_radius_used,
                    "joule_energy_delivered": 0.0}
        entries = super().state()
        entries["box_radius"] = self.film_mesh.radius
        return entries

    def restore(self, entries: dict[str, Any]) -> None:
        """Restore; a checkpoint written with another box (an auto box sized for another end
        time) first rebuilds the induction mesh with the checkpoint's box."""
        from femmag.io.checkpoint import CheckpointError

        if ("response_time" in entries) != (self.response is not None):
            raise CheckpointError(
                "FilmInduction: the checkpoint was written " + (
                    "with a reused induction response (femmag.study sweeps), this run solves "
                    "the induction" if "response_time" in entries else
                    "by a run that solved the induction, this run reuses a response") +
                "; resume it the way it was run (inside or outside reuse_induction_responses)")
        box = float(entries.get("box_radius", self.box_radius_built))
        if self.response is not None:
            if abs(box - self.box_radius_used) > 1e-9 * box:
                self._use_response(active_response_cache(), box, self._probe_radii)
            self._t = self._trial_t = float(entries["response_time"])
            self.field_z = self.peak_field * self.response(self._t)
            return
        if abs(box - self.film_mesh.radius) > 1e-9 * box:
            self._build(box, self._probe_radii)
        super().restore(entries)

    def summary(self) -> str:
        if self.response is None:
            return super().summary()
        r = self.response
        return (f"induction: reused unit response ({len(r.times)} fine steps to "
                f"{r.times[-1] * 1e12:.4g} ps, box {self.box_radius_used * 1e6:.4g} um), peak "
                f"B_IFE = {self.peak_field:+.4g} T; film '{self.layer}', σ = "
                f"{self.conductivity:.3g} S/m; M source off; Joule heating off; "
                f"{self._summary_tail()}")

    def destroy(self) -> None:
        if getattr(self, "solver", None) is not None:
            self.solver.destroy()

    def _update_field(self) -> None:
        values = self.solver.film_fields(self.probe)
        self.field_z = values["induced_field_z"]
        self._joule_profile = values["joule_power_density"]
        if self.joule_power_density is not None:
            q = values["joule_power_density"]
            self.joule_power_density.x.array[self._joule_dofs] = (
                q[0] if len(self.radii) == 1 else np.interp(self._joule_radius, self.radii, q))

    def __call__(self, points: np.ndarray, t: float) -> np.ndarray:
        """Field provider: B (n, 3) [T] at the given points (committed induction state)."""
        B = np.zeros((len(points), 3))
        if len(points) == 0:
            return B
        if self.domain.kind == "1d" or len(self.radii) == 1:
            B[:, 2] = self.field_z[0]
        else:
            B[:, 2] = np.interp(points[:, 0], self.radii, self.field_z)
        return B

    def centre_field(self) -> float:
        """B_i,z at r = 0 [T] (committed state)."""
        return float(np.interp(0.0, self.radii, self.field_z))

    def _film_magnetization(self) -> tuple[np.ndarray, np.ndarray]:
        """Thickness-averaged M_z(r) [A/m] of the layer from the (trial) LLB state, all ranks."""
        field = self._magnetization
        comm = self.domain.mesh.comm
        sel = field.owned
        r = np.round(field.points[sel, 0], 15) if self.domain.kind == "rz" else \
            np.zeros(int(sel.sum()))
        w = field.volume_weights[sel]
        mz = field.values()[sel, 2] * field.parameters["saturation_magnetization"][sel]
        keys, inverse = np.unique(r, return_inverse=True)
        num = np.bincount(inverse, weights=w * mz, minlength=len(keys))
        den = np.bincount(inverse, weights=w, minlength=len(keys))
        keys = np.concatenate(comm.allgather(keys))
        num = np.concatenate(comm.allgather(num))
        den = np.concatenate(comm.allgather(den))
        uk, inv = np.unique(keys, return_inverse=True)
        n = np.bincount(inv, weights=num)
        d = np.bincount(inv, weights=den)
        return uk, n / np.maximum(d, 1e-300)

    def _set_magnetization(self) -> None:
        r, Mz = self._film_magnetization()
        if len(r) == 1:
            self.solver.set_magnetization(axial=lambda rr, v=Mz[0]: np.full_like(rr, v))
        else:
            self.solver.set_magnetization(axial=lambda rr: np.interp(rr, r, Mz))

    def _joule_energy_of_step(self, dt: float) -> float:
        if len(self.radii) < 2:
            return 0.0
        q = self._joule_profile  # what the heat step over [t, t+dt] used (lagged)
        return dt * 2 * np.pi * self.thickness * np.trapezoid(self.radii * q, self.radii)

    def _summary_tail(self) -> str:
        return f"{len(self.radii)} probe radii"
