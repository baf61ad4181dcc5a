"""The labelled result of a sweep: ``DIR/results.nc`` (NetCDF4 through xarray), built from the
per-point records ``DIR/points/<index>.toml``.

One dimension and coordinate per axis, named after the last part of its key, in the unit the user
wrote, with the full key, the unit and the SI values in its attributes; one variable per outcome
(:data:`femmag.study.outcomes.VARIABLES`) with its unit and description; ``outcome`` (strings),
``outcome_code`` (integers with CF ``flag_values``/``flag_meanings``), ``failure_reason`` and the
per-point wall time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from femmag.study.outcomes import OUTCOMES, VARIABLES

__all__ = ["build_dataset", "write_dataset"]

RESULTS = "results.nc"


def build_dataset(sweep: Any, records: dict[int, dict], attrs: dict | None = None):
    """The dataset of ``sweep`` from ``records`` (index → record); points without a record have
    NaN outcomes and ``outcome = "not_run"``."""
    import xarray as xr

    shape = sweep.shape
    dims = [a.name for a in sweep.axes]
    coords = {}
    for axis in sweep.axes:
        cattrs = {"key": axis.key, "unit": axis.unit or "none",
                  "long_name": axis.key}
        if axis.si is not None:
            cattrs["si_values"] = np.asarray(axis.si, dtype=float)
            cattrs["si_unit"] = axis.si_unit or "1"
        labels = axis.labels if axis.si is not None else np.array(list(axis.labels), dtype=str)
        coords[axis.name] = xr.Variable(axis.name, labels, attrs=cattrs)
    data: dict[str, Any] = {}
    for name, (unit, description) in VARIABLES.items():
        values = np.full(len(sweep), np.nan)
        for index, record in records.items():
            values[index] = float(record.get("outcomes", {}).get(name, np.nan))
        data[name] = xr.Variable(dims, values.reshape(shape),
                                 attrs={"unit": unit, "units": unit, "description": description})
    outcome = np.full(len(sweep), "not_run", dtype=object)
    reason = np.full(len(sweep), "", dtype=object)
    wall = np.full(len(sweep), np.nan)
    for index, record in records.items():
        outcome[index] = record["outcome"]
        reason[index] = record.get("reason", "")
        wall[index] = record.get("seconds", {}).get("total", np.nan)
    codes = np.array([OUTCOMES.index(o) if o in OUTCOMES else -1 for o in outcome], dtype=np.int32)
    data["outcome"] = xr.Variable(dims, outcome.astype(str).reshape(shape), attrs={
        "description": "switched | not_switched | demagnetized | failed (not_run: no record yet)"})
    data["outcome_code"] = xr.Variable(dims, codes.reshape(shape), attrs={
        "description": "outcome as an integer (-1: not run)",
        "flag_values": np.arange(len(OUTCOMES), dtype=np.int32),
        "flag_meanings": " ".join(OUTCOMES)})
    data["failure_reason"] = xr.Variable(dims, reason.astype(str).reshape(shape), attrs={
        "description": "the exception of a failed point"})
    data["wall_time"] = xr.Variable(dims, wall.reshape(shape), attrs={
        "unit": "s", "units": "s", "description": "wall time of the point (setup, run, outcomes)"})
    return xr.Dataset(data, coords=coords, attrs=dict(attrs or {}))


def write_dataset(dataset: Any, path: str | Path) -> Path:
    """Write ``dataset`` to ``path`` atomically (a temporary file, then a rename): a reader never
    sees half a file, and an interrupted write leaves the previous one."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        try:
            dataset.to_netcdf(tmp, engine="netcdf4")
        except OSError as err:  # netCDF4 imported after DOLFINx's HDF5 (see femmag/__init__.py)
            if tmp.exists():
                tmp.unlink()
            print(f"femmag: NetCDF-4 writing failed ({err}); writing {path.name} as NetCDF-3 "
                  f"(import femmag before dolfinx to get NetCDF-4)", flush=True)
            dataset.to_netcdf(tmp, engine="scipy")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
