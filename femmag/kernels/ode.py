"""Fused numba point loops for the pointwise magnetization ODEs (no dolfinx, no Python per point).

:func:`llb_advance_points` is the compiled twin of :func:`femmag.kernels.llb.llb_advance_numpy`:
same algorithm, same arithmetic (agreement ~1e-15). It is called by
:func:`femmag.kernels.llb.llb_advance`; use that, not this, from physics code. Compiled once and
cached on disk (``cache=True``); ``fastmath`` is off so results are reproducible.

Points are processed in blocks of :data:`BLOCK`: every pass over a block is a branch-free loop
(selects instead of branches, a fixed number of Halley iterations) that LLVM vectorizes across
points; the rare points whose cubic has not converged after the fixed iterations are finished by a
scalar safeguarded loop.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["BLOCK", "HALLEY_FIXED", "HALLEY_TOL", "llb_advance_points"]

#: Points per block (scratch arrays fit in L1/L2).
BLOCK = 256
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


@njit(cache=True, fastmath=False, error_model="numpy")
def _stage_block(nb, w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, g0, g1, g2, o0, o1, o2,
                 r, lo, hi, a3, bb, c0, u0, u1, u2, dr):  # pragma: no cover - compiled
    """Solve n = w + β F(n) for nb points.

    n = r v̂ with r the root of βkc r³ + (1 − βka) r + βkd v̂·B − |v| (see llb._stage_numpy).
    """
    for j in range(nb):
        f = beta[j] * (k[j] + kd[j])
        v0 = w0[j] + f * b0[j]
        v1 = w1[j] + f * b1[j]
        v2 = w2[j] + f * b2[j]
        vn = math.sqrt(v0 * v0 + v1 * v1 + v2 * v2)
        inv = 1.0 / vn if vn > 0.0 else 0.0
        x0 = v0 * inv
        x1 = v1 * inv
        x2 = v2 * inv
        c0[j] = beta[j] * kd[j] * (x0 * b0[j] + x1 * b1[j] + x2 * b2[j]) - vn
        bb[j] = 1.0 - beta[j] * ka[j]
        a3[j] = beta[j] * kc[j]
        u0[j] = x0
        u1[j] = x1
        u2[j] = x2
    # second loop (few arrays per loop keeps LLVM's alias checks cheap, so both vectorize)
    for j in range(nb):
        c = c0[j]
        bound = -c / bb[j]
        lo_j = 0.0 if c < 0.0 else bound
        hi_j = bound if c < 0.0 else 0.0
        guess = g0[j] * u0[j] + g1[j] * u1[j] + g2[j] * u2[j]
        # clamp with selects (numba's min/max builtins block vectorization)
        guess = guess if guess > lo_j else lo_j
        r[j] = guess if guess < hi_j else hi_j
        lo[j] = lo_j
        hi[j] = hi_j
    for _ in range(HALLEY_FIXED):
        for j in range(nb):
            r[j], lo[j], hi[j], dr[j] = _halley(r[j], lo[j], hi[j], a3[j], bb[j], c0[j])
    for j in range(nb):
        if not dr[j] <= HALLEY_TOL * abs(r[j]):
            rj, lo_j, hi_j = r[j], lo[j], hi[j]
            for _ in range(HALLEY_MAX - HALLEY_FIXED):
                rj, lo_j, hi_j, d = _halley(rj, lo_j, hi_j, a3[j], bb[j], c0[j])
                if d <= HALLEY_TOL * abs(rj):
                    break
            r[j] = rj
        o0[j] = r[j] * u0[j]
        o1[j] = r[j] * u1[j]
        o2[j] = r[j] * u2[j]


@njit(cache=True, fastmath=False, error_model="numpy")
def llb_advance_points(
    m, field, T, dt, Tc_a, mu_a, lam_a, gam_a, tab_ta, tab_tc, N, tc_band, kb, theta,
    direction_floor, gd, h_max, max_substeps, m_out, n_used,
):  # pragma: no cover - compiled
    """Advance every point by dt (see femmag.kernels.llb); returns −1 or the first refused point."""
    npts = m.shape[0]
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
    r, lo, hi, a3, bb, c0 = (np.empty(B), np.empty(B), np.empty(B), np.empty(B), np.empty(B),
                             np.empty(B))
    u0, u1, u2, dr = np.empty(B), np.empty(B), np.empty(B), np.empty(B)
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
        for j in range(nb):
            i = start + j
            pTc[j] = Tc_a[0 if uniform or Tc_a.shape[0] == 1 else i]
            pmu[j] = mu_a[0 if uniform or mu_a.shape[0] == 1 else i]
            plam[j] = lam_a[0 if uniform or lam_a.shape[0] == 1 else i]
            pgam[j] = gam_a[0 if uniform or gam_a.shape[0] == 1 else i]
        for j in range(nb):
            x0[j] = m[start + j, 0]
            x1[j] = m[start + j, 1]
            x2[j] = m[start + j, 2]
            b0[j] = field[start + j, 0]
            b1[j] = field[start + j, 1]
            b2[j] = field[start + j, 2]
        for j in range(nb):
            Tc = pTc[j]
            lam = plam[j]
            gam = pgam[j]
            Ti = T[start + j]
            t = Ti / Tc
            pref = gam * (2.0 * lam / 3.0) * (kb * Tc / pmu[j])
            k[j] = gam * (2.0 * lam / 3.0) * t
            omt = 1.0 - t
            kd[j] = gam * lam * (omt if omt > 0.0 else 0.0)
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
            ka[j] = pref * t * (3.0 * (1.0 - t)) if landau else pref * ta
            kc[j] = pref * t * 1.8 if landau else pref * tc
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
            nsub[j] = ns if ns > n_cap else n_cap
        for j in range(nb):
            i = start + j
            n_used[i] = int(nsub[j])
            if nsub[j] > max_substeps:
                if bad < 0:
                    bad = i
                nsub[j] = 0.0  # refused: left unchanged
        for j in range(nb):
            beta[j] = (dt / nsub[j]) * gd if nsub[j] > 0.0 else 0.0
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
                         r, lo, hi, a3, bb, c0, u0, u1, u2, dr)
            for j in range(na):
                w0[j] = x0[j] + c21 * (y0[j] - x0[j])
                w1[j] = x1[j] + c21 * (y1[j] - x1[j])
                w2[j] = x2[j] + c21 * (y2[j] - x2[j])
            _stage_block(na, w0, w1, w2, b0, b1, b2, beta, k, kd, ka, kc, y0, y1, y2, x0, x1, x2,
                         r, lo, hi, a3, bb, c0, u0, u1, u2, dr)
            sstep += 1
        # pass 3: exact precession about B̂ by φ = γ|B|dt, store. sin φ and 1 − cos φ from their
        # Taylor series (exact to round-off for |φ| <= PHI_SERIES, vectorizable); larger φ redone
        # below with libm.
        for j in range(nb):
            i = start + j
            e0, e1, e2 = field[i, 0], field[i, 1], field[i, 2]
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
            m_out[i, 0] = n0 * cp + (h1 * n2 - h2 * n1) * sp + h0 * d
            m_out[i, 1] = n1 * cp + (h2 * n0 - h0 * n2) * sp + h1 * d
            m_out[i, 2] = n2 * cp + (h0 * n1 - h1 * n0) * sp + h2 * d
        for j in range(nb):
            i = start + j
            e0, e1, e2 = field[i, 0], field[i, 1], field[i, 2]
            bn = math.sqrt(e0 * e0 + e1 * e1 + e2 * e2)
            phi = pgam[j] * bn * dt
            if n_used[i] > max_substeps or bn == 0.0 or abs(phi) > PHI_SERIES:
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
                m_out[i, 0] = n0
                m_out[i, 1] = n1
                m_out[i, 2] = n2
    return bad
