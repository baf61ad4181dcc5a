"""Strong scaling of one r-z two-temperature (heat) step at ~200k unknowns: 1 and 2 ranks, the
previous solver settings against the current ones, in one run.

    python bench/bench_heat_scaling.py                     # ~207k unknowns, 1 and 2 ranks
    python bench/bench_heat_scaling.py --cells 200 --steps 20   # small, quick
    python bench/bench_heat_scaling.py --ranks 1 2 4

Seed-003 film (CoPt 10 nm on 5 µm silica, air above), r-z mesh of ``--cells`` cells per beam
radius and 0.25 nm cells in the film, the heat module alone (no magnetization) with the default
fixed steps of the pulse window (2 fs), timed over ``--steps`` steps through the rising pulse
(140 fs, arriving at 0.2 ps; from 0.14 ps after ``--warmup`` untimed steps), then, after untimed
20 fs steps to 0.5 ps, over ``--steps`` steps of 100 fs (relaxation). Settings compared:

- ``newton``: every Newton iteration assembles J and sets up GMRES + block-Jacobi/ILU(0) again,
  linear rtol 1e-12 (the heat module's settings before the reused Jacobian);
- ``reuse+bjacobi``: J and its preconditioner kept while the measured contraction pays
  (``reuse_jacobian=True``), linear rtol 1e-6, block Jacobi/ILU(0) as before;
- ``reuse``: the defaults now: the same with additive Schwarz (overlap 1, ILU(0) per rank):
  on the bilinear r-z cells the z-stiffness couples across a rank boundary through the radial
  mass matrix, which block Jacobi drops (4 → 18 Krylov iterations on 2 ranks, 10 with ASM);
- ``reuse+lu``: the same with MUMPS' LU, factorized only when J is assembled.

Per setting and rank count: wall per step (slowest rank), CPU per step (mean over ranks; the
machine may be shared, so wall follows the load), the load average when it ran, J and F
assemblies and Krylov iterations per step, peak memory per rank (RSS of a fresh process, and its
growth over setup + steps), and the largest difference of the film-averaged (T_e, T_l) from the
one-rank ``newton`` run over all timed steps.

Each configuration runs in its own process (``--worker``), under ``mpiexec -n N python -m
mpi4py`` for N > 1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
SETTINGS = {
    "newton": {"reuse_jacobian": False, "petsc_options": {"ksp_rtol": 1e-12}},
    "reuse+bjacobi": {"petsc_options": {"pc_type": "bjacobi"}},
    "reuse": {},
    "reuse+lu": {"petsc_options": {"ksp_type": "preonly", "pc_type": "lu",
                                   "pc_factor_mat_solver_type": "mumps"}},
}


def rss_mb() -> float:
    """Peak resident set size of this process [MB] (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def worker(args) -> None:
    import numpy as np

    import femmag  # noqa: F401

    from mpi4py import MPI

    from femmag.pulse import Pulse
    from femmag.simulation import Simulation
    from femmag.studies.seed003 import seed003_film

    comm = MPI.COMM_WORLD
    rss_start = rss_mb()
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    sim = Simulation(seed003_film(), pulse, mesh="rz", magnetization=False, accuracy=None,
                     heat_options=dict(SETTINGS[args.setting]),
                     mesh_options={"radius": "20 um", "cells_per_beam_radius": args.cells,
                                   "max_cell_size": "0.25 nm"},
                     comm=comm, verbose=False)
    t0 = time.perf_counter()
    sim.setup()
    setup_s = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
    heat, newton = sim.heat, sim.heat.newton
    dt, t = 2e-15, 0.14e-12
    for _ in range(args.warmup):
        heat.step(t, dt)
        heat.commit()
        t += dt
    phases = {}
    film = []
    for phase, dt in (("pulse", 2e-15), ("relaxation", 100e-15)):
        if phase == "relaxation":  # untimed: on past the pulse peak (0.2 ps) to 0.5 ps
            while t < 0.5e-12 - 1e-18:
                heat.step(t, 20e-15)
                heat.commit()
                t += 20e-15
        comm.Barrier()
        J0, F0, K0 = (newton.jacobian_assemblies, newton.residual_assemblies,
                      newton.linear_iterations)
        load = os.getloadavg()[0]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(args.steps):
            heat.step(t, dt)
            heat.commit()
            t += dt
            film.append(heat.average_temperatures("CoPt"))
        wall = comm.allreduce(time.perf_counter() - wall0, op=MPI.MAX)
        cpu = comm.allreduce(time.process_time() - cpu0, op=MPI.SUM) / comm.size
        phases[phase] = {
            "wall_step_s": wall / args.steps, "cpu_step_s": cpu / args.steps,
            "load": max(load, os.getloadavg()[0]),
            "J_per_step": (newton.jacobian_assemblies - J0) / args.steps,
            "F_per_step": (newton.residual_assemblies - F0) / args.steps,
            "krylov_per_step": (newton.linear_iterations - K0) / args.steps}
    rss = comm.gather(rss_mb(), root=0)
    growth = comm.gather(rss_mb() - rss_start, root=0)
    result = {"setting": args.setting, "ranks": comm.size,
              "dofs": 2 * heat.V.dofmap.index_map.size_global, "setup_s": setup_s,
              "phases": phases,
              "rss_mb": max(rss) if rss else 0.0, "rss_growth_mb": max(growth) if growth else 0.0,
              "film": np.asarray(film).tolist()}
    if comm.rank == 0:
        print("RESULT " + json.dumps(result), flush=True)


def run_worker(ranks: int, setting: str, args) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               PYVISTA_OFF_SCREEN="true")
    cmd = [sys.executable, str(HERE), "--worker", "--setting", setting, "--cells",
           str(args.cells), "--steps", str(args.steps), "--warmup", str(args.warmup)]
    if ranks > 1:
        mpiexec = Path(sys.executable).with_name("mpiexec")
        cmd = [str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", str(ranks),
               sys.executable, "-m", "mpi4py", *cmd[1:]]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"worker {setting} on {ranks} ranks failed:\n{out.stderr[-3000:]}")
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--setting", default="reuse", choices=sorted(SETTINGS))
    parser.add_argument("--cells", type=int, default=1300,
                        help="cells per beam radius (1300: ~207k unknowns)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    import numpy as np

    if "newton" not in args.settings:
        args.settings.insert(0, "newton")
    results = []
    for n in args.ranks:
        for setting in args.settings:
            results.append(run_worker(n, setting, args))
            summary = {k: v for k, v in results[-1].items() if k != "film"}
            print(f"done: {json.dumps(summary)}", flush=True)  # partial results of a long run
    base = {(r["setting"], r["ranks"]): r for r in results}
    reference = np.asarray(base[("newton", args.ranks[0])]["film"])
    print(f"\nr-z heat step, {results[0]['dofs']} unknowns, {args.steps} steps of 2 fs through "
          f"the rising pulse from 0.14 ps (after {args.warmup}), then {args.steps} steps of "
          f"100 fs from 0.5 ps; "
          f"{os.cpu_count()} cores here; wall = slowest rank, CPU = mean per rank\n")
    print("| phase | setting | ranks | wall/step | CPU/step | load | 2-rank speed-up (wall, CPU) "
          "| J, F, Krylov its per step | peak RSS/rank | growth/rank | max ΔT vs newton, 1 rank |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for phase in ("pulse", "relaxation"):
        for r in results:
            p, one = r["phases"][phase], base[(r["setting"], args.ranks[0])]["phases"][phase]
            diff = float(np.max(np.abs(np.asarray(r["film"]) - reference)))
            print(f"| {phase} | {r['setting']} | {r['ranks']} | {p['wall_step_s']:.3f} s | "
                  f"{p['cpu_step_s']:.3f} s | {p['load']:.1f} | "
                  f"{one['wall_step_s'] / p['wall_step_s']:.2f}×, "
                  f"{one['cpu_step_s'] / p['cpu_step_s']:.2f}× | "
                  f"{p['J_per_step']:.2f}, {p['F_per_step']:.2f}, {p['krylov_per_step']:.1f} | "
                  f"{r['rss_mb']:.0f} MB | {r['rss_growth_mb']:.0f} MB | {diff:.2e} K |")
    print()
    for phase in ("pulse", "relaxation"):
        for n in args.ranks:
            old = base[("newton", n)]["phases"][phase]
            for setting in args.settings[1:]:
                new = base[(setting, n)]["phases"][phase]
                print(f"{phase}, {n} rank(s): {setting} vs newton "
                      f"{old['wall_step_s'] / new['wall_step_s']:.2f}× in wall, "
                      f"{old['cpu_step_s'] / new['cpu_step_s']:.2f}× in CPU")

if __name__ == "__main__":
    main()
