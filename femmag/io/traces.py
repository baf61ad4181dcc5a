"""CSV time traces: values reduced on all ranks, written by rank 0, the unit in every column name."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


class TraceRecorder:
    """Collects named scalar time series and writes them as CSV.

    Columns are ``name [unit]``; each sampler is a callable returning the *same* float on every rank
    (samplers reduce over ranks themselves), so rank 0 can write without further communication.

    Args:
        centre: the beam-centre :class:`~femmag.io.probes.PointProbe` that physics modules use
            for their ``*_centre`` columns (``None`` outside a simulation).
        centre_radius: radius [m] within which quadrature points count as the beam centre.
    """

    def __init__(self, centre: Any = None, centre_radius: float = 0.0) -> None:
        self.columns: list[tuple[str, str, Callable[[], float]]] = []
        self.rows: list[list[float]] = []
        self.centre = centre
        self.centre_radius = centre_radius

    def add(self, name: str, unit: str, sampler: Callable[[], float]) -> None:
        self.columns.append((name, unit, sampler))

    def names(self) -> list[str]:
        """Column names (without units)."""
        return [n for n, _, _ in self.columns]

    def header(self) -> list[str]:
        return ["time [ps]"] + [f"{n} [{u}]" for n, u, _ in self.columns]

    def sample(self, t: float) -> None:
        self.rows.append([t * 1e12] + [float(s()) for _, _, s in self.columns])

    def column(self, name: str) -> np.ndarray:
        """A column by name (without unit) or ``"time"`` (in ps)."""
        if name == "time":
            return np.array([r[0] for r in self.rows])
        idx = [n for n, _, _ in self.columns].index(name) + 1
        return np.array([r[idx] for r in self.rows])

    def write(self, path: Path, comm) -> None:
        if comm.rank == 0:
            with open(path, "w", newline="") as f:
                w = csv.writer(f)
                w.writerow(self.header())
                w.writerows([[f"{v:.10g}" for v in row] for row in self.rows])


def read_trace(path: str | Path) -> dict[str, np.ndarray]:
    """Read a femmag CSV trace back: ``{column header: values}``."""
    with open(path) as f:
        rows = list(csv.reader(f))
    data = np.array(rows[1:], dtype=float)
    return {h: data[:, i] for i, h in enumerate(rows[0])}
