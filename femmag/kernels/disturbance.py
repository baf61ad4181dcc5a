"""Disturbance fields of seed 003 as field providers ``(points (n, 3) [m], t [s]) -> B (n, 3) [T]``.

Seed 003 adds to its deterministic LLB a small *disturbance field*: a constant field of 0.1–10 G
opposing the outcome (Fig. 7) and a random field of RMS ≈ 6 G in multi-pulse runs (Fig. 8), see
physics-spec §5.4. Both are offered here, usable with
:meth:`femmag.physics.magnetization.module.Magnetization.add_field`:

* :class:`ConstantDisturbance` — ``B = |B| d̂`` everywhere (d̂ = ±z by default).
* :class:`RandomDisturbance` — every component an Ornstein–Uhlenbeck process in time with
  ⟨B_i(t) B_j(t')⟩ = B_rms² δ_ij exp(−|t − t'|/τ). Either independent at every point (default),
  with the random numbers keyed by the point's **global id** (set :attr:`global_ids`, see below),
  or spatially correlated with a Gaussian covariance exp(−|x − y|²/(2ℓ²)) (``correlation_length``
  ℓ), built from ``n_modes`` random Fourier modes that depend only on the seed (so the field is
  a function of position and time: identical on any number of ranks without ids).

Time discretization of the random field: the OU process is sampled exactly on the grid
t_k = k Δ (Δ = ``time_step``, default τ/20) and held constant on [t_k, t_{k+1}); so the
variance is exact at every t and the autocorrelation is exact at lags that are multiples of Δ.
The provider keeps the state of the last grid index it reached and advances it forward; asking
for an earlier time (or for other points) recomputes from t = 0 (deterministically).

Global ids: the independent-per-point field of point i uses the random numbers of
``global_ids[i]``. The magnetization module should set ``provider.global_ids`` (or call
:meth:`RandomDisturbance.set_global_ids`) to rank-independent ids of its quadrature points; without
it, ``arange(n)`` is used and results depend on the rank partition.

Units: give the fields with units, e.g. ``"6 G"``, ``"0.5 mT"``; ``G``/``gauss`` mean 1e-4 T (pint's
``G`` is the gravitational constant and its ``gauss`` is a CGS unit, so they are converted here).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.kernels.stochastic import _mix_int, gaussian_noise
from femmag.units import to_si

__all__ = ["ConstantDisturbance", "RandomDisturbance", "field_to_si"]

FloatArray = NDArray[np.float64]

_GAUSS = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(k|m|µ|u)?(G|gauss)\s*$")
_PREFIX = {None: 1.0, "k": 1e3, "m": 1e-3, "µ": 1e-6, "u": 1e-6}
#: Mixed into the seed so that disturbance and stochastic-LLB noise streams differ.
_DISTURBANCE_TAG = 0x6A09E667F3BCC908


def field_to_si(value: Any, name: str) -> float:
    """A magnetic flux density with its unit → tesla; accepts gauss ("6 G", "0.5 mG", "2 gauss").

    Args:
        value: ``"6 G"``, ``"1 mT"``, a pint quantity or a ``(number, "unit")`` tuple.
        name: what it is, for the error message.

    Returns:
        The value in tesla.

    Raises:
        femmag.units.UnitError: bare number, unknown unit or wrong dimension.
    """
    if isinstance(value, tuple) and len(value) == 2:
        value = f"{value[0]} {value[1]}"
    if isinstance(value, str):
        match = _GAUSS.match(value)
        if match:
            return float(match.group(1)) * _PREFIX[match.group(2)] * 1e-4
    return to_si(value, "field", name)


def _direction(direction: Any) -> FloatArray:
    named = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0),
             "+z": (0, 0, 1), "-z": (0, 0, -1), "x": (1, 0, 0), "y": (0, 1, 0), "z": (0, 0, 1)}
    if isinstance(direction, str):
        if direction not in named:
            raise ValueError(
                f"ConstantDisturbance: direction {direction!r} unknown; use one of "
                f"{sorted(named)} or a 3-vector such as (0, 0, -1)."
            )
        return np.array(named[direction], dtype=float)
    d = np.asarray(direction, dtype=float)
    if d.shape != (3,) or not np.all(np.isfinite(d)) or not np.linalg.norm(d) > 0:
        raise ValueError(
            f"ConstantDisturbance: direction must be '+z'/'-z'/... or a non-zero 3-vector; got "
            f"{direction!r}."
        )
    return d / np.linalg.norm(d)


def _points(points: ArrayLike) -> FloatArray:
    p = np.asarray(points, dtype=float)
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"disturbance field: points must have shape (n, 3) [m]; got {p.shape}.")
    return p


class ConstantDisturbance:
    """Uniform constant disturbance field B = |B| d̂ (seed 003: 0.1–10 G opposing the outcome).

    Args:
        field: magnitude with unit, e.g. ``"1 G"`` (a negative value flips the direction).
        direction: ``"+z"`` (default), ``"-z"``, ``"+x"``, ... or a 3-vector (normalized here).

    Attributes:
        vector: the field B [T], shape (3,).
        global_ids: accepted for interface symmetry with :class:`RandomDisturbance` (unused).
    """

    def __init__(self, field: Any = "1 G", direction: Any = "+z") -> None:
        self.magnitude = field_to_si(field, "ConstantDisturbance.field")
        self.vector = self.magnitude * _direction(direction)
        self.global_ids: NDArray[np.int64] | None = None

    def set_global_ids(self, global_ids: ArrayLike) -> None:
        """Accepted and ignored (the field is the same at every point)."""
        self.global_ids = np.asarray(global_ids, dtype=np.int64)

    def __call__(self, points: ArrayLike, t: float) -> FloatArray:
        """B at the points [T], shape (n, 3), independent of t."""
        return np.tile(self.vector, (_points(points).shape[0], 1))

    def __repr__(self) -> str:
        return f"ConstantDisturbance(B = {self.vector.tolist()} T)"


class RandomDisturbance:
    """Random disturbance field: Ornstein–Uhlenbeck in time, per point or spatially correlated.

    Args:
        rms: RMS of every field component, with unit (seed 003: ``"6 G"``).
        correlation_time: τ of exp(−|Δt|/τ), with unit (e.g. ``"100 fs"``).
        seed: integer seed (the same on all ranks).
        components: ``"xyz"`` (default) or a subset such as ``"z"``; the others are zero.
        correlation_length: None (independent at every point, keyed by global id) or a length
            with unit for a Gaussian spatial covariance exp(−r²/(2ℓ²)).
        time_step: sampling step Δ of the OU process, with unit (default τ/20).
        n_modes: number of random Fourier modes of the spatially correlated field.

    Attributes:
        global_ids: rank-independent ids of the points passed to ``__call__`` (None: arange(n)).
    """

    def __init__(self, rms: Any = "6 G", correlation_time: Any = "100 fs", seed: int = 0, *,
                 components: str = "xyz", correlation_length: Any = None,
                 time_step: Any = None, n_modes: int = 512) -> None:
        self.rms = field_to_si(rms, "RandomDisturbance.rms")
        if not self.rms >= 0:
            raise ValueError(f"RandomDisturbance: rms must be >= 0; got {rms!r}.")
        self.tau = to_si(correlation_time, "time", "RandomDisturbance.correlation_time")
        if not self.tau > 0:
            raise ValueError(f"RandomDisturbance: correlation_time must be > 0; got "
                             f"{correlation_time!r}.")
        self.dt_grid = (self.tau / 20 if time_step is None
                        else to_si(time_step, "time", "RandomDisturbance.time_step"))
        if not self.dt_grid > 0:
            raise ValueError(f"RandomDisturbance: time_step must be > 0; got {time_step!r}.")
        if not set(components) <= set("xyz") or not components:
            raise ValueError(f"RandomDisturbance: components must be letters of 'xyz'; got "
                             f"{components!r}.")
        self.mask = np.array([c in components for c in "xyz"], dtype=float)
        self.seed = int(seed)
        # own noise stream: the same user seed in the stochastic LLB must not give the same numbers
        self._noise_seed = _mix_int(self.seed ^ _DISTURBANCE_TAG)
        self.decay = float(np.exp(-self.dt_grid / self.tau))
        self.kick = float(np.sqrt(-np.expm1(-2 * self.dt_grid / self.tau)))
        self.global_ids: NDArray[np.int64] | None = None
        self.correlation_length = (None if correlation_length is None else to_si(
            correlation_length, "length", "RandomDisturbance.correlation_length"))
        if self.correlation_length is not None:
            if not self.correlation_length > 0:
                raise ValueError("RandomDisturbance: correlation_length must be > 0.")
            rng = np.random.Generator(np.random.Philox(key=self._noise_seed))
            self.n_modes = int(n_modes)
            self.wavevectors = rng.normal(size=(self.n_modes, 3)) / self.correlation_length
            self.phases = rng.uniform(0, 2 * np.pi, self.n_modes)
        self._k = -1
        self._state: FloatArray | None = None
        self._ids: NDArray[np.int64] | None = None

    def set_global_ids(self, global_ids: ArrayLike) -> None:
        """Set the rank-independent ids of the points that will be passed to ``__call__``."""
        self.global_ids = np.asarray(global_ids, dtype=np.int64)

    # -- OU amplitudes on the time grid ---------------------------------------------------------
    def _advance(self, ids: NDArray[np.int64], k_target: int) -> FloatArray:
        """Unit-variance OU values (n, 3) at grid index k_target for the given keys."""
        if self._state is None or self._ids is None or k_target < self._k \
                or self._ids.shape != ids.shape or np.any(self._ids != ids):
            self._ids = ids.copy()
            self._k = 0
            self._state = gaussian_noise(self._noise_seed, 0, ids)[:, :3]
        while self._k < k_target:
            self._k += 1
            z = gaussian_noise(self._noise_seed, self._k, ids)[:, :3]
            self._state = self.decay * self._state + self.kick * z
        return self._state

    def _grid_index(self, t: float) -> int:
        if not np.isfinite(t) or t < 0:
            raise ValueError(f"RandomDisturbance: t must be finite and >= 0 s; got {t!r}.")
        return int(np.floor(t / self.dt_grid * (1 + 1e-14)))

    def __call__(self, points: ArrayLike, t: float) -> FloatArray:
        """B at the points and time t [T], shape (n, 3)."""
        p = _points(points)
        n = p.shape[0]
        k = self._grid_index(float(t))
        if self.correlation_length is None:
            if self.global_ids is not None:
                ids = self.global_ids
                if ids.shape != (n,):
                    raise ValueError(
                        f"RandomDisturbance: global_ids has shape {ids.shape} but {n} points were "
                        "given; set provider.global_ids to the ids of exactly these points."
                    )
            else:
                ids = np.arange(n, dtype=np.int64)
            amp = self._advance(ids, k)
            return (self.rms * amp) * self.mask
        # spatially correlated: B = rms √(2/M) Σ_j a_j(t) cos(k_j·x + φ_j)
        amp = self._advance(np.arange(self.n_modes, dtype=np.int64) + (1 << 40), k)
        out = np.empty((n, 3))
        chunk = max(1, 2_000_000 // self.n_modes)
        for s in range(0, n, chunk):
            basis = np.cos(p[s:s + chunk] @ self.wavevectors.T + self.phases)
            out[s:s + chunk] = basis @ amp
        return out * (self.rms * np.sqrt(2.0 / self.n_modes)) * self.mask

    def average(self, points: ArrayLike, t_start: float, t_end: float) -> FloatArray:
        """Mean field over [t_start, t_end] [T], shape (n, 3) (the field of one LLB step).

        Exact time average of the sampled-and-held process: the grid values weighted by their
        overlap with the interval (t_end == t_start gives the value at t_start).
        """
        t0, t1 = float(t_start), float(t_end)
        if not t1 >= t0:
            raise ValueError(f"RandomDisturbance.average: need t_end >= t_start; got {t0!r}, "
                             f"{t1!r}.")
        k0, k1 = self._grid_index(t0), self._grid_index(t1)
        if k0 == k1:
            return self(points, t0)
        total = np.zeros((_points(points).shape[0], 3))
        for k in range(k0, k1 + 1):
            lo = max(t0, k * self.dt_grid)
            hi = min(t1, (k + 1) * self.dt_grid)
            if hi > lo:
                total += (hi - lo) * self(points, k * self.dt_grid)
        return total / (t1 - t0)

    def __repr__(self) -> str:
        kind = ("independent per point" if self.correlation_length is None
                else f"correlation length {self.correlation_length:g} m")
        return (f"RandomDisturbance(rms = {self.rms:g} T, tau = {self.tau:g} s, {kind}, "
                f"seed = {self.seed})")

