"""Throughput of the LLB point kernel: compiled (numba) vs plain numpy, in the same run.

One "point update" = one heat step of 10 fs at one quadrature point (whatever number of internal
sub-steps it needs); "sub-step updates" counts the SDIRK2 sub-steps actually taken. Temperatures are
spread across T_c (0.3–2.5 T_c), |m| in 0.05–0.8 with random directions, fields of ~1 T.
Target (issue 2): >= 30 M point-updates/s per core for the compiled kernel.

Rows: ``numpy`` (:func:`femmag.kernels.llb.llb_advance_numpy`), ``numba`` (one thread) and
``numba-2t`` (``parallel=True`` with 2 numba threads; its "per core" rate is points / CPU time
of both threads, and ``Mpt/s wall`` the wall-clock throughput). ``max|Δ|`` is the difference from
the serial numba result (the threaded one must be 0: same arithmetic).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_llb.py [--sizes 1e4 1e5 1e6] [--repeat 5]``.
Two MPI ranks (each advances its half of the points, one core each):
``.venv/bin/mpiexec -n 2 .venv/bin/python bench/bench_llb.py``.
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


def best_time(func, repeat: int, comm=None) -> tuple[float, float]:
    """Best (CPU time, wall time) over ``repeat`` runs (under MPI: ranks start together and
    the wall time is the slowest rank's)."""
    best_cpu, best_wall = np.inf, np.inf
    for _ in range(repeat):
        if comm is not None:
            comm.Barrier()
        c0, w0 = time.process_time(), time.perf_counter()
        func()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        if comm is not None:
            cpu, wall = comm.allreduce(cpu, op=_MPI_MAX), comm.allreduce(wall, op=_MPI_MAX)
        best_cpu, best_wall = min(best_cpu, cpu), min(best_wall, wall)
    return best_cpu, best_wall


_MPI_MAX = None


def _mpi():
    """(comm, rank, size) when run under mpiexec with more than one rank, else (None, 0, 1)."""
    global _MPI_MAX
    try:
        from mpi4py import MPI
    except ImportError:  # pragma: no cover
        return None, 0, 1
    comm = MPI.COMM_WORLD
    if comm.size == 1:
        return None, 0, 1
    _MPI_MAX = MPI.MAX
    return comm, comm.rank, comm.size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 1e5, 1e6])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2, help="numba threads of numba-2t")
    args = parser.parse_args()
    os.environ.pop("FEMMAG_NO_NUMBA", None)
    import numba

    comm, rank, size = _mpi()
    say = print if rank == 0 else (lambda *a, **k: None)

    # pay compilation / cache loading once, outside the timings
    m, field, temperature, params = make_inputs(16)
    t0 = time.perf_counter()
    llb.llb_advance(m, field, temperature, DT, params)
    llb.llb_advance(m, field, temperature, DT, params, parallel=True)
    say(f"numba first calls (compile or cache load): {time.perf_counter() - t0:.2f} s")
    say(f"MPI ranks: {size}; per-core rates from CPU time (robust on a shared machine); "
        "one update = one 10 fs step")
    header = (f"{'points':>9} {'kernel':>8} {'CPU ms/step':>12} {'wall ms/step':>13} "
              f"{'Mpt-upd/s/core':>15} {'Mpt/s wall':>11} {'Msubstep/s':>11} "
              f"{'substeps/pt':>12} {'max|Δ|':>9}")
    say(header)
    say("-" * len(header))
    threads = min(args.threads, numba.config.NUMBA_NUM_THREADS)
    for n_total in (int(s) for s in args.sizes):
        m, field, temperature, params = make_inputs(n_total)
        part = slice(rank * n_total // size, (rank + 1) * n_total // size)  # this rank's points
        m, field, temperature = m[part], field[part], temperature[part]
        total_sub = substeps_taken(m, field, temperature, params)
        if comm is not None:
            total_sub = comm.allreduce(total_sub)
        kernels = [("numba", lambda: llb.llb_advance(m, field, temperature, DT, params)[0], 1)]
        if comm is None:
            kernels.append(("numba-2t", lambda: llb.llb_advance(
                m, field, temperature, DT, params, parallel=True)[0], threads))
        kernels.append(("numpy", lambda: llb.llb_advance_numpy(m, field, temperature, DT,
                                                               params)[0], 1))
        out = {}
        for name, func, n_threads in kernels:
            rep = args.repeat if (name != "numpy" or n_total <= 1e5) else 1
            result = {}

            def run(func=func, result=result):
                result["m"] = func()

            numba.set_num_threads(n_threads)
            try:
                cpu, wall = best_time(run, rep, comm)
            finally:
                numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
            out[name] = result["m"]
            diff = np.max(np.abs(out[name] - out["numba"]))
            if comm is not None:
                diff = comm.allreduce(diff, op=_MPI_MAX)
            say(f"{n_total:>9d} {name:>8} {1e3 * cpu:>12.2f} {1e3 * wall:>13.2f} "
                f"{n_total / size / cpu / 1e6:>15.2f} "
                f"{n_total / wall / 1e6:>11.2f} {total_sub / size / cpu / 1e6:>11.2f} "
                f"{total_sub / n_total:>12.2f} {diff:>9.1e}")


if __name__ == "__main__":
    main()
