"""Pointwise s-d model (Beens et al. 2020) and microscopic three-temperature model (M3TM).

Pure, vectorised numpy (no dolfinx; numba optional for :func:`sd_advance`): every function works
on arrays of points (any shape that broadcasts), so :mod:`femmag.physics.magnetization.module` can call it
on all quadrature points of the magnetic layers at once. Equations and sign conventions: physics-spec §5.6 and §6.1.

s-d model (spin ½ localized d system, Beens 2020 sign convention: μ_s < 0 during demagnetization)::

    dm_d/dt = (1/τ_sd) (m_d − μ_s/J_sd) [1 − m_d coth((J_sd m_d − μ_s)/(2 k_B T_e))]
    dμ_s/dt = ρ dm_d/dt − μ_s/τ_s  (+ an external source, e.g. transport)
    J_sd    = 2 k_B T_c

M3TM (Koopmans 2010, S = ½)::

    dm/dt = R m (T_l/T_c) [1 − m coth(m T_c/T_e)]

Normalization (fixed by the unit tests in ``tests/unit/test_sd_kernel.py``):

* With μ_s ≡ 0 the s-d equation is *identical* to the M3TM when ``1/τ_sd = R T_l/T_c``. Proof: with
  x = J_sd m_d/(2 k_B T_e) = m_d T_c/T_e,
  (1/τ_sd) m_d [1 − m_d coth x] = (1/τ_sd)(T_e/T_c)[x − m_d x coth x], and the M3TM right-hand
  side is R (T_l/T_c)(T_e/T_c)[x − m x coth x]. :class:`SdParameters` therefore
  accepts either a fixed ``tau_sd`` or the M3TM rate ``m3tm_rate`` R (then τ_sd follows T_l).
* Equilibrium (dm_d/dt = 0, μ_s = 0): m = tanh(m T_c/T_e), the S = ½ Brillouin (mean-field) curve.
* Without relaxation (τ_s → ∞) and without external source, dμ_s/dt = ρ dm_d/dt, so μ_s − ρ m_d is
  conserved; equivalently the total magnetization ``m_total = m_d − μ_s/ρ`` is conserved.

Both right-hand sides are written with the regular function x coth x (series near x = 0), so they
are finite at m_d → 0 and at μ_s → J_sd m_d, where coth alone is singular.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from femmag.units import KB

__all__ = [
    "HAS_NUMBA",
    "SdParameters",
    "equilibrium_magnetization",
    "m3tm_advance",
    "m3tm_rhs",
    "m_total",
    "sd_advance",
    "sd_rhs",
    "x_coth_x",
]

TemperatureLike = float | np.ndarray | tuple


def x_coth_x(x: np.ndarray | float) -> np.ndarray:
    """x·coth(x), regular at x = 0 (value 1); even in x.

    Args:
        x: dimensionless argument (any shape).

    Returns:
        x coth x, computed with the Taylor series 1 + x²/3 − x⁴/45 + 2x⁶/945 for |x| < 1e-2 and as
        x / tanh(x) elsewhere (relative error < 1e-16 on both sides of the switch).
    """
    x = np.asarray(x, dtype=float)
    small = np.abs(x) < 1e-2
    safe = np.where(small, 1.0, x)
    x2 = x * x
    series = 1.0 + x2 / 3.0 - x2 * x2 / 45.0 + 2.0 * x2 * x2 * x2 / 945.0
    return np.where(small, series, safe / np.tanh(safe))


@dataclass(frozen=True)
class SdParameters:
    """Parameters of the local s-d model of one magnetic material (physics-spec §6.1, §6.4).

    Exactly one of ``tau_sd`` and ``m3tm_rate`` must be given.

    Attributes:
        curie_temperature: T_c [K]; sets J_sd = 2 k_B T_c.
        rho: ρ [J], the ratio of d-spin to s-spin "capacity" (dμ_s = ρ dm_d without relaxation);
            0 switches the s electrons off (μ_s stays 0: M3TM).
        tau_s: s-electron spin relaxation time τ_s [s]; ``np.inf`` = no relaxation, 0 = μ_s ≡ 0.
        tau_sd: fixed s-d scattering time τ_sd [s].
        m3tm_rate: M3TM rate R [1/s]; then 1/τ_sd = R T_l/T_c (identical to the M3TM at μ_s = 0).
    """

    curie_temperature: float
    rho: float
    tau_s: float
    tau_sd: float | None = None
    m3tm_rate: float | None = None

    def __post_init__(self) -> None:
        if (self.tau_sd is None) == (self.m3tm_rate is None):
            raise ValueError(
                "SdParameters: give exactly one of tau_sd (fixed s-d time, s) and m3tm_rate "
                "(M3TM rate R, 1/s; then 1/tau_sd = R T_l/T_c)")
        if not self.curie_temperature > 0:
            raise ValueError(f"SdParameters: curie_temperature must be > 0 K, got "
                             f"{self.curie_temperature}")
        if self.tau_sd is not None and not self.tau_sd > 0:
            raise ValueError(f"SdParameters: tau_sd must be > 0 s, got {self.tau_sd}")
        if self.m3tm_rate is not None and not self.m3tm_rate > 0:
            raise ValueError(f"SdParameters: m3tm_rate must be > 0 1/s, got {self.m3tm_rate}")
        if self.tau_s < 0 or self.rho < 0:
            raise ValueError(f"SdParameters: tau_s (s) and rho (J) must be >= 0, got tau_s="
                             f"{self.tau_s}, rho={self.rho}")

    @property
    def exchange(self) -> float:
        """J_sd = 2 k_B T_c [J]."""
        return 2.0 * KB * self.curie_temperature

    def sd_rate(self, lattice_temperature: np.ndarray | float) -> np.ndarray:
        """1/τ_sd [1/s] at the lattice temperature T_l [K] (constant if ``tau_sd`` was given)."""
        if self.tau_sd is not None:
            return np.full_like(np.asarray(lattice_temperature, dtype=float), 1.0 / self.tau_sd)
        lattice = np.asarray(lattice_temperature, dtype=float)
        return self.m3tm_rate * lattice / self.curie_temperature

    @property
    def spin_active(self) -> bool:
        """False when μ_s is identically zero (ρ = 0 or τ_s = 0)."""
        return self.rho > 0 and self.tau_s > 0


def _check_temperature(T: np.ndarray, name: str) -> None:
    if np.any(~(T > 0)):
        raise ValueError(f"s-d/M3TM kernel: {name} must be > 0 K everywhere (min = {np.min(T)}); "
                         f"check the two-temperature solution that feeds the kernel")


def m3tm_rhs(m: np.ndarray, electron_temperature: np.ndarray, lattice_temperature: np.ndarray,
             curie_temperature: float, rate: float) -> np.ndarray:
    """M3TM right-hand side dm/dt = R m (T_l/T_c)[1 − m coth(m T_c/T_e)] [1/s] (physics-spec §5.6).

    Args:
        m: reduced magnetization (any shape).
        electron_temperature: T_e [K] (broadcasts with ``m``).
        lattice_temperature: T_l [K].
        curie_temperature: T_c [K].
        rate: R [1/s].

    Returns:
        dm/dt [1/s], finite at m = 0.
    """
    m = np.asarray(m, dtype=float)
    Te = np.asarray(electron_temperature, dtype=float)
    Tl = np.asarray(lattice_temperature, dtype=float)
    x = m * curie_temperature / Te
    # R m (T_l/T_c)[1 − m coth x] = R (T_l/T_c)(T_e/T_c)[x − m x coth x]
    return rate * (Tl / curie_temperature) * (Te / curie_temperature) * (x - m * x_coth_x(x))


def sd_rhs(m_d: np.ndarray, mu_s: np.ndarray, electron_temperature: np.ndarray,
           lattice_temperature: np.ndarray, params: SdParameters,
           mu_source: np.ndarray | float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Right-hand side of the local s-d model (physics-spec §6.1, Beens sign convention).

    Args:
        m_d: reduced d magnetization.
        mu_s: s spin accumulation μ_s [J].
        electron_temperature: T_e [K].
        lattice_temperature: T_l [K] (only used when ``params.m3tm_rate`` sets τ_sd).
        params: material parameters.
        mu_source: extra source of μ_s [J/s] (transport, ballistic injection), added to dμ_s/dt.

    Returns:
        (dm_d/dt [1/s], dμ_s/dt [J/s]).
    """
    m_d = np.asarray(m_d, dtype=float)
    mu_s = np.asarray(mu_s, dtype=float)
    Te = np.asarray(electron_temperature, dtype=float)
    J = params.exchange
    x = (J * m_d - mu_s) / (2.0 * KB * Te)
    # (m − μ/J)[1 − m coth x] = (2 k_B T_e/J)[x − m x coth x]: regular at x → 0
    dm = params.sd_rate(lattice_temperature) * (2.0 * KB * Te / J) * (x - m_d * x_coth_x(x))
    if not params.spin_active:
        return dm, np.zeros_like(dm)
    relax = 0.0 if np.isinf(params.tau_s) else mu_s / params.tau_s
    dmu = params.rho * dm - relax + mu_source
    return dm, dmu


def m_total(m_d: np.ndarray, mu_s: np.ndarray, params: SdParameters) -> np.ndarray:
    """Total magnetization m_tot = m_d − μ_s/ρ (d + s spins; conserved without relaxation, §6.1).

    With ρ = 0 (no s electrons) m_tot = m_d.
    """
    m_d = np.asarray(m_d, dtype=float)
    if params.rho == 0:
        return m_d.copy()
    return m_d - np.asarray(mu_s, dtype=float) / params.rho


def equilibrium_magnetization(temperature: np.ndarray | float, curie_temperature: float,
                              tol: float = 1e-14) -> np.ndarray:
    """Mean-field S = ½ equilibrium m_e(T), the positive root of m = tanh(m T_c/T) (0 above T_c).

    Args:
        temperature: T [K].
        curie_temperature: T_c [K].
        tol: absolute tolerance on m.

    Returns:
        m_e(T) (same shape as ``temperature``).
    """
    T = np.asarray(temperature, dtype=float)
    _check_temperature(T, "temperature")
    a = curie_temperature / T
    m = np.where(a > 1.0, 1.0, 0.0)
    for _ in range(200):  # Newton on f(m) = m − tanh(a m), from m = 1 (converges monotonically)
        th = np.tanh(a * m)
        f = m - th
        df = 1.0 - a * (1.0 - th * th)
        step = np.where(a > 1.0, f / np.where(df == 0, 1.0, df), 0.0)
        m = m - step
        if np.max(np.abs(step)) < tol:
            break
    return np.where(a > 1.0, m, 0.0)


# --------------------------------------------------------------------------------------------------
# Stiff-safe advance: ROS2 (Verwer et al. 1999, a Rosenbrock W-method of order 2 for any Jacobian
# approximation, L-stable) with step doubling for the error and Richardson extrapolation. One common
# sub-step for all points keeps it vectorised; the Jacobian is a finite-difference one per point.
# --------------------------------------------------------------------------------------------------

_GAMMA = 1.0 + 1.0 / np.sqrt(2.0)


def _interp_temperature(T: TemperatureLike, theta: float) -> np.ndarray:
    if isinstance(T, tuple):
        T0, T1 = (np.asarray(v, dtype=float) for v in T)
        return (1.0 - theta) * T0 + theta * T1
    return np.asarray(T, dtype=float)


def _fd_jacobian(f: Callable[[np.ndarray], np.ndarray], y: np.ndarray, f0: np.ndarray,
                 scale: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian per point: y (n, k) → J (n, k, k)."""
    n, k = y.shape
    jac = np.empty((n, k, k))
    for j in range(k):  # k ≤ 2 unknowns per point: a loop over components, not points
        h = 1e-7 * np.maximum(np.abs(y[:, j]), scale[j])
        yp = y.copy()
        yp[:, j] += h
        jac[:, :, j] = (f(yp) - f0) / h[:, None]
    return jac


def _ros2_step(f: Callable[[float, np.ndarray], np.ndarray], t: float, y: np.ndarray, h: float,
               scale: np.ndarray) -> np.ndarray:
    f0 = f(t, y)
    jac = _fd_jacobian(lambda z: f(t, z), y, f0, scale)
    k = y.shape[1]
    W = np.eye(k)[None, :, :] - _GAMMA * h * jac
    k1 = np.linalg.solve(W, f0[..., None])[..., 0]
    f1 = f(t + h, y + h * k1)
    k2 = np.linalg.solve(W, (f1 - 2.0 * k1)[..., None])[..., 0]
    return y + 1.5 * h * k1 + 0.5 * h * k2


def _advance_adaptive(f: Callable[[float, np.ndarray], np.ndarray], y: np.ndarray, dt: float,
                      scale: np.ndarray, rtol: float, max_substeps: int, what: str) -> np.ndarray:
    """Integrate y' = f(θ, y) for θ·dt ∈ [0, dt] (θ = fraction of the step)."""
    t, h = 0.0, dt
    n_steps = 0
    while t < dt * (1.0 - 1e-12):
        h = min(h, dt - t)
        g = lambda tt, yy: f(tt / dt, yy)  # noqa: E731  (f takes the fraction θ of the step)
        y_full = _ros2_step(g, t, y, h, scale)
        y_half = _ros2_step(g, t, y, 0.5 * h, scale)
        y_half = _ros2_step(g, t + 0.5 * h, y_half, 0.5 * h, scale)
        err_vec = (y_half - y_full) / 3.0  # local error of y_half (order-2 method, step doubling)
        err = np.max(np.abs(err_vec) / (rtol * scale[None, :])) if y.size else 0.0
        n_steps += 1
        if n_steps > max_substeps:
            raise RuntimeError(f"{what}: more than {max_substeps} sub-steps in one step of "
                               f"{dt:.3g} s; check the parameters (τ_s, τ_sd, ρ) and temperatures "
                               f"for extreme values or raise max_substeps")
        if err <= 1.0 or h < 1e-10 * dt:
            y = y_half + err_vec  # Richardson extrapolation (local order 3)
            t += h
        h *= min(4.0, max(0.2, 0.9 * (1.0 / max(err, 1e-12)) ** (1.0 / 3.0)))
    return y


# --------------------------------------------------------------------------------------------------
# Optional numba back end: the same ROS2 + step doubling + extrapolation, but with the analytic 2×2
# Jacobian and per-point adaptive sub-steps in a compiled loop (µs per point and step instead of a
# few ms of numpy overhead per call for small point sets). Used automatically when numba imports.
# --------------------------------------------------------------------------------------------------

try:  # pragma: no cover - depends on the installation
    import numba as _numba

    _njit = _numba.njit(cache=True, fastmath=False)
except ImportError:  # pragma: no cover
    _numba = None

    def _njit(f):
        return f

HAS_NUMBA = _numba is not None


@_njit
def _nb_xc(x):
    if abs(x) < 1e-2:
        x2 = x * x
        return 1.0 + x2 / 3.0 - x2 * x2 / 45.0 + 2.0 * x2 * x2 * x2 / 945.0
    return x / np.tanh(x)


@_njit
def _nb_dxc(x):
    """d/dx (x coth x) = coth x − x/sinh² x (series near 0)."""
    if abs(x) < 1e-2:
        x2 = x * x
        return 2.0 * x / 3.0 - 4.0 * x * x2 / 45.0 + 12.0 * x * x2 * x2 / 945.0
    if abs(x) > 350.0:
        return 1.0 / np.tanh(x)
    sh = np.sinh(x)
    return 1.0 / np.tanh(x) - x / (sh * sh)


@_njit
def _nb_rhs_jac(m, mu, te, tl, exch, rate0, rate1, rho, inv_tau_s, src, active):
    """(f_m, f_mu, J_mm, J_mmu, J_mum, J_mumu) of the s-d model at one point."""
    kt2 = 2.0 * KB * te
    x = (exch * m - mu) / kt2
    c = (rate0 + rate1 * tl) * kt2 / exch
    xc = _nb_xc(x)
    fm = c * (x - m * xc)
    g = c * (1.0 - m * _nb_dxc(x))
    jmm = g * exch / kt2 - c * xc
    jmmu = -g / kt2
    if not active:
        return fm, 0.0, jmm, 0.0, 0.0, 0.0
    return (fm, rho * fm - mu * inv_tau_s + src, jmm, jmmu, rho * jmm,
            rho * jmmu - inv_tau_s)


@_njit
def _nb_ros2(m, mu, t, h, dt, te0, te1, tl0, tl1, exch, rate0, rate1, rho, inv_tau_s, src,
             active):
    gam = 1.0 + 1.0 / np.sqrt(2.0)
    th = t / dt
    te = te0 + th * (te1 - te0)
    tl = tl0 + th * (tl1 - tl0)
    f0m, f0u, a, b, c, d = _nb_rhs_jac(m, mu, te, tl, exch, rate0, rate1, rho, inv_tau_s, src,
                                       active)
    # W = I − γ h J, solved by Cramer's rule
    w11 = 1.0 - gam * h * a
    w12 = -gam * h * b
    w21 = -gam * h * c
    w22 = 1.0 - gam * h * d
    det = w11 * w22 - w12 * w21
    k1m = (f0m * w22 - w12 * f0u) / det
    k1u = (w11 * f0u - w21 * f0m) / det
    th = (t + h) / dt
    te = te0 + th * (te1 - te0)
    tl = tl0 + th * (tl1 - tl0)
    f1m, f1u, _, _, _, _ = _nb_rhs_jac(m + h * k1m, mu + h * k1u, te, tl, exch, rate0, rate1,
                                       rho, inv_tau_s, src, active)
    r_m = f1m - 2.0 * k1m
    r_u = f1u - 2.0 * k1u
    k2m = (r_m * w22 - w12 * r_u) / det
    k2u = (w11 * r_u - w21 * r_m) / det
    return m + 1.5 * h * k1m + 0.5 * h * k2m, mu + 1.5 * h * k1u + 0.5 * h * k2u


@_njit
def _nb_advance(m_in, mu_in, te0, te1, tl0, tl1, src, dt, exch, rate0, rate1, rho, inv_tau_s,
                active, rtol, max_substeps):
    n = m_in.size
    m_out = np.empty(n)
    mu_out = np.empty(n)
    worst = 0
    for i in range(n):
        m = m_in[i]
        mu = mu_in[i]
        t = 0.0
        h = dt
        steps = 0
        while t < dt * (1.0 - 1e-12):
            if h > dt - t:
                h = dt - t
            args = (dt, te0[i], te1[i], tl0[i], tl1[i], exch, rate0, rate1, rho, inv_tau_s,
                    src[i], active)
            fm, fu = _nb_ros2(m, mu, t, h, *args)
            hm, hu = _nb_ros2(m, mu, t, 0.5 * h, *args)
            hm, hu = _nb_ros2(hm, hu, t + 0.5 * h, 0.5 * h, *args)
            em = (hm - fm) / 3.0
            eu = (hu - fu) / 3.0
            err = max(abs(em), abs(eu) / exch) / rtol
            steps += 1
            if steps > max_substeps:
                return m_out, mu_out, -1
            if err <= 1.0 or h < 1e-10 * dt:
                m = hm + em
                mu = hu + eu
                t += h
            fac = 0.9 * (1.0 / max(err, 1e-12)) ** (1.0 / 3.0)
            h *= min(4.0, max(0.2, fac))
        m_out[i] = m
        mu_out[i] = mu
        worst = max(worst, steps)
    return m_out, mu_out, worst


def sd_advance(m_d: np.ndarray, mu_s: np.ndarray, electron_temperature: TemperatureLike,
               lattice_temperature: TemperatureLike, dt: float, params: SdParameters,
               mu_source: np.ndarray | float = 0.0, rtol: float = 1e-5,
               max_substeps: int = 100_000, backend: str = "auto"
               ) -> tuple[np.ndarray, np.ndarray]:
    """Advance the local s-d model over ``dt`` at every point (stiff-safe, adaptive sub-steps).

    Args:
        m_d: reduced d magnetization (1D array over points, or scalar).
        mu_s: s spin accumulation μ_s [J] (same shape).
        electron_temperature: T_e [K], an array/scalar held constant over the step, or a pair
            ``(T_start, T_end)`` interpolated linearly in time across the step.
        lattice_temperature: T_l [K], same forms as ``electron_temperature``.
        dt: step [s].
        params: material parameters.
        mu_source: extra μ_s source [J/s], constant over the step (transport).
        rtol: local error tolerance per sub-step of the order-2 estimate, relative to 1 for m_d and
            to J_sd for μ_s; the accepted (extrapolated) solution is one order better, so the
            default 1e-5 gives ~1e-7 global errors on pump-probe traces (see the unit tests).
        max_substeps: safety limit.
        backend: "numba" (compiled, analytic Jacobian, per-point adaptive sub-steps), "numpy"
            (vectorised, finite-difference Jacobian, one sub-step sequence for all points) or
            "auto" (numba when it imports).

    Returns:
        (m_d, μ_s) at the end of the step (new arrays).
    """
    if not dt > 0:
        raise ValueError(f"sd_advance: dt must be > 0 s, got {dt}")
    m_d = np.atleast_1d(np.asarray(m_d, dtype=float))
    mu_s = np.atleast_1d(np.asarray(mu_s, dtype=float))
    shape = np.broadcast(m_d, mu_s).shape
    for name, T in (("electron_temperature", electron_temperature),
                    ("lattice_temperature", lattice_temperature)):
        _check_temperature(_interp_temperature(T, 0.0), name)
        _check_temperature(_interp_temperature(T, 1.0), name)
    src = np.broadcast_to(np.asarray(mu_source, dtype=float), shape).ravel()
    if backend not in ("auto", "numba", "numpy"):
        raise ValueError(f"sd_advance: backend must be 'auto', 'numba' or 'numpy', got {backend!r}")
    if backend == "numba" and not HAS_NUMBA:
        raise ValueError("sd_advance: backend='numba' but numba is not installed; "
                         "pip install numba or use backend='numpy'")
    if backend == "numba" or (backend == "auto" and HAS_NUMBA):
        def ends(T: TemperatureLike) -> tuple[np.ndarray, np.ndarray]:
            return tuple(np.ascontiguousarray(np.broadcast_to(_interp_temperature(T, th), shape)
                                              .ravel()) for th in (0.0, 1.0))
        te0, te1 = ends(electron_temperature)
        tl0, tl1 = ends(lattice_temperature)
        if params.tau_sd is not None:
            rate0, rate1 = 1.0 / params.tau_sd, 0.0
        else:
            rate0, rate1 = 0.0, params.m3tm_rate / params.curie_temperature
        active = params.spin_active
        inv_tau_s = 0.0 if (not active or np.isinf(params.tau_s)) else 1.0 / params.tau_s
        m_new, mu_new, worst = _nb_advance(
            np.ascontiguousarray(np.broadcast_to(m_d, shape).ravel()),
            np.ascontiguousarray(np.broadcast_to(mu_s, shape).ravel()) if active
            else np.zeros(int(np.prod(shape))),
            te0, te1, tl0, tl1, np.ascontiguousarray(src), float(dt), params.exchange, rate0,
            rate1, float(params.rho), inv_tau_s, active, float(rtol), int(max_substeps))
        if worst < 0:
            raise RuntimeError(f"sd_advance: more than {max_substeps} sub-steps in one step of "
                               f"{dt:.3g} s; check the parameters (τ_s, τ_sd, ρ) and temperatures "
                               f"for extreme values or raise max_substeps")
        return m_new.reshape(shape), (mu_new if active else np.zeros_like(mu_new)).reshape(shape)

    def temps(theta: float) -> tuple[np.ndarray, np.ndarray]:
        Te = np.broadcast_to(_interp_temperature(electron_temperature, theta), shape).ravel()
        Tl = np.broadcast_to(_interp_temperature(lattice_temperature, theta), shape).ravel()
        return Te, Tl

    if not params.spin_active:  # μ_s ≡ 0: one unknown per point
        def f1(theta: float, y: np.ndarray) -> np.ndarray:
            Te, Tl = temps(theta)
            dm, _ = sd_rhs(y[:, 0], 0.0, Te, Tl, params)
            return dm[:, None]
        y = np.broadcast_to(m_d, shape).reshape(-1, 1).copy()
        y = _advance_adaptive(f1, y, dt, np.array([1.0]), rtol, max_substeps, "sd_advance")
        return y[:, 0].reshape(shape), np.zeros(shape)

    def f2(theta: float, y: np.ndarray) -> np.ndarray:
        Te, Tl = temps(theta)
        dm, dmu = sd_rhs(y[:, 0], y[:, 1], Te, Tl, params, src)
        return np.stack([dm, dmu], axis=1)

    y = np.stack([np.broadcast_to(m_d, shape).ravel(), np.broadcast_to(mu_s, shape).ravel()], 1)
    y = _advance_adaptive(f2, y, dt, np.array([1.0, params.exchange]), rtol, max_substeps,
                          "sd_advance")
    return y[:, 0].reshape(shape), y[:, 1].reshape(shape)


def m3tm_advance(m: np.ndarray, electron_temperature: TemperatureLike,
                 lattice_temperature: TemperatureLike, dt: float, curie_temperature: float,
                 rate: float, rtol: float = 1e-5, backend: str = "auto") -> np.ndarray:
    """Advance the M3TM over ``dt`` (same integrator as :func:`sd_advance`).

    Args:
        m: reduced magnetization (array over points).
        electron_temperature: T_e [K], or a pair (start, end) interpolated linearly over the step.
        lattice_temperature: T_l [K], same forms.
        dt: step [s].
        curie_temperature: T_c [K].
        rate: R [1/s].
        rtol: error tolerance per sub-step.
        backend: as in :func:`sd_advance`.

    Returns:
        m at the end of the step.
    """
    params = SdParameters(curie_temperature=curie_temperature, rho=0.0, tau_s=0.0,
                          m3tm_rate=rate)
    m_new, _ = sd_advance(m, 0.0, electron_temperature, lattice_temperature, dt, params,
                          rtol=rtol, backend=backend)
    return m_new
