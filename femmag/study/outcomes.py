"""Outcomes of one run, computed from its traces and fields (never from a plot), and the rule that
ends a run as soon as its outcome is decided.

Every number here is the same on every rank (the traces are reduced over ranks already; the
field quantities are reduced here), so a sweep gives the same dataset on any rank count.

The beam centre is the traces' centre: the quadrature points within ``traces.centre_radius``
(2% of the beam radius, at least the innermost ring) of the axis; on 1D meshes every point.

``outcome`` (read at the end of the run, relative to the initial centre m_z):

- ``demagnetized``: the centre is still above T_c at the end (undecided, |m| → 0), or the centre
  is multi-domain: neither sign of m_z holds 90% of its volume (stochastic models);
- ``switched``: at least 90% of the centre volume has m_z reversed;
- ``not_switched``: otherwise;
- ``failed``: the run raised (the reason is recorded beside it).

**Spin valves** (the s-d model of :mod:`femmag.physics.spin.module` without the LLB
magnetization, seed 000): the *free* and *reference* (ref) groups are the groups named ``free``
and ``ref``, else the first and the last group (the last is the one ``initial = "AP"``
reverses). :func:`spin_valve_outcomes` gives the free-layer crossing time and the ref
demagnetization peak (:data:`SPIN_VALVE_VARIABLES`), for a P or an AP start alike (the start is a
sweep axis, ``"spin.initial" = ["P", "AP"]``; ``initial_antiparallel`` records it). There the
``outcome`` is the free layer's: ``switched`` when its final m_d is reversed,
``demagnetized`` when its T_e is still above its T_c at the end, else ``not_switched``. The
group traces are volume averages over the whole group (on r-z meshes: over the whole disc).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mpi4py import MPI

from femmag.units import to_si

__all__ = ["OUTCOMES", "SPIN_VALVE_VARIABLES", "VARIABLES", "SettledOutcome", "compute_outcomes",
           "curie_temperature", "spin_valve_outcomes"]

#: the values of ``outcome``, in the order of their integer codes
OUTCOMES = ("switched", "not_switched", "demagnetized", "failed")

#: the fraction of the centre volume one sign of m_z must hold for a single-domain outcome
SINGLE_DOMAIN_FRACTION = 0.9

#: outcome variable → (unit, description)
VARIABLES: dict[str, tuple[str, str]] = {
    "switched": ("1", "1 if the beam-centre m_z ended reversed from its initial sign, else 0"),
    "final_centre_mz": ("1", "beam-centre m_z = M_z/M_s(0 K) at the end of the run"),
    "switched_radius": ("um", "outer radius of the region with m_z reversed (any depth) at the "
                              "end; 0 if none; NaN on 1D meshes"),
    "reversed_centre_fraction": ("1", "volume fraction of the beam centre with m_z reversed at "
                                      "the end"),
    "electron_temperature_max": ("K", "maximum beam-centre electron temperature T_e,max"),
    "electron_temperature_max_over_curie": ("1", "T_e,max / T_c (T_c: lowest Curie temperature "
                                                 "of the magnetic layers)"),
    "time_above_curie": ("ps", "time the beam-centre T_e spent above T_c"),
    "induced_field_peak": ("T", "peak (largest |B|, signed) beam-centre induced field B_i,z; "
                                "NaN without induction"),
    "induced_field_delay": ("ps", "time of the B_i peak after the (first) pulse peak; NaN "
                                  "without induction"),
    "min_magnetization_norm": ("1", "minimum over time of the beam-centre |m|"),
    "end_time": ("ps", "time the run ended (earlier than the case's end if stopped early)"),
    "stopped_early": ("1", "1 if the run ended early because its outcome was decided"),
}

#: spin-valve outcome variable → (unit, description); NaN for runs without a spin valve
SPIN_VALVE_VARIABLES: dict[str, tuple[str, str]] = {
    "initial_antiparallel": ("1", "spin valve: 1 if the free and ref layers started antiparallel "
                                  "(AP), 0 if parallel (P)"),
    "free_crossing_time": ("ps", "spin valve: first time the free-layer m_d crosses zero (from "
                                 "its initial sign; linear between steps), after the (first) "
                                 "pulse peak; NaN if it never crosses"),
    "free_final_md": ("1", "spin valve: free-layer m_d at the end (lab frame)"),
    "free_min_md": ("1", "spin valve: smallest free-layer m_d relative to its initial sign "
                         "(m_d × sign m_d(0); < 0 once it has crossed)"),
    "ref_demagnetization": ("1", "spin valve: ref demagnetization peak 1 − min|m_d,ref| / "
                                 "|m_d,ref(0)|"),
    "ref_demagnetization_time": ("ps", "spin valve: time of the ref demagnetization peak (the "
                                       "smallest |m_d,ref|) after the (first) pulse peak"),
}
VARIABLES.update(SPIN_VALVE_VARIABLES)


def curie_temperature(sim: Any) -> float:
    """The lowest Curie temperature of the stack's magnetic layers [K] (NaN if none)."""
    values = [sim.library.get(layer.material).prop("curie_temperature").value
              for layer in sim.stack.all_layers()
              if sim.library.get(layer.material).has("curie_temperature")]
    return min(values) if values else float("nan")


def time_above(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """Time [units of t] that the piecewise-linear y(t) spends above ``level``."""
    if len(t) < 2:
        return 0.0
    a, b, dt = y[:-1] - level, y[1:] - level, np.diff(t)
    both = (a >= 0) & (b >= 0)
    cross = (a >= 0) != (b >= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(cross, a / (a - b), 0.0)  # where the segment crosses the level
    part = np.where(a >= 0, frac, 1.0 - frac)
    return float(np.sum(dt[both]) + np.sum((dt * part)[cross]))


def _spin_module(sim: Any) -> Any:
    """The s-d spin module of a Simulation (None without one)."""
    from femmag.physics.spin.module import SpinTransport

    found = [m for m in getattr(sim, "extra_modules", []) if isinstance(m, SpinTransport)]
    return found[0] if found else None


def _free_and_ref(names: list[str], free: str | None, ref: str | None) -> tuple[str, str]:
    """(free, ref) group names: as given, else ``free``/``ref``, else the first and last group."""
    if len(names) < 2:
        raise ValueError(f"spin_valve_outcomes: a spin valve needs two ferromagnetic groups (free "
                         f"and ref), this run has {names}")
    free = free or ("free" if "free" in names else names[0])
    ref = ref or ("ref" if "ref" in names else names[-1])
    for role, name in (("free", free), ("ref", ref)):
        if name not in names:
            raise ValueError(f"spin_valve_outcomes: {role} = {name!r} is not a ferromagnetic "
                             f"group of the run; the groups are {names}")
    if free == ref:
        raise ValueError(f"spin_valve_outcomes: free and ref are the same group {free!r}; pass "
                         f"free=..., ref=... naming two of {names}")
    return free, ref


def _first_crossing(t: np.ndarray, m: np.ndarray) -> float:
    """First time the trace m(t) reaches zero from its initial sign (linear between samples)."""
    s = m * (np.sign(m[0]) or 1.0)
    below = np.flatnonzero(s <= 0.0)
    if below.size == 0 or below[0] == 0:
        return float("nan")
    k = below[0]
    return float(t[k - 1] + (t[k] - t[k - 1]) * s[k - 1] / (s[k - 1] - s[k]))


def spin_valve_figures(time: np.ndarray, free_md: np.ndarray, ref_md: np.ndarray,
                       pulse_peak: float = 0.0) -> dict[str, float]:
    """The :data:`SPIN_VALVE_VARIABLES` from m_d traces of the free and ref layers.

    Args:
        time: sample times [ps].
        free_md, ref_md: m_d of the free and ref layers at those times (lab frame).
        pulse_peak: time of the (first) pulse peak [ps]; the times returned are after it.
    """
    t, free, ref = (np.asarray(a, dtype=float) for a in (time, free_md, ref_md))
    if not (t.ndim == free.ndim == ref.ndim == 1 and t.size == free.size == ref.size >= 2):
        raise ValueError(f"spin_valve_figures: time, free_md and ref_md must be 1D traces of the "
                         f"same length ≥ 2, got shapes {t.shape}, {free.shape}, {ref.shape}")
    size = np.abs(ref)
    i = int(np.argmin(size))
    return {"initial_antiparallel": float(free[0] * ref[0] < 0),
            "free_crossing_time": _first_crossing(t, free) - pulse_peak,
            "free_final_md": float(free[-1]),
            "free_min_md": float(np.min(free * (np.sign(free[0]) or 1.0))),
            "ref_demagnetization": float(1.0 - size[i] / size[0]),
            "ref_demagnetization_time": float(t[i] - pulse_peak)}


def spin_valve_outcomes(run: Any, *, free: str | None = None, ref: str | None = None,
                        pulse_peak: Any = None) -> dict[str, float]:
    """Free-layer crossing time and ref demagnetization peak of one spin-valve run.

    Args:
        run: a finished :class:`~femmag.simulation.Simulation` with the s-d spin module (its
            traces ``m_d_<group>``; the times are after the first pulse peak of its pulse), or a
            :class:`~femmag.models.spin_valve.SpinValveResult` of the lumped model (times after
            ``pulse_peak``).
        free, ref: the group names (default: ``free``/``ref``, else the first and last group).
        pulse_peak: the pulse peak for a ``SpinValveResult``, with its unit (``"0.1 ps"``;
            default 0); ignored for a Simulation.

    Returns:
        ``{name: value}`` in the units of :data:`SPIN_VALVE_VARIABLES` (times in ps).
    """
    if hasattr(run, "m_d") and hasattr(run, "names"):  # lumped SpinValveResult (SI)
        f, r = _free_and_ref(list(run.names), free, ref)
        peak = 0.0 if pulse_peak is None else to_si(pulse_peak, "time", "pulse_peak") * 1e12
        return spin_valve_figures(np.asarray(run.time) * 1e12, run.m_d[:, run.names.index(f)],
                                  run.m_d[:, run.names.index(r)], peak)
    module = _spin_module(run)
    if module is None:
        raise ValueError("spin_valve_outcomes: the run has no s-d spin module ([spin] table / "
                         "modules=[spin_transport(...)]); nothing to compute for a spin valve")
    f, r = _free_and_ref(list(module.names), free, ref)
    traces = run.traces
    base = getattr(run.pulse, "pulse", run.pulse)
    return spin_valve_figures(traces.column("time"), traces.column(f"m_d_{f}"),
                              traces.column(f"m_d_{r}"), base.arrival * 1e12)


def _spin_valve_result(sim: Any, result: dict[str, Any]) -> bool:
    """Fill the spin-valve outcomes (and the free layer's outcome) of a run without LLB
    magnetization; False if it is no spin valve."""
    module = _spin_module(sim)
    if module is None or len(module.names) < 2:
        return False
    result.update(spin_valve_outcomes(sim))
    free, _ = _free_and_ref(list(module.names), None, None)
    start = sim.traces.column(f"m_d_{free}")[0]
    switched = result["free_final_md"] * (np.sign(start) or 1.0) < 0
    result["switched"] = float(switched)
    hot = sim.traces.column(f"electron_temperature_{free}")[-1] \
        >= module.params[free].curie_temperature
    result["outcome"] = "demagnetized" if hot else ("switched" if switched else "not_switched")
    return True


def _centre_mask(sim: Any, field: Any) -> tuple[np.ndarray, np.ndarray]:
    """(radius of each point, centre mask) as the traces define the centre."""
    kind = sim.domain.kind
    p = field.points
    if kind == "1d":
        r = np.zeros(len(p))
        return r, np.ones(len(p), dtype=bool)
    r = np.hypot(p[:, 0], p[:, 1]) if kind == "3d" else np.abs(p[:, 0])
    comm = sim.comm
    rmin = comm.allreduce(float(r.min()) if len(r) else np.inf, op=MPI.MIN)
    return r, r <= max(sim.traces.centre_radius, 1.01 * rmin)


def compute_outcomes(sim: Any) -> dict[str, Any]:
    """The outcomes of a finished run (collective: call on every rank of ``sim.comm``)."""
    traces = sim.traces
    names = traces.names()
    t = traces.column("time")
    Te = traces.column("electron_temperature_centre")
    Tc = curie_temperature(sim)
    result: dict[str, Any] = {k: float("nan") for k in VARIABLES}
    result["electron_temperature_max"] = float(Te.max())
    result["electron_temperature_max_over_curie"] = float(Te.max() / Tc)
    result["time_above_curie"] = time_above(t, Te, Tc)
    result["end_time"] = float(t[-1])
    result["stopped_early"] = float(bool(getattr(sim, "stopped_early", False)))
    if "induced_field_centre" in names:
        B = traces.column("induced_field_centre")
        i = int(np.argmax(np.abs(B)))
        base = getattr(sim.pulse, "pulse", sim.pulse)
        result["induced_field_peak"] = float(B[i])
        result["induced_field_delay"] = float(t[i] - base.arrival * 1e12)
    if "magnetization" not in sim.fields or "magnetization_z_centre" not in names:
        if _spin_valve_result(sim, result):
            return result
        result["outcome"] = "not_switched"  # no magnetization: nothing can switch
        result["switched"] = 0.0
        return result
    mz = traces.column("magnetization_z_centre")
    result["final_centre_mz"] = float(mz[-1])
    result["min_magnetization_norm"] = float(traces.column("magnetization_norm_centre").min())
    initial = np.sign(mz[0]) or 1.0
    result["switched"] = float(mz[-1] * initial < 0)

    field = sim.fields["magnetization"]
    m = field.values()
    r, centre = _centre_mask(sim, field)
    reversed_ = m[:, 2] * initial < 0
    w = field.volume_weights
    sel = field.owned & centre
    comm = sim.comm
    sums = np.zeros(2)
    comm.Allreduce(np.array([w[sel & reversed_].sum(), w[sel].sum()]), sums, op=MPI.SUM)
    fraction = float(sums[0] / sums[1]) if sums[1] > 0 else float("nan")
    result["reversed_centre_fraction"] = fraction
    if sim.domain.kind in ("rz", "3d"):
        local = float(r[field.owned & reversed_].max()) if np.any(field.owned & reversed_) else 0.0
        result["switched_radius"] = comm.allreduce(local, op=MPI.MAX) * 1e6
    if Te[-1] >= Tc:
        outcome = "demagnetized"  # still above T_c at the end: undecided, |m| → 0
    elif fraction >= SINGLE_DOMAIN_FRACTION:
        outcome = "switched"
    elif fraction > 1.0 - SINGLE_DOMAIN_FRACTION:
        outcome = "demagnetized"  # multi-domain centre
    else:
        outcome = "not_switched"
    result["outcome"] = outcome
    return result


class SettledOutcome:
    """Early-stop rule: the outcome is decided.

    A run may stop at time t once

    1. every pulse has passed (t > last arrival + 3 FWHM),
    2. every temperature of the mesh (T_e and T_l, all layers) is below (1 − margin) T_c, and
    3. the sign of m_z has not changed at any quadrature point of the magnetic layers (the beam
       centre is all of them on 1D meshes) for ``hold`` of simulated time, counted from the
       latest of: the last sign change, the moment the temperatures fell below the margin, the
       end of the pulses.

    Below T_c the LLB magnetization grows back along its current direction; the fields of a
    pulse (IFE, eddy currents) have decayed by then, so a settled sign stays. The rule assumes no
    later pulse or rising field (a static applied field is allowed: it acted during the hold).
    Checked against runs to the full end time in ``tests/verification/test_sweep.py``.

    Args:
        margin: relative margin below T_c (0.05: T < 0.95 T_c).
        hold: how long the signs must stay settled, e.g. ``"5 ps"``.
    """

    def __init__(self, margin: float = 0.05, hold: Any = "5 ps") -> None:
        if not 0 <= margin < 1:
            raise ValueError(f"SettledOutcome margin = {margin!r} must be in [0, 1)")
        self.margin = float(margin)
        self.hold_text = hold
        self.hold = to_si(hold, "time", "SettledOutcome.hold")
        self._sim = None

    @property
    def description(self) -> str:
        return (f"outcome decided: pulses over, all T_e and T_l below {1 - self.margin:g} T_c and "
                f"the sign of m_z unchanged at every magnetic quadrature point for "
                f"{self.hold_text}")

    def __repr__(self) -> str:
        return f"SettledOutcome(margin={self.margin:g}, hold={self.hold_text!r})"

    def _start(self, sim: Any) -> None:
        self._sim = sim
        self._tc = curie_temperature(sim)
        base = getattr(sim.pulse, "pulse", sim.pulse)
        arrivals = np.atleast_1d(getattr(sim.pulse, "arrivals", [base.arrival]))
        self._pulses_over = float(np.max(arrivals) + 3.0 * base.duration)
        self._magnetization = sim.fields["magnetization"] if "magnetization" in sim.fields \
            else None
        self._temperatures = [sim.fields[n] for n in ("electron_temperature",
                                                      "lattice_temperature") if n in sim.fields]
        self._signs = None
        self._since = np.inf  # when the current settled stretch began

    def __call__(self, sim: Any) -> bool:
        if sim is not self._sim:
            self._start(sim)
        if self._magnetization is None or not np.isfinite(self._tc):
            return False
        m = self._magnetization.values()
        signs = np.sign(m[self._magnetization.owned, 2])
        changed = self._signs is None or not np.array_equal(signs, self._signs)
        self._signs = signs
        hottest = max((float(T.x.array.max()) for T in self._temperatures if T.x.array.size),
                      default=-np.inf)
        both = np.zeros(2)
        sim.comm.Allreduce(np.array([float(changed), hottest]), both, op=MPI.MAX)
        changed, hottest = both
        t = sim.t
        if changed or hottest >= (1.0 - self.margin) * self._tc or t <= self._pulses_over:
            self._since = np.inf
            return False
        if not np.isfinite(self._since):
            self._since = t
        return t - self._since >= self.hold
