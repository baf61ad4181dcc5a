"""Throughput of the LLB point kernel: fused numba loop vs plain numpy, in the same run.

One "point update" = one heat step of 10 fs at one quadrature point (whatever number of internal
sub-steps it needs); "sub-step updates" counts the SDIRK2 sub-steps actually taken. Temperatures are
spread across T_c (0.3–2.5 T_c), |m| in 0.05–0.8 with random directions, fields of ~1 T.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_llb.py [--sizes 1e4 1e5 1e6] [--repeat 3]``
(serial, one core).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from femmag.kernels import llb
from femmag.units import MU_B

DT = 10e-15
TC = 550.0


def make_inputs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    m = direction * rng.uniform(0.05, 0.8, (n, 1))
    field = rng.normal(size=(n, 3))
    temperature = TC * rng.uniform(0.3, 2.5, n)
    params = llb.LLBParameters(curie_temperature=TC, atomic_moment=1.2 * MU_B, coupling=0.045)
    return m, field, temperature, params


def substeps_taken(m, field, temperature, params) -> int:
    n = m.shape[0]
    Tc, mu, lam, gam = (np.broadcast_to(a, (n,)) for a in params.arrays(n))
    k, kd, ka, kc = llb._point_rates(temperature, Tc, mu, lam, gam)
    nsub, _ = llb._substep_counts(m, field, DT, k, kd, ka, kc, 0.0)
    return int(nsub.sum())


def best_time(func, repeat: int) -> tuple[float, float]:
    """Best (CPU time, wall time) over ``repeat`` runs; CPU time is robust on a shared machine."""
    best_cpu, best_wall = np.inf, np.inf
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        func()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return best_cpu, best_wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.pop("FEMMAG_NO_NUMBA", None)

    # pay compilation / cache loading once, outside the timings
    m, field, temperature, params = make_inputs(16)
    t0 = time.perf_counter()
    llb.llb_advance(m, field, temperature, DT, params)
    print(f"numba first call (compile or cache load): {time.perf_counter() - t0:.2f} s")

    print("rates per core from CPU time (robust on a shared machine); one update = one 10 fs step")
    header = (f"{'points':>9} {'kernel':>6} {'CPU ms/step':>12} {'wall ms/step':>13} "
              f"{'Mpoint-upd/s':>13} {'Msubstep-upd/s':>15} {'substeps/pt':>12} {'max|Δ|':>9}")
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        n = int(size)
        m, field, temperature, params = make_inputs(n)
        total_sub = substeps_taken(m, field, temperature, params)
        out = {}
        for name, func in (("numba", llb.llb_advance), ("numpy", llb.llb_advance_numpy)):
            rep = args.repeat if (name == "numba" or n <= 1e5) else 1
            result = {}

            def run(func=func, result=result):
                result["m"], _ = func(m, field, temperature, DT, params)

            cpu, wall = best_time(run, rep)
            out[name] = result["m"]
            diff = np.max(np.abs(out[name] - out["numba"]))
            print(f"{n:>9d} {name:>6} {1e3 * cpu:>12.2f} {1e3 * wall:>13.2f} "
                  f"{n / cpu / 1e6:>13.2f} {total_sub / cpu / 1e6:>15.2f} {total_sub / n:>12.2f} "
                  f"{diff:>9.1e}")


if __name__ == "__main__":
    main()
