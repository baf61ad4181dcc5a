"""Fused numba point loops for the pointwise magnetization ODEs (no dolfinx, no Python per point).

:func:`llb_advance_points` is the compiled twin of :func:`femmag.kernels.llb.llb_advance_numpy`:
same algorithm, same arithmetic (agreement ~1e-15). It is called by
:func:`femmag.kernels.llb.llb_advance`; use that, not this, from physics code. Compiled once and
cached on disk (``cache=True``); ``fastmath`` is off so results are reproducible.

Points are processed in blocks of :data:`BLOCK`: every pass over a block is a branch-free loop
(selects instead of branches, a fixed number of Halley iterations) that LLVM vectorizes across
points; the rare points whose cubic has not converged after the fixed iterations are finished by a
scalar safeguarded loop.

Performance notes (measured, one Zen 4 core, bench/bench_llb.py): LLVM only vectorizes a loop when
its runtime alias checks between numba arrays stay few, so loops write few arrays; each implicit
stage is one fused loop (setup, clamped start, Halley steps in registers) and its scalar fallback
lives in a separate function (inlined in the same function it stopped the vector loop from being
efficient, 2x slower); the uniform-parameter case uses scalar T_c, μ, λ, γ (fewer arrays); the
rotation works on contiguous scratch arrays (stride-3 (n, 3) accesses are not vectorized) and only
flags the large-angle / zero-field / refused points for the libm pass; the sub-step compaction
moves nothing while no point has finished.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["BLOCK", "HALLEY_FIXED", "HALLEY_TOL", "llb_advance_points"]

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


@njit(cache=True, fastmath=False, error_model="numpy")
def llb_advance_points(
    m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
    direction_floor, gd, h_max, max_substeps, m_out, n_used,
):  # pragma: no cover - compiled
    """Advance every point by dt (see femmag.kernels.llb); returns −1 or the first refused point."""
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
