"""Seed-003 helpers for the scalar beam-centre model (physics-spec §3.8, §4.5, §5.5, §9.1).

* :class:`~femmag.models.electron_temperature.ElectronTemperatureTable` (re-exported): film-averaged
  T_e(F, t) of the S003-A stack from the 1D reference, solved once per distinct fluence and
  cached, usable as ``electron_temperature=`` of :func:`femmag.models.beam_centre.run_scalar_model`
  (a phase diagram then needs one 1D solve per fluence of its grid, not one per point).
* :func:`final_states`: the scalar model over a whole grid of (F, D, κ_IFE, helicity, B0, λ) points,
  in memory-bounded chunks and optionally split over MPI ranks (gathered on every rank).
* Classification (spec §3.8, seed 003 Fig. 5 caption): "switched" = σ− flips M+ and σ+ does not;
  "demagnetized" = σ+ flips too (helicity-independent outcome); optionally "disturbance-decided"
  (σ− flips only when the disturbance is reversed); thresholds from fluence scans.
* :func:`opposing_disturbance`: the seed's worst-case constant disturbance B0 "in the direction of
  narrowing the switched region" (Fig. 7): against the flip for σ−, towards it for σ+ / linear.

Times are relative to the pulse peak (t = 0); on the seed's axis the peak is at
:data:`SEED_PULSE_PEAK` = 0.2 ps (spec §4.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from femmag.kernels.llb import LLBParameters
from femmag.materials import Library
from femmag.models.beam_centre import S003_LLB, S003A_CONDUCTIVITY, run_scalar_model
from femmag.models.electron_temperature import ElectronTemperatureTable
from femmag.studies.seed003.stacks import FILM_MATERIAL
from femmag.units import MU0

__all__ = [
    "CURIE_TEMPERATURE",
    "DEMAGNETIZED",
    "DISTURBANCE_DECIDED",
    "IFE_PER_MJ_CM2",
    "NOT_SWITCHED",
    "OUTCOME_NAMES",
    "PULSE_FWHM",
    "SATURATION_FIELD_0K",
    "SEED_PULSE_PEAK",
    "SWITCHED",
    "ElectronTemperatureTable",
    "FinalStates",
    "classify_outcome",
    "final_states",
    "fluence_thresholds",
    "opposing_disturbance",
]

#: Pulse intensity FWHM τ_p [s].
PULSE_FWHM = 140e-15
_FILM = Library.default().get(FILM_MATERIAL)
#: Curie temperature of the seed's virtual ferromagnet [K].
CURIE_TEMPERATURE = float(_FILM.prop("curie_temperature").value)
#: Pulse peak on the seed's time axis [s] (spec §4.5: 0.19-0.21 ps).
SEED_PULSE_PEAK = 0.2e-12
#: B_s,0K = μ0 M_s0 [T], the seed's normalization of B_i.
SATURATION_FIELD_0K = MU0 * float(_FILM.prop("saturation_magnetization").value)
#: κ_IFE = 1 T per mJ/cm² in SI [T m²/J].
IFE_PER_MJ_CM2 = 0.1

#: Outcome codes of :func:`classify_outcome`.
NOT_SWITCHED, SWITCHED, DEMAGNETIZED, DISTURBANCE_DECIDED = 0, 1, 2, 3
#: Names of the outcome codes (index = code).
OUTCOME_NAMES = ("not switched", "switched", "demagnetized", "disturbance-decided")


def opposing_disturbance(helicity: np.ndarray | float, level: float) -> np.ndarray:
    """Worst-case constant disturbance B0 [T] (seed 003 Fig. 7) for the initial state M+.

    σ− (h < 0) tries to flip M+: B0 = +level (against the flip, raises the lower threshold);
    σ+ and linear (h ≥ 0) must not flip: B0 = −level (towards the flip, lowers the upper,
    demagnetization threshold).

    Args:
        helicity: +1, −1 or 0 per point.
        level: |B0| [T] (1 G = 1e-4 T).
    """
    return np.where(np.asarray(helicity, float) < 0, 1.0, -1.0) * float(level)


@dataclass
class FinalStates:
    """Per-point results of :func:`final_states` (gathered; shape (n,)).

    Attributes:
        final_magnetization: m_z at the end time (initial state M+ = m_e(300 K) ẑ).
        minimum_magnetization: min_t |m_z|.
        time_of_minimum: time of min |m_z| relative to the pulse peak [s].
        flipped: final m_z < 0.
    """

    final_magnetization: np.ndarray
    minimum_magnetization: np.ndarray
    time_of_minimum: np.ndarray

    @property
    def flipped(self) -> np.ndarray:
        return self.final_magnetization < 0


def final_states(fluence: np.ndarray | float, *, diameter: np.ndarray | float = 10e-6,
                 ife_coefficient: np.ndarray | float = IFE_PER_MJ_CM2,
                 helicity: np.ndarray | float = -1.0, disturbance: np.ndarray | float = 0.0,
                 coupling: np.ndarray | float | None = None, times: np.ndarray,
                 temperature: ElectronTemperatureTable, llb: LLBParameters = S003_LLB,
                 conductivity: float = S003A_CONDUCTIVITY, chunk: int = 1024, comm: Any = None) -> FinalStates:
    """Run the scalar model (thin-sheet B_i, 1D-reference T_e) on a grid of points.

    All point inputs broadcast to one flat shape (n,). The points are split in contiguous blocks
    over the ranks of ``comm`` (mpi4py communicator, optional) and in chunks of at most ``chunk``
    points (memory: 3 arrays of n_t × chunk floats); every rank gets the gathered result.

    Args:
        fluence: F0 [J/m²].
        diameter: D [m].
        ife_coefficient: κ_IFE [T m²/J] (0.1 = 1 T per mJ/cm²).
        helicity: +1 σ+, −1 σ−, 0 linear.
        disturbance: constant B0 [T] along z.
        coupling: λ per point (None: ``llb.coupling``).
        times: time grid [s] relative to the pulse peak (e.g. ``scalar_time_grid(100e-12)``).
        temperature: the T_e table (its ``t_end`` ≥ ``times[-1]``).
        llb: LLB parameters (T_c, μ_at; λ unless ``coupling`` is given).
        conductivity: film σ [S/m] for the thin-sheet kernel.
        chunk: largest number of points per LLB call.
        comm: optional MPI communicator.

    Returns:
        :class:`FinalStates`.
    """
    if chunk < 1:
        raise ValueError(f"final_states: chunk = {chunk!r} must be a positive number of points.")
    lam = llb.coupling if coupling is None else coupling
    arrays = np.broadcast_arrays(*(np.atleast_1d(np.asarray(a, float)) for a in
                                   (fluence, diameter, ife_coefficient, helicity, disturbance,
                                    lam)))
    columns = [a.ravel() for a in arrays]
    n = columns[0].size
    size, rank = (1, 0) if comm is None else (comm.size, comm.rank)
    bounds = np.linspace(0, n, size + 1).astype(int)
    mine = np.arange(bounds[rank], bounds[rank + 1])
    # sort this rank's points by fluence so that each chunk needs few distinct T_e traces
    mine = mine[np.argsort(columns[0][mine], kind="stable")]
    local = np.empty((3, mine.size))
    for start in range(0, mine.size, chunk):
        idx = mine[start:start + chunk]
        F, D, kappa, h, B0, lam_i = (c[idx] for c in columns)
        result = run_scalar_model(F, diameter=D, ife_coefficient=kappa, helicity=h,
                                  disturbance=B0, times=times, conductivity=conductivity,
                                  electron_temperature=temperature.electron,
                                  llb=replace(llb, coupling=lam_i))
        mz = result.magnetization_z
        where = np.argmin(np.abs(mz), axis=0)
        local[:, start:start + idx.size] = (mz[-1], np.abs(mz[where, np.arange(idx.size)]),
                                            times[where])
    out = np.empty((3, n))
    if comm is None:
        out[:, mine] = local
    else:
        for indices, values in comm.allgather((mine, local)):
            out[:, indices] = values
    return FinalStates(final_magnetization=out[0], minimum_magnetization=out[1],
                       time_of_minimum=out[2])


def classify_outcome(flipped_minus: np.ndarray, flipped_plus: np.ndarray,
                     flipped_minus_assisted: np.ndarray | None = None) -> np.ndarray:
    """Outcome code per point (spec §3.8, seed 003 Fig. 5 caption), initial state M+.

    * :data:`DEMAGNETIZED`: σ+ flips M+ (helicity-independent final state);
    * :data:`SWITCHED`: σ− flips, σ+ does not;
    * :data:`DISTURBANCE_DECIDED` (only when ``flipped_minus_assisted`` is given): σ− does not flip
      against the opposing disturbance but does with the disturbance reversed, and σ+ does not
      flip: the final state is set by the disturbance, not by the pulse (the seed's "transition
      band" below the switched region, and a band between switched and demagnetized);
    * :data:`NOT_SWITCHED`: otherwise.

    Args:
        flipped_minus: final m_z < 0 under σ− with the opposing disturbance (bool array).
        flipped_plus: final m_z < 0 under σ+ with its opposing (flip-favouring) disturbance.
        flipped_minus_assisted: optional, σ− with the disturbance reversed (helping the flip).
    """
    minus, plus = np.asarray(flipped_minus, bool), np.asarray(flipped_plus, bool)
    assisted = minus if flipped_minus_assisted is None else np.asarray(flipped_minus_assisted,
                                                                       bool)
    if not (minus.shape == plus.shape == assisted.shape):
        raise ValueError(f"classify_outcome: the σ−, σ+ (and assisted σ−) results have different "
                         f"shapes {minus.shape}, {plus.shape}, {assisted.shape}; pass one value "
                         f"per grid point each.")
    return np.where(plus, DEMAGNETIZED, np.where(
        minus, SWITCHED, np.where(assisted, DISTURBANCE_DECIDED, NOT_SWITCHED)))


def fluence_thresholds(fluences: Sequence[float] | np.ndarray, flipped_minus: np.ndarray,
                       flipped_plus: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower (switching) and upper (demagnetization) thresholds from fluence scans.

    The threshold is put half-way between the last grid fluence without and the first with a flip
    (σ− for the lower, σ+ for the upper one); nan where no flip occurs on the scan, and the first
    fluence where it flips already there.

    Args:
        fluences: increasing scan fluences, shape (n_F,) (any unit; returned in the same).
        flipped_minus, flipped_plus: bool arrays (..., n_F): the last axis runs over fluence.

    Returns:
        (lower, upper), arrays of shape (...).
    """
    F = np.asarray(fluences, float)
    if F.ndim != 1 or np.any(np.diff(F) <= 0):
        raise ValueError("fluence_thresholds: fluences must be a 1D increasing array.")

    def first_flip(flipped: np.ndarray) -> np.ndarray:
        flipped = np.asarray(flipped, bool)
        if flipped.shape[-1] != F.size:
            raise ValueError(f"fluence_thresholds: the last axis ({flipped.shape[-1]}) must run "
                             f"over the {F.size} scan fluences.")
        i = np.argmax(flipped, axis=-1)
        value = np.where(i > 0, 0.5 * (F[np.maximum(i - 1, 0)] + F[i]), F[0])
        return np.where(flipped.any(axis=-1), value, np.nan)

    return first_flip(flipped_minus), first_flip(flipped_plus)
