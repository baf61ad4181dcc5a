"""Throughput of the LLB point kernels: deterministic vs stochastic, fused numba vs plain numpy.

Same inputs as ``bench/bench_llb.py``: temperatures spread across T_c (0.3–2.5 T_c), |m| in
0.05–0.8 with random directions, fields of ~1 T, one "point update" = one 10 fs step at one point
(whatever number of internal sub-steps it needs). Kernels:

* ``det``: :func:`femmag.kernels.llb.llb_advance` (exact precession + SDIRK2);
* ``stoch``: :func:`femmag.kernels.stochastic.stochastic_llb_advance` (Heun, 6 ziggurat normals
  per sub-step from a counter-based hash keyed by the global point id), cell moment of 1000 μ_at.

Rates are per core from the CPU time (robust on a shared machine); ``max|Δ|`` is the difference
of the numpy twin from the numba kernel (same noise). Targets (issue 2): det >= 30, stoch >= 15
M point-updates/s per core.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_llb_stochastic.py [--sizes 1e4 1e5 1e6]
[--repeat 5]``; two MPI ranks (each advances its half of the points, keyed by their global ids,
one core each): ``.venv/bin/mpiexec -n 2 .venv/bin/python bench/bench_llb_stochastic.py``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from bench_llb import _mpi, best_time

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
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("FEMMAG_NO_NUMBA", None)
    comm, rank, size = _mpi()
    say = print if rank == 0 else (lambda *a, **k: None)

    m, field, temperature, params = make_inputs(16)
    t0 = time.perf_counter()
    llb.llb_advance(m, field, temperature, DT, params)
    stochastic.stochastic_llb_advance(m, field, temperature, DT, params, 1000 * MU_AT,
                                      np.arange(16), 0, 0)
    say(f"numba first calls (compile or cache load): {time.perf_counter() - t0:.2f} s")
    say(f"MPI ranks: {size}; rates per core from CPU time; one point update = one 10 fs step "
        "at one point")
    header = (f"{'points':>9} {'kernel':>6} {'impl':>6} {'CPU ms/step':>12} {'wall ms/step':>13} "
              f"{'Mpt-upd/s/core':>15} {'Mpt/s wall':>11} {'Msubstep/s':>11} "
              f"{'substeps/pt':>12} {'max|Δ|':>9}")
    say(header)
    say("-" * len(header))
    for n_total in (int(s) for s in args.sizes):
        m, field, temperature, params = make_inputs(n_total)
        part = slice(rank * n_total // size, (rank + 1) * n_total // size)  # this rank's points
        ids = np.arange(n_total, dtype=np.int64)[part]  # global ids: noise independent of split
        m, field, temperature = m[part], field[part], temperature[part]
        sub_det, sub_sto = substeps(m, field, temperature, params)
        if comm is not None:
            sub_det, sub_sto = comm.allreduce(sub_det), comm.allreduce(sub_sto)
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
            rep = args.repeat if (impl == "numba" or n_total <= 1e5) else 1
            box = {}

            def run(func=func, box=box):
                box["m"] = func()

            cpu, wall = best_time(run, rep, comm)
            results[kind, impl] = box["m"]
            diff = np.max(np.abs(box["m"] - results[kind, "numba"]))
            if comm is not None:
                diff = comm.allreduce(diff, op=max)
            total = sub_det if kind == "det" else sub_sto
            say(f"{n_total:>9d} {kind:>6} {impl:>6} {1e3 * cpu:>12.2f} {1e3 * wall:>13.2f} "
                f"{n_total / size / cpu / 1e6:>15.2f} {n_total / wall / 1e6:>11.2f} "
                f"{total / size / cpu / 1e6:>11.2f} {total / n_total:>12.2f} {diff:>9.1e}")


if __name__ == "__main__":
    main()
