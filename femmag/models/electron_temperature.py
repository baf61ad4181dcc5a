r"""Film-averaged electron temperature T_e(F, t) of a film stack from the 1D reference 2TM.

One solve of :func:`femmag.models.two_temperature_1d.solve_two_temperature_1d` per fluence (pulse
peak at t = 0), averaged over the film layer, gives T_e(t) and T_l(t) at that fluence. Two ways
to read a :class:`ElectronTemperatureTable`:

* per fluence (:meth:`~ElectronTemperatureTable.electron`, :meth:`~ElectronTemperatureTable.lattice`,
  :meth:`~ElectronTemperatureTable.time_below_curie`): each distinct fluence is solved once and
  cached; times are interpolated linearly (the scalar beam-centre model: one solve per fluence
  of a phase diagram);
* on a fluence grid F_j = F0 (j/(n−1))², uniform in √F (:meth:`~ElectronTemperatureTable.
  from_reference_2tm`, then ``table(fluences, t)``, :meth:`~ElectronTemperatureTable.weights`,
  :meth:`~ElectronTemperatureTable.row`): linear in √F (T_e,peak ∝ √F) and in t, for the many
  local fluences of a film-plane map under a Gaussian beam.

The default stack is the seed-003 set S003-A of the materials library (10 nm ``CoPt_S003A`` on
4 µm ``fused_silica_S003A``, 10 + 60 cells).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from femmag.models.two_temperature_1d import material_layer, solve_two_temperature_1d

__all__ = ["ElectronTemperatureTable", "default_film_layers"]

FloatArray = NDArray[np.float64]


#: library materials of the default stack (the seed-003 set S003-A)
DEFAULT_FILM, DEFAULT_SUBSTRATE = "CoPt_S003A", "fused_silica_S003A"


def _library_value(material: str, prop: str) -> float:
    from femmag.materials import Library

    return float(Library.default().get(material).prop(prop).value)


def default_film_layers(film_cells: int = 10, substrate_cells: int = 60
                        ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Layer dicts of the default stack: 10 nm ``CoPt_S003A`` on 4 µm ``fused_silica_S003A``."""
    return ([material_layer("CoPt", DEFAULT_FILM, 10e-9, film_cells)],
            material_layer("silica", DEFAULT_SUBSTRATE, 4e-6, substrate_cells))


class ElectronTemperatureTable:
    """Film-averaged T_e (and T_l) of a layer stack from the 1D reference 2TM, per fluence.

    Args:
        t_end: end of the 1D solves [s] after the pulse peak (≥ the last time asked for).
        layers, substrate: layer dicts of :func:`~femmag.models.two_temperature_1d.
            solve_two_temperature_1d` (default :func:`default_film_layers`).
        film: name of the layer whose temperatures are averaged (default the first layer).
        pulse_duration: intensity FWHM τ_p [s].
        ambient_temperature: T0 [K] (initial temperature; T before the first time of a trace).
        curie_temperature: T_c [K] of the film for :meth:`time_below_curie` (default: the
            library's ``CoPt_S003A`` value with the default stack, else none).

    Attributes (after :meth:`sample_fluences` / :meth:`from_reference_2tm`):
        fluences: F_j [J/m²], increasing, F_0 = 0.
        times: t_i relative to the pulse peak [s], increasing.
        electron_temperature: T_e [K], shape (n_t, n_F).
        after_end: T [K] returned after the last table time (None: hold the last row).

    Example:
        >>> table = ElectronTemperatureTable(20e-12)
        >>> round(float(table.electron(26.0, np.array([20e-12]))[0]))  # 2.6 mJ/cm², T_e(20 ps)
        544
    """

    def __init__(self, t_end: float, *, layers: Sequence[Mapping[str, Any]] | None = None,
                 substrate: Mapping[str, Any] | None = None, film: str | None = None,
                 pulse_duration: float = 140e-15, ambient_temperature: float = 300.0,
                 curie_temperature: float | None = None) -> None:
        if not t_end > 0:
            raise ValueError(f"ElectronTemperatureTable: t_end = {t_end!r} s must be > 0 "
                             "(e.g. 100e-12).")
        if layers is None:
            layers, substrate = default_film_layers()
            if curie_temperature is None:
                curie_temperature = _library_value(DEFAULT_FILM, "curie_temperature")
        if substrate is None:
            raise ValueError("ElectronTemperatureTable: give the substrate dict with the layers.")
        self.t_end = float(t_end)
        self.layers = [dict(layer) for layer in layers]
        self.substrate = dict(substrate)
        self.film = self.layers[0]["name"] if film is None else film
        self.pulse_duration = float(pulse_duration)
        self.ambient_temperature = float(ambient_temperature)
        self.curie_temperature = curie_temperature
        self._traces: dict[float, tuple[FloatArray, FloatArray, FloatArray]] = {}
        self.fluences: FloatArray | None = None
        self.times: FloatArray | None = None
        self.electron_temperature: FloatArray | None = None
        self.after_end: float | None = self.ambient_temperature

    # -- one solve --------------------------------------------------------------------------------
    def solve(self, fluence: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(times, T_e, T_l) of the film at incident fluence F0 [J/m²] (not cached)."""
        run = solve_two_temperature_1d(self.layers, self.substrate, fluence=float(fluence),
                                       duration=self.pulse_duration, arrival=0.0,
                                       t_end=self.t_end,
                                       initial_temperature=self.ambient_temperature)
        return (run.times, run.average("electron", self.film),
                run.average("lattice", self.film))

    # -- per fluence ------------------------------------------------------------------------------
    def _trace(self, fluence: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        key = round(float(fluence), 9)
        if key not in self._traces:
            if not (np.isfinite(key) and key >= 0):
                raise ValueError(f"ElectronTemperatureTable: fluence {fluence!r} J/m² must be "
                                 "finite and ≥ 0 (2.6 mJ/cm² = 26 J/m²).")
            self._traces[key] = self.solve(key)
        return self._traces[key]

    def electron(self, fluence: float, times: FloatArray) -> FloatArray:
        """Film-averaged electron temperature [K] at ``times`` [s] for fluence F0 [J/m²]."""
        t, te, _ = self._trace(fluence)
        self._check_times(times)
        return np.interp(times, t, te)

    def lattice(self, fluence: float, times: FloatArray) -> FloatArray:
        """Film-averaged lattice temperature [K] at ``times`` [s] for fluence F0 [J/m²]."""
        t, _, tl = self._trace(fluence)
        self._check_times(times)
        return np.interp(times, t, tl)

    def time_below_curie(self, fluence: float, curie_temperature: float | None = None) -> float:
        """Last time [s] T_e falls below T_c (inf: still above at ``t_end``; nan: never above).

        ``curie_temperature`` [K] defaults to :attr:`curie_temperature`."""
        if curie_temperature is None:
            curie_temperature = self.curie_temperature
        if curie_temperature is None:
            raise ValueError("ElectronTemperatureTable.time_below_curie: give curie_temperature "
                             "[K] (the table has none for a user stack).")
        t, te, _ = self._trace(fluence)
        above = np.flatnonzero(te >= curie_temperature)
        if above.size == 0:
            return float("nan")
        i = above[-1]
        if i == te.size - 1:
            return float("inf")
        return float(t[i] + (curie_temperature - te[i]) * (t[i + 1] - t[i]) / (te[i + 1] - te[i]))

    def _check_times(self, times: FloatArray) -> None:
        if np.max(times) > self.t_end * (1 + 1e-9):
            raise ValueError(f"ElectronTemperatureTable: asked for t = {np.max(times):.3e} s "
                             f"beyond t_end = {self.t_end:.3e} s; build the table with a "
                             "larger t_end.")

    # -- on a √F grid -------------------------------------------------------------------------------
    @classmethod
    def from_reference_2tm(cls, peak_fluence: float, t_end: float, *, n_fluences: int = 33,
                           layers: Sequence[Mapping[str, Any]] | None = None,
                           substrate: Mapping[str, Any] | None = None,
                           duration: float = 140e-15, ambient_temperature: float = 300.0,
                           film: str | None = None) -> ElectronTemperatureTable:
        """A table sampled on F_j = F0 (j/(n−1))², j = 0 … n−1 (see :meth:`sample_fluences`).

        Args:
            peak_fluence: F0 [J/m²] (1 mJ/cm² = 10 J/m²).
            t_end: last time after the pulse peak [s] (e.g. 150e-12).
            n_fluences: grid size (33 gives < 1 K interpolation error at 3.2 mJ/cm²).
            layers, substrate, film: the stack (default :func:`default_film_layers`).
            duration: pulse FWHM τ_p [s].
            ambient_temperature: T0 [K].
        """
        table = cls(t_end, layers=layers, substrate=substrate, film=film,
                    pulse_duration=duration, ambient_temperature=ambient_temperature)
        table.sample_fluences(peak_fluence, n_fluences)
        return table

    def sample_fluences(self, peak_fluence: float, n_fluences: int = 33) -> None:
        """Solve once per fluence F_j = F0 (j/(n−1))² (uniform in √F); F_0 = 0 is T0."""
        if not (peak_fluence > 0 and n_fluences >= 2):
            raise ValueError(f"ElectronTemperatureTable: need peak_fluence > 0 J/m² (got "
                             f"{peak_fluence!r}) and n_fluences >= 2 (got {n_fluences!r}).")
        fluences = peak_fluence * np.linspace(0.0, 1.0, n_fluences) ** 2
        rows, times = [], None
        for F in fluences[1:]:
            run_times, te, _ = self.solve(float(F))
            if times is None:
                times = run_times
            elif run_times.shape != times.shape or not np.allclose(run_times, times):
                te = np.interp(times, run_times, te)
            rows.append(te)
        assert times is not None
        self.fluences = fluences
        self.times = np.asarray(times)
        self.electron_temperature = np.column_stack(
            [np.full(times.size, self.ambient_temperature)] + rows)

    def _need_grid(self) -> None:
        if self.fluences is None:
            raise ValueError("ElectronTemperatureTable: no fluence grid; build the table with "
                             "ElectronTemperatureTable.from_reference_2tm(peak_fluence, t_end) "
                             "(or call sample_fluences) before reading T_e(F, t) on the grid.")

    def weights(self, fluence: FloatArray) -> tuple[NDArray[np.intp], FloatArray]:
        """(j, w) per fluence: T = (1−w) T[:, j] + w T[:, j+1] (linear in √F)."""
        self._need_grid()
        fluence = np.asarray(fluence, dtype=float)
        if np.any(fluence < 0) or np.any(fluence > self.fluences[-1] * (1 + 1e-12)):
            raise ValueError(f"ElectronTemperatureTable: fluences must lie in [0, "
                             f"{self.fluences[-1]:.4g}] J/m² (the table range); got "
                             f"[{fluence.min():.4g}, {fluence.max():.4g}]. Rebuild the table "
                             "with a larger peak_fluence.")
        root = np.sqrt(self.fluences)
        s = np.sqrt(np.clip(fluence, 0.0, self.fluences[-1]))
        j = np.clip(np.searchsorted(root, s, side="right") - 1, 0, root.size - 2)
        w = (s - root[j]) / (root[j + 1] - root[j])
        return j, w

    def row(self, t: float) -> FloatArray:
        """T_e(F_j, t) for all grid fluences at time t [s] (linear in t; the first row before
        the first time, :attr:`after_end` after the last)."""
        self._need_grid()
        if t > self.times[-1] and self.after_end is not None:
            return np.full(self.fluences.size, self.after_end)
        i = int(np.clip(np.searchsorted(self.times, t) - 1, 0, self.times.size - 2))
        a = float(np.clip((t - self.times[i]) / (self.times[i + 1] - self.times[i]), 0.0, 1.0))
        return (1.0 - a) * self.electron_temperature[i] + a * self.electron_temperature[i + 1]

    def __call__(self, fluence: Any, t: Any) -> FloatArray:
        """T_e [K] at fluence(s) [J/m²] and time(s) [s] after the peak.

        On the √F grid (fluences array, one time t) once the table has one; otherwise the
        per-fluence solve (one fluence, times array: :meth:`electron`, usable as
        ``electron_temperature=`` of :func:`femmag.models.beam_centre.run_scalar_model`).
        """
        if self.fluences is None:
            return self.electron(fluence, t)
        j, w = self.weights(fluence)
        r = self.row(t)
        return (1.0 - w) * r[j] + w * r[j + 1]
