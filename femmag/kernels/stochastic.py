"""Stochastic classical LLB (Evans et al. 2012) at points, with reproducible counter-based noise.

Physics (physics-spec §5.4; same H_int, damping and mean field as :mod:`femmag.kernels.llb`)::

    dm/dt = −γ m×H + (γα_∥/m²)(m·H)m − (γα_⊥/m²) m×[m×(H + ζ_⊥)] + ζ_ad,   H = H_int(m, T) + B

    ⟨ζ_⊥^i(t) ζ_⊥^j(t')⟩ = 2 k_B T (α_⊥ − α_∥)/(γ M_s0 V α_⊥²) δ_ij δ(t − t')     [T² s]
    ⟨ζ_ad^i(t) ζ_ad^j(t')⟩ = 2 γ k_B T α_∥/(M_s0 V) δ_ij δ(t − t')                  [1/s]

``M_s0 V`` is the moment of the cell at 0 K [J/T] (``cell_moment``, one value per point). For FEM
points it is M_s0 times the quadrature (or nodal) volume the point stands for: **the size of the
fluctuations, and hence every stochastic result, depends on that volume**
(⟨δm²⟩ ∝ k_B T χ̃_∥/(M_s0 V)); it is a modelling choice, not a discretization error that vanishes
with refinement.

Because ``−m×(m×ζ)/m² = P_⊥(m) ζ`` (the projection of ζ perpendicular to m), the transverse noise
enters dm/dt as ``γα_⊥ P_⊥(m) ζ_⊥``, whose amplitude is ``√(2 k_B T γ(α_⊥ − α_∥)/(M_s0 V))``:
α_⊥ cancels, the λ = 0 and T ≥ T_c (α_⊥ = α_∥: ζ_⊥ vanishes) limits are regular. The Stratonovich
(Heun) interpretation makes the stationary distribution ``P(m) d³m ∝ exp(−M_s0 V f(m)/(k_B T)) d³m``
with ``H_int = −∂f/∂m`` (f = −a m²/2 + c m⁴/4), i.e. ⟨|m|⟩ → m_e(T) for large cells; the tests check
the exact finite-cell Boltzmann averages.

Integration (:func:`stochastic_llb_advance`): T and B are frozen over dt; per point ``n_sub``
Heun (stochastic trapezoidal, Stratonovich) sub-steps of h = dt/n_sub::

    m̃ = m + h f(m) + g(m) ΔW,   m_new = m + (h/2)(f(m) + f(m̃)) + ½(g(m) + g(m̃)) ΔW

with f the deterministic right-hand side (precession included) and ``g(m)ΔW = c_⊥√h P_⊥(m) z_⊥ +
c_ad√h z_ad``, z ~ N(0, 1)³ each. The scheme is explicit: n_sub is chosen per point from the
largest relaxation rate ρ at the start of the step, ``n_sub = ceil(dt ρ/θ)`` (θ =
:data:`STOCHASTIC_THETA`; the stationary variance error of Heun is ~(ρh)²/4), or fixed by the
caller (``n_substeps=``). Very stiff points (T ≪ T_c with large λ) need many sub-steps.

Noise (reproducible across ranks and orderings): every Gaussian number is a pure function of
(seed, step_index, global point id, sub-step, component): SplitMix64 finalizers build a key per
(seed, step), per point (from its global id) and per sub-step; each of the 6 normals (z_⊥, z_ad)
is then drawn by the 128-layer ziggurat (Doornik 2005) from its own counter-based hash stream (one
64-bit hash per normal in ~99 % of the cases; no transcendental function on that path). A point's
trajectory therefore does not depend on how points are split over MPI ranks or ordered in the
arrays, as long as its global id, the seed and the step counter are the same. The numba kernel
and the numpy reference use the same integer hash and the same arithmetic up to an ulp
(agreement ~1e-16 in m after a step).

Units: T [K], B [T], μ_at and cell moments [J/T], γ [rad/(s T)], times [s].
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from femmag.kernels import llb
from femmag.kernels.llb import LLBParameters, LLBStepError
from femmag.kernels.mean_field import TABLE_N
from femmag.kernels.mean_field import TABLE_TA as _TAB_TA
from femmag.kernels.mean_field import TABLE_TC as _TAB_TC
from femmag.units import KB

__all__ = [
    "STOCHASTIC_THETA",
    "gaussian_noise",
    "noise_amplitudes",
    "stochastic_llb_advance",
    "stochastic_llb_advance_numpy",
]

FloatArray = NDArray[np.float64]

#: Largest (relaxation rate × sub-step) of the explicit Heun scheme (accuracy and stability).
STOCHASTIC_THETA = 0.2
#: Default limit on sub-steps per point and step.
DEFAULT_MAX_SUBSTEPS = 1000

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
_ID_MUL = 0xD1B54A32D192ED03
_TWO_PI = 2.0 * math.pi
_INV53 = 1.0 / 9007199254740992.0  # 2**-53
_INV52 = 2.0 * _INV53  # maps 53 bits onto [0, 2)
#: Attempts per normal of the ziggurat (P(all rejected) ≈ 0.012**64: never).
_ZIG_TRIES = 64
#: Hash-counter stride between the 6 normal streams of a sub-step.
_STREAM = 1024


def _mix_int(z: int) -> int:
    """SplitMix64 finalizer on a Python int (mod 2⁶⁴)."""
    z &= _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def _step_key(seed: int, step_index: int) -> int:
    """64-bit key of (seed, step): distinct streams for every pair."""
    if not isinstance(seed, int | np.integer) or not isinstance(step_index, int | np.integer):
        raise TypeError(
            f"stochastic LLB: seed and step_index must be integers; got {seed!r}, {step_index!r}."
        )
    return _mix_int(_mix_int(int(seed) + _GOLDEN) ^ ((int(step_index) * _ID_MUL + _GOLDEN) & _MASK))


def _mix_np(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
    return z ^ (z >> np.uint64(31))


def _point_keys(step_key: int, global_ids: NDArray[np.int64]) -> NDArray[np.uint64]:
    ids = global_ids.astype(np.uint64)
    return _mix_np(np.uint64(step_key) ^ (ids * np.uint64(_ID_MUL)))


def _ziggurat_tables() -> tuple[FloatArray, FloatArray]:
    """Layer abscissae X[0..128] and ratios X[i+1]/X[i] of the 128-layer normal ziggurat.

    Doornik (2005), "An improved ziggurat method to generate normal random samples" (ZIGNOR):
    R = 3.442619855899 (start of the tail), V = 9.91256303526217e-3 (area of each layer).
    """
    x = np.zeros(_ZIG_C + 1)
    f = math.exp(-0.5 * _ZIG_R * _ZIG_R)
    x[0] = _ZIG_V / f
    x[1] = _ZIG_R
    for i in range(2, _ZIG_C):
        x[i] = math.sqrt(-2.0 * math.log(_ZIG_V / x[i - 1] + f))
        f = math.exp(-0.5 * x[i] * x[i])
    ratio = x[1:] / x[:-1]
    return x, np.append(ratio, 0.0)


_ZIG_C = 128
_ZIG_R = 3.442619855899
_ZIG_V = 9.91256303526217e-3
ZIG_X, ZIG_RATIO = _ziggurat_tables()


def _normal_np(key: NDArray[np.uint64]) -> FloatArray:
    """One standard normal per key (ziggurat; the j-th hash of a key is mix(key + (j+1)·golden)).
    """
    n = key.size
    out = np.zeros(n)
    used = np.zeros(n, dtype=np.uint64)
    todo = np.arange(n)
    gold = np.uint64(_GOLDEN)

    def draw(idx):
        used[idx] += np.uint64(1)
        return _mix_np(key[idx] + used[idx] * gold)

    for _ in range(_ZIG_TRIES):
        if todo.size == 0:
            break
        h = draw(todo)
        u = (h >> np.uint64(11)).astype(np.float64) * _INV52 - 1.0
        layer = (h & np.uint64(_ZIG_C - 1)).astype(np.int64)
        core = np.abs(u) < ZIG_RATIO[layer]
        out[todo[core]] = u[core] * ZIG_X[layer[core]]
        tail = ~core & (layer == 0)
        if np.any(tail):
            t_idx, neg = todo[tail], u[tail] < 0
            t_pending = np.arange(t_idx.size)
            for _ in range(_ZIG_TRIES):
                if t_pending.size == 0:
                    break
                ii = t_idx[t_pending]
                u1 = ((draw(ii) >> np.uint64(11)).astype(np.float64) + 1.0) * _INV53
                u2 = ((draw(ii) >> np.uint64(11)).astype(np.float64) + 1.0) * _INV53
                xt = np.log(u1) / _ZIG_R
                yt = np.log(u2)
                acc = -2.0 * yt >= xt * xt
                sel = t_pending[acc]
                out[t_idx[sel]] = np.where(neg[sel], xt[acc] - _ZIG_R, _ZIG_R - xt[acc])
                t_pending = t_pending[~acc]
        wedge = ~core & (layer > 0)
        w_idx = todo[wedge]
        keep = np.zeros(todo.size, dtype=bool)
        if w_idx.size:
            lw = layer[wedge]
            x = u[wedge] * ZIG_X[lw]
            f0 = np.exp(-0.5 * (ZIG_X[lw] * ZIG_X[lw] - x * x))
            f1 = np.exp(-0.5 * (ZIG_X[lw + 1] * ZIG_X[lw + 1] - x * x))
            uw = (draw(w_idx) >> np.uint64(11)).astype(np.float64) * _INV53
            acc = f1 + uw * (f0 - f1) < 1.0
            out[w_idx[acc]] = x[acc]
            keep[np.flatnonzero(wedge)[~acc]] = True
        todo = todo[keep]
    return out


def _normals_np(point_keys: NDArray[np.uint64], substep: int) -> FloatArray:
    """(n, 6) standard normals of one sub-step: columns 0-2 drive ζ_⊥, 3-5 ζ_ad.

    Normal c of a point uses the hashes mix(sub-step key + (1024 c + j + 1)·golden), j = 0, 1, ...
    (a ziggurat draw uses < 300 of them, so the 6 streams never overlap).
    """
    sub = _mix_np(point_keys + np.uint64((substep * _GOLDEN) & _MASK))
    out = np.empty((point_keys.size, 6))
    for c in range(6):
        out[:, c] = _normal_np(sub + np.uint64((_STREAM * c * _GOLDEN) & _MASK))
    return out


def gaussian_noise(
    seed: int, step_index: int, global_ids: ArrayLike, substep: int = 0
) -> FloatArray:
    """The standard normals used by the kernels for (seed, step, global ids, sub-step).

    Args:
        seed: user seed (any integer).
        step_index: global step counter (same on every rank).
        global_ids: global point ids, shape (n,) (int64, rank-independent).
        substep: sub-step index within the step.

    Returns:
        (n, 6) array: columns 0-2 drive ζ_⊥, 3-5 drive ζ_ad. Row i depends only on
        (seed, step_index, global_ids[i], substep).
    """
    ids = np.ascontiguousarray(np.asarray(global_ids, dtype=np.int64))
    return _normals_np(_point_keys(_step_key(seed, step_index), ids), int(substep))


def noise_amplitudes(
    temperature: ArrayLike, params: LLBParameters, cell_moment: ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Amplitudes (c_⊥, c_ad) [1/√s] of the noise increments of m: Δm = c √h z.

    ``c_⊥² = (γα_⊥)² · 2k_BT(α_⊥ − α_∥)/(γ M_s0V α_⊥²) = 2 k_B T γ(α_⊥ − α_∥)/(M_s0 V)`` (applied
    through P_⊥(m)) and ``c_ad² = 2 γ k_B T α_∥/(M_s0 V)`` (spec §5.4).

    Args:
        temperature: T [K], (n,) or scalar.
        params: :class:`~femmag.kernels.llb.LLBParameters`.
        cell_moment: M_s0 V [J/T], (n,) or scalar (> 0).

    Returns:
        (c_⊥, c_ad), arrays of the broadcast shape.
    """
    T = np.asarray(temperature, dtype=float)
    a_par, a_perp = llb.damping_parameters(T, params.curie_temperature, params.coupling)
    gam = np.asarray(params.gamma, dtype=float)
    mv = np.asarray(cell_moment, dtype=float)
    c_perp = np.sqrt(2.0 * KB * T * gam * np.maximum(a_perp - a_par, 0.0) / mv)
    c_ad = np.sqrt(2.0 * KB * T * gam * a_par / mv)
    return c_perp, c_ad


# --------------------------------------------------------------------------------------------
# numpy reference
# --------------------------------------------------------------------------------------------
def _drift_np(m, B, gam, k, kd, ka, kc):
    """Deterministic dm/dt = −γ m×B + (ka − kc m²) m + k B + kd B_⊥(m) [1/s]."""
    s2 = np.einsum("ij,ij->i", m, m)
    with np.errstate(divide="ignore"):
        inv = np.where(s2 > 0.0, 1.0 / s2, 0.0)
    mb = np.einsum("ij,ij->i", m, B)
    b_perp = B - (mb * inv)[:, None] * m
    return (-gam[:, None] * np.cross(m, B) + (ka - kc * s2)[:, None] * m + k[:, None] * B
            + kd[:, None] * b_perp)


def _noise_np(m, dw_perp, dw_ad):
    s2 = np.einsum("ij,ij->i", m, m)
    with np.errstate(divide="ignore"):
        inv = np.where(s2 > 0.0, 1.0 / s2, 0.0)
    proj = np.einsum("ij,ij->i", m, dw_perp) * inv
    return dw_perp - proj[:, None] * m + dw_ad


def _rates(m, B, dt, T, Tc, mu, lam, gam, theta, n_fixed):
    k, kd, ka, kc = llb._point_rates(T, Tc, mu, lam, gam)
    nsub, rate = llb._substep_counts(m, B, dt, k, kd, ka, kc, 0.0)
    bn = np.sqrt(np.einsum("ij,ij->i", B, B))
    rate = rate + gam * bn  # explicit scheme: precession angle per sub-step too
    nsub = np.maximum(np.ceil(dt * rate / theta), 1.0)
    if n_fixed is not None:
        nsub = np.full_like(nsub, float(n_fixed))
    return k, kd, ka, kc, nsub, rate


def _prepare(m, field, temperature, dt, params, cell_moment, global_ids, n_substeps,
             check_finite=True):
    """Validated inputs; ``check_finite=False`` leaves the finiteness of m, B, T and T >= 0 to
    the numba kernel (one pass, no temporaries)."""
    if check_finite:
        m, B, T, Tc, mu, lam, gam = llb._check_inputs(m, field, temperature, dt, params)
    else:
        m, B, T, (Tc, mu, lam, gam) = llb._prepare_kernel_inputs(m, field, temperature, dt,
                                                                 params)
    n = m.shape[0]
    mv = np.asarray(cell_moment, dtype=float)
    if mv.shape not in ((n,), ()):
        raise ValueError(
            f"stochastic LLB: cell_moment must have shape ({n},) or be a scalar [J/T] "
            f"(M_s0 × volume of each point); got {mv.shape}."
        )
    if np.any(~(mv > 0)):
        raise ValueError(
            "stochastic LLB: cell_moment must be > 0 J/T at every point (M_s0 V, V the "
            f"quadrature/nodal volume); got min {np.min(mv)!r}. Use np.inf for no noise."
        )
    ids = np.asarray(global_ids)
    if ids.shape != (n,) or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"stochastic LLB: global_ids must be an integer array of shape ({n},) (the "
            f"rank-independent id of every point); got shape {ids.shape}, dtype {ids.dtype}."
        )
    if n_substeps is not None and (int(n_substeps) != n_substeps or n_substeps < 1):
        raise ValueError(f"stochastic LLB: n_substeps must be a positive integer or None; "
                         f"got {n_substeps!r}.")
    # per-point parameters stay of length 1 when uniform (no copies; the kernel indexes them)
    mv = np.ascontiguousarray(np.atleast_1d(mv), dtype=float)
    return m, B, T, Tc, mu, lam, gam, mv, np.ascontiguousarray(ids, dtype=np.int64)


def _refuse(i, rate, T, Tc, s, dt, nsub, max_substeps):
    raise LLBStepError(
        f"stochastic LLB step refused at point {i} (T = {T:.6g} K, T_c = {Tc:.6g} K, "
        f"|m| = {s:.3g}): relaxation rate {rate:.3e} 1/s with dt = {dt:.3e} s needs {int(nsub)} "
        f"Heun sub-steps (> max_substeps = {max_substeps}; rate·h <= {STOCHASTIC_THETA}). "
        f"Reduce dt or raise max_substeps."
    )


def stochastic_llb_advance_numpy(
    m: ArrayLike,
    field: ArrayLike,
    temperature: ArrayLike,
    dt: float,
    params: LLBParameters,
    cell_moment: ArrayLike,
    global_ids: ArrayLike,
    seed: int,
    step_index: int,
    *,
    n_substeps: int | None = None,
    theta: float = STOCHASTIC_THETA,
    max_substeps: int = DEFAULT_MAX_SUBSTEPS,
) -> FloatArray:
    """Plain-numpy version of :func:`stochastic_llb_advance` (same noise, same arithmetic)."""
    m, B, T, Tc, mu, lam, gam, mv, ids = _prepare(
        m, field, temperature, dt, params, cell_moment, global_ids, n_substeps)
    n = m.shape[0]
    if n == 0 or dt == 0:
        return m.copy()
    Tc, mu, lam, gam, mv = (np.broadcast_to(a, (n,)) for a in (Tc, mu, lam, gam, mv))
    k, kd, ka, kc, nsub, rate = _rates(m, B, dt, T, Tc, mu, lam, gam, theta, n_substeps)
    over = np.flatnonzero(nsub > max_substeps)
    if over.size:
        i = over[0]
        _refuse(i, rate[i], T[i], Tc[i], np.linalg.norm(m[i]), dt, nsub[i], max_substeps)
    c_perp = np.sqrt(2.0 * KB * T * kd / mv)
    c_ad = np.sqrt(2.0 * KB * T * k / mv)
    keys = _point_keys(_step_key(seed, step_index), ids)
    state = m.copy()
    for j in range(int(nsub.max())):
        idx = np.flatnonzero(nsub > j)
        h = dt / nsub[idx]
        sq = np.sqrt(h)
        z = _normals_np(keys[idx], j)
        dwp = (c_perp[idx] * sq)[:, None] * z[:, :3]
        dwa = (c_ad[idx] * sq)[:, None] * z[:, 3:]
        m0, Bi = state[idx], B[idx]
        args = (gam[idx], k[idx], kd[idx], ka[idx], kc[idx])
        f0 = _drift_np(m0, Bi, *args)
        g0 = _noise_np(m0, dwp, dwa)
        mp = m0 + h[:, None] * f0 + g0
        f1 = _drift_np(mp, Bi, *args)
        g1 = _noise_np(mp, dwp, dwa)
        state[idx] = m0 + (0.5 * h)[:, None] * (f0 + f1) + 0.5 * (g0 + g1)
    return state


# --------------------------------------------------------------------------------------------
# numba kernel
# --------------------------------------------------------------------------------------------
try:
    from numba import njit as _njit
    from numba import uint64 as _u64

    _HAS_NUMBA = True
except ImportError:  # pragma: no cover - numba is a dependency
    _HAS_NUMBA = False

    def _njit(*args, **kwargs):
        return lambda f: f

    _u64 = int

_NB_M1, _NB_M2 = np.uint64(_M1), np.uint64(_M2)
_NB_S30, _NB_S27, _NB_S31, _NB_S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_NB_GOLD = np.uint64(_GOLDEN)
_NB_IDM = np.uint64(_ID_MUL)
_NB_LAYER = np.uint64(_ZIG_C - 1)
_SIXTH = 1.0 / 6.0
_NB_STREAM = np.uint64((_STREAM * _GOLDEN) & _MASK)
_INF = math.inf
_NB_STREAM2, _NB_STREAM3, _NB_STREAM4, _NB_STREAM5 = (
    np.uint64((c * _STREAM * _GOLDEN) & _MASK) for c in (2, 3, 4, 5))


@_njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _nb_mix(z):  # pragma: no cover - compiled
    z = (z ^ (z >> _NB_S30)) * _NB_M1
    z = (z ^ (z >> _NB_S27)) * _NB_M2
    return z ^ (z >> _NB_S31)


@_njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _nb_normal(key, zx, zr):  # pragma: no cover - compiled
    """Ziggurat normal from the hashes mix(key + j·golden), j = 1, 2, ... (as _normal_np)."""
    j = 1
    for _ in range(_ZIG_TRIES):
        h = _nb_mix(key + _u64(j) * _NB_GOLD)
        j += 1
        u = float(h >> _NB_S11) * _INV52 - 1.0
        layer = int(h & _NB_LAYER)
        if abs(u) < zr[layer]:
            return u * zx[layer]
        if layer == 0:
            for _ in range(_ZIG_TRIES):
                u1 = (float(_nb_mix(key + _u64(j) * _NB_GOLD) >> _NB_S11) + 1.0) * _INV53
                u2 = (float(_nb_mix(key + _u64(j + 1) * _NB_GOLD) >> _NB_S11) + 1.0) * _INV53
                j += 2
                xt = math.log(u1) / _ZIG_R
                yt = math.log(u2)
                if -2.0 * yt >= xt * xt:
                    return xt - _ZIG_R if u < 0.0 else _ZIG_R - xt
            return 0.0
        x = u * zx[layer]
        f0 = math.exp(-0.5 * (zx[layer] * zx[layer] - x * x))
        f1 = math.exp(-0.5 * (zx[layer + 1] * zx[layer + 1] - x * x))
        uw = float(_nb_mix(key + _u64(j) * _NB_GOLD) >> _NB_S11) * _INV53
        j += 1
        if f1 + uw * (f0 - f1) < 1.0:
            return x
    return 0.0


@_njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _nb_rhs(x0, x1, x2, b0, b1, b2, g, k, kd, ka, kc, p0, p1, p2,
            a0, a1, a2):  # pragma: no cover - compiled
    """Drift f(m) [1/s] and noise increment g(m)ΔW of the Heun stage (one division)."""
    s2 = x0 * x0 + x1 * x1 + x2 * x2
    inv = 1.0 / s2 if s2 > 0.0 else 0.0
    pb = (x0 * b0 + x1 * b1 + x2 * b2) * inv
    lon = ka - kc * s2
    f0 = -g * (x1 * b2 - x2 * b1) + lon * x0 + k * b0 + kd * (b0 - pb * x0)
    f1 = -g * (x2 * b0 - x0 * b2) + lon * x1 + k * b1 + kd * (b1 - pb * x1)
    f2 = -g * (x0 * b1 - x1 * b0) + lon * x2 + k * b2 + kd * (b2 - pb * x2)
    q = (x0 * p0 + x1 * p1 + x2 * p2) * inv
    return f0, f1, f2, p0 - q * x0 + a0, p1 - q * x1 + a1, p2 - q * x2 + a2


#: Points per block of the numba kernel (its normals are drawn together, vectorized).
_BLOCK = 256


@_njit(cache=True, fastmath=False, error_model="numpy")
def _zig_first_draw(count, keys, z, redo):  # pragma: no cover - compiled
    """First ziggurat draw of every key (the ~99 % core case of _nb_normal, same arithmetic):
    a function of its own with one loop over flat arrays and the tables as compile-time
    constants, so that LLVM vectorizes the 64-bit hash and the table lookups. ``redo`` flags
    the keys whose first draw is not in a core (finished by _nb_normal)."""
    for q in range(count):
        h = _nb_mix(keys[q] + _NB_GOLD)
        u = float(h >> _NB_S11) * _INV52 - 1.0
        layer = int(h & _NB_LAYER)
        z[q] = u * ZIG_X[layer]
        redo[q] = 0.0 if abs(u) < ZIG_RATIO[layer] else 1.0


@_njit(cache=True, fastmath=False, error_model="numpy")
def _sub_step_keys(na, pid, skey, offset, keys):  # pragma: no cover - compiled
    """Keys of the 6 normals of a sub-step (normal c of point j at keys[c·na + j]) from the
    global ids: a loop of its own (one array read, one written), so the hashes vectorize."""
    for j in range(na):
        sub = _nb_mix(_nb_mix(skey ^ (pid[j] * _NB_IDM)) + offset)
        keys[j] = sub
        keys[na + j] = sub + _NB_STREAM
        keys[2 * na + j] = sub + _NB_STREAM2
        keys[3 * na + j] = sub + _NB_STREAM3
        keys[4 * na + j] = sub + _NB_STREAM4
        keys[5 * na + j] = sub + _NB_STREAM5


@_njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _setup_point(x0, x1, x2, b0, b1, b2, Ti, Tc, mu_i, lam, g, mv_i, dt, N, tc_band, kb, theta,
                 floor, n_fixed):  # pragma: no cover - compiled
    """Coefficients, sub-step count (before the max_substeps check), h and noise amplitudes."""
    k, kd, ka, kc = _nb_coefficients(Ti, Tc, mu_i, lam, g, N, tc_band, kb)
    s2 = x0 * x0 + x1 * x1 + x2 * x2
    bn = math.sqrt(b0 * b0 + b1 * b1 + b2 * b2)
    ka_pos = ka if ka > 0.0 else 0.0
    cubic = 3.0 * kc * s2
    grow = 3.0 * ka_pos
    size = math.sqrt(s2)
    size = size if size > floor else floor
    rate = abs(ka) + (cubic if cubic > grow else grow) + kd * bn / size + g * bn
    ns = math.ceil(dt * rate / theta)
    ns = ns if ns > 1.0 else 1.0
    ns = float(n_fixed) if n_fixed > 0 else ns
    h = dt / ns
    sq = math.sqrt(h)
    thermal = 2.0 * kb * Ti / mv_i
    # input check (NaN fails every comparison): m and B finite, T finite and >= 0
    ok = (abs(x0) < _INF) & (abs(x1) < _INF) & (abs(x2) < _INF) & (bn < _INF) & (Ti >= 0.0) \
        & (Ti < _INF)
    return (k, kd, ka, kc, ns, h, math.sqrt(thermal * kd) * sq, math.sqrt(thermal * k) * sq,
            1.0 if ok else 0.0)


@_njit(cache=True, fastmath=False, error_model="numpy")
def _setup_block(nb, mflat, fflat, T, Tc_a, mu_a, lam_a, gam_a, mv_a, Tc0, mu0, lam0, gam0, mv0,
                 per_tc, per_mu, per_lam, per_gam, per_mv, dt, N, tc_band, kb, theta, floor,
                 n_fixed, R):  # pragma: no cover - compiled
    """Per-point set-up of a block into the struct-of-arrays R (fields 0-13 as _heun_block, 14:
    the sub-step count, 15: 1 if m, B, T are valid inputs, else 0). A function of its own,
    writing one array, with the tables as compile-time constants and branch-free selects (a
    uniform parameter's array is any array of length nb, never used): LLVM vectorizes it."""
    for j in range(nb):
        Tc = Tc_a[j] if per_tc else Tc0
        mu_i = mu_a[j] if per_mu else mu0
        lam = lam_a[j] if per_lam else lam0
        g = gam_a[j] if per_gam else gam0
        mv_i = mv_a[j] if per_mv else mv0
        x0, x1, x2 = mflat[3 * j], mflat[3 * j + 1], mflat[3 * j + 2]
        b0, b1, b2 = fflat[3 * j], fflat[3 * j + 1], fflat[3 * j + 2]
        k, kd, ka, kc, ns, h, cp, ca, ok = _setup_point(x0, x1, x2, b0, b1, b2, T[j], Tc, mu_i, lam,
                                                    g, mv_i, dt, N, tc_band, kb, theta, floor,
                                                    n_fixed)
        R[j] = x0
        R[_BLOCK + j] = x1
        R[2 * _BLOCK + j] = x2
        R[3 * _BLOCK + j] = b0
        R[4 * _BLOCK + j] = b1
        R[5 * _BLOCK + j] = b2
        R[6 * _BLOCK + j] = g
        R[7 * _BLOCK + j] = k
        R[8 * _BLOCK + j] = kd
        R[9 * _BLOCK + j] = ka
        R[10 * _BLOCK + j] = kc
        R[11 * _BLOCK + j] = h
        R[12 * _BLOCK + j] = cp
        R[13 * _BLOCK + j] = ca
        R[14 * _BLOCK + j] = ns
        R[15 * _BLOCK + j] = ok


@_njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _nb_coefficients(Ti, Tc, mu_i, lam, g, N, tc_band, kb):  # pragma: no cover - compiled
    """(k, kd, ka, kc) [1/s] (as llb._point_rates; products by 1/6, 1/2 instead of divisions
    in the interpolation weights: an ulp from the numpy twin). The mean-field tables are frozen
    into the compiled code as constants (see _ensure_fresh_tables)."""
    t = Ti / Tc
    pref = g * (2.0 * lam / 3.0) * (kb * Tc / mu_i)
    k = g * (2.0 * lam / 3.0) * t
    omt = 1.0 - t
    kd = g * lam * (omt if omt > 0.0 else 0.0)
    tt = t if t < 1.0 else 1.0
    sN = tt * N
    q = int(sN)
    q = q if q > 1 else 1
    q = q if q < N - 2 else N - 2
    uu = sN - q
    l0 = -uu * (uu - 1.0) * (uu - 2.0) * _SIXTH
    l1 = (uu + 1.0) * (uu - 1.0) * (uu - 2.0) * 0.5
    l2 = -(uu + 1.0) * uu * (uu - 2.0) * 0.5
    l3 = (uu + 1.0) * uu * (uu - 1.0) * _SIXTH
    ta = l0 * _TAB_TA[q - 1] + l1 * _TAB_TA[q] + l2 * _TAB_TA[q + 1] + l3 * _TAB_TA[q + 2]
    tcc = l0 * _TAB_TC[q - 1] + l1 * _TAB_TC[q] + l2 * _TAB_TC[q + 1] + l3 * _TAB_TC[q + 2]
    landau = Ti >= Tc - tc_band
    ka = pref * t * (3.0 * (1.0 - t)) if landau else pref * ta
    kc = pref * t * 1.8 if landau else pref * tcc
    return k, kd, ka, kc


@_njit(cache=True, fastmath=False, error_model="numpy")
def _heun_block(na, R, z, out):  # pragma: no cover - compiled
    """One Heun sub-step of the na active points of a block, struct-of-arrays in one array
    (field f of point j at R[f·_BLOCK + j]: x, B, γ, k, kd, ka, kc, h, c_⊥√h, c_ad√h; normal c
    at z[c·na + j]); writes m to out[c·_BLOCK + j]. One array read, one written (two runtime alias
    checks) and contiguous accesses: LLVM vectorizes the loop across points."""
    for j in range(na):
        x0, x1, x2 = R[j], R[_BLOCK + j], R[2 * _BLOCK + j]
        b0, b1, b2 = R[3 * _BLOCK + j], R[4 * _BLOCK + j], R[5 * _BLOCK + j]
        g, k, kd = R[6 * _BLOCK + j], R[7 * _BLOCK + j], R[8 * _BLOCK + j]
        ka, kc, h = R[9 * _BLOCK + j], R[10 * _BLOCK + j], R[11 * _BLOCK + j]
        cp, ca = R[12 * _BLOCK + j], R[13 * _BLOCK + j]
        p0, p1, p2 = cp * z[j], cp * z[na + j], cp * z[2 * na + j]
        a0, a1, a2 = ca * z[3 * na + j], ca * z[4 * na + j], ca * z[5 * na + j]
        f0, f1, f2, g0, g1, g2 = _nb_rhs(x0, x1, x2, b0, b1, b2, g, k, kd, ka, kc,
                                         p0, p1, p2, a0, a1, a2)
        y0 = x0 + h * f0 + g0
        y1 = x1 + h * f1 + g1
        y2 = x2 + h * f2 + g2
        e0, e1, e2, d0, d1, d2 = _nb_rhs(y0, y1, y2, b0, b1, b2, g, k, kd, ka, kc,
                                         p0, p1, p2, a0, a1, a2)
        out[j] = x0 + (0.5 * h) * (f0 + e0) + 0.5 * (g0 + d0)
        out[_BLOCK + j] = x1 + (0.5 * h) * (f1 + e1) + 0.5 * (g1 + d1)
        out[2 * _BLOCK + j] = x2 + (0.5 * h) * (f2 + e2) + 0.5 * (g2 + d2)


@_njit(cache=True, fastmath=False, error_model="numpy")
def _nb_kernel(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, mv_a, ids, step_key, N, tc_band, kb,
               theta, floor, n_fixed, max_substeps, m_out, zx,
               zr):  # pragma: no cover - compiled
    """Heun sub-steps of the stochastic LLB (see the numpy twin), in blocks of _BLOCK points:

    1. per point (vectorized, _setup_block): coefficients, sub-step count, noise amplitudes;
    2. per sub-step, on the points that still need one (compacted to the front): the keys of
       their 6 normals and the first ziggurat draws (vectorized), the ~3 % not in a core
       redone by the full _nb_normal (the same values as drawing them one by one), then the
       Heun step (vectorized across points, _heun_block).

    Same arithmetic as a point-by-point loop: results do not depend on the blocking.
    Returns (first refused point or −1, largest sub-step count, first point with non-finite
    m or B or a T that is not finite and >= 0, or −1: then nothing else is meaningful).
    """
    npts = m.shape[0]
    mflat = m.reshape(3 * npts)
    fflat = field.reshape(3 * npts)
    bad = -1
    used = 0
    skey = _u64(step_key)
    n = T.shape[0]
    per = (Tc_a.shape[0] == n, mu_a.shape[0] == n, lam_a.shape[0] == n, gam_a.shape[0] == n,
           mv_a.shape[0] == n)
    B = _BLOCK
    R = np.empty(16 * B)
    out = np.empty(3 * B)
    pid = np.empty(B, dtype=np.uint64)
    orig = np.empty(B, dtype=np.int64)
    keys = np.empty(6 * B, dtype=np.uint64)
    z = np.empty(6 * B)
    redo = np.empty(6 * B)
    for start in range(0, npts, B):
        nb = min(B, npts - start)
        hi = start + nb
        _setup_block(nb, mflat[3 * start:3 * hi], fflat[3 * start:3 * hi], T[start:hi],
                     _block_of(Tc_a, T, start, hi), _block_of(mu_a, T, start, hi),
                     _block_of(lam_a, T, start, hi), _block_of(gam_a, T, start, hi),
                     _block_of(mv_a, T, start, hi), Tc_a[0], mu_a[0], lam_a[0], gam_a[0],
                     mv_a[0], per[0], per[1], per[2], per[3], per[4], dt, N, tc_band, kb, theta,
                     floor, n_fixed, R)
        na = 0
        for j in range(nb):
            i = start + j
            if R[15 * B + j] == 0.0:
                return -1, 0, i
            ns = R[14 * B + j]
            used = max(used, int(ns))
            if ns > max_substeps:  # refused: left unchanged
                if bad < 0:
                    bad = i
                m_out[i, 0], m_out[i, 1], m_out[i, 2] = m[i, 0], m[i, 1], m[i, 2]
                continue
            if na != j:
                for f in range(15):
                    R[f * B + na] = R[f * B + j]
            pid[na] = _u64(ids[i])
            orig[na] = i
            na += 1
        sub_step = 0
        while na > 0:
            _sub_step_keys(na, pid, skey, _u64(sub_step) * _NB_GOLD, keys)
            _zig_first_draw(6 * na, keys, z, redo)
            for q in range(6 * na):
                if redo[q] != 0.0:
                    z[q] = _nb_normal(keys[q], zx, zr)
            _heun_block(na, R, z, out)
            sub_step += 1
            # store the finished points, move the others to the front
            cnt = 0
            for j in range(na):
                if R[14 * B + j] > sub_step:
                    if cnt != j:
                        for f in range(3, 15):
                            R[f * B + cnt] = R[f * B + j]
                        pid[cnt], orig[cnt] = pid[j], orig[j]
                    R[cnt], R[B + cnt], R[2 * B + cnt] = out[j], out[B + j], out[2 * B + j]
                    cnt += 1
                else:
                    i = orig[j]
                    m_out[i, 0], m_out[i, 1], m_out[i, 2] = out[j], out[B + j], out[2 * B + j]
            na = cnt
    return bad, used, -1


@_njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _block_of(a, T, lo, hi):  # pragma: no cover - compiled
    """Points lo..hi−1 of a per-point parameter; T's (a stand-in, never read) if uniform."""
    return a[lo:hi] if a.shape[0] == T.shape[0] else T[lo:hi]


@_njit(cache=True, fastmath=False, error_model="numpy")
def _table_probe():  # pragma: no cover - compiled
    """A few entries of the tables frozen into the compiled code (stale-cache check)."""
    return (_TAB_TA[1] + _TAB_TA[_TAB_TA.shape[0] // 3],
            _TAB_TC[2] + _TAB_TC[_TAB_TC.shape[0] // 2])


_TABLES_CHECKED = False


def _ensure_fresh_tables() -> None:
    """Flush this module's numba cache once if it holds other than the current mean-field tables
    (numba freezes them into the cached code and only watches this file for changes)."""
    global _TABLES_CHECKED
    if _TABLES_CHECKED:
        return
    expect = (_TAB_TA[1] + _TAB_TA[_TAB_TA.shape[0] // 3],
              _TAB_TC[2] + _TAB_TC[_TAB_TC.shape[0] // 2])
    if _table_probe() != expect:  # pragma: no cover - only after editing the mean-field table
        for func in (_table_probe, _setup_block, _nb_kernel):
            func._cache.flush()
            func.recompile()
        if _table_probe() != expect:
            raise RuntimeError("femmag.kernels.stochastic: stale numba cache; delete "
                               "femmag/kernels/__pycache__/stochastic.*.nbi and .nbc files.")
    _TABLES_CHECKED = True


def _use_numba() -> bool:
    return _HAS_NUMBA and llb._use_numba()


def stochastic_llb_advance(
    m: ArrayLike,
    field: ArrayLike,
    temperature: ArrayLike,
    dt: float,
    params: LLBParameters,
    cell_moment: ArrayLike,
    global_ids: ArrayLike,
    seed: int,
    step_index: int,
    *,
    n_substeps: int | None = None,
    theta: float = STOCHASTIC_THETA,
    max_substeps: int = DEFAULT_MAX_SUBSTEPS,
) -> FloatArray:
    """Advance the stochastic classical LLB by dt at every point (Heun/Stratonovich sub-steps).

    T and the field are held constant over dt. The noise of point i is a pure function of
    ``(seed, step_index, global_ids[i], sub-step)``, so results are identical for any split of
    the points over ranks and any ordering of the arrays (use a step counter that is the same on
    all ranks). Uses the numba kernel when numba is importable (``FEMMAG_NO_NUMBA=1``: numpy).

    Args:
        m: reduced magnetization at the start of the step, shape (n, 3).
        field: applied + induced (+ disturbance) field B [T], shape (n, 3) or (3,).
        temperature: electron temperature T_e [K], shape (n,) or scalar.
        dt: step [s].
        params: :class:`~femmag.kernels.llb.LLBParameters`.
        cell_moment: M_s0 V of every point [J/T], shape (n,) or scalar; V = the volume the point
            represents (quadrature weight × |det J|, or nodal volume). The fluctuation size
            scales as 1/√(M_s0 V): results depend on it. ``np.inf`` switches the noise off.
        global_ids: rank-independent integer id of every point, shape (n,).
        seed: integer seed of the run.
        step_index: global step counter (the noise differs from step to step).
        n_substeps: fixed number of Heun sub-steps for all points (None: per point from the
            relaxation rate, ``ceil(dt·ρ/theta)``).
        theta: largest ρ·h of the automatic sub-step choice.
        max_substeps: most sub-steps per point; more raises :class:`LLBStepError`.

    Returns:
        m at the end of the step, shape (n, 3).

    Raises:
        LLBStepError: a point would need more than ``max_substeps`` sub-steps.
        ValueError: bad shapes or non-physical inputs (the message says which and how to fix).
    """
    if not _use_numba():
        return stochastic_llb_advance_numpy(
            m, field, temperature, dt, params, cell_moment, global_ids, seed, step_index,
            n_substeps=n_substeps, theta=theta, max_substeps=max_substeps)
    m, B, T, Tc, mu, lam, gam, mv, ids = _prepare(
        m, field, temperature, dt, params, cell_moment, global_ids, n_substeps,
        check_finite=False)
    n = m.shape[0]
    if n == 0 or dt == 0:
        llb._check_inputs(m, B, T, dt, params)
        return m.copy()
    m_out = np.empty_like(m)
    _ensure_fresh_tables()
    bad, _, bad_input = _nb_kernel(
        llb._writable(m), B, T, float(dt), Tc, mu, lam, gam, mv, ids,
        np.uint64(_step_key(seed, step_index)), TABLE_N, llb.TC_BAND, KB, float(theta),
        llb._DIRECTION_FLOOR, 0 if n_substeps is None else int(n_substeps), int(max_substeps),
        m_out, ZIG_X, ZIG_RATIO,
    )
    if bad_input >= 0:
        llb._check_inputs(m, B, T, dt, params)  # raises with the message
        raise ValueError(  # pragma: no cover - _check_inputs raised above
            f"stochastic LLB: invalid input at point {bad_input}.")
    if bad >= 0:
        sl = slice(bad, bad + 1)
        Tc1, mu1, lam1, gam1 = (a[sl] if a.size > 1 else a for a in (Tc, mu, lam, gam))
        *_, nsub, rate = _rates(m[sl], B[sl], dt, T[sl], Tc1, mu1, lam1, gam1, theta, n_substeps)
        _refuse(bad, rate[0], T[bad], Tc1[0], np.linalg.norm(m[bad]), dt, nsub[0], max_substeps)
    return m_out
