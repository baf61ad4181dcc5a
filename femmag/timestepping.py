"""Time-step policy: the user's :class:`TimeStepping` options and the :class:`StepController` that
chooses each Δt of a run (pulse windows, geometric growth, error control, the induction ladder)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from femmag.errors import StepFailure
from femmag.units import to_si


class TemperatureErrorTooLarge(StepFailure):
    """The local error indicator of the temperatures exceeds 4 × the tolerance."""


@dataclass
class TimeStepping:
    """Adaptive time-step policy.

    Args:
        dt_pulse: step inside the pulse windows (t0 ± ``window`` FWHM), e.g. ``"2 fs"``.
        dt_max: largest step after the pulses, e.g. ``"1 ps"``.
        growth: factor by which Δt grows per step after a pulse.
        window: half-width of a pulse window in units of the pulse FWHM.
        min_dt: smallest step allowed after repeated rejections, e.g. ``"0.01 fs"``.
        tolerance: optional local error tolerance of the temperatures, e.g. ``"0.5 K"``. Given,
            Δt follows the heat module's error indicator (max |T − T_predicted|) everywhere,
            Δt_new = Δt·clip(0.9 √(tol/err), 0.3, 2), starting each pulse window at ``dt_pulse``
            and rejecting a step whose indicator exceeds 4·tol; without it (default), Δt is
            ``dt_pulse`` inside pulse windows and grows geometrically outside. With a
            tolerance, ``heat_options={"newton_tolerance": <1e-3 × tolerance>}`` makes most steps
            one Newton iteration (faster in 1D; energy then conserved to ~1e-5 instead of
            ~1e-10; see ``bench/bench_2tm_1d.py``).
        relative_tolerance: optional local error tolerance relative to the temperature rise so
            far (T_e and T_l each against their own rise), e.g. ``1e-4``; Δt then follows the heat
            module's relative error estimate, Δt_new = Δt·clip(0.9 (tol/err)^p, 0.3, 2) with p the
            scheme's exponent (1/3 for TR-BDF2). ``Simulation(accuracy=...)`` sets it.
    """

    dt_pulse: Any = "2 fs"
    dt_max: Any = "1 ps"
    growth: float = 1.08
    window: float = 2.5
    min_dt: Any = "0.01 fs"
    tolerance: Any = None
    relative_tolerance: float | None = None

    def __post_init__(self) -> None:
        self.dt_pulse_s = to_si(self.dt_pulse, "time", "TimeStepping.dt_pulse")
        self.dt_max_s = to_si(self.dt_max, "time", "TimeStepping.dt_max")
        self.min_dt_s = to_si(self.min_dt, "time", "TimeStepping.min_dt")
        if not 0 < self.dt_pulse_s <= self.dt_max_s:
            raise ValueError(f"TimeStepping: need 0 < dt_pulse ≤ dt_max, got dt_pulse = "
                             f"{self.dt_pulse!r}, dt_max = {self.dt_max!r}")
        if self.dt_pulse_s > 20e-15:
            raise ValueError(f"TimeStepping.dt_pulse = {self.dt_pulse!r} is too coarse to resolve "
                             f"a fs pulse and the electron-temperature rise; use ≤ 20 fs "
                             f"(2-5 fs recommended)")
        if not 1.0 < self.growth <= 2.0:
            raise ValueError(f"TimeStepping.growth = {self.growth}: use 1 < growth ≤ 2")
        self.tolerance_s = (None if self.tolerance is None else
                            to_si(self.tolerance, "temperature", "TimeStepping.tolerance"))
        if self.tolerance_s is not None and not self.tolerance_s > 0:
            raise ValueError(f"TimeStepping.tolerance = {self.tolerance!r} must be > 0 K")
        if self.relative_tolerance is not None:
            if self.tolerance is not None:
                raise ValueError("TimeStepping: give tolerance (kelvin) or relative_tolerance, "
                                 "not both")
            if not 0 < float(self.relative_tolerance) < 1:
                raise ValueError(f"TimeStepping.relative_tolerance = {self.relative_tolerance!r}:"
                                 f" give a fraction of the temperature rise in (0, 1), e.g. 1e-4")

    @property
    def controlled(self) -> bool:
        """Δt follows an error estimate (absolute or relative tolerance)."""
        return self.tolerance_s is not None or self.relative_tolerance is not None


class StepController:
    """Chooses Δt for each step of a run from a :class:`TimeStepping` policy.

    Args:
        policy: the :class:`TimeStepping` options.
        arrivals: peak times of the pulses [s].
        duration: pulse FWHM [s].
        error_estimate: callable returning the heat module's local error indicator [K] of the
            last step (``None`` before the first).
        ladder: restrict Δt to ``dt_pulse · 2^k`` (a solver that factorizes once per distinct Δt,
            e.g. the induction, then reuses its factorizations).
        relative_error: callable returning the heat module's local error estimate relative to
            the temperature rise (for ``relative_tolerance``).
        exponent: Δt ∝ error^(-exponent): 1/2 for the θ-scheme's predictor indicator, 1/3 for
            TR-BDF2's O(Δt³) estimate.
    """

    def __init__(self, policy: TimeStepping, arrivals: list[float], duration: float,
                 error_estimate: Any, *, ladder: bool = False, relative_error: Any = None,
                 exponent: float = 0.5) -> None:
        if policy.relative_tolerance is not None and relative_error is None:
            raise ValueError("TimeStepping(relative_tolerance=...) needs a relative error "
                             "estimate of the heat module")
        self.policy = policy
        self.exponent = exponent
        self.relative_error = relative_error
        w = policy.window * duration
        self.windows = [(t0 - w, t0 + w) for t0 in arrivals]
        self.error_estimate = error_estimate
        self.ladder = ladder
        self.target = policy.dt_pulse_s

    def reset(self) -> None:
        self.target = self.policy.dt_pulse_s

    def next_dt(self, t: float, dt_prev: float) -> float:
        """The step to try from ``t`` after a committed step ``dt_prev``."""
        ts = self.policy
        if ts.controlled:
            dt = self._controlled(t, dt_prev)
        else:
            for a, b in self.windows:
                if a - 1e-21 <= t < b:
                    self.target = ts.dt_pulse_s
                    return ts.dt_pulse_s
            self.target = min(max(self.target, dt_prev) * ts.growth, ts.dt_max_s)
            dt = self.target
        if self.ladder:
            dt = ts.dt_pulse_s * 2.0 ** np.floor(np.log2(dt / ts.dt_pulse_s) + 1e-9)
        for a, _ in self.windows:  # do not step over the start of a pulse window
            if t < a < t + dt:
                dt = max(a - t, ts.dt_pulse_s)
        return dt

    def _controlled(self, t: float, dt_prev: float) -> float:
        """Error-controlled Δt from the heat module's local error indicator."""
        ts = self.policy
        error = self._scaled_error()
        base = max(self.target, dt_prev)  # a step cut short by an output time keeps its size
        if error is None:
            dt = min(base, ts.dt_pulse_s)
        else:
            factor = 2.0 if error <= 0 else min(2.0, max(0.3, 0.9 * error ** -self.exponent))
            dt = min(max(base * factor, ts.min_dt_s), ts.dt_max_s)
        for a, _ in self.windows:  # enter every pulse window with dt_pulse
            if abs(t - a) <= 1e-21 + 1e-9 * ts.dt_pulse_s:
                dt = min(dt, ts.dt_pulse_s)
        self.target = dt
        return dt

    def _scaled_error(self) -> float | None:
        """The last step's error estimate in units of the tolerance (None before one exists)."""
        ts = self.policy
        if ts.relative_tolerance is not None:
            error = self.relative_error()
            return None if error is None else error / float(ts.relative_tolerance)
        error = self.error_estimate()
        return None if error is None else error / ts.tolerance_s

    def rejected(self, dt: float) -> float:
        """The step to retry with after ``dt`` was rejected (half of it)."""
        self.target = 0.5 * dt
        return self.target

    def check(self, t: float, dt: float) -> None:
        """Raise :class:`TemperatureErrorTooLarge` if the step's error indicator exceeds 4·tol."""
        if not self.policy.controlled:
            return
        error = self._scaled_error()
        if error is not None and error > 4.0:
            raise TemperatureErrorTooLarge(
                f"temperature error estimate {error:.3g} × the tolerance (> 4) at "
                f"t = {(t + dt) * 1e12:.4g} ps")
