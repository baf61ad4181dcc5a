"""Compile the numba kernels once, ahead of first use: ``python -m femmag.kernels.warmup``.

``make setup`` runs this after the install so that the first simulation loads machine code from
numba's on-disk cache (``femmag/kernels/__pycache__``) instead of compiling for ~30 s. Each kernel
family is called on a few points through its public function, so the compiled signatures are
exactly those of production runs (float64 C-contiguous arrays, Python floats/ints/bools).

The families live in separate modules with separate caches, so they compile in parallel
processes (one process per module, never two on the same module's cache).

Usage: ``python -m femmag.kernels.warmup [--serial] [--jobs N] [--module NAME ...]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import IO

import numpy as np

__all__ = ["FAMILIES", "warm_module", "warm_up"]


def _llb_inputs(n: int = 4):
    from femmag.kernels.llb import LLBParameters

    m = np.tile([0.6, 0.0, 0.8], (n, 1))
    field = np.tile([0.0, 0.0, 0.5], (n, 1))
    temperature = np.linspace(300.0, 900.0, n)
    params = LLBParameters(curie_temperature=630.0, atomic_moment=1.6 * 9.274e-24,
                           coupling=0.02)
    return m, field, temperature, params


def _warm_ode() -> None:
    """femmag.kernels.ode: classical LLB (serial and threaded entries) and the spin-S LLB."""
    from femmag.kernels.brillouin import QuantumLLBParameters, quantum_llb_advance
    from femmag.kernels.llb import llb_advance

    m, field, temperature, params = _llb_inputs()
    llb_advance(m, field, temperature, 1e-15, params)
    llb_advance(m, field, temperature, 1e-15, params, parallel=True)
    quantum = QuantumLLBParameters(curie_temperature=630.0, atomic_moment=1.6 * 9.274e-24,
                                   coupling=0.02, spin=0.5)
    quantum_llb_advance(m, field, temperature, 1e-15, quantum)


def _warm_stochastic() -> None:
    """femmag.kernels.stochastic: stochastic LLB (Heun sub-steps, counter-based noise)."""
    from femmag.kernels.stochastic import stochastic_llb_advance

    m, field, temperature, params = _llb_inputs()
    ids = np.arange(m.shape[0], dtype=np.int64)
    stochastic_llb_advance(m, field, temperature, 1e-15, params, 1e-20, ids, seed=1,
                           step_index=0)


def _warm_sd() -> None:
    """femmag.kernels.sd: local s-d model, spin accumulation on and off, called as the spin
    module calls it (per-point arrays, temperature pairs (start, end) over the step)."""
    from femmag.kernels.sd import SdParameters, sd_advance

    n = 4
    electron = (np.full(n, 600.0), np.full(n, 650.0))
    lattice = (np.full(n, 300.0), np.full(n, 310.0))
    for params in (SdParameters(curie_temperature=630.0, rho=1e-21, tau_s=1e-13, tau_sd=1e-13),
                   SdParameters(curie_temperature=630.0, rho=0.0, tau_s=1e-13, m3tm_rate=1e12)):
        sd_advance(np.full(n, 0.9), np.zeros(n), electron, lattice, 1e-15, params,
                   mu_source=np.zeros(n))


#: kernel module -> function that compiles (or loads) all its production signatures; the
#: largest first, so that the parallel schedule ends early.
FAMILIES = {"ode": _warm_ode, "stochastic": _warm_stochastic, "sd": _warm_sd}


def _quiet_compile_notice() -> None:
    from femmag import kernels

    kernels._compile_notice_given = True  # this tool reports its own progress


def warm_module(name: str) -> float:
    """Compile (or load from the cache) one kernel module in this process; returns seconds."""
    _quiet_compile_notice()
    start = time.perf_counter()
    FAMILIES[name]()
    return time.perf_counter() - start


def _default_jobs() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, len(FAMILIES)))


def warm_up(modules: list[str] | None = None, jobs: int | None = None,
            stream=None) -> dict[str, float]:
    """Compile the given kernel modules (default: all), each in its own process, ``jobs`` at a
    time (default: one per core); returns the seconds each took. Raises RuntimeError if one
    fails."""
    names = list(FAMILIES) if modules is None else list(modules)
    jobs = _default_jobs() if jobs is None else max(1, jobs)
    stream = sys.stderr if stream is None else stream
    pending = list(names)
    running: dict[str, tuple[subprocess.Popen, IO[str], float]] = {}
    seconds: dict[str, float] = {}
    failed: list[str] = []
    env = dict(os.environ, OMP_NUM_THREADS="1")
    while pending or running:
        while pending and len(running) < jobs:
            name = pending.pop(0)
            log = tempfile.TemporaryFile("w+")
            proc = subprocess.Popen(
                [sys.executable, "-m", "femmag.kernels.warmup", "--serial", "--module", name],
                env=env, stdout=subprocess.DEVNULL, stderr=log, text=True)
            running[name] = (proc, log, time.perf_counter())
        time.sleep(0.1)
        for name, (proc, log, start) in list(running.items()):
            if proc.poll() is None:
                continue
            del running[name]
            seconds[name] = time.perf_counter() - start
            if proc.returncode != 0:
                log.seek(0)
                failed.append(f"{name}:\n{log.read()}")
            else:
                print(f"femmag: kernels {name:<10s} ready ({seconds[name]:.0f} s)", file=stream)
            log.close()
    if failed:
        raise RuntimeError("femmag: compiling the numba kernels failed in " + "\n".join(failed))
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m femmag.kernels.warmup",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=list(FAMILIES),
                        help="kernel module to compile (repeatable; default: all)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="parallel processes (default: one per core, at most one per module)")
    parser.add_argument("--serial", action="store_true",
                        help="compile in this process, one module after the other")
    args = parser.parse_args(argv)
    names = args.module or list(FAMILIES)
    if os.environ.get("FEMMAG_NO_NUMBA") == "1":
        print("femmag: FEMMAG_NO_NUMBA=1, nothing to compile", file=sys.stderr)
        return 0
    start = time.perf_counter()
    if args.serial:
        for name in names:
            warm_module(name)
    else:
        jobs = min(len(names), _default_jobs() if args.jobs is None else max(1, args.jobs))
        print(f"femmag: compiling the numba kernels ({', '.join(names)}) in {jobs} processes: "
              "about a minute, once; cached afterwards", file=sys.stderr)
        warm_up(names, jobs)
        print(f"femmag: numba kernels compiled and cached in "
              f"{time.perf_counter() - start:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
