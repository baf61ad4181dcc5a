"""Fused numba point loops for the pointwise magnetization ODEs (no dolfinx, no Python per point).

:func:`llb_advance_points` is the compiled twin of :func:`femmag.kernels.llb.llb_advance_numpy`:
same algorithm, same arithmetic (agreement ~1e-15). It is called by
:func:`femmag.kernels.llb.llb_advance`; use that, not this, from physics code. Compiled once and
cached on disk (``cache=True``); ``fastmath`` is off so results are reproducible.

Structure of :func:`llb_advance_points` (serial, or ``parallel=True``: the first pass over numba
threads):

1. one fused, branch-free loop over all points (:func:`_loop1`): mean-field coefficients from the
   table, sub-step count, one SDIRK2 sub-step (two stages of HALLEY_FIXED Halley steps), series
   rotation, input check; it writes m and a flag. In the bench ~96 % of the points are done
   here (one sub-step, converged, small precession angle);
2. the flagged points are gathered and tried with two fused sub-steps (:func:`_loop2`);
3. what is left (more sub-steps, unconverged Halley stages, large angles, ``max_substep``) goes to
   the block path :func:`_general_points` (compaction per sub-step, adaptive Halley, libm
   rotation). All paths use the same arithmetic, so a point's result does not depend on the
   path that computed it (tested bitwise).

Performance notes (measured, Zen 4, bench/bench_llb.py; check vectorization with
``inspect_asm`` and a fresh NUMBA_CACHE_DIR): LLVM vectorizes a numba loop only (a) in a
function of its own over flat 1-D arrays with a 0-based ``range`` (otherwise the negative-index
wraparound code or the reshape in the same function stops it), (b) with few runtime alias checks
(few arrays written), and (c) with no gather from an array argument, since its bounds cannot be
checked: the mean-field tables are therefore compile-time constants (``_TAB_TA``, ``_TAB_TC``,
frozen by numba; :func:`_ensure_fresh_tables` flushes a cache built with other tables). The
uniform-parameter case passes scalars; per-point parameters use selects with a stand-in array.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from femmag.kernels.mean_field import TABLE_TA as _TAB_TA
from femmag.kernels.mean_field import TABLE_TC as _TAB_TC

__all__ = ["BLOCK", "HALLEY_FIXED", "HALLEY_TOL", "coefficient_points", "llb_advance_points"]

#: Points per block (~30 scratch arrays of BLOCK floats, ~120 kB: in L2; 512 measured ~7 % faster
#: than 256 on the bench).
BLOCK = 512
#: Halley iterations applied unconditionally to every stage cubic (then adaptive if needed).
HALLEY_FIXED = 3
#: A Halley correction below this (relative) means the next one is below round-off (cubic rate).
HALLEY_TOL = 1e-5
#: Largest precession angle [rad] per step evaluated with the Taylor series of sin and 1 − cos.
PHI_SERIES = 0.1
#: Most Halley iterations per cubic (bracketed: bisection fallback guarantees progress).
HALLEY_MAX = 200
#: Points per thread task of :func:`llb_advance_points_parallel`.
PARALLEL_CHUNK = 4096
_INF = math.inf


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _halley(r, lo, hi, a3, bb, c0):  # pragma: no cover - compiled
    """One safeguarded Halley step on g(r) = a3 r³ + bb r + c0; returns (r_new, lo, hi, |Δr|)."""
    r2 = r * r
    g = (a3 * r2 + bb) * r + c0
    g1 = 3.0 * a3 * r2 + bb
    neg = g < 0.0
    lo = r if neg else lo
    hi = hi if neg else r
    den = 2.0 * g1 * g1 - 6.0 * a3 * r * g
    rn = r - 2.0 * g * g1 / den
    ok = (den > 0.0) and (rn >= lo) and (rn <= hi)
    rn = rn if ok else 0.5 * (lo + hi)
    rn = r if g == 0.0 else rn
    return rn, lo, hi, abs(rn - r)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _stage_setup(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc):  # pragma: no cover - compiled
    """Cubic of one point: returns (v̂0, v̂1, v̂2, a3, bb, c0) (see llb._stage_numpy)."""
    f = beta * (k + kd)
    v0 = w0 + f * b0
    v1 = w1 + f * b1
    v2 = w2 + f * b2
    vn = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
    inv = 1.0 / vn if vn > 0.0 else 0.0
    x0 = v0 * inv
    x1 = v1 * inv
    x2 = v2 * inv
    c0 = beta * kd * (x0 * b0 + x1 * b1 + x2 * b2) - vn
    bb = 1.0 - beta * ka
    a3 = beta * kc
    return x0, x1, x2, a3, bb, c0


@njit(cache=True, fastmath=False, error_model="numpy", no_cpython_wrapper=True)
def _stage_finish(nb, w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, g0, g1, g2, o0, o1, o2,
                  todo):  # pragma: no cover - compiled
    """Redo the points flagged in ``todo`` with adaptive Halley steps (kept out of the vector
    loop's function: inlined there, it stops LLVM from vectorizing that loop well)."""
    for j in range(nb):
        if todo[j] != 0.0:
            x0, x1, x2, a3, bb, c0 = _stage_setup(w0[j], w1[j], w2[j], b0[j], b1[j], b2[j],
                                                  beta[j], k[j], kd[j], ka[j], kc[j])
            bound = -c0 / bb
            lo = 0.0 if c0 < 0.0 else bound
            hi = bound if c0 < 0.0 else 0.0
            guess = g0[j] * x0 + g1[j] * x1 + g2[j] * x2
            guess = guess if guess > lo else lo
            rj = guess if guess < hi else hi
            for _ in range(HALLEY_MAX):
                rj, lo, hi, d = _halley(rj, lo, hi, a3, bb, c0)
                if _ >= HALLEY_FIXED - 1 and d <= HALLEY_TOL * abs(rj):
                    break
            o0[j] = rj * x0
            o1[j] = rj * x1
            o2[j] = rj * x2


@njit(cache=True, fastmath=False, error_model="numpy")
def _stage_block(nb, w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, g0, g1, g2, o0, o1, o2,
                 todo):  # pragma: no cover - compiled
    """Solve n = w + β F(n) for nb points.

    n = r v̂ with r the root of βkc r³ + (1 − βka) r + βkd v̂·B − |v| (see llb._stage_numpy).
    One fused branch-free loop (setup, clamped start, HALLEY_FIXED Halley steps in registers);
    the rare points not converged after it are flagged in ``todo`` and redone by a scalar loop
    that recomputes the same setup (identical arithmetic, so identical results).
    """
    for j in range(nb):
        x0, x1, x2, a3, bb, c0 = _stage_setup(w0[j], w1[j], w2[j], b0[j], b1[j], b2[j], beta[j],
                                              k[j], kd[j], ka[j], kc[j])
        bound = -c0 / bb
        lo = 0.0 if c0 < 0.0 else bound
        hi = bound if c0 < 0.0 else 0.0
        guess = g0[j] * x0 + g1[j] * x1 + g2[j] * x2
        guess = guess if guess > lo else lo
        r = guess if guess < hi else hi
        d = 0.0
        for _ in range(HALLEY_FIXED):
            r, lo, hi, d = _halley(r, lo, hi, a3, bb, c0)
        todo[j] = 0.0 if d <= HALLEY_TOL * abs(r) else 1.0
        o0[j] = r * x0
        o1[j] = r * x1
        o2[j] = r * x2
    _stage_finish(nb, w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, g0, g1, g2, o0, o1, o2, todo)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _point_coefficients(Ti, Tc, mu, lam, gam, tab_ta, tab_tc, N, tc_band, kb):  # pragma: no cover
    """(k, kd, ka, kc) [1/s] of one point (as llb._point_rates)."""
    t = Ti / Tc
    pref = gam * (2.0 * lam / 3.0) * (kb * Tc / mu)
    k = gam * (2.0 * lam / 3.0) * t
    omt = 1.0 - t
    kd = gam * lam * (omt if omt > 0.0 else 0.0)
    # table of (t·a, t·c): 4-point Lagrange interpolation on t_j = j/N
    tt = t if t < 1.0 else 1.0
    sN = tt * N
    q = int(sN)
    q = q if q > 1 else 1
    q = q if q < N - 2 else N - 2
    uu = sN - q
    l0 = -uu * (uu - 1.0) * (uu - 2.0) / 6.0
    l1 = (uu + 1.0) * (uu - 1.0) * (uu - 2.0) / 2.0
    l2 = -(uu + 1.0) * uu * (uu - 2.0) / 2.0
    l3 = (uu + 1.0) * uu * (uu - 1.0) / 6.0
    ta = l0 * tab_ta[q - 1] + l1 * tab_ta[q] + l2 * tab_ta[q + 1] + l3 * tab_ta[q + 2]
    tc = l0 * tab_tc[q - 1] + l1 * tab_tc[q] + l2 * tab_tc[q + 1] + l3 * tab_tc[q + 2]
    landau = Ti >= Tc - tc_band
    ka = pref * t * (3.0 * (1.0 - t)) if landau else pref * ta
    kc = pref * t * 1.8 if landau else pref * tc
    return k, kd, ka, kc



@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _table_coefficients(Ti, Tc, mu, lam, gam, N, tc_band, kb):  # pragma: no cover - compiled
    """_point_coefficients with the tables as compile-time constants (_TAB_TA, _TAB_TC): a
    gather from a constant cannot alias the outputs, so the fused loop needs no runtime alias
    check for it and LLVM vectorizes it (same arithmetic, same values)."""
    t = Ti / Tc
    pref = gam * (2.0 * lam / 3.0) * (kb * Tc / mu)
    k = gam * (2.0 * lam / 3.0) * t
    omt = 1.0 - t
    kd = gam * lam * (omt if omt > 0.0 else 0.0)
    tt = t if t < 1.0 else 1.0  # (NaN: 1.0, a valid index)
    sN = tt * N
    q = int(sN)
    q = q if q > 1 else 1
    q = q if q < N - 2 else N - 2
    uu = sN - q
    l0 = -uu * (uu - 1.0) * (uu - 2.0) / 6.0
    l1 = (uu + 1.0) * (uu - 1.0) * (uu - 2.0) / 2.0
    l2 = -(uu + 1.0) * uu * (uu - 2.0) / 2.0
    l3 = (uu + 1.0) * uu * (uu - 1.0) / 6.0
    ta = l0 * _TAB_TA[q - 1] + l1 * _TAB_TA[q] + l2 * _TAB_TA[q + 1] + l3 * _TAB_TA[q + 2]
    tc = l0 * _TAB_TC[q - 1] + l1 * _TAB_TC[q] + l2 * _TAB_TC[q + 1] + l3 * _TAB_TC[q + 2]
    landau = Ti >= Tc - tc_band
    ka = pref * t * (3.0 * (1.0 - t)) if landau else pref * ta
    kc = pref * t * 1.8 if landau else pref * tc
    return k, kd, ka, kc


@njit(cache=True, fastmath=False, error_model="numpy")
def table_probe():  # pragma: no cover - compiled
    """A few entries of the tables frozen into the compiled code (stale-cache check)."""
    return _TAB_TA[1] + _TAB_TA[_TAB_TA.shape[0] // 3], _TAB_TC[2] + _TAB_TC[_TAB_TC.shape[0] // 2]


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _stage_fixed(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, g0, g1,
                 g2):  # pragma: no cover - compiled
    """One implicit stage with HALLEY_FIXED Halley steps (same arithmetic as _stage_block);
    returns (n0, n1, n2, converged)."""
    x0, x1, x2, a3, bb, c0 = _stage_setup(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc)
    bound = -c0 / bb
    lo = 0.0 if c0 < 0.0 else bound
    hi = bound if c0 < 0.0 else 0.0
    guess = g0 * x0 + g1 * x1 + g2 * x2
    guess = guess if guess > lo else lo
    r = guess if guess < hi else hi
    d = 0.0
    for _ in range(HALLEY_FIXED):
        r, lo, hi, d = _halley(r, lo, hi, a3, bb, c0)
    return r * x0, r * x1, r * x2, d <= HALLEY_TOL * abs(r)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _substep_count(x0, x1, x2, b0, b1, b2, dt, k, kd, ka, kc, theta,
                   direction_floor):  # pragma: no cover - compiled
    """(ceil(dt·ρ/θ), |B|): the sub-step count before the floor of 1 (as _general_points)."""
    s2 = x0 * x0 + x1 * x1 + x2 * x2
    bn = math.sqrt(b0 * b0 + b1 * b1 + b2 * b2)
    ka_pos = ka if ka > 0.0 else 0.0
    cubic = 3.0 * kc * s2
    grow = 3.0 * ka_pos
    size = math.sqrt(s2)
    size = size if size > direction_floor else direction_floor
    rate = abs(ka) + (cubic if cubic > grow else grow) + kd * bn / size
    return math.ceil(dt * rate / theta), bn


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _sdirk_step(x0, x1, x2, b0, b1, b2, beta, k, kd, ka, kc, c21):  # pragma: no cover
    """One SDIRK2 sub-step (two stages, fixed Halley steps): (n0, n1, n2, converged)."""
    y0, y1, y2, ok1 = _stage_fixed(x0, x1, x2, b0, b1, b2, beta, k, kd, ka, kc, x0, x1, x2)
    w0 = x0 + c21 * (y0 - x0)
    w1 = x1 + c21 * (y1 - x1)
    w2 = x2 + c21 * (y2 - x2)
    n0, n1, n2, ok2 = _stage_fixed(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, y0, y1, y2)
    return n0, n1, n2, ok1 & ok2


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _rotate_series(n0, n1, n2, b0, b1, b2, bn, gam, dt):  # pragma: no cover - compiled
    """Exact precession about B̂ by φ = γ|B|dt with the Taylor series of sin φ and 1 − cos φ
    (B = 0: the identity); returns (m0, m1, m2, |φ| <= PHI_SERIES)."""
    ib = 1.0 / bn if bn > 0.0 else 0.0
    h0 = b0 * ib
    h1 = b1 * ib
    h2 = b2 * ib
    phi = gam * bn * dt
    p2 = phi * phi
    sp = phi * (1.0 - p2 * (1.0 / 6.0) * (1.0 - p2 * (1.0 / 20.0) * (
        1.0 - p2 * (1.0 / 42.0) * (1.0 - p2 * (1.0 / 72.0) * (1.0 - p2 * (1.0 / 110.0))))))
    omc = p2 * (1.0 / 2.0) * (1.0 - p2 * (1.0 / 12.0) * (1.0 - p2 * (1.0 / 30.0) * (
        1.0 - p2 * (1.0 / 56.0) * (1.0 - p2 * (1.0 / 90.0) * (1.0 - p2 * (1.0 / 132.0))))))
    cp = 1.0 - omc
    d = (h0 * n0 + h1 * n1 + h2 * n2) * omc
    r0 = n0 * cp + (h1 * n2 - h2 * n1) * sp + h0 * d
    r1 = n1 * cp + (h2 * n0 - h0 * n2) * sp + h1 * d
    r2 = n2 * cp + (h0 * n1 - h1 * n0) * sp + h2 * d
    return r0, r1, r2, abs(phi) <= PHI_SERIES


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _fused_point(x0, x1, x2, b0, b1, b2, Ti, dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
                 direction_floor, gd, c21):  # pragma: no cover - compiled
    """One point: one SDIRK2 sub-step of dt, then the series rotation; (m0, m1, m2, flag).

    flag 0: done, exactly what _general_points gives for this point; 1: hand over (more
    sub-steps, a stage not converged after HALLEY_FIXED Halley steps, or a precession angle
    > PHI_SERIES); 2: non-finite m or B, or T not finite and >= 0 (input error).
    Branch-free (selects), so the loop that calls it vectorizes.
    """
    k, kd, ka, kc = _table_coefficients(Ti, Tc, mu, lam, gam, N, tc_band, kb)
    ns, bn = _substep_count(x0, x1, x2, b0, b1, b2, dt, k, kd, ka, kc, theta, direction_floor)
    beta = (dt / 1.0) * gd
    n0, n1, n2, ok = _sdirk_step(x0, x1, x2, b0, b1, b2, beta, k, kd, ka, kc, c21)
    r0, r1, r2, small = _rotate_series(n0, n1, n2, b0, b1, b2, bn, gam, dt)
    # (NaN fails every comparison)
    finite = (abs(x0) < _INF) & (abs(x1) < _INF) & (abs(x2) < _INF) & (bn < _INF) \
        & (Ti >= 0.0) & (Ti < _INF)
    fl = 0.0 if (ns <= 1.0) & ok & small else 1.0
    return r0, r1, r2, (fl if finite else 2.0)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _fused_point2(x0, x1, x2, b0, b1, b2, Ti, dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
                  direction_floor, gd, c21):  # pragma: no cover - compiled
    """_fused_point with two sub-steps of dt/2 (flag 1 unless the point needs exactly 2)."""
    k, kd, ka, kc = _table_coefficients(Ti, Tc, mu, lam, gam, N, tc_band, kb)
    ns, bn = _substep_count(x0, x1, x2, b0, b1, b2, dt, k, kd, ka, kc, theta, direction_floor)
    beta = (dt / 2.0) * gd
    n0, n1, n2, ok1 = _sdirk_step(x0, x1, x2, b0, b1, b2, beta, k, kd, ka, kc, c21)
    n0, n1, n2, ok2 = _sdirk_step(n0, n1, n2, b0, b1, b2, beta, k, kd, ka, kc, c21)
    r0, r1, r2, small = _rotate_series(n0, n1, n2, b0, b1, b2, bn, gam, dt)
    return r0, r1, r2, 0.0 if (ns == 2.0) & ok1 & ok2 & small else 1.0


@njit(cache=True, fastmath=False, error_model="numpy")
def _loop1(npts, mflat, fflat, T, dt, Tc, mu, lam, gam, N, tc_band, kb, theta, direction_floor,
          gd, c21, oflat, flag):  # pragma: no cover - compiled
    """All points, one sub-step, one parameter set (scalars). A function of its own on flat 1-D
    arrays with a 0-based loop: so optimized, LLVM proves the indices >= 0 (no wraparound code)
    and needs few runtime alias checks (m_out, flag against m, field, T): the loop vectorizes."""
    for i in range(npts):
        r0, r1, r2, fl = _fused_point(
            mflat[3 * i], mflat[3 * i + 1], mflat[3 * i + 2], fflat[3 * i], fflat[3 * i + 1],
            fflat[3 * i + 2], T[i], dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
            direction_floor, gd, c21)
        oflat[3 * i] = r0
        oflat[3 * i + 1] = r1
        oflat[3 * i + 2] = r2
        flag[i] = fl


@njit(cache=True, fastmath=False, error_model="numpy")
def _loop1_arrays(npts, mflat, fflat, T, dt, Tc_a, mu_a, lam_a, gam_a, Tc0, mu0, lam0, gam0, per_Tc,
                  per_mu, per_lam, per_gam, N, tc_band, kb, theta, direction_floor, gd, c21,
                  oflat, flag):  # pragma: no cover - compiled
    """_loop1 with per-point parameters: T_c from Tc_a[i] if per_Tc, else Tc0, and so on
    (for a uniform parameter its array is any array of length npts, never used)."""
    for i in range(npts):
        Tc = Tc_a[i] if per_Tc else Tc0
        mu = mu_a[i] if per_mu else mu0
        lam = lam_a[i] if per_lam else lam0
        gam = gam_a[i] if per_gam else gam0
        r0, r1, r2, fl = _fused_point(
            mflat[3 * i], mflat[3 * i + 1], mflat[3 * i + 2], fflat[3 * i], fflat[3 * i + 1],
            fflat[3 * i + 2], T[i], dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
            direction_floor, gd, c21)
        oflat[3 * i] = r0
        oflat[3 * i + 1] = r1
        oflat[3 * i + 2] = r2
        flag[i] = fl


@njit(cache=True, fastmath=False, error_model="numpy")
def _loop2(npts, mflat, fflat, T, dt, Tc, mu, lam, gam, N, tc_band, kb, theta, direction_floor,
          gd, c21, oflat, flag):  # pragma: no cover - compiled
    """_loop1 with two sub-steps."""
    for i in range(npts):
        r0, r1, r2, fl = _fused_point2(
            mflat[3 * i], mflat[3 * i + 1], mflat[3 * i + 2], fflat[3 * i], fflat[3 * i + 1],
            fflat[3 * i + 2], T[i], dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
            direction_floor, gd, c21)
        oflat[3 * i] = r0
        oflat[3 * i + 1] = r1
        oflat[3 * i + 2] = r2
        flag[i] = fl


@njit(cache=True, fastmath=False, error_model="numpy")
def _loop2_arrays(npts, mflat, fflat, T, dt, Tc_a, mu_a, lam_a, gam_a, Tc0, mu0, lam0, gam0, per_Tc,
                  per_mu, per_lam, per_gam, N, tc_band, kb, theta, direction_floor, gd, c21,
                  oflat, flag):  # pragma: no cover - compiled
    """_loop1_arrays with two sub-steps."""
    for i in range(npts):
        Tc = Tc_a[i] if per_Tc else Tc0
        mu = mu_a[i] if per_mu else mu0
        lam = lam_a[i] if per_lam else lam0
        gam = gam_a[i] if per_gam else gam0
        r0, r1, r2, fl = _fused_point2(
            mflat[3 * i], mflat[3 * i + 1], mflat[3 * i + 2], fflat[3 * i], fflat[3 * i + 1],
            fflat[3 * i + 2], T[i], dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
            direction_floor, gd, c21)
        oflat[3 * i] = r0
        oflat[3 * i + 1] = r1
        oflat[3 * i + 2] = r2
        flag[i] = fl


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _uniform(Tc_a, mu_a, lam_a, gam_a):  # pragma: no cover - compiled
    return (Tc_a.shape[0] == 1) & (mu_a.shape[0] == 1) & (lam_a.shape[0] == 1) \
        & (gam_a.shape[0] == 1)


@njit(cache=True, fastmath=False, error_model="numpy")
def _param_tuples(T, Tc_a, mu_a, lam_a, gam_a):  # pragma: no cover - compiled
    """(arrays, scalars, per_point) for the _loop*_arrays functions; T stands in for the
    array of a uniform parameter (never read)."""
    n = T.shape[0]
    arrays = (Tc_a if Tc_a.shape[0] == n else T, mu_a if mu_a.shape[0] == n else T,
              lam_a if lam_a.shape[0] == n else T, gam_a if gam_a.shape[0] == n else T)
    scalars = (Tc_a[0], mu_a[0], lam_a[0], gam_a[0])
    per_point = (Tc_a.shape[0] == n, mu_a.shape[0] == n, lam_a.shape[0] == n,
                 gam_a.shape[0] == n)
    return arrays, scalars, per_point


@njit(cache=True, fastmath=False, error_model="numpy")
def _fused_serial(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, N, tc_band, kb, theta,
                  direction_floor, gd, two, m_out, flag):  # pragma: no cover - compiled
    """All points, one thread, one (``two``: two) sub-steps, on flat views of (n, 3) arrays."""
    npts = m.shape[0]
    mflat = m.reshape(3 * npts)
    fflat = field.reshape(3 * npts)
    oflat = m_out.reshape(3 * npts)
    c21 = (1.0 - gd) / gd
    if _uniform(Tc_a, mu_a, lam_a, gam_a):  # one parameter set: scalars
        Tc, mu, lam, gam = Tc_a[0], mu_a[0], lam_a[0], gam_a[0]
        if two:
            _loop2(npts, mflat, fflat, T, dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
                   direction_floor, gd, c21, oflat, flag)
        else:
            _loop1(npts, mflat, fflat, T, dt, Tc, mu, lam, gam, N, tc_band, kb, theta,
                   direction_floor, gd, c21, oflat, flag)
    else:
        arrays, scalars, per_point = _param_tuples(T, Tc_a, mu_a, lam_a, gam_a)
        if two:
            _loop2_arrays(npts, mflat, fflat, T, dt, arrays[0], arrays[1], arrays[2], arrays[3],
                          scalars[0], scalars[1], scalars[2], scalars[3], per_point[0],
                          per_point[1], per_point[2], per_point[3], N, tc_band, kb, theta,
                          direction_floor, gd, c21, oflat, flag)
        else:
            _loop1_arrays(npts, mflat, fflat, T, dt, arrays[0], arrays[1], arrays[2], arrays[3],
                          scalars[0], scalars[1], scalars[2], scalars[3], per_point[0],
                          per_point[1], per_point[2], per_point[3], N, tc_band, kb, theta,
                          direction_floor, gd, c21, oflat, flag)


@njit(cache=True, fastmath=False, error_model="numpy", parallel=True)
def _fused_parallel(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, N, tc_band, kb, theta,
                    direction_floor, gd, m_out, flag):  # pragma: no cover - compiled
    """_fused_serial (one sub-step) over numba threads, in chunks of PARALLEL_CHUNK points."""
    nchunks = (m.shape[0] + PARALLEL_CHUNK - 1) // PARALLEL_CHUNK
    for c in prange(nchunks):
        _fused_chunk(c, m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, N, tc_band, kb, theta,
                     direction_floor, gd, m_out, flag)


@njit(cache=True, fastmath=False, error_model="numpy")
def _fused_chunk(c, m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, N, tc_band, kb, theta,
                 direction_floor, gd, m_out, flag):  # pragma: no cover - compiled
    """Chunk c of _fused_parallel: _fused_serial on slices (a function of its own, compiled
    and vectorized as the serial loop is, not inlined into the parfor body)."""
    lo = c * PARALLEL_CHUNK
    hi = min(lo + PARALLEL_CHUNK, m.shape[0])
    _fused_serial(m[lo:hi], field[lo:hi], T[lo:hi], dt, _part(Tc_a, lo, hi),
                  _part(mu_a, lo, hi), _part(lam_a, lo, hi), _part(gam_a, lo, hi), N, tc_band,
                  kb, theta, direction_floor, gd, False, m_out[lo:hi], flag[lo:hi])


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _part(a, lo, hi):  # pragma: no cover - compiled
    """Points lo..hi−1 of a per-point parameter (a uniform one, of length 1, unchanged)."""
    return a if a.shape[0] == 1 else a[lo:hi]


@njit(cache=True, fastmath=False, error_model="numpy")
def _flagged(flag):  # pragma: no cover - compiled
    """(indices with flag != 0, their count, first index with flag 2 or −1); branch-free."""
    npts = flag.shape[0]
    idx = np.empty(npts, dtype=np.int64)
    c = 0
    worst = 0.0
    for i in range(npts):
        f = flag[i]
        idx[c] = i
        c += 1 if f != 0.0 else 0
        worst = f if f > worst else worst
    first_bad = -1
    if worst == 2.0:
        for i in range(npts):
            if flag[i] == 2.0:
                first_bad = i
                break
    return idx, c, first_bad


@njit(cache=True, fastmath=False, error_model="numpy")
def _gather(m, field, T, Tc_a, mu_a, lam_a, gam_a, idx, count):  # pragma: no cover - compiled
    """Compact copies of the points idx[:count] (a parameter of length 1 stays so)."""
    sm = np.empty((count, 3))
    sf = np.empty((count, 3))
    sT = np.empty(count)
    for c in range(count):
        i = idx[c]
        sm[c, 0], sm[c, 1], sm[c, 2] = m[i, 0], m[i, 1], m[i, 2]
        sf[c, 0], sf[c, 1], sf[c, 2] = field[i, 0], field[i, 1], field[i, 2]
        sT[c] = T[i]
    return (sm, sf, sT, _gather_param(Tc_a, idx, count), _gather_param(mu_a, idx, count),
            _gather_param(lam_a, idx, count), _gather_param(gam_a, idx, count))


@njit(cache=True, fastmath=False, error_model="numpy")
def _gather_param(a, idx, count):  # pragma: no cover - compiled
    if a.shape[0] == 1:
        return a.copy()
    out = np.empty(count)
    for c in range(count):
        out[c] = a[idx[c]]
    return out


@njit(cache=True, fastmath=False, error_model="numpy")
def _finish(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
            direction_floor, gd, h_max, max_substeps, m_out, flag,
            try_two):  # pragma: no cover - compiled
    """Redo the points flagged by the one-sub-step loop: those with exactly two sub-steps by
    the fused loop again (``try_two``), the rest by _general_points. Returns (first refused
    point or −1, largest sub-step count used, first bad input or −1)."""
    idx, count, first_bad = _flagged(flag)
    if first_bad >= 0:
        return -1, 0, first_bad
    used = 1 if count < m.shape[0] else 0
    if count == 0:
        return -1, used, -1
    sm, sf, sT, sTc, smu, slam, sgam = _gather(m, field, T, Tc_a, mu_a, lam_a, gam_a, idx,
                                               count)
    so = np.empty((count, 3))
    if try_two:
        sflag = np.empty(count)
        _fused_serial(sm, sf, sT, dt, sTc, smu, slam, sgam, N, tc_band, kb, theta,
                      direction_floor, gd, True, so, sflag)
        idx2, count2, _ = _flagged(sflag)
        used = 2 if count2 < count else used
    else:
        idx2 = np.arange(count)
        count2 = count
    bad = -1
    if count2 > 0:
        gm, gf, gT, gTc, gmu, glam, ggam = _gather(sm, sf, sT, sTc, smu, slam, sgam, idx2,
                                                   count2)
        go = np.empty((count2, 3))
        gn = np.empty(count2, dtype=np.int64)
        bad = _general_points(gm, gf, gT, dt, gTc, gmu, glam, ggam, tab_ta, tab_tc, N,
                              tc_band, kb, theta, direction_floor, gd, h_max, max_substeps, go,
                              gn)
        for c in range(count2):
            j = idx2[c]
            so[j, 0], so[j, 1], so[j, 2] = go[c, 0], go[c, 1], go[c, 2]
            used = used if used > gn[c] else gn[c]
        bad = idx[idx2[bad]] if bad >= 0 else -1
    for c in range(count):
        i = idx[c]
        m_out[i, 0], m_out[i, 1], m_out[i, 2] = so[c, 0], so[c, 1], so[c, 2]
    return bad, used, -1


@njit(cache=True, fastmath=False, error_model="numpy")
def _check_finite(m, field, T, flag):  # pragma: no cover - compiled
    """flag = 2 where m, B or T is bad (as _fused_point), else 1 (every point to _general)."""
    for i in range(m.shape[0]):
        ok = (T[i] >= 0.0) & (T[i] < _INF)
        for d in range(3):
            ok = ok & (abs(m[i, d]) < _INF) & (abs(field[i, d]) < _INF)
        flag[i] = 1.0 if ok else 2.0


@njit(cache=True, fastmath=False, error_model="numpy")
def _advance(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
             direction_floor, gd, h_max, max_substeps, m_out):  # pragma: no cover - compiled
    """One thread: fused one-sub-step loop, then _finish."""
    flag = np.empty(m.shape[0])
    fused = _use_fused(dt, h_max, max_substeps)
    if fused:
        _fused_serial(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, N, tc_band, kb, theta,
                      direction_floor, gd, False, m_out, flag)
    else:
        _check_finite(m, field, T, flag)
    return _finish(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb,
                   theta, direction_floor, gd, h_max, max_substeps, m_out, flag,
                   fused and max_substeps >= 2)


@njit(cache=True, fastmath=False, error_model="numpy")
def _advance_threads(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb,
                     theta, direction_floor, gd, h_max, max_substeps,
                     m_out):  # pragma: no cover - compiled
    """_advance with the fused loop over numba threads (a separate entry point, so that the
    serial path never compiles the parallel one)."""
    flag = np.empty(m.shape[0])
    fused = _use_fused(dt, h_max, max_substeps)
    if fused:
        _fused_parallel(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, N, tc_band, kb, theta,
                        direction_floor, gd, m_out, flag)
    else:
        _check_finite(m, field, T, flag)
    return _finish(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb,
                   theta, direction_floor, gd, h_max, max_substeps, m_out, flag,
                   fused and max_substeps >= 2)


@njit(cache=True, fastmath=False, error_model="numpy", inline="always")
def _use_fused(dt, h_max, max_substeps):  # pragma: no cover - compiled
    """The fused loop applies unless max_substep forces 2+ sub-steps or max_substeps < 1."""
    n_cap = math.ceil(dt / h_max) if h_max > 0 else 1.0
    return n_cap <= 1.0 and max_substeps >= 1


def llb_advance_points(
    m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
    direction_floor, gd, h_max, max_substeps, m_out, parallel=False,
):
    """Advance every point by dt (see the module docstring and femmag.kernels.llb).

    Args (arrays float64 C-contiguous): m, field (n, 3); T (n,); Tc_a, mu_a, lam_a, gam_a each
    of length 1 or n; tab_ta, tab_tc the mean-field tables (must be
    ``mean_field.TABLE_TA/TC``: the fused loop uses its compiled-in copy); m_out (n, 3) is written;
    parallel: split the fused loop over the numba threads.

    Returns:
        (refused, max_substeps_used, bad_input): the first point that needs more than
        ``max_substeps`` sub-steps (or −1), the largest sub-step count used, and the first point
        with non-finite m/B or a temperature that is not finite and >= 0 (or −1; nothing else is
        then meaningful).
    """
    _ensure_fresh_tables()
    entry = _advance_threads if parallel else _advance
    return entry(m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
                 direction_floor, gd, h_max, max_substeps, m_out)


_TABLES_CHECKED = False


def _ensure_fresh_tables() -> None:
    """Flush the on-disk numba cache once if it holds tables other than the current ones.

    numba freezes _TAB_TA/_TAB_TC into the cached machine code and invalidates that cache only
    when this file changes, not when mean_field.py's table does.
    """
    global _TABLES_CHECKED
    if _TABLES_CHECKED:
        return
    expect = (_TAB_TA[1] + _TAB_TA[_TAB_TA.shape[0] // 3],
              _TAB_TC[2] + _TAB_TC[_TAB_TC.shape[0] // 2])
    if table_probe() != expect:  # pragma: no cover - only after editing the mean-field table
        for func in (table_probe, _loop1, _loop1_arrays, _loop2, _loop2_arrays,
                     _fused_serial, _fused_chunk, _fused_parallel, _finish, _advance,
                     _advance_threads):
            func._cache.flush()
            func.recompile()
        if table_probe() != expect:
            raise RuntimeError("femmag.kernels.ode: stale numba cache; delete "
                               "femmag/kernels/__pycache__/ode.*.nbi and .nbc files.")
    _TABLES_CHECKED = True


@njit(cache=True, fastmath=False, error_model="numpy")
def _general_points(
    m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
    direction_floor, gd, h_max, max_substeps, m_out, n_used,
):  # pragma: no cover - compiled
    """Any point, any number of sub-steps (block-vectorized with compaction); returns −1 or the
    first refused point. Used for the points the fused single-sub-step loop hands over."""
    npts = m.shape[0]
    # flat views: stride-3 accesses that LLVM vectorizes as interleaved groups
    mflat = m.reshape(3 * npts)
    fflat = field.reshape(3 * npts)
    oflat = m_out.reshape(3 * npts)
    bad = -1
    c21 = (1.0 - gd) / gd
    B = BLOCK
    k = np.empty(B)
    kd = np.empty(B)
    ka = np.empty(B)
    kc = np.empty(B)
    beta = np.empty(B)
    nsub = np.empty(B)
    x0, x1, x2 = np.empty(B), np.empty(B), np.empty(B)
    b0, b1, b2 = np.empty(B), np.empty(B), np.empty(B)
    y0, y1, y2 = np.empty(B), np.empty(B), np.empty(B)
    w0, w1, w2 = np.empty(B), np.empty(B), np.empty(B)
    dr = np.empty(B)
    nraw = np.empty(B)
    f0, f1, f2 = np.empty(B), np.empty(B), np.empty(B)
    pTc, pmu, plam, pgam = np.empty(B), np.empty(B), np.empty(B), np.empty(B)
    # sub-step floor from max_substep (h_max <= 0: none)
    n_cap = float(math.ceil(dt / h_max)) if h_max > 0 else 1.0
    orig = np.empty(B, dtype=np.int64)
    uniform = Tc_a.shape[0] == 1 and mu_a.shape[0] == 1 and lam_a.shape[0] == 1 \
        and gam_a.shape[0] == 1
    for start in range(0, npts, B):
        nb = min(B, npts - start)
        # pass 1: per-point coefficients, sub-step counts, state. Split into short branch-free
        # loops over few arrays so that LLVM vectorizes them (selects instead of min/max).
        if uniform:
            for j in range(nb):
                pgam[j] = gam_a[0]
        else:
            for j in range(nb):
                i = start + j
                pTc[j] = Tc_a[0 if Tc_a.shape[0] == 1 else i]
                pmu[j] = mu_a[0 if mu_a.shape[0] == 1 else i]
                plam[j] = lam_a[0 if lam_a.shape[0] == 1 else i]
                pgam[j] = gam_a[0 if gam_a.shape[0] == 1 else i]
        for j in range(nb):
            x0[j] = mflat[3 * (start + j) + 0]
            x1[j] = mflat[3 * (start + j) + 1]
            x2[j] = mflat[3 * (start + j) + 2]
            b0[j] = fflat[3 * (start + j) + 0]
            b1[j] = fflat[3 * (start + j) + 1]
            b2[j] = fflat[3 * (start + j) + 2]
        if uniform:
            # one parameter set: scalars (fewer arrays per loop: LLVM vectorizes it)
            Tc_u, mu_u, lam_u, gam_u = Tc_a[0], mu_a[0], lam_a[0], gam_a[0]
            for j in range(nb):
                k[j], kd[j], ka[j], kc[j] = _point_coefficients(
                    T[start + j], Tc_u, mu_u, lam_u, gam_u, tab_ta, tab_tc, N, tc_band, kb)
        else:
            for j in range(nb):
                k[j], kd[j], ka[j], kc[j] = _point_coefficients(
                    T[start + j], pTc[j], pmu[j], plam[j], pgam[j], tab_ta, tab_tc, N, tc_band,
                    kb)
        for j in range(nb):
            s2 = x0[j] * x0[j] + x1[j] * x1[j] + x2[j] * x2[j]
            bn = math.sqrt(b0[j] * b0[j] + b1[j] * b1[j] + b2[j] * b2[j])
            kaj = ka[j]
            ka_pos = kaj if kaj > 0.0 else 0.0
            cubic = 3.0 * kc[j] * s2
            grow = 3.0 * ka_pos
            size = math.sqrt(s2)
            size = size if size > direction_floor else direction_floor
            rate = abs(kaj) + (cubic if cubic > grow else grow) + kd[j] * bn / size
            ns = math.ceil(dt * rate / theta)
            ns = ns if ns > 1.0 else 1.0
            ns = ns if ns > n_cap else n_cap
            nsub[j] = ns
            nraw[j] = ns
            # refused points (too many sub-steps) are left unchanged: β = 0, no sub-step
            beta[j] = (dt / ns) * gd if ns <= max_substeps else 0.0
        for j in range(nb):
            n_used[start + j] = int(nraw[j])
        for j in range(nb):
            if nsub[j] > max_substeps:
                if bad < 0:
                    bad = start + j
                nsub[j] = 0.0
        # pass 2: SDIRK2 sub-steps on the points that still need one, compacted to the front of
        # the block so that the vector loops do no wasted work (finished points go to f0..f2)
        na = nb
        for j in range(nb):
            orig[j] = j
        sstep = 0
        while na > 0:
            cnt = 0
            for j in range(na):
                if nsub[j] > sstep:
                    if cnt != j:  # (none moves while no point has finished)
                        x0[cnt], x1[cnt], x2[cnt] = x0[j], x1[j], x2[j]
                        b0[cnt], b1[cnt], b2[cnt] = b0[j], b1[j], b2[j]
                        beta[cnt], k[cnt], kd[cnt] = beta[j], k[j], kd[j]
                        ka[cnt], kc[cnt] = ka[j], kc[j]
                        nsub[cnt], orig[cnt] = nsub[j], orig[j]
                    cnt += 1
                else:
                    o = orig[j]
                    f0[o], f1[o], f2[o] = x0[j], x1[j], x2[j]
            na = cnt
            if na == 0:
                break
            _stage_block(na, x0, x1, x2, b0, b1, b2, beta, k, kd, ka, kc, x0, x1, x2, y0, y1, y2,
                         dr)
            for j in range(na):
                w0[j] = x0[j] + c21 * (y0[j] - x0[j])
                w1[j] = x1[j] + c21 * (y1[j] - x1[j])
                w2[j] = x2[j] + c21 * (y2[j] - x2[j])
            _stage_block(na, w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, y0, y1, y2, x0, x1, x2,
                         dr)
            sstep += 1
        # pass 3: exact precession about B̂ by φ = γ|B|dt, store. sin φ and 1 − cos φ from their
        # Taylor series (exact to round-off for |φ| <= PHI_SERIES, vectorizable); larger φ redone
        # below with libm.
        for j in range(nb):
            w0[j] = fflat[3 * (start + j) + 0]
            w1[j] = fflat[3 * (start + j) + 1]
            w2[j] = fflat[3 * (start + j) + 2]
        for j in range(nb):
            e0, e1, e2 = w0[j], w1[j], w2[j]
            bn = math.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
            ib = 1.0 / bn if bn > 0.0 else 0.0
            h0 = e0 * ib
            h1 = e1 * ib
            h2 = e2 * ib
            phi = pgam[j] * bn * dt
            p2 = phi * phi
            sp = phi * (1.0 - p2 * (1.0 / 6.0) * (1.0 - p2 * (1.0 / 20.0) * (
                1.0 - p2 * (1.0 / 42.0) * (1.0 - p2 * (1.0 / 72.0) * (1.0 - p2 * (1.0 / 110.0))))))
            omc = p2 * (1.0 / 2.0) * (1.0 - p2 * (1.0 / 12.0) * (1.0 - p2 * (1.0 / 30.0) * (
                1.0 - p2 * (1.0 / 56.0) * (1.0 - p2 * (1.0 / 90.0) * (1.0 - p2 * (1.0 / 132.0))))))
            n0, n1, n2 = f0[j], f1[j], f2[j]
            cp = 1.0 - omc
            d = (h0 * n0 + h1 * n1 + h2 * n2) * omc
            y0[j] = n0 * cp + (h1 * n2 - h2 * n1) * sp + h0 * d
            y1[j] = n1 * cp + (h2 * n0 - h0 * n2) * sp + h1 * d
            y2[j] = n2 * cp + (h0 * n1 - h1 * n0) * sp + h2 * d
            # large angle, zero field or refused point: redone below
            dr[j] = 1.0 if (nraw[j] > max_substeps or bn == 0.0 or abs(phi) > PHI_SERIES) else 0.0
        for j in range(nb):
            oflat[3 * (start + j) + 0] = y0[j]
            oflat[3 * (start + j) + 1] = y1[j]
            oflat[3 * (start + j) + 2] = y2[j]
        for j in range(nb):
            if dr[j] != 0.0:
                i = start + j
                e0, e1, e2 = fflat[3 * i + 0], fflat[3 * i + 1], fflat[3 * i + 2]
                bn = math.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
                phi = pgam[j] * bn * dt
                n0, n1, n2 = f0[j], f1[j], f2[j]
                if bn > 0.0 and n_used[i] <= max_substeps:
                    ib = 1.0 / bn
                    h0 = e0 * ib
                    h1 = e1 * ib
                    h2 = e2 * ib
                    cp = math.cos(phi)
                    sp = math.sin(phi)
                    omc = 1.0 - cp
                    d = (h0 * n0 + h1 * n1 + h2 * n2) * omc
                    n0, n1, n2 = (n0 * cp + (h1 * n2 - h2 * n1) * sp + h0 * d,
                                  n1 * cp + (h2 * n0 - h0 * n2) * sp + h1 * d,
                                  n2 * cp + (h0 * n1 - h1 * n0) * sp + h2 * d)
                oflat[3 * i + 0] = n0
                oflat[3 * i + 1] = n1
                oflat[3 * i + 2] = n2
    return bad


@njit(cache=True, fastmath=False, error_model="numpy")
def _stage_adaptive(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, g0, g1,
                    g2):  # pragma: no cover - compiled
    """One implicit stage, Halley steps until converged (as llb._stage_numpy, one point)."""
    x0, x1, x2, a3, bb, c0 = _stage_setup(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc)
    bound = -c0 / bb
    lo = 0.0 if c0 < 0.0 else bound
    hi = bound if c0 < 0.0 else 0.0
    guess = g0 * x0 + g1 * x1 + g2 * x2
    guess = guess if guess > lo else lo
    r = guess if guess < hi else hi
    for it in range(HALLEY_MAX):
        r, lo, hi, d = _halley(r, lo, hi, a3, bb, c0)
        if it >= HALLEY_FIXED - 1 and d <= HALLEY_TOL * abs(r):
            break
    return r * x0, r * x1, r * x2


@njit(cache=True, fastmath=False, error_model="numpy")
def coefficient_points(m, field, dt, k_a, kd_a, ka_a, kc_a, gam_a, theta, direction_floor, gd,
                       h_max, max_substeps, m_out):  # pragma: no cover - compiled
    """The LLB integrator of llb_advance for given per-point rates (k, kd, ka, kc) [1/s]:
    used by the quantum (Brillouin) LLB, whose rates come from its own mean field. Same
    algorithm and arithmetic as the numpy path of brillouin.quantum_llb_advance (sub-step
    count with |kd|, SDIRK2 with adaptive Halley stages, exact precession), point by point.

    Returns (first refused point or −1, largest sub-step count used).
    """
    npts = m.shape[0]
    bad = -1
    used = 0.0
    n_cap = math.ceil(dt / h_max) if h_max > 0 else 1.0
    c21 = (1.0 - gd) / gd
    one_gam = gam_a.shape[0] == 1
    for i in range(npts):
        k, kd, ka, kc = k_a[i], kd_a[i], ka_a[i], kc_a[i]
        gam = gam_a[0 if one_gam else i]
        x0, x1, x2 = m[i, 0], m[i, 1], m[i, 2]
        b0, b1, b2 = field[i, 0], field[i, 1], field[i, 2]
        s2 = x0 * x0 + x1 * x1 + x2 * x2
        bn = math.sqrt(b0 * b0 + b1 * b1 + b2 * b2)
        ka_pos = ka if ka > 0.0 else 0.0
        cubic = 3.0 * kc * s2
        grow = 3.0 * ka_pos
        size = math.sqrt(s2)
        size = size if size > direction_floor else direction_floor
        rate = abs(ka) + (cubic if cubic > grow else grow) + abs(kd) * bn / size
        ns = math.ceil(dt * rate / theta)
        ns = ns if ns > 1.0 else 1.0
        ns = ns if ns > n_cap else n_cap
        used = used if used > ns else ns
        if ns > max_substeps:
            if bad < 0:
                bad = i
            m_out[i, 0], m_out[i, 1], m_out[i, 2] = x0, x1, x2
            continue
        beta = (dt / ns) * gd
        for _ in range(int(ns)):
            y0, y1, y2 = _stage_adaptive(x0, x1, x2, b0, b1, b2, beta, k, kd, ka, kc, x0, x1,
                                         x2)
            w0 = x0 + c21 * (y0 - x0)
            w1 = x1 + c21 * (y1 - x1)
            w2 = x2 + c21 * (y2 - x2)
            x0, x1, x2 = _stage_adaptive(w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, y0, y1,
                                         y2)
        if bn > 0.0:
            phi = gam * bn * dt
            if abs(phi) <= PHI_SERIES:
                x0, x1, x2, _ = _rotate_series(x0, x1, x2, b0, b1, b2, bn, gam, dt)
            else:
                ib = 1.0 / bn
                h0 = b0 * ib
                h1 = b1 * ib
                h2 = b2 * ib
                sp = math.sin(phi)
                omc = 1.0 - math.cos(phi)
                cp = 1.0 - omc
                d = (h0 * x0 + h1 * x1 + h2 * x2) * omc
                x0, x1, x2 = (x0 * cp + (h1 * x2 - h2 * x1) * sp + h0 * d,
                              x1 * cp + (h2 * x0 - h0 * x2) * sp + h1 * d,
                              x2 * cp + (h0 * x1 - h1 * x0) * sp + h2 * d)
        m_out[i, 0], m_out[i, 1], m_out[i, 2] = x0, x1, x2
    return bad, int(used)
