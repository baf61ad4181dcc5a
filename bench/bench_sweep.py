"""Sweep speed: a small full-model map (seed-003 film, r-z, IFE + eddy currents) through
``femmag.study``: per-point cost split (setup, induction-response solve, heat, LLB, induction,
outcome) with the lever (each diameter's induction unit response solved once and reused by every
fluence: ``reuse_induction=True``, the default) and without it (every point solves its induction),
in the same run; optionally to the full end time (``--full``); the sweep's wall time on this many
ranks (run it serially and under ``mpiexec -n 2`` for the 1 → 2 rank speed-up: groups of one rank
each), the scalar beam-centre model's cost per point, and the extrapolation to a 40 × 40 D × F map
(1600 points sharing 40 responses per group). The load average of the machine is printed beside
the figures (the development machine is shared): compare the two sides of one run only.

    python bench/bench_sweep.py [--fluences 4] [--diameters 2] [--end "30 ps"] [--cells 8]
    mpiexec -n 2 python bench/bench_sweep.py --only-lever
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.study import Sweep


def case(end: str, cells: int) -> dict:
    return {
        "stack": {"layers": [{"name": "CoPt", "material": "CoPt_S003A", "thickness": "10 nm"}],
                  "substrate": {"material": "fused_silica", "thickness": "5 um"}},
        "mesh": {"kind": "rz", "cells_per_beam_radius": cells},
        "pulse": {"fluence": "2.6 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
                  "helicity": "sigma-", "arrival": "0.2 ps"},
        "magnetization": {"initial": "+z"},
        "induction": {"ife_coefficient": "1 T/(mJ/cm^2)"},
        "time": {"end": end, "dt_pulse": "2 fs", "dt_max": "1 ps"},
    }


def make_sweep(args) -> Sweep:
    axes = {"pulse.fluence": {"from": "2 mJ/cm^2", "to": "3.2 mJ/cm^2", "num": args.fluences},
            "pulse.diameter": {"from": "5 um", "to": "20 um", "num": args.diameters}}
    return Sweep(case(args.end, args.cells), axes=axes)


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def scalar_cost(n: int = 40) -> tuple[float, int]:
    """Seconds for the scalar model on an n × n D × F map (σ− and σ+ per point, 150 ps)."""
    from femmag.models.beam_centre import scalar_time_grid
    from femmag.studies.seed003.scalar_maps import ElectronTemperatureTable, final_states

    t0 = time.perf_counter()
    times = scalar_time_grid(150e-12)
    table = ElectronTemperatureTable(150e-12)
    D, F = np.meshgrid(np.linspace(2, 20, n) * 1e-6, np.linspace(16, 34, n), indexing="ij")
    for h, b0 in ((-1.0, 1e-4), (1.0, -1e-4)):
        final_states(F.ravel(), diameter=D.ravel(), ife_coefficient=0.1, helicity=h,
                     disturbance=b0, times=times, temperature=table)
    return time.perf_counter() - t0, 2 * n * n


def split(out: Path, n: int) -> dict:
    """Mean per-point seconds by part, from the point records."""
    parts = {"setup": [], "induction_response": [], "heat": [], "magnetization": [],
             "induction": [], "outcome": [], "total": [], "steps": [], "end": []}
    for record in sorted((out / "points").glob("*.toml")):
        r = tomllib.loads(record.read_text())
        s = r.get("seconds", {})
        for k in parts:
            if k == "end":
                parts[k].append(r.get("outcomes", {}).get("end_time", np.nan))
            else:
                parts[k].append(s.get(k, 0.0 if k == "induction_response" else np.nan))
    result = {k: float(np.mean(v)) for k, v in parts.items()}
    result["responses"] = int(np.sum(np.array(parts["induction_response"]) > 0))
    result["response_sum"] = float(np.sum(parts["induction_response"]))
    result["response_cpu_sum"] = float(sum(
        tomllib.loads(p.read_text()).get("seconds", {}).get("induction_response_cpu", 0.0)
        for p in (out / "points").glob("*.toml")))
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fluences", type=int, default=4)
    parser.add_argument("--diameters", type=int, default=2)
    parser.add_argument("--end", default="30 ps")
    parser.add_argument("--cells", type=int, default=8, help="cells per beam radius")
    parser.add_argument("--only-lever", action="store_true",
                        help="early stop with the lever only (for the rank speed-up)")
    parser.add_argument("--full", action="store_true",
                        help="also run to the full end time (no early stop), with the lever")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    sweep = make_sweep(args)
    root = Path(comm.bcast(tempfile.mkdtemp(prefix="bench_sweep_") if comm.rank == 0 else None))
    variants = [("early stop, reused response", True, True),
                ("early stop, solved per point", True, False)]
    if args.full:
        variants.append(("full end, reused response", False, True))
    if args.only_lever:
        variants = variants[:1]
    rows = []
    for label, early, reuse in variants:
        folder = root / label.replace(" ", "_").replace(",", "")
        comm.Barrier()
        before = load()
        t0, c0 = time.perf_counter(), time.process_time()
        ds = sweep.run(folder, comm=comm, early_stop=early, quiet=True, reuse_induction=reuse)
        wall = time.perf_counter() - t0
        cpu = comm.allreduce(time.process_time() - c0)  # CPU seconds of all ranks
        if comm.rank == 0:
            rows.append((label, wall, split(folder, len(sweep)), ds["outcome"].values.ravel().tolist(),
                         f"{before} -> {load()}", cpu / len(sweep)))
    if comm.rank == 0:
        print(f"bench_sweep: {sweep} on {comm.size} rank(s) (groups of 1), end {args.end}, "
              f"{args.cells} cells per beam radius; {root}")
        print("per point, mean wall seconds of the point records (response: the solve of a "
              "unit response, on the points that needed one)")
        head = ("", "sweep wall [s]", "s/point/core", "CPU s/point", "setup", "response",
                "heat", "LLB", "induction", "outcome", "total/pt", "steps", "end [ps]",
                "load avg (1/5/15 min) before -> after")
        print(" | ".join(head))
        for label, wall, s, _, ld, cpu in rows:
            print(" | ".join([label, f"{wall:.1f}", f"{wall * comm.size / len(sweep):.2f}",
                              f"{cpu:.2f}",
                              *(f"{s[k]:.2f}" for k in ("setup", "induction_response", "heat",
                                                        "magnetization", "induction", "outcome",
                                                        "total")),
                              f"{s['steps']:.0f}", f"{s['end']:.1f}", ld]))
        for label, _, _, outcomes, _, _ in rows:
            print(f"outcomes ({label}): {outcomes}")
        groups = comm.size
        for label, wall, s, _, _, cpu in rows:
            # a point that reuses a response, and one response solve (each group solves each
            # diameter it meets once: at most 40 per group on the 40 x 40 map)
            core_seconds = wall * comm.size
            per_response = s["response_sum"] / max(s["responses"], 1)
            per_point = (core_seconds - s["response_sum"]) / len(sweep)
            responses = 40 * groups if s["responses"] else 0
            hours = (1600 * per_point + responses * per_response) / 3600 / comm.size
            cpu_response = s["response_cpu_sum"] / max(s["responses"], 1)
            cpu_point = cpu - s["response_cpu_sum"] / len(sweep)
            # two groups of one rank on 2 idle cores: each solves every diameter once
            cpu_hours = (1600 * cpu_point + (80 if s["responses"] else 0) * cpu_response) \
                / 3600 / 2
            print(f"40 x 40 D x F map ({label}): {per_point:.2f} s/point/core wall + "
                  f"{responses} response solves of {per_response:.1f} s -> {hours:.2f} h on "
                  f"{comm.size} loaded core(s); from CPU time ({cpu_point:.2f} CPU s/point, "
                  f"{cpu_response:.1f} CPU s/response): "
                  f"{cpu_hours:.2f} h on 2 idle cores (x2 with the seed's sigma-/sigma+ pair, "
                  f"which shares the responses)")
        seconds, points = scalar_cost()
        print(f"scalar model: {points} runs (40 x 40 D x F, sigma- and sigma+) in {seconds:.1f} s "
              f"= {1e3 * seconds / points:.2f} ms per run, 1 core (load {load()})")


if __name__ == "__main__":
    main()
