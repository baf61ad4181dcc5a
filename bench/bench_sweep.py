"""Sweep speed: a small full-model map (seed-003 film, r-z, IFE + eddy currents) through
``femmag.study``: per-point cost split (setup, heat, LLB, induction, outcome), with and without the
early stop, and the sweep's wall time on this many ranks (run it serially and under
``mpiexec -n 2`` for the 1 → 2 rank speed-up of the sweep: groups of one rank each).

    python bench/bench_sweep.py [--fluences 2] [--diameters 2] [--end "30 ps"]
    mpiexec -n 2 python bench/bench_sweep.py
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.study import Sweep, SweepError

INDUCTION = {"ife_coefficient": "1 T/(mJ/cm^2)"}


def case(end: str, cells: int) -> dict:
    return {
        "stack": {"layers": [{"name": "CoPt", "material": "CoPt_S003A", "thickness": "10 nm"}],
                  "substrate": {"material": "fused_silica", "thickness": "5 um"}},
        "mesh": {"kind": "rz", "cells_per_beam_radius": cells},
        "pulse": {"fluence": "2.6 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
                  "helicity": "sigma-", "arrival": "0.2 ps"},
        "magnetization": {"initial": "+z"},
        "induction": dict(INDUCTION),
        "time": {"end": end, "dt_pulse": "2 fs", "dt_max": "1 ps"},
    }


def make_sweep(args) -> Sweep:
    axes = {"pulse.fluence": {"from": "2 mJ/cm^2", "to": "3.2 mJ/cm^2", "num": args.fluences},
            "pulse.diameter": {"from": "5 um", "to": "20 um", "num": args.diameters}}
    data = case(args.end, args.cells)
    try:
        return Sweep(data, axes=axes)
    except SweepError as err:
        if "[induction]" not in str(err):
            raise
    # case files without an [induction] table yet: give every Simulation of this process the
    # induced field (bench only)
    from femmag import simulation

    original = simulation.Simulation.__init__

    def with_induction(self, *a, induction=None, **k):
        original(self, *a, induction=induction or INDUCTION, **k)

    simulation.Simulation.__init__ = with_induction
    data.pop("induction")
    return Sweep(data, axes=axes)


def split(out: Path, n: int) -> dict:
    """Mean per-point seconds by part, from the point records."""
    parts = {"setup": [], "heat": [], "magnetization": [], "induction": [], "outcome": [],
             "total": [], "steps": [], "end": []}
    for record in sorted((out / "points").glob("*.toml")):
        r = tomllib.loads(record.read_text())
        s = r.get("seconds", {})
        for k in parts:
            if k == "end":
                parts[k].append(r.get("outcomes", {}).get("end_time", np.nan))
            else:
                parts[k].append(s.get(k, np.nan))
    return {k: float(np.mean(v)) for k, v in parts.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fluences", type=int, default=2)
    parser.add_argument("--diameters", type=int, default=2)
    parser.add_argument("--end", default="30 ps")
    parser.add_argument("--cells", type=int, default=8, help="cells per beam radius")
    parser.add_argument("--only-early", action="store_true")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    sweep = make_sweep(args)
    root = Path(comm.bcast(tempfile.mkdtemp(prefix="bench_sweep_") if comm.rank == 0 else None))
    rows = []
    for label, early in (("early stop", True), ("full end time", False)):
        if args.only_early and not early:
            continue
        comm.Barrier()
        t0 = time.perf_counter()
        ds = sweep.run(root / label.replace(" ", "_"), comm=comm, early_stop=early, quiet=True)
        wall = time.perf_counter() - t0
        if comm.rank == 0:
            rows.append((label, wall, split(root / label.replace(" ", "_"), len(sweep)),
                         ds["outcome"].values.ravel().tolist()))
    if comm.rank == 0:
        print(f"bench_sweep: {sweep} on {comm.size} rank(s) (groups of 1), end {args.end}, "
              f"{args.cells} cells per beam radius; {tempfile.gettempdir()}")
        head = ("", "sweep wall [s]", "s/point/core", "setup", "heat", "LLB", "induction",
                "outcome", "total/pt", "steps", "end [ps]")
        print(" | ".join(head))
        for label, wall, s, _ in rows:
            print(" | ".join([label, f"{wall:.1f}", f"{wall * comm.size / len(sweep):.2f}",
                              *(f"{s[k]:.2f}" for k in ("setup", "heat", "magnetization",
                                                        "induction", "outcome", "total")),
                              f"{s['steps']:.0f}", f"{s['end']:.1f}"]))
        for label, _, _, outcomes in rows:
            print(f"outcomes ({label}): {outcomes}")


if __name__ == "__main__":
    main()
