"""CSV time traces: values reduced on all ranks, written by rank 0, the unit in every column name."""

from __future__ import annotations

import csv
import os
import time
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
        self._stream = None  # rank 0: the open traces.csv while a run writes it
        self._written = 0  # rows already in the file
        self._last_flush = 0.0

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

    def write(self, path: Path, comm, comment: str | None = None) -> None:
        """Write every row to ``path`` (rank 0), after an optional ``# comment`` line."""
        if comm.rank == 0:
            with open(path, "w", newline="") as f:
                if comment:
                    f.write(f"# {comment}\n")
                w = csv.writer(f)
                w.writerow(self.header())
                w.writerows([[f"{v:.10g}" for v in row] for row in self.rows])

    # -- streaming: a run appends its rows as it goes, so an interrupted run keeps them ----------
    def open_stream(self, path: Path, comm, comment: str | None = None) -> None:
        """Start ``path`` with the header and the rows so far (rank 0); later rows are appended
        by :meth:`flush`."""
        if comm.rank == 0:
            self._stream = open(path, "w", newline="")
            if comment:
                self._stream.write(f"# {comment}\n")
            csv.writer(self._stream).writerow(self.header())
            self._written = 0
            self.flush(force=True)

    def flush(self, force: bool = False, every: float = 2.0) -> None:
        """Append the rows not yet written, if ``every`` seconds passed since the last flush (or
        ``force``), and push them to the disk. Rank-local: no communication."""
        if self._stream is None:
            return
        now = time.monotonic()
        if not force and now - self._last_flush < every:
            return
        rows = self.rows[self._written:]
        if rows:
            csv.writer(self._stream).writerows([[f"{v:.10g}" for v in row] for row in rows])
            self._written = len(self.rows)
        self._stream.flush()
        os.fsync(self._stream.fileno())
        self._last_flush = now

    def close_stream(self) -> None:
        """Write the remaining rows and close the file (rank-local)."""
        if self._stream is not None:
            self.flush(force=True)
            self._stream.close()
            self._stream = None


def read_trace(path: str | Path) -> dict[str, np.ndarray]:
    """Read a femmag CSV trace back: ``{column header: values}`` (``#`` comment lines skipped)."""
    with open(path) as f:
        rows = list(csv.reader(line for line in f if not line.startswith("#")))
    data = np.array(rows[1:], dtype=float).reshape(-1, len(rows[0]))
    return {h: data[:, i] for i, h in enumerate(rows[0])}
