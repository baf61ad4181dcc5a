"""The pump pulse: Gaussian in time and in radius (physics-spec §1.4).

    I(r, t) = I_pk exp(-r²/r0²) exp(-4 ln2 (t - t0)²/τ²),   r0 = D/2,
    I_pk = F0 / (τ √(π/(4 ln 2)))

with peak (centre) fluence F0, FWHM duration τ, 1/e-*intensity* diameter D and arrival time t0 of
the pulse peak. Pulse energy π r0² F0. All inputs carry units and are converted once to SI.

Runs start at t = 0, so a pulse must not begin before it: by default the pulse peak is placed at
t0 = 5σ = 2.12 τ (σ = τ/√(8 ln 2)), where the window t0 ± 5σ of :meth:`Pulse.window` starts at
t = 0; an explicit ``arrival`` earlier than 3.09σ = 1.31 τ, which would deliver more than 0.1 % of
the fluence before the run starts, is an error whose message gives the earliest valid arrival
(a truncated pulse would silently lose that energy and, for the induced field, the rising flank
that the eddy currents answer: a run started at the pulse peak gives a 4× too high field tail).

Example:
    >>> pump = Pulse(fluence="2.6 mJ/cm^2", duration="140 fs", diameter="10 um",
    ...              wavelength="800 nm", helicity="sigma-", arrival="0.2 ps")
    >>> round(pump.peak_intensity / 1e14, 4)  # W/m²
    1.7447
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.units import format_si, to_si

__all__ = ["Pulse", "PulseTrain", "parse_helicity"]

#: 4 ln 2: FWHM ↔ Gaussian exponent, exp(-4 ln2 t²/τ²) is 1/2 at t = ±τ/2
_FOUR_LN2 = 4.0 * np.log(2.0)
#: ∫ exp(-4 ln2 s²) ds over the real line, in units of τ
_TEMPORAL_INTEGRAL = float(np.sqrt(np.pi / _FOUR_LN2))
#: σ/τ of the Gaussian envelope (σ = τ/√(8 ln 2))
_SIGMA_PER_FWHM = float(1.0 / np.sqrt(2.0 * _FOUR_LN2))
#: default arrival t0 = 5σ: the pulse window t0 ± 5σ starts at t = 0
DEFAULT_ARRIVAL_SIGMAS = 5.0
#: earliest arrival t0 = 3.09σ: at most 0.1 % of the fluence before the run starts (t = 0)
EARLIEST_ARRIVAL_SIGMAS = 3.090232306167813  # Φ⁻¹(1 - 1e-3)

_HELICITY_NAMES: dict[str, int] = {
    "sigma+": +1, "σ+": +1, "rcp": +1, "+1": +1, "+": +1,
    "sigma-": -1, "σ-": -1, "lcp": -1, "-1": -1, "-": -1,
    "linear": 0, "lin": 0, "0": 0,
}


def parse_helicity(helicity: Any) -> int:
    """Helicity index h from +1/-1/0 or "sigma+"/"sigma-"/"linear" (physics-spec §0.3).

    h = +1 (σ+) drives the IFE field along +z, h = -1 (σ-) along -z, h = 0 (linear) has none.

    Raises:
        ValueError: anything else, with the accepted spellings.
    """
    if isinstance(helicity, bool):
        pass  # True/False are not helicities
    elif isinstance(helicity, int | np.integer) and int(helicity) in (-1, 0, 1):
        return int(helicity)
    elif isinstance(helicity, float) and helicity in (-1.0, 0.0, 1.0):
        return int(helicity)
    elif isinstance(helicity, str) and helicity.strip().lower() in _HELICITY_NAMES:
        return _HELICITY_NAMES[helicity.strip().lower()]
    raise ValueError(f"Pulse.helicity = {helicity!r} is not a helicity. Use +1 or 'sigma+' "
                     "(σ+, IFE field along +z), -1 or 'sigma-' (σ-, along -z), 0 or 'linear'.")


@dataclass(frozen=True, init=False)
class Pulse:
    """A Gaussian pump pulse (peak fluence, FWHM duration, 1/e-intensity diameter).

    Args:
        fluence: peak (centre) fluence F0, e.g. ``"2.6 mJ/cm^2"``.
        duration: intensity FWHM τ, e.g. ``"140 fs"``.
        diameter: 1/e-intensity beam diameter D = 2 r0, e.g. ``"10 um"``.
        wavelength: vacuum wavelength, e.g. ``"800 nm"``.
        helicity: +1 / "sigma+", -1 / "sigma-", 0 / "linear".
        arrival: time t0 of the pulse peak, e.g. ``"0.2 ps"``; at least 3.09σ = 1.31 τ (runs
            start at t = 0 and a pulse may not deliver more than 0.1 % of its fluence before);
            default (None): 5σ = 2.12 τ, the pulse window t0 ± 5σ then starts at t = 0
            (0.297 ps for 140 fs).

    Raises:
        UnitError: a value without unit or with a wrong one.
        ValueError: non-positive values, or an arrival so early that the pulse would begin
            before the run (the message gives the earliest arrival).

    Attributes (SI):
        fluence [J/m²], duration [s], diameter [m], wavelength [m], helicity (int), arrival [s].
    """

    fluence: float
    duration: float
    diameter: float
    wavelength: float
    helicity: int
    arrival: float

    def __init__(self, fluence: Any, duration: Any, diameter: Any, wavelength: Any = "800 nm",
                 helicity: Any = 0, arrival: Any = None) -> None:
        values = {
            "fluence": to_si(fluence, "fluence", "Pulse.fluence"),
            "duration": to_si(duration, "duration", "Pulse.duration"),
            "diameter": to_si(diameter, "diameter", "Pulse.diameter"),
            "wavelength": to_si(wavelength, "wavelength", "Pulse.wavelength"),
        }
        given = {"fluence": fluence, "duration": duration, "diameter": diameter,
                 "wavelength": wavelength}
        examples = {"fluence": "'2.6 mJ/cm^2'", "duration": "'140 fs'",
                    "diameter": "'10 um'", "wavelength": "'800 nm'"}
        for name, example in examples.items():
            if not (np.isfinite(values[name]) and values[name] > 0):
                raise ValueError(f"Pulse.{name} must be positive and finite, got "
                                 f"{given[name]!r}; e.g. Pulse.{name} = {example}.")
        sigma = values["duration"] * _SIGMA_PER_FWHM
        if arrival is None:
            values["arrival"] = DEFAULT_ARRIVAL_SIGMAS * sigma
        else:
            values["arrival"] = to_si(arrival, "time", "Pulse.arrival")
            if not np.isfinite(values["arrival"]):
                raise ValueError(f"Pulse.arrival must be finite, got {arrival!r}.")
            earliest = EARLIEST_ARRIVAL_SIGMAS * sigma
            if values["arrival"] < earliest * (1 - 1e-9):
                from scipy.special import erfc

                lost = 0.5 * erfc(values["arrival"] / (sigma * np.sqrt(2.0)))
                raise ValueError(
                    f"Pulse.arrival = {arrival!r} puts the pulse peak so early that "
                    f"{100 * lost:.3g} % of the pulse arrives before the run starts (t = 0) and "
                    f"would be lost. Give arrival >= '{earliest * 1e12:.4g} ps' (3.09σ = 1.31 τ: "
                    f"< 0.1 % before t = 0), or leave it out for the default "
                    f"'{DEFAULT_ARRIVAL_SIGMAS * sigma * 1e12:.4g} ps' (5σ: the whole pulse "
                    f"window t0 ± 5σ after t = 0).")
        for name, value in values.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "helicity", parse_helicity(helicity))

    # --- derived quantities ---------------------------------------------------------------
    @property
    def radius(self) -> float:
        """1/e-intensity radius r0 = D/2 [m]."""
        return 0.5 * self.diameter

    @property
    def peak_intensity(self) -> float:
        """I_pk = F0/(τ √(π/(4 ln 2))) [W/m²] (centre, pulse peak)."""
        return self.fluence / (self.duration * _TEMPORAL_INTEGRAL)

    @property
    def energy(self) -> float:
        """Pulse energy π r0² F0 [J]."""
        return np.pi * self.radius**2 * self.fluence

    # --- envelopes --------------------------------------------------------------------------
    def temporal(self, t: ArrayLike) -> NDArray[np.float64]:
        """Dimensionless temporal envelope exp(-4 ln2 (t - t0)²/τ²), peak 1 at t = t0 [t in s]."""
        shifted = (np.asarray(t, dtype=float) - self.arrival) / self.duration
        return np.exp(-_FOUR_LN2 * shifted**2)

    def lateral(self, r: ArrayLike) -> NDArray[np.float64]:
        """Dimensionless lateral envelope exp(-r²/r0²), peak 1 at r = 0 [r in m]."""
        return np.exp(-((np.asarray(r, dtype=float) / self.radius) ** 2))

    def intensity(self, r: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
        """Incident intensity I(r, t) [W/m²] (r in m, t in s; broadcast against each other)."""
        return self.peak_intensity * self.lateral(r) * self.temporal(t)

    def fluence_at(self, r: ArrayLike) -> NDArray[np.float64]:
        """Local fluence F(r) = F0 exp(-r²/r0²) [J/m²]."""
        return self.fluence * self.lateral(r)

    def fluence_delivered(self, t: ArrayLike) -> NDArray[np.float64]:
        """Fraction of the pulse that has arrived by time t, ∫_{-∞}^t g dt'/∫ g dt' (0 → 1)."""
        from scipy.special import erf  # scipy is a runtime dependency; import kept local

        shifted = (np.asarray(t, dtype=float) - self.arrival) / self.duration
        return 0.5 * (1.0 + erf(np.sqrt(_FOUR_LN2) * shifted))

    def window(self, n_sigma: float = 5.0) -> tuple[float, float]:
        """Time interval (t0 ∓ n_sigma·σ) [s] where the pulse matters, σ = τ/√(8 ln 2).

        Use it to refine the time step: outside ±5σ the envelope is below 4e-6 of its peak.
        """
        if not n_sigma > 0:
            raise ValueError(f"Pulse.window: n_sigma must be > 0, got {n_sigma!r}.")
        sigma = self.duration / np.sqrt(2.0 * _FOUR_LN2)
        return (float(self.arrival - n_sigma * sigma), float(self.arrival + n_sigma * sigma))

    def __repr__(self) -> str:
        names = {1: "sigma+", -1: "sigma-", 0: "linear"}
        return (f"Pulse(fluence='{format_si(self.fluence, 'J/m^2', 'mJ/cm^2')}', "
                f"duration='{format_si(self.duration, 's', 'fs')}', "
                f"diameter='{format_si(self.diameter, 'm', 'um')}', "
                f"wavelength='{format_si(self.wavelength, 'm', 'nm')}', "
                f"helicity='{names[self.helicity]}', "
                f"arrival='{format_si(self.arrival, 's', 'ps')}')")


def _pulse_si(fluence: float, shape: Pulse, helicity: int, arrival: float) -> Pulse:
    """A pulse of ``shape``'s duration, diameter and wavelength with SI fluence and arrival."""
    return Pulse(f"{float(fluence)!r} J/m^2", f"{float(shape.duration)!r} s",
                 f"{float(shape.diameter)!r} m", f"{float(shape.wavelength)!r} m",
                 helicity=int(helicity), arrival=f"{float(arrival)!r} s")


@dataclass(frozen=True, init=False)
class PulseTrain:
    """Several pulses of one shape (duration, diameter, wavelength): ``count`` copies every
    ``period``, or pulses at explicit ``arrivals``, each with its own fluence and helicity.

    Args:
        pulse: the first pulse; its duration, diameter and wavelength are every pulse's, its
            fluence and helicity the default of each pulse.
        count: number of pulses (>= 1), the k-th arriving at t0 + k·period (k = 0..count-1).
        period: time between pulses, with unit (e.g. ``"200 us"`` for 5 kHz).
        arrivals: instead of ``count`` and ``period``: the arrival (peak) time of every pulse,
            increasing, with units (e.g. ``["0.3 ps", "2 ps", "2.5 ps"]``); the first replaces
            the pulse's own arrival and is checked like :class:`Pulse` ``arrival``.
        fluences: peak fluence of each pulse (default: the pulse's), e.g.
            ``["2 mJ/cm^2", "1 mJ/cm^2", "1 mJ/cm^2"]``.
        helicities: helicity of each pulse (default: the pulse's), e.g.
            ``["sigma+", "sigma-", "sigma+"]``.

    Attributes:
        pulse: the first pulse (its arrival, fluence and helicity are the first pulse's).
        count: number of pulses; period: the period [s] of a regular train, else None.
        fluences [J/m²] and helicities: per pulse (arrays).

    The envelopes sum the pulses weighted by their fluence relative to the first
    (:attr:`fluence_weights`); ``intensity`` uses the first pulse's I_pk and beam.

    Example:
        >>> first = Pulse("2 mJ/cm^2", "100 fs", "10 um", arrival="0.3 ps")
        >>> train = PulseTrain(first, arrivals=["0.3 ps", "1.5 ps"],
        ...                    fluences=["2 mJ/cm^2", "1 mJ/cm^2"])
        >>> train.fluence_weights.tolist()
        [1.0, 0.5]
    """

    pulse: Pulse
    count: int
    period: float | None

    def __init__(self, pulse: Pulse, count: int | None = None, period: Any = None, *,
                 arrivals: Any = None, fluences: Any = None, helicities: Any = None) -> None:
        if not isinstance(pulse, Pulse):
            raise TypeError(f"PulseTrain.pulse must be a Pulse, got {type(pulse).__name__}.")
        if arrivals is None:
            if count is None or period is None:
                raise ValueError("PulseTrain: give count and period (a regular train, e.g. "
                                 "count=3, period='1 ns') or arrivals=['0.3 ps', '2 ps', ...].")
            if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 1:
                raise ValueError(f"PulseTrain.count must be an integer >= 1, got {count!r}.")
            period_si = to_si(period, "time", "PulseTrain.period")
            if not period_si > 0:
                raise ValueError(f"PulseTrain.period must be > 0, got {period!r}.")
            times = pulse.arrival + period_si * np.arange(int(count))
        else:
            if count is not None or period is not None:
                raise ValueError("PulseTrain: give either arrivals or count and period, not "
                                 "both.")
            if isinstance(arrivals, str) or not len(arrivals):
                raise ValueError(f"PulseTrain.arrivals must be a non-empty list of times, e.g. "
                                 f"['0.3 ps', '2 ps'], got {arrivals!r}.")
            times = np.array([to_si(t, "time", f"PulseTrain.arrivals[{i}]")
                              for i, t in enumerate(arrivals)])
            if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
                raise ValueError(f"PulseTrain.arrivals = {list(arrivals)!r} must be finite and "
                                 f"increasing (one time per pulse, in the order they arrive).")
            period_si = None
        n = len(times)
        per_pulse = {}
        for name, values, parse in (("fluences", fluences, None),
                                    ("helicities", helicities, parse_helicity)):
            if values is None:
                continue
            if isinstance(values, str) or len(values) != n:
                raise ValueError(f"PulseTrain.{name} = {values!r}: give one value per pulse "
                                 f"({n}).")
            if parse is None:
                per_pulse[name] = np.array([to_si(f, "fluence", f"PulseTrain.fluences[{i}]")
                                            for i, f in enumerate(values)])
                if not np.all(np.isfinite(per_pulse[name])) or np.any(per_pulse[name] <= 0):
                    raise ValueError(f"PulseTrain.fluences = {list(values)!r} must be finite "
                                     f"and > 0.")
            else:
                per_pulse[name] = np.array([parse(h) for h in values], dtype=int)
        first_fluence = per_pulse["fluences"][0] if "fluences" in per_pulse else pulse.fluence
        first_helicity = (int(per_pulse["helicities"][0]) if "helicities" in per_pulse
                          else pulse.helicity)
        if (times[0], first_fluence, first_helicity) != (pulse.arrival, pulse.fluence,
                                                         pulse.helicity):
            # the first pulse as given: its arrival is checked like any Pulse's
            try:
                pulse = _pulse_si(first_fluence, pulse, first_helicity, times[0])
            except ValueError as err:
                first = arrivals[0] if arrivals is not None else pulse.arrival
                raise ValueError(f"PulseTrain, first pulse (arrival {first!r}): {err}") from None
        object.__setattr__(self, "pulse", pulse)
        object.__setattr__(self, "count", n)
        object.__setattr__(self, "period", period_si)
        object.__setattr__(self, "_arrivals", np.asarray(times, dtype=float))
        object.__setattr__(self, "fluences", per_pulse.get("fluences",
                                                           np.full(n, pulse.fluence)))
        object.__setattr__(self, "helicities", per_pulse.get("helicities",
                                                             np.full(n, pulse.helicity)))

    @property
    def arrivals(self) -> NDArray[np.float64]:
        """Arrival times of the pulse peaks [s]."""
        return self._arrivals.copy()

    @property
    def fluence_weights(self) -> NDArray[np.float64]:
        """Fluence of each pulse relative to the first (the envelope weights)."""
        return self.fluences / self.pulse.fluence

    @property
    def uniform(self) -> bool:
        """Every pulse has the first one's fluence and helicity."""
        return bool(np.all(self.fluences == self.pulse.fluence)
                    and np.all(self.helicities == self.pulse.helicity))

    @property
    def pulses(self) -> list[Pulse]:
        """Every pulse of the train as a :class:`Pulse`."""
        return [_pulse_si(f, self.pulse, h, t) for t, f, h in zip(self._arrivals, self.fluences, self.helicities, strict=True)]

    def temporal(self, t: ArrayLike) -> NDArray[np.float64]:
        """Sum of the temporal envelopes weighted by :attr:`fluence_weights` (peak ≈ the
        weight of each pulse if pulses do not overlap)."""
        t = np.asarray(t, dtype=float)
        shifted = (t[..., None] - self._arrivals) / self.pulse.duration
        return np.sum(self.fluence_weights * np.exp(-_FOUR_LN2 * shifted**2), axis=-1)

    def intensity(self, r: ArrayLike, t: ArrayLike) -> NDArray[np.float64]:
        """Incident intensity of the train I(r, t) [W/m²]."""
        return self.pulse.peak_intensity * self.pulse.lateral(r) * self.temporal(t)

    def windows(self, n_sigma: float = 5.0) -> list[tuple[float, float]]:
        """One :meth:`Pulse.window` per pulse [s]."""
        start, end = self.pulse.window(n_sigma)
        return [(float(start + shift), float(end + shift))
                for shift in self.arrivals - self.pulse.arrival]

    @property
    def total_energy(self) -> float:
        """Sum of the pulse energies [J] (count × pulse energy for equal pulses)."""
        return float(np.sum(self.fluence_weights)) * self.pulse.energy

    def __repr__(self) -> str:
        if self.period is not None and self.uniform:
            return (f"PulseTrain({self.pulse!r}, count={self.count}, "
                    f"period='{format_si(self.period, 's', 'ps')}')")
        names = {1: "sigma+", -1: "sigma-", 0: "linear"}
        return (f"PulseTrain({self.pulse!r}, "
                f"arrivals={[format_si(t, 's', 'ps') for t in self._arrivals]}, "
                f"fluences={[format_si(f, 'J/m^2', 'mJ/cm^2') for f in self.fluences]}, "
                f"helicities={[names[int(h)] for h in self.helicities]})")

