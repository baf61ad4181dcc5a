"""Throughput of the LLB point kernels: deterministic vs stochastic, fused numba vs plain numpy.

Same inputs as ``bench/bench_llb.py``: temperatures spread across T_c (0.3–2.5 T_c), |m| in
0.05–0.8 with random directions, fields of ~1 T, one "point update" = one 10 fs step at one point
(whatever number of internal sub-steps it needs). Kernels:

* ``det``: :func:`femmag.kernels.llb.llb_advance` (exact precession + SDIRK2);
* ``stoch``: :func:`femmag.kernels.stochastic.stochastic_llb_advance` (Heun, 6 ziggurat normals
  per sub-step from a counter-based hash keyed by the global point id), cell moment of 1000 μ_at.

Rates are per core from the CPU time (robust on a shared machine); ``max|Δ|`` is the difference
of the numpy twin from the numba kernel (same noise).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_llb_stochastic.py [--sizes 1e4 1e5 1e6]
[--repeat 3]``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from femmag.kernels import llb, stochastic
from femmag.units import MU_B

DT = 10e-15
TC = 550.0
MU_AT = 1.2 * MU_B


def make_inputs(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=(n, 3))
    direction /= np.linalg.norm(direction, axis=1)[:, None]
    m = direction * rng.uniform(0.05, 0.8, (n, 1))
    field = rng.normal(size=(n, 3))
    temperature = TC * rng.uniform(0.3, 2.5, n)
    params = llb.LLBParameters(curie_temperature=TC, atomic_moment=MU_AT, coupling=0.045)
    return m, field, temperature, params


def best_time(func, repeat: int) -> tuple[float, float]:
    """Best (CPU time, wall time) over ``repeat`` runs."""
    best_cpu, best_wall = np.inf, np.inf
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        func()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return best_cpu, best_wall


def substeps(m, field, temperature, params) -> tuple[int, int]:
    """Total sub-steps taken by the deterministic and the stochastic kernel."""
    n = m.shape[0]
    Tc, mu, lam, gam = (np.broadcast_to(a, (n,)) for a in params.arrays(n))
    k, kd, ka, kc = llb._point_rates(temperature, Tc, mu, lam, gam)
    det, _ = llb._substep_counts(m, field, DT, k, kd, ka, kc, 0.0)
    *_, sto, _ = stochastic._rates(m, field, DT, temperature, Tc, mu, lam, gam,
                                   stochastic.STOCHASTIC_THETA, None)
    return int(det.sum()), int(sto.sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.pop("FEMMAG_NO_NUMBA", None)

    m, field, temperature, params = make_inputs(16)
    t0 = time.perf_counter()
    llb.llb_advance(m, field, temperature, DT, params)
    stochastic.stochastic_llb_advance(m, field, temperature, DT, params, 1000 * MU_AT,
                                      np.arange(16), 0, 0)
    print(f"numba first calls (compile or cache load): {time.perf_counter() - t0:.2f} s")
    print("rates per core from CPU time; one point update = one 10 fs step at one point")
    header = (f"{'points':>9} {'kernel':>6} {'impl':>6} {'CPU ms/step':>12} {'wall ms/step':>13} "
              f"{'Mpoint-upd/s':>13} {'Msubstep/s':>11} {'substeps/pt':>12} {'max|Δ|':>9}")
    print(header)
    print("-" * len(header))
    for size in args.sizes:
        n = int(size)
        m, field, temperature, params = make_inputs(n)
        ids = np.arange(n, dtype=np.int64)
        sub_det, sub_sto = substeps(m, field, temperature, params)
        kernels = {
            ("det", "numba"): lambda: llb.llb_advance(m, field, temperature, DT, params)[0],
            ("det", "numpy"): lambda: llb.llb_advance_numpy(m, field, temperature, DT,
                                                            params)[0],
            ("stoch", "numba"): lambda: stochastic.stochastic_llb_advance(
                m, field, temperature, DT, params, 1000 * MU_AT, ids, 1, 0),
            ("stoch", "numpy"): lambda: stochastic.stochastic_llb_advance_numpy(
                m, field, temperature, DT, params, 1000 * MU_AT, ids, 1, 0),
        }
        results = {}
        for (kind, impl), func in kernels.items():
            rep = args.repeat if (impl == "numba" or n <= 1e5) else 1
            box = {}

            def run(func=func, box=box):
                box["m"] = func()

            cpu, wall = best_time(run, rep)
            results[kind, impl] = box["m"]
            diff = np.max(np.abs(box["m"] - results[kind, "numba"]))
            total = sub_det if kind == "det" else sub_sto
            print(f"{n:>9d} {kind:>6} {impl:>6} {1e3 * cpu:>12.2f} {1e3 * wall:>13.2f} "
                  f"{n / cpu / 1e6:>13.2f} {total / cpu / 1e6:>11.2f} {total / n:>12.2f} "
                  f"{diff:>9.1e}")


if __name__ == "__main__":
    main()
