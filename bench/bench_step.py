"""Cost of each physics module per step and total wall time of the main demo, serial and 2 ranks.

    python bench/bench_step.py            # runs the serial and the 2-rank case, prints one table
    python bench/bench_step.py --t-end "100 ps" --cells 20
    python bench/bench_step.py --induction      # the coupled seed-003 chain (IFE + eddy currents)
    python bench/bench_step.py --tolerance 1    # error-controlled time steps (tolerance in K)

The driver starts itself as a worker (``--worker``) once serially and once under
``mpiexec -n 2 python -m mpi4py``, so both columns come from the same script in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def worker(args) -> None:
    t_start = time.perf_counter()
    import femmag  # noqa: F401

    from mpi4py import MPI

    from femmag.studies.seed003 import seed003_film
    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping

    comm = MPI.COMM_WORLD
    t_import = time.perf_counter() - t_start
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.2 ps")
    sim = Simulation(seed003_film(), pulse, mesh="rz",
                     mesh_options={"radius": "20 um", "cells_per_beam_radius": args.cells,
                                   "max_cell_size": "1 nm"},
                     induction={"ife_coefficient": "1 T/(mJ/cm^2)"} if args.induction else None,
                     time_stepping=TimeStepping(
                         dt_pulse="2 fs", dt_max="1 ps",
                         tolerance=None if args.tolerance is None else f"{args.tolerance} K"),
                     comm=comm, verbose=False)
    t0 = time.perf_counter()
    sim.setup()
    t_setup = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim.run(args.t_end)
    t_run = time.perf_counter() - t0
    steps = sim.timings["steps"]
    per_step = {k: comm.allreduce(v, op=MPI.MAX) / steps * 1e3
                for k, v in sorted(sim.module_seconds.items())}
    result = {"ranks": comm.size, "steps": steps, "import_s": t_import, "setup_s": t_setup,
              "run_s": comm.allreduce(t_run, op=MPI.MAX), "per_step_ms": per_step,
              "cells": sim.domain.mesh.topology.index_map(2).size_global,
              "qp": comm.allreduce(int(sim.magnetization._owned.sum()), op=MPI.SUM),
              "Te_max": float(max(sim.traces.column("electron_temperature_centre"))),
              "m_end": float(sim.traces.column("magnetization_z_centre")[-1])}
    result["total_s"] = time.perf_counter() - t_start
    if comm.rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def run_worker(cmd: list[str]) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYVISTA_OFF_SCREEN="true")
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--t-end", default="100 ps")
    parser.add_argument("--cells", type=int, default=20, help="cells per beam radius")
    parser.add_argument("--induction", action="store_true", help="couple IFE + induction")
    parser.add_argument("--tolerance", type=float, default=None, help="Δt control tolerance [K]")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    py = sys.executable
    mpiexec = str(Path(py).parent / "mpiexec")
    base = [str(HERE), "--worker", "--t-end", args.t_end, "--cells", str(args.cells)]
    base += ["--induction"] if args.induction else []
    base += ["--tolerance", str(args.tolerance)] if args.tolerance is not None else []
    results = [run_worker([py, *base]),
               run_worker([mpiexec, "-n", "2", py, "-m", "mpi4py", *base])]
    r1, r2 = results
    what = "coupled IFE + induction, σ−" if args.induction else "main demo"
    control = f", Δt tolerance {args.tolerance} K" if args.tolerance is not None else ""
    print(f"\n{what} (seed-003 film, r-z, {r1['cells']} cells, {r1['qp']} LLB points, "
          f"0-{args.t_end}, {r1['steps']} steps{control})")
    print(f"{'':28s}{'1 rank':>12s}{'2 ranks':>12s}")
    keys = sorted(set(r1["per_step_ms"]) | set(r2["per_step_ms"]))
    for k in keys:
        print(f"{k + ' [ms/step]':28s}{r1['per_step_ms'].get(k, 0):12.3f}"
              f"{r2['per_step_ms'].get(k, 0):12.3f}")
    for k, label in [("import_s", "import [s]"), ("setup_s", "setup [s]"),
                     ("run_s", "time loop [s]"), ("total_s", "total wall [s]")]:
        print(f"{label:28s}{r1[k]:12.2f}{r2[k]:12.2f}")
    print(f"{'T_e,max [K]':28s}{r1['Te_max']:12.3f}{r2['Te_max']:12.3f}")
    print(f"{'m_z(centre, t_end)':28s}{r1['m_end']:12.5f}{r2['m_end']:12.5f}")


if __name__ == "__main__":
    main()
