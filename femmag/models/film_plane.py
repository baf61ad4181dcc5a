r"""Film-plane magnetization maps: LLB + micromagnetic terms on a 2D x-y mesh of a thin film.

This module makes the black/white m_z maps of seed 003 (Fig. 1b, Fig. 8): a thin film (10 nm) seen
from above, pumped by a Gaussian beam ``F(r) = F0 exp(-r²/r0²)`` (r0 = D/2), one pulse or a train.

State and discretization (decision):
    The reduced magnetization ``m = M/M_s(0 K)`` lives at the **nodes of a P1 mesh** of the film
    plane (``dolfinx.mesh.create_rectangle``; lengths in m). With the lumped (nodal-quadrature) mass
    matrix the nodes *are* the quadrature points of the mass form, so this is the same "LLB at the
    quadrature points" model as :mod:`femmag.physics.magnetization.module`, with the rule chosen so that
    the exchange Laplacian needs no projection:
    ``∇²m ≈ −M_L⁻¹ K m`` (K: P1 stiffness, M_L: lumped mass, both assembled once, natural
    (Neumann) boundary). Each node is advanced by :func:`femmag.kernels.llb.llb_advance` with the
    effective field of :mod:`femmag.kernels.micromagnetics` (exchange, uniaxial anisotropy, local
    thin-film demag) plus field providers (``(points (n, 3) [m], t [s]) -> B (n, 3) [T]``:
    applied field, induced field, disturbance). The micromagnetic field is explicit with a
    predictor–corrector (``½(B(m_n) + B(m*))``, m* from a first kernel step): freezing B(m_n)
    over the step makes the precession in the anisotropy + demag field unstable for
    ωΔt > 2α_⊥ (Δt ≳ 0.6 ps at 300 K, λ = 0.045) once m has a transverse part (thermal noise,
    walls): a film tilted by 28.6° then tilts further (33° after 100 ps with Δt = 0.5 ps)
    instead of relaxing to 16.96° (test). ``corrector=False`` keeps the cheaper explicit field
    for runs where m stays along z (z fields only, no noise).
    MPI: the mesh is distributed; every rank advances its owned nodes; the off-rank values the
    exchange product needs are scattered over the stiffness matrix's column map; gathered maps do
    not depend on the number of ranks (to ~1e-14: the summation order of the exchange product
    differs).

Thermal noise (``thermal_noise=True``):
    The nodes are advanced with the stochastic LLB of Evans et al. (2012) (physics-spec §5.4,
    :func:`femmag.kernels.stochastic.stochastic_llb_advance`, Heun/Stratonovich sub-steps, the
    micromagnetic and provider fields frozen over the step). **Cell volume**: node i stands for
    the film volume ``V_i = A_i d``, A_i its lumped-mass area (∫φ_i dx: h² inside a uniform
    right-diagonal mesh, h²/2 on an edge) and d the film ``thickness``; the cell moment is
    ``M_s0 V_i``. The fluctuations scale as ``⟨δ|m|²⟩ = k_B T χ̃_∥/(M_s0 V_i)``: they are a
    property of the chosen cells, not a discretization error that vanishes under refinement
    (a 0.25 µm × 0.25 µm × 10 nm node holds ~4.5e7 spins: δ|m| ≈ 4e-5 at 300 K, ≈ 4e-4 just
    above T_c). The noise of node i depends only on (``seed``, step counter, global id), the
    global id being the mesh's input node index: the same seed gives the same run on 1 and 2
    ranks (checked to 1e-12). With exchange, anisotropy and demag off, the spatial mean ⟨|m|⟩
    at fixed T equals the exact finite-cell Boltzmann average of each node (tests: T/T_c = 0.5
    and 0.9, 10 nm × 10 nm × 1 nm cells of ~7e3 spins, where ⟨|m|⟩ − m_e = 2.3e-4 at 0.9 T_c
    is resolved). The seed-003 disturbance fields (:mod:`femmag.kernels.disturbance`: constant,
    Ornstein–Uhlenbeck random; or :class:`WhiteNoiseDisturbance`) are field providers and work
    with either kernel; providers with ``set_global_ids`` get the node ids.

Temperature (shortcut, stated error):
    T_e(x, y, t) = T_e^{1D}(F(r), t): a table of the film-averaged electron temperature versus
    fluence and time, computed once with the 1D (depth) reference two-temperature model
    (:class:`femmag.models.electron_temperature.ElectronTemperatureTable`, set S003-A by
    default), interpolated linearly in
    √F (T_e,peak ∝ √F) and in t. Lateral heat flow is neglected: the lateral diffusion lengths
    over the 100-200 ps of a pulse window are √(κ_l t/C_l) ≈ 8-12 nm (lattice) and
    √(κ_e/G) ≈ 3 nm (hot electrons, before they equilibrate), against a beam radius of 10 µm:
    the relative change of T near the beam edge is of order (ℓ/r0)² ~ 1e-6 (physics-spec §4.1).
    The table's own error (√F interpolation) is checked against a direct 1D solve in the tests.
    Measured error of the shortcut against the full axisymmetric FEM 2TM
    (:class:`femmag.simulation.Simulation`, ``mesh="rz"``, seed-003 film, 2.6 mJ/cm²,
    D = 20 µm; coarse FEM mesh: 10 cells per r0, 2 nm in z, Δt = 5 fs; test
    ``tests/verification/test_film_plane_shortcut.py``), T_table − T_FEM [K]:

    ========  =======  =======  =======  ========
    t [ps]    r = 0    r0/2     r0       1.5 r0
    ========  =======  =======  =======  ========
    0.2       +5.6     +5.7     +4.0     −1.7
    1         +1.6     +1.9     +1.4     −0.3
    10        +1.6     +1.6     +1.1     −0.4
    50        +1.0     +1.1     +0.8     −0.4
    ========  =======  =======  =======  ========

    (T_FEM: 1065, 907, 586, 375 K at 0.2 ps; 516, 469, 380, 324 K at 50 ps); ≤ 2.3 % of the
    local rise T − 300 K. On a finer FEM mesh (20 cells per r0, 1 nm, 2 fs) the largest error is
    2.7 K. The lateral heat flow the shortcut neglects accounts for ≤ 0.55 K of it (the rz
    solution at r0 vs a 1D FEM solve at F0/e); the rest is the depth model (finite volumes vs
    FEM, substrate 4 vs 5 µm).

Induced field:
    :class:`GaussianBeamInducedField` is the total flux density at the sheet of a thin conducting
    film driven by the impressed IFE flux ``h κ_IFE F0 exp(-r²/r0²) exp(-4 ln2 t²/τ_p²)`` (§3.6,
    the r-dependent version of :func:`femmag.models.induction_modal.thin_sheet_centre_response`):
    ``B_i(r, t) = h κ F0 Σ_j w_j J0(2 p_j r/r0) (f ⊗ g_{τ_j})(t)``, ``τ_j = τ_sheet/(2 p_j)``.
    The magnetization does not feed back (as in seed 003 Fig. 8c).

Pulse trains:
    A :class:`femmag.pulse.PulseTrain` gives the pulse peaks (its period is the simulated time
    between them); each pulse window uses the same temperature table
    (no heat accumulation: every pulse starts from 300 K, as seed 003 assumes). After the window
    the film is put back to the ambient temperature and relaxed for a short rest time at T0 (the
    real period, µs-ms, is not simulated; the time axis of the outputs is the simulated time).
    Heat accumulation between pulses is **not implemented** (it needs the lateral + depth heat
    solve across the period).

Outputs: gathered maps (rank 0), PNG (matplotlib ``tripcolor``, gray: white = +z, black = −z,
like seed 003 Fig. 1b), VTX (the default field output: ADIOS2 BP4 folder ``*.bp`` with m as a
P1 vector function "m", one step per snapshot; ParaView opens it), XDMF (m_z as a P1 function
per snapshot, optional), CSV of the mean m_z.

Units: SI throughout (m, s, K, T, J/m²).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy import special

from mpi4py import MPI

import dolfinx
import ufl
from dolfinx import fem

from femmag.kernels.llb import equilibrium_magnetization, llb_advance
from femmag.kernels.micromagnetics import (
    MicromagneticParameters,
    anisotropy_field,
    demagnetizing_field,
    exchange_prefactor,
)
from femmag.kernels.stochastic import _GOLDEN, _mix_np, stochastic_llb_advance
from femmag.models.beam_centre import S003A_CONDUCTIVITY
from femmag.models.electron_temperature import ElectronTemperatureTable
from femmag.materials import micromagnetic_parameters
from femmag.models.induction_modal import gaussian_exponential_convolution, sheet_time
from femmag.pulse import Pulse, PulseTrain

__all__ = [
    "PULSE_LEAD",
    "FilmPlaneMagnetization",
    "GaussianBeamInducedField",
    "GaussianBeamTemperature",
    "WhiteNoiseDisturbance",
    "plot_maps",
    "pulse_train_times",
    "run_pulse_train",
]

FloatArray = NDArray[np.float64]
FieldProvider = Callable[[FloatArray, float], FloatArray]
TemperatureProvider = Callable[[FloatArray, float], FloatArray]

_FOUR_LN2 = 4.0 * math.log(2.0)


# ---------------------------------------------------------------------------------------------
# temperature under a Gaussian beam
# ---------------------------------------------------------------------------------------------
#: a pulse window starts this long before its peak [s] (3 τ_p of the 140 fs pulse)
PULSE_LEAD = 0.42e-12


def _arrivals(train: PulseTrain | Pulse | None) -> FloatArray:
    """Pulse peak times [s]: one pulse at t = 0 by default."""
    if train is None:
        return np.zeros(1)
    if isinstance(train, Pulse):
        return np.array([train.arrival])
    return train.arrivals


def _pulse_window(train: PulseTrain | Pulse | None, t: float, lead: float) -> tuple[int, float]:
    """(pulse index k, t − t_k) of the window containing t (clipped to the first/last); the
    window of a pulse starts ``lead`` before its peak."""
    arrivals = _arrivals(train)
    if arrivals.size == 1:
        return 0, t - float(arrivals[0])
    k = int(np.clip(math.floor((t - arrivals[0] + lead) / train.period), 0, arrivals.size - 1))
    return k, t - float(arrivals[k])


class GaussianBeamTemperature:
    """T_e(x, y, t) under a Gaussian beam F(r) = F0 exp(−r²/r0²), from a T_e(F, t) table.

    Args:
        table: the T_e(F, t) table (its fluence range must cover F0).
        peak_fluence: F0 [J/m²].
        beam_radius: r0 = D/2 [m] (1/e radius of the fluence).
        train: the pulse peak times: a :class:`femmag.pulse.PulseTrain` (its period is the
            simulated time between peaks, window + rest) or a :class:`~femmag.pulse.Pulse`
            (default one pulse at t = 0); fluence and radius are the arguments above.
        centre: beam centre (x, y) [m].
        lead: the window of a pulse starts ``lead`` before its peak [s].
    """

    def __init__(self, table: ElectronTemperatureTable, peak_fluence: float, beam_radius: float,
                 train: PulseTrain | Pulse | None = None,
                 centre: tuple[float, float] = (0.0, 0.0), lead: float = PULSE_LEAD) -> None:
        if not (beam_radius > 0 and peak_fluence >= 0):
            raise ValueError(f"GaussianBeamTemperature: beam_radius={beam_radius!r} m must be > 0 "
                             f"and peak_fluence={peak_fluence!r} J/m² >= 0.")
        self.table, self.peak_fluence, self.beam_radius = table, peak_fluence, beam_radius
        self.train, self.lead = train, float(lead)
        self.centre = np.array(centre, dtype=float)
        self._cache: tuple[int, NDArray[np.intp], FloatArray] | None = None

    def fluence(self, points: FloatArray) -> FloatArray:
        """Local fluence F(r) [J/m²] at points (n, 3)."""
        r2 = np.sum((points[:, :2] - self.centre) ** 2, axis=1)
        return self.peak_fluence * np.exp(-r2 / self.beam_radius**2)

    def __call__(self, points: FloatArray, t: float) -> FloatArray:
        if (self._cache is None or self._cache[0] != id(points)
                or self._cache[1].size != len(points)):
            j, w = self.table.weights(self.fluence(points))
            self._cache = (id(points), j, w)
        _, j, w = self._cache
        _, t_local = _pulse_window(self.train, t, self.lead)
        r = self.table.row(t_local)
        return (1.0 - w) * r[j] + w * r[j + 1]


# ---------------------------------------------------------------------------------------------
# field providers
# ---------------------------------------------------------------------------------------------
def _mode_quadrature(nodes_per_panel: int = 12, p_max: float = 7.0,
                     n_panels: int = 40) -> tuple[FloatArray, FloatArray]:
    """Nodes p_j = k_j r0/2 and weights (with 2p e^{−p²}) of the thin-sheet mode integral (§3.6)."""
    x, wx = np.polynomial.legendre.leggauss(nodes_per_panel)
    edges = np.concatenate([[0.0], p_max * 2.0 ** -np.arange(n_panels - 1, -1, -1.0)])
    lo, hi = edges[:-1, None], edges[1:, None]
    p = (0.5 * (hi - lo) * (x + 1.0) + lo).ravel()
    w = (0.5 * (hi - lo) * wx).ravel() * 2.0 * p * np.exp(-p**2)
    return p, w


class GaussianBeamInducedField:
    """Total field B_i(r, t) ẑ at a thin conducting film under a Gaussian IFE flux (§2.3, §3.6).

    ``B_i(r, t) = B_pk Σ_j w_j J0(2 p_j r/r0) (f ⊗ g_j)(t)``, with ``B_pk = h κ_IFE F0`` the peak
    impressed IFE flux at the centre, g_j the decay kernel of the mode of time constant
    ``τ_sheet/(2 p_j)`` and ``τ_sheet = μ0 σ d r0/2``. Tabulated on a radial grid per call and
    interpolated to the points (the profile is smooth on the r0 scale).

    Args:
        peak_field: B_pk = h κ_IFE F0 [T] (sign = helicity; e.g. −0.096 T for σ−, 0.03 T per
            mJ/cm² at 3.2 mJ/cm²).
        beam_radius: r0 = D/2 [m].
        conductivity: film σ [S/m] (default S003-A).
        thickness: film d [m].
        pulse_duration: FWHM τ_p [s].
        train: the pulse peak times (:class:`femmag.pulse.PulseTrain` or
            :class:`~femmag.pulse.Pulse`; default one pulse at t = 0); the responses add.
        centre: beam centre (x, y) [m].
        r_max: largest radius of the table [m] (default 4 r0; beyond, the last value).
    """

    def __init__(self, peak_field: float, beam_radius: float, *, conductivity: float = S003A_CONDUCTIVITY,
                 thickness: float = 10e-9, pulse_duration: float = 140e-15,
                 train: PulseTrain | Pulse | None = None,
                 centre: tuple[float, float] = (0.0, 0.0), r_max: float | None = None, n_radii: int = 401) -> None:
        self.peak_field = float(peak_field)
        self.beam_radius = float(beam_radius)
        self.tau_sheet = sheet_time(conductivity, thickness, beam_radius)
        self.pulse_duration = float(pulse_duration)
        self.train = train
        self.centre = np.array(centre, dtype=float)
        p, self._w = _mode_quadrature()
        self._tau = self.tau_sheet / (2.0 * p)
        self.radii = np.linspace(0.0, 4.0 * beam_radius if r_max is None else r_max, n_radii)
        self._bessel = special.j0(2.0 * p[None, :] * self.radii[:, None] / beam_radius)

    def profile(self, t: float) -> FloatArray:
        """B_i on :attr:`radii` at time t [s] (sum over the pulses of the train) [T]."""
        total = np.zeros(self.radii.size)
        for peak in _arrivals(self.train):
            if t - peak < -6 * self.pulse_duration:
                continue
            conv = gaussian_exponential_convolution(np.asarray(t - peak), self.pulse_duration,
                                                    self._tau)  # one value per mode
            total += self._bessel @ (self._w * conv)
        return self.peak_field * total

    def __call__(self, points: FloatArray, t: float) -> FloatArray:
        r = np.hypot(points[:, 0] - self.centre[0], points[:, 1] - self.centre[1])
        out = np.zeros((points.shape[0], 3))
        out[:, 2] = np.interp(r, self.radii, self.profile(t))
        return out


def _splitmix64(x: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64: the counter step (+ golden gamma) and the kernel's finalizer (wrapping)."""
    return _mix_np((x + np.uint64(_GOLDEN)).astype(np.uint64))


def _hashed_normals(points: FloatArray, key: int, seed: int, quantum: float) -> FloatArray:
    """Standard normal numbers (n, 3) keyed by (seed, key, position): independent of MPI layout."""
    with np.errstate(over="ignore"):
        ij = np.round(points[:, :3] / quantum).astype(np.int64).view(np.uint64)
        h = _splitmix64(np.full(points.shape[0], np.uint64(seed & 0xFFFFFFFFFFFFFFFF)))
        h = _splitmix64(h ^ np.uint64(key & 0xFFFFFFFFFFFFFFFF))
        for c in range(3):
            h = _splitmix64(h ^ ij[:, c])
        bits = np.empty((points.shape[0], 6), dtype=np.uint64)
        for c in range(6):
            h = _splitmix64(h + np.uint64(c))
            bits[:, c] = h
    u = ((bits >> np.uint64(11)).astype(np.float64) + 0.5) / 2.0**53  # in (0, 1)
    radius = np.sqrt(-2.0 * np.log(u[:, 0::2]))
    return radius * np.cos(2.0 * np.pi * u[:, 1::2])


class WhiteNoiseDisturbance:
    """Random disturbance field of given RMS, white in space, constant over a correlation time.

    ``B(x, t) = B_rms ξ(x, ⌊t/τ_c⌋) (components)``; ξ ~ N(0, 1) comes from a counter-based hash
    of (seed, time slot, node position), so a run is reproducible and the same on any number of
    MPI ranks. The seed-003 multi-pulse practice is "random noise of RMS ~6 G" (Fig. 8c) along z.

    Args:
        rms: RMS per component B_rms [T] (6 G = 6e-4 T).
        correlation_time: τ_c [s] (the field is redrawn every τ_c).
        seed: integer seed.
        components: ``"z"`` (default) or ``"xyz"``.
        quantum: position quantum [m] for the key (nodes closer than this share a value).
    """

    def __init__(self, rms: float, correlation_time: float = 100e-15, *, seed: int = 0,
                 components: str = "z", quantum: float = 1e-12) -> None:
        if not (rms >= 0 and correlation_time > 0) or components not in ("z", "xyz"):
            raise ValueError(f"WhiteNoiseDisturbance: need rms >= 0 T (got {rms!r}), "
                             f"correlation_time > 0 s (got {correlation_time!r}) and components "
                             "'z' or 'xyz' "
                             f"(got {components!r}).")
        self.rms, self.correlation_time, self.seed = rms, correlation_time, int(seed)
        self.components, self.quantum = components, quantum
        self._cache: tuple[int, int, FloatArray] | None = None

    def __call__(self, points: FloatArray, t: float) -> FloatArray:
        """The field at time t [T], shape (n, 3)."""
        slot = int(math.floor(t / self.correlation_time))
        return self._draw(points, slot, 1.0)

    def average(self, points: FloatArray, t_start: float, t_end: float) -> FloatArray:
        """The mean field over [t_start, t_end] [T], used as the field of one LLB step.

        Within one correlation slot this is the slot's value; a step spanning n_eff = Δt/τ_c > 1
        slots gets an independent draw of RMS ``B_rms/√n_eff`` (the statistics of the mean of
        n_eff independent slots), keyed by its first and last slot. This keeps the noise
        *white* on time scales > τ_c whatever the step (its effect on m does not depend on Δt).
        """
        first = int(math.floor(t_start / self.correlation_time))
        last = int(math.floor(np.nextafter(t_end, -np.inf) / self.correlation_time))
        if last <= first:
            return self._draw(points, first, 1.0)
        n_eff = (t_end - t_start) / self.correlation_time
        key = (first * 1_000_003) ^ (last << 20) ^ 0x5BD1E995
        return self._draw(points, key, 1.0 / math.sqrt(n_eff))

    def _draw(self, points: FloatArray, key: int, scale: float) -> FloatArray:
        if (self._cache is not None and self._cache[:2] == (id(points), key)
                and self._cache[2].shape[0] == len(points)):
            return self._cache[2] * scale
        xi = _hashed_normals(points, key, self.seed, self.quantum)
        if self.components == "z":
            xi[:, :2] = 0.0
        self._cache = (id(points), key, self.rms * xi)
        return self._cache[2] * scale


def constant_field(value: Sequence[float]) -> FieldProvider:
    """A uniform field provider B = value [T] (3-vector)."""
    b = np.asarray(value, dtype=float)
    if b.shape != (3,):
        raise ValueError(f"constant_field: need a 3-vector in tesla, got {value!r}.")
    return lambda points, t: np.broadcast_to(b, (points.shape[0], 3))


# ---------------------------------------------------------------------------------------------
# the film-plane model
# ---------------------------------------------------------------------------------------------
class FilmPlaneMagnetization:
    """LLB magnetization with micromagnetic terms at the nodes of a 2D film-plane P1 mesh.

    Args:
        mesh: a 2D triangle mesh of the film plane in m
            (:func:`femmag.geometry.film_plane_mesh.film_plane_mesh`).
        params: material constants (default ``CoPt_S003A`` of the femmag library).
        temperature: callable (points (n, 3), t) -> T_e (n,) [K] (e.g.
            :class:`GaussianBeamTemperature`); default: uniform ``ambient_temperature``.
        exchange, anisotropy, demagnetization: switch the micromagnetic terms on/off.
        ambient_temperature: T0 [K] (initial states have |m| = m_e(T0)).
        max_substep: largest LLB sub-step [s] of the deterministic kernel (None: the kernel's
            choice; the stochastic kernel picks its Heun sub-steps from the relaxation rate).
        thermal_noise: ``True``: advance with the stochastic LLB of Evans et al. (2012)
            (:func:`femmag.kernels.stochastic.stochastic_llb_advance`, Heun/Stratonovich) with
            the cell volume of every node ``V_i = A_i d`` (:attr:`cell_volume`); ``False``
            (default): the deterministic LLB. Disturbance fields (seed 003) are field providers
            and can be used with either.
        seed: integer seed of the thermal noise (the same run on any number of MPI ranks).
        thickness: film thickness d [m] (the third dimension of the cell volume).
        noise_max_substeps: most Heun sub-steps per node and step (stochastic kernel).
        corrector: predictor–corrector treatment of the micromagnetic field (default; see
            :meth:`advance`), or ``False`` for the explicit field of the start of the step.

    Attributes:
        points: coordinates of the local nodes (owned first, then ghosts), shape (n_local, 3).
        n_owned: number of owned nodes.
        m: reduced magnetization of the local nodes, shape (n_local, 3); the state is the owned
            rows ``m[:n_owned]`` (ghost rows are not kept up to date).
        time: current time [s].
        global_ids: rank-independent ids of the owned nodes (the mesh's input node index); the
            thermal noise of a node is keyed by (seed, step_index, global id).
        cell_volume: V_i = A_i d of the owned nodes [m³] (A_i: lumped-mass area).
        cell_moment: M_s0 V_i [J/T] (the stochastic kernel's cell moment).
        step_index: number of steps taken (the noise key of the next step).
    """

    name = "film_plane_magnetization"

    def __init__(self, mesh: dolfinx.mesh.Mesh, params: MicromagneticParameters | None = None,
                 *, temperature: TemperatureProvider | None = None, exchange: bool = True,
                 anisotropy: bool = True, demagnetization: bool = True,
                 ambient_temperature: float = 300.0, max_substep: float | None = None,
                 thermal_noise: bool = False, seed: int = 0, thickness: float = 10e-9,
                 noise_max_substeps: int = 1000, corrector: bool = True) -> None:
        if mesh.topology.dim != 2:
            raise ValueError(f"FilmPlaneMagnetization: need a 2D film-plane mesh, got a "
                             f"{mesh.topology.dim}D mesh; build one with film_plane_mesh().")
        self.mesh = mesh
        self.comm = mesh.comm
        self.params = micromagnetic_parameters() if params is None else params
        self.temperature = temperature
        self.use_exchange, self.use_anisotropy = exchange, anisotropy
        self.use_demagnetization = demagnetization
        self.ambient_temperature = float(ambient_temperature)
        self.max_substep = max_substep
        if not (np.isfinite(thickness) and thickness > 0):
            raise ValueError(f"FilmPlaneMagnetization: thickness = {thickness!r} m must be > 0 "
                             "(the film thickness, e.g. 10e-9).")
        if not isinstance(seed, int | np.integer):
            raise ValueError(f"FilmPlaneMagnetization: seed = {seed!r} must be an integer.")
        self.thermal_noise = bool(thermal_noise)
        self.seed = int(seed)
        self.thickness = float(thickness)
        self.noise_max_substeps = int(noise_max_substeps)
        self.corrector = bool(corrector)
        self.step_index = 0
        self.field_providers: list[tuple[str, FieldProvider]] = []
        self.time = 0.0
        self.fixed = None  # optional boolean mask of owned nodes held fixed

        self.space = fem.functionspace(mesh, ("Lagrange", 1))
        index_map = self.space.dofmap.index_map
        self.n_owned = index_map.size_local
        n_local = self.n_owned + index_map.num_ghosts
        self.points = np.ascontiguousarray(self.space.tabulate_dof_coordinates()[:n_local])
        # one persistent array: providers may cache per-point data keyed by it
        self._owned_points = self.points[: self.n_owned]
        self._owned_points.flags.writeable = False

        # lumped mass (nodal areas) and stiffness, assembled once
        u, v = ufl.TrialFunction(self.space), ufl.TestFunction(self.space)
        mass = fem.assemble_vector(fem.form(v * ufl.dx))
        mass.scatter_reverse(dolfinx.la.InsertMode.add)
        self.nodal_area = mass.array[: self.n_owned].copy()
        self.cell_volume = self.nodal_area * self.thickness
        self.cell_moment = self.params.saturation_magnetization * self.cell_volume
        # rank-independent node ids: the input index of the geometry node at each P1 dof
        node_of_dof = np.empty(n_local, dtype=np.int64)
        node_of_dof[self.space.dofmap.list.ravel()] = mesh.geometry.dofmaps[0].ravel()
        original = np.asarray(mesh.geometry.input_global_indices, dtype=np.int64)
        self.global_ids = np.ascontiguousarray(original[node_of_dof[: self.n_owned]])
        stiffness = fem.assemble_matrix(fem.form(ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx))
        stiffness.scatter_reverse()
        # owned rows; columns in the matrix's column map (owned nodes + every off-rank node
        # coupled to an owned one: may be more than the space's ghosts)
        self._stiffness = stiffness.to_scipy(ghosted=False).tocsr()
        column_map = stiffness.index_map(1)
        if self._stiffness.shape[0] != self.n_owned or column_map.size_local != self.n_owned:
            raise RuntimeError("FilmPlaneMagnetization: unexpected stiffness layout "
                               f"{self._stiffness.shape} for {self.n_owned} owned nodes.")
        # explicit exchange: rotation per step γ (2A0/M_s0) |m| λ_max(M_L⁻¹K) Δt must stay < 1;
        # Gershgorin (zero row sums): λ_max ≤ max_i 2 K_ii / M_L,i
        diagonal = self._stiffness.diagonal()[: self.n_owned]
        bound = float(np.max(2.0 * diagonal / self.nodal_area)) if self.n_owned else 0.0
        bound = self.comm.allreduce(bound, op=MPI.MAX)
        rate = float(self.params.llb.gamma) * exchange_prefactor(self.params) * bound
        #: largest step [s] allowed by the explicit exchange term (inf without exchange)
        self.exchange_step_limit = (1.0 / rate if (exchange and rate > 0) else math.inf)
        self._columns = dolfinx.la.vector(column_map, bs=3)  # m on the matrix columns
        self.m = np.zeros((n_local, 3))
        self.total_area = self.comm.allreduce(float(self.nodal_area.sum()), op=MPI.SUM)
        self._mz_function: fem.Function | None = None
        self._m_function: fem.Function | None = None

    # -- configuration ---------------------------------------------------------------------------
    def add_field(self, name: str, provider: FieldProvider) -> None:
        """Add a field provider ``(points (n, 3) [m], t [s]) -> B (n, 3) [T]``.

        Providers with a ``set_global_ids`` method (e.g. the seed-003 disturbances of
        :mod:`femmag.kernels.disturbance`) get :attr:`global_ids`, so that a random field per
        node is the same on any number of ranks. Providers are called at the owned nodes.
        Note: :class:`~femmag.kernels.disturbance.RandomDisturbance` needs t >= 0 (start the
        first pulse at or after ``lead``).
        """
        if not callable(provider):
            raise ValueError(f"add_field: provider {name!r} must be callable as "
                             "provider(points (n, 3) [m], t [s]) -> B (n, 3) [T].")
        if hasattr(provider, "set_global_ids"):
            provider.set_global_ids(self.global_ids)
        self.field_providers.append((name, provider))

    def fix(self, mask: FloatArray | None) -> None:
        """Hold the owned nodes where ``mask`` is True at their current m (None: release all)."""
        if mask is not None:
            mask = np.asarray(mask, dtype=bool)
            if mask.shape != (self.n_owned,):
                raise ValueError(f"fix: mask must have shape ({self.n_owned},) (owned nodes), "
                                 f"got {mask.shape}.")
        self.fixed = mask

    @property
    def owned_points(self) -> FloatArray:
        """Coordinates of the owned nodes, shape (n_owned, 3) [m] (read-only, the same object)."""
        return self._owned_points

    def temperature_at(self, t: float) -> FloatArray:
        """T_e of the owned nodes at time t [K]."""
        if self.temperature is None:
            return np.full(self.n_owned, self.ambient_temperature)
        return np.asarray(self.temperature(self.owned_points, t), dtype=float)

    # -- initial states --------------------------------------------------------------------------
    def _equilibrium_length(self) -> float:
        return float(equilibrium_magnetization(self.ambient_temperature,
                                               self.params.curie_temperature))

    def set_magnetization(self, m_owned: FloatArray) -> None:
        """Set m at the owned nodes (n_owned, 3) and refresh the ghosts."""
        m_owned = np.asarray(m_owned, dtype=float)
        if m_owned.shape != (self.n_owned, 3):
            raise ValueError(f"set_magnetization: need shape ({self.n_owned}, 3), got "
                             f"{m_owned.shape}.")
        self.m[: self.n_owned] = m_owned

    def set_uniform(self, direction: str | Sequence[float] = "+z") -> None:
        """Uniform m = m_e(T0) d̂ with d̂ = ``"+z"``, ``"-z"`` or a 3-vector."""
        table = {"+z": (0.0, 0.0, 1.0), "-z": (0.0, 0.0, -1.0)}
        if isinstance(direction, str) and direction not in table:
            raise ValueError(f"set_uniform: direction {direction!r}: use '+z', '-z' or a "
                             "non-zero 3-vector.")
        d = np.asarray(table[direction] if isinstance(direction, str) else direction, dtype=float)
        if d.shape != (3,) or not np.linalg.norm(d) > 0:
            raise ValueError(f"set_uniform: direction {direction!r}: use '+z', '-z' or a non-zero "
                             "3-vector.")
        d = d / np.linalg.norm(d)
        self.set_magnetization(np.tile(self._equilibrium_length() * d, (self.n_owned, 1)))

    def set_random_domains(self, correlation_length: float, *, seed: int = 0,
                           n_modes: int = 512) -> None:
        """Random ±z domains: m = m_e(T0) sign(f(x)) ẑ, f a Gaussian random field.

        f is a random-Fourier-feature field ``Σ_j cos(k_j·x + φ_j)`` with k_j ~ N(0, ℓ⁻² I): its
        covariance is ``exp(−|Δx|²/(2ℓ²))`` (ℓ = ``correlation_length``); it depends only on the
        seed and the coordinates (the same on any number of MPI ranks).

        Args:
            correlation_length: ℓ [m].
            seed: integer seed.
            n_modes: number of Fourier modes.
        """
        if not correlation_length > 0:
            raise ValueError(f"set_random_domains: correlation_length={correlation_length!r} m "
                             "must be > 0 (e.g. 1e-6).")
        rng = np.random.default_rng(seed)
        k = rng.normal(0.0, 1.0 / correlation_length, size=(n_modes, 2))
        phase = rng.uniform(0.0, 2.0 * np.pi, size=n_modes)
        f = np.cos(self.owned_points[:, :2] @ k.T + phase).sum(axis=1)
        m = np.zeros((self.n_owned, 3))
        m[:, 2] = self._equilibrium_length() * np.where(f >= 0, 1.0, -1.0)
        self.set_magnetization(m)

    def load(self, path: str | Path) -> None:
        """Read m from an npz file with ``points`` (n, 2|3) [m] and ``m`` (n, 3) (nearest point)."""
        from scipy.spatial import cKDTree

        data = np.load(path)
        if "points" not in data or "m" not in data:
            raise ValueError(f"load: {path} must hold arrays 'points' (n, 2|3) [m] and 'm' (n, 3); "
                             f"found {list(data.keys())}.")
        pts, m = np.asarray(data["points"], float), np.asarray(data["m"], float)
        if m.ndim != 2 or m.shape[1] != 3 or pts.shape[0] != m.shape[0]:
            raise ValueError(f"load: {path}: 'm' must be (n, 3) with one row per point; got "
                             f"{m.shape} for {pts.shape[0]} points.")
        _, nearest = cKDTree(pts[:, :2]).query(self.owned_points[:, :2])
        self.set_magnetization(m[nearest])

    def save(self, path: str | Path) -> None:
        """Write the gathered state (rank 0) as npz with ``points`` and ``m`` (see :meth:`load`)."""
        pts, m = self.gather()
        if self.comm.rank == 0:
            np.savez(path, points=pts, m=m)

    # -- dynamics --------------------------------------------------------------------------------
    def laplacian(self) -> FloatArray:
        """Discrete ∇²m = −M_L⁻¹ K m at the owned nodes [1/m²], shape (n_owned, 3).

        Uses only the owned rows of :attr:`m`; off-rank values come by a scatter over the
        stiffness matrix's column map."""
        values = self._columns.array
        values[: 3 * self.n_owned] = self.m[: self.n_owned].ravel()
        if self.comm.size > 1:
            self._columns.scatter_forward()
        return -(self._stiffness @ values.reshape(-1, 3)) / self.nodal_area[:, None]

    def micromagnetic_field(self, temperature: FloatArray) -> FloatArray:
        """Exchange + anisotropy + local demag field of the current m at the owned nodes [T]."""
        m = self.m[: self.n_owned]
        field = np.zeros((self.n_owned, 3))
        if self.use_exchange and self.params.exchange_stiffness > 0:
            field += exchange_prefactor(self.params) * self.laplacian()
        if self.use_anisotropy:
            field += anisotropy_field(m, temperature, self.params)
        if self.use_demagnetization:
            field += demagnetizing_field(m, self.params)
        return field

    def provider_field(self, t: float,
                       interval: tuple[float, float] | None = None) -> FloatArray:
        """Sum of the field providers at the owned nodes [T] (at t, or averaged over
        ``interval`` for providers with an ``average`` method)."""
        field = np.zeros((self.n_owned, 3))
        for _, provider in self.field_providers:
            if interval is not None and hasattr(provider, "average"):
                field += provider.average(self.owned_points, *interval)
            else:
                field += provider(self.owned_points, t)
        return field

    def _kernel(self, m: FloatArray, field: FloatArray, temperature: FloatArray,
                dt: float) -> tuple[FloatArray, int]:
        if self.thermal_noise:
            # the noise of node i depends on (seed, step, global id) only: rank-independent;
            # predictor and corrector use the same noise (same step index)
            m_new = stochastic_llb_advance(m, field, temperature, dt, self.params.llb,
                                           self.cell_moment, self.global_ids, self.seed,
                                           self.step_index,
                                           max_substeps=self.noise_max_substeps)
            return m_new, 1
        m_new, n_sub = llb_advance(m, field, temperature, dt, self.params.llb,
                                   max_substep=self.max_substep)
        return m_new, int(np.max(n_sub, initial=1))

    def advance(self, dt: float) -> int:
        """Advance from ``time`` to ``time + dt``; returns the largest LLB sub-step count.

        T and the providers are taken at the midpoint (providers with ``average``: over the
        step). The micromagnetic field is explicit: from m at the start of the step
        (``corrector=False``), or, by default, predictor–corrector: a first kernel step with
        B(m_n) predicts m*, the step is then redone from m_n with ½(B(m_n) + B(m*)). Freezing
        B(m_n) over a step lets the precession in the anisotropy + demag field grow by
        ~(ωΔt)²/2 per step (ω ≈ γ·0.7 T at 300 K) against the damping α_⊥ωΔt, unstable for
        ωΔt > 2α_⊥ (Δt ≳ 0.6 ps for λ = 0.045); this only shows once m has a transverse part
        (thermal noise, walls); the corrector leaves a growth ~(ωΔt)⁴/8.
        """
        if not dt > 0:
            raise ValueError(f"advance: dt = {dt!r} s must be > 0.")
        if dt > self.exchange_step_limit:
            raise ValueError(f"advance: dt = {dt:.3g} s exceeds the explicit exchange limit "
                             f"{self.exchange_step_limit:.3g} s of this mesh (cells too small for "
                             "the step); use smaller steps or coarser cells.")
        t_mid = self.time + 0.5 * dt
        temperature = self.temperature_at(t_mid)
        external = self.provider_field(t_mid, (self.time, self.time + dt))
        m_start = self.m[: self.n_owned].copy()
        field = self.micromagnetic_field(temperature)
        m_new, n_sub = self._kernel(m_start, field + external, temperature, dt)
        if self.corrector and (self.use_exchange or self.use_anisotropy
                               or self.use_demagnetization):
            self.m[: self.n_owned] = m_new
            field = 0.5 * (field + self.micromagnetic_field(temperature))
            self.m[: self.n_owned] = m_start
            m_new, n_corr = self._kernel(m_start, field + external, temperature, dt)
            n_sub = max(n_sub, n_corr)
        self.step_index += 1
        if self.fixed is not None:
            m_new[self.fixed] = self.m[: self.n_owned][self.fixed]
        self.m[: self.n_owned] = m_new
        self.time += dt
        return int(n_sub)

    # -- diagnostics and output ------------------------------------------------------------------
    def mean_magnetization(self) -> FloatArray:
        """Area-weighted mean of m over the film (all ranks), shape (3,)."""
        local = self.nodal_area @ self.m[: self.n_owned]
        return self.comm.allreduce(local, op=MPI.SUM) / self.total_area

    def mean_magnetization_length(self) -> float:
        """Area-weighted spatial mean ⟨|m|⟩ over the film (all ranks)."""
        local = float(self.nodal_area @ np.linalg.norm(self.m[: self.n_owned], axis=1))
        return self.comm.allreduce(local, op=MPI.SUM) / self.total_area

    def region_mean_mz(self, mask: FloatArray) -> float:
        """Area-weighted mean m_z over the nodes where ``mask`` (n_owned,) is True (all ranks)."""
        area = self.comm.allreduce(float(self.nodal_area[mask].sum()), op=MPI.SUM)
        total = self.comm.allreduce(float(self.nodal_area[mask] @ self.m[: self.n_owned][mask, 2]),
                                    op=MPI.SUM)
        if area == 0:
            raise ValueError("region_mean_mz: the region holds no node; widen it.")
        return total / area

    def gather(self) -> tuple[FloatArray, FloatArray]:
        """(points (N, 3), m (N, 3)) of all nodes on rank 0, sorted by (x, y); empty elsewhere."""
        parts = self.comm.gather((self.owned_points.copy(), self.m[: self.n_owned].copy()), root=0)
        if self.comm.rank != 0:
            return np.empty((0, 3)), np.empty((0, 3))
        pts = np.concatenate([p for p, _ in parts])
        m = np.concatenate([q for _, q in parts])
        order = np.lexsort((np.round(pts[:, 1], 15), np.round(pts[:, 0], 15)))
        return pts[order], m[order]

    def mz_function(self) -> fem.Function:
        """m_z as a P1 function (for XDMF output)."""
        if self._mz_function is None:
            self._mz_function = fem.Function(self.space, name="m_z")
        self._mz_function.x.array[: self.n_owned + 0] = self.m[: self.n_owned, 2]
        self._mz_function.x.scatter_forward()
        return self._mz_function

    def m_function(self) -> fem.Function:
        """m as a P1 vector function with 3 components (for VTX output)."""
        if self._m_function is None:
            space = fem.functionspace(self.mesh, ("Lagrange", 1, (3,)))
            if not np.array_equal(space.dofmap.list, self.space.dofmap.list):
                raise RuntimeError("m_function: the vector P1 space does not match the scalar "
                                   "one (unexpected dof layout).")
            self._m_function = fem.Function(space, name="m")
        # the blocked space has the scalar space's dof numbering (block size 3)
        self._m_function.x.array[: 3 * self.n_owned] = self.m[: self.n_owned].ravel()
        self._m_function.x.scatter_forward()
        return self._m_function

    def summary(self) -> str:
        """A one-line description (sizes and switches)."""
        n = self.comm.allreduce(self.n_owned, op=MPI.SUM)
        if self.thermal_noise:
            cells = self.comm.allreduce(float(self.cell_moment.min(initial=np.inf)), op=MPI.MIN)
            noise = (f"stochastic LLB (seed {self.seed}, d = {self.thickness * 1e9:g} nm, "
                     f"smallest cell {cells / self.params.atomic_moment:.3g} spins)")
        else:
            noise = "deterministic LLB"
        return (f"FilmPlaneMagnetization: {n} nodes on {self.comm.size} rank(s); {noise}; "
                f"exchange={self.use_exchange}, anisotropy={self.use_anisotropy}, demag="
                f"{self.use_demagnetization}; providers {[n for n, _ in self.field_providers]}")


# ---------------------------------------------------------------------------------------------
# pulse trains and outputs
# ---------------------------------------------------------------------------------------------
def pulse_train_times(train: PulseTrain, window_end: float, *, dt_fine: float = 5e-15,
                      fine_until: float = 2e-12, dt_max: float = 250e-15, growth: float = 1.05,
                      dt_rest: float = 1e-12, lead: float = PULSE_LEAD
                      ) -> tuple[FloatArray, list[int]]:
    """Global time grid of a pulse train and the index of the end of each pulse period.

    ``train.period`` is the simulated time between pulse peaks (window + rest; not the laser
    period). Per pulse: from ``peak − lead`` with ``dt_fine`` until ``peak + fine_until``, then growing by
    ``growth`` up to ``dt_max`` until ``peak + window_end`` (where the temperature table ends),
    then ``dt_rest`` steps at the ambient temperature until the next window.

    Returns:
        (times [s], indices into times of the end of each period, i.e. after the rest at T0 and
        just before the next window: the state "after pulse k").
    """
    if not (0 < dt_fine <= dt_max and window_end > fine_until
            and train.period > window_end + lead):
        raise ValueError(f"pulse_train_times: need 0 < dt_fine <= dt_max, window_end > fine_until "
                         f"and period > window_end + lead (got dt_fine={dt_fine}, dt_max={dt_max},"
                         f" window_end={window_end}, period={train.period}, "
                         f"lead={lead}) [s].")
    local = [-lead]
    dt = dt_fine
    while local[-1] < window_end - 1e-3 * dt_fine:
        if local[-1] >= fine_until:
            dt = min(dt * growth, dt_max)
        local.append(min(local[-1] + dt, window_end))
    rest_end = train.period - lead
    n_rest = max(1, int(math.ceil((rest_end - window_end) / dt_rest)))
    local.extend(np.linspace(window_end, rest_end, n_rest + 1)[1:])
    local_arr = np.array(local)
    peaks = train.arrivals
    times = [peaks[0] + local_arr] + [peak + local_arr[1:] for peak in peaks[1:]]
    ends = list(np.cumsum([len(c) for c in times]) - 1)
    return np.concatenate(times), [int(e) for e in ends]


@dataclass
class PulseTrainResult:
    """Output of :func:`run_pulse_train`.

    Attributes:
        times: time of every step end [s].
        mean_mz: area-weighted mean m_z after every step.
        snapshots: list of (label, time [s], points (N, 3), m (N, 3)) gathered on rank 0.
        max_substeps: largest LLB sub-step count used.
    """

    times: FloatArray
    mean_mz: FloatArray
    snapshots: list[tuple[str, float, FloatArray, FloatArray]] = field(default_factory=list)
    max_substeps: int = 0


def run_pulse_train(film: FilmPlaneMagnetization, times: FloatArray, *,
                    snapshots: dict[int, str] | None = None, vtx: str | Path | None = None,
                    xdmf: str | Path | None = None, csv_path: str | Path | None = None,
                    on_snapshot: Callable[[str, FilmPlaneMagnetization], None] | None = None
                    ) -> PulseTrainResult:
    """Step ``film`` through the time grid ``times`` and record maps and the mean m_z.

    Args:
        film: the model, at ``times[0]`` (its ``time`` is set to it).
        times: time grid [s] (e.g. from :func:`pulse_train_times`).
        snapshots: {index into times: label} of the maps to gather (index 0 = initial state).
        vtx: VTX (ADIOS2 BP4) folder ``*.bp`` for the m snapshots (P1 vector function "m", one
            ADIOS2 step per snapshot, time = the film time [s]; ParaView reads it; None: none).
        xdmf: XDMF file for the m_z snapshots (P1 scalar "m_z"; None: none).
        csv_path: CSV of (time [ps], mean m_z) (written by rank 0; None: none).
        on_snapshot: called as ``on_snapshot(label, film)`` at each snapshot.

    Returns:
        :class:`PulseTrainResult` (snapshots only on rank 0).
    """
    snapshots = snapshots or {}
    film.time = float(times[0])
    writer = vtx_writer = None
    if vtx is not None:
        if Path(vtx).suffix != ".bp":
            raise ValueError(f"run_pulse_train: vtx = {str(vtx)!r} must name a folder ending in "
                             "'.bp' (e.g. 'out/m_maps.bp').")
        if film.comm.rank == 0:
            Path(vtx).parent.mkdir(parents=True, exist_ok=True)
        film.comm.Barrier()
        vtx_writer = dolfinx.io.VTXWriter(film.comm, str(vtx), [film.m_function()],
                                          engine="BP4")
    if xdmf is not None:
        Path(xdmf).parent.mkdir(parents=True, exist_ok=True)
        writer = dolfinx.io.XDMFFile(film.comm, str(xdmf), "w")
        writer.write_mesh(film.mesh)
    result = PulseTrainResult(times=np.asarray(times[1:]), mean_mz=np.empty(len(times) - 1))

    def record(index: int) -> None:
        label = snapshots[index]
        pts, m = film.gather()
        result.snapshots.append((label, film.time, pts, m))
        if writer is not None:
            writer.write_function(film.mz_function(), film.time)
        if vtx_writer is not None:
            film.m_function()  # refresh the values the writer holds
            vtx_writer.write(film.time)
        if on_snapshot is not None:
            on_snapshot(label, film)

    if 0 in snapshots:
        record(0)
    for i in range(len(times) - 1):
        result.max_substeps = max(result.max_substeps, film.advance(times[i + 1] - film.time))
        result.mean_mz[i] = film.mean_magnetization()[2]
        if i + 1 in snapshots:
            record(i + 1)
    if writer is not None:
        writer.close()
    if vtx_writer is not None:
        vtx_writer.close()
    if csv_path is not None and film.comm.rank == 0:
        Path(csv_path).parent.mkdir(parents=True, exist_ok=True)
        with open(csv_path, "w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["time_ps", "mean_mz"])
            out.writerows(zip(np.round(result.times * 1e12, 6), result.mean_mz))
    return result


def plot_maps(snapshots: Sequence[tuple[str, float, FloatArray, FloatArray]], path: str | Path,
              *, reference: float | None = None, extent: float | None = None,
              columns: int | None = None, circle: float | None = None) -> None:
    """Black/white m_z maps (white = +z, black = −z) side by side, as in seed 003 Fig. 1b.

    Call on rank 0 with gathered snapshots (points in m).

    Args:
        snapshots: (label, time, points (N, 3), m (N, 3)).
        path: PNG file.
        reference: |m_z| mapped to full white/black (default the largest |m_z|).
        extent: half side of the plotted square [m] (default: the whole mesh).
        columns: panels per row (default all in one row).
        circle: radius [m] of a dashed guide circle (e.g. the beam radius), None for none.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.tri as mtri

    n = len(snapshots)
    if n == 0:
        raise ValueError("plot_maps: no snapshot to plot.")
    columns = n if columns is None else columns
    rows = int(math.ceil(n / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(2.6 * columns, 2.8 * rows), squeeze=False)
    vmax = reference or max(float(np.abs(m[:, 2]).max()) for *_, m in snapshots) or 1.0
    for ax, (label, _, pts, m) in zip(axes.flat, snapshots):
        tri = mtri.Triangulation(pts[:, 0] * 1e6, pts[:, 1] * 1e6)
        ax.tripcolor(tri, m[:, 2], cmap="gray", vmin=-vmax, vmax=vmax, shading="gouraud")
        if circle is not None:
            ax.add_patch(plt.Circle((0, 0), circle * 1e6, fill=False, ls="--", color="tab:red",
                                    lw=0.8))
        if extent is not None:
            ax.set_xlim(-extent * 1e6, extent * 1e6)
            ax.set_ylim(-extent * 1e6, extent * 1e6)
        ax.set_aspect("equal")
        ax.set_title(label, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
