"""Compile the numba kernels once, ahead of first use: ``python -m femmag.kernels.warmup``.

``make setup`` runs this after the install so that the first simulation loads machine code from
numba's on-disk cache (``femmag/kernels/__pycache__``) instead of compiling (~40 s of CPU for
the LLB kernels). Each kernel family is called on a few points through its public function, so
the compiled signatures are exactly those of production runs (float64 C-contiguous arrays,
read-only where the callers pass broadcast views, Python floats/ints/bools).

The families live in separate modules with separate caches, so they compile in parallel
processes: this one compiles the largest module (ode), child processes the others; no two
processes ever compile the same module's cache.

Usage: ``python -m femmag.kernels.warmup [--serial] [--jobs N] [--module NAME ...]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

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
    """One process per idle core (cores minus the 1-minute load average), at most one per
    module: on a busy machine a second process only slows the largest module down (measured on
    2 shared cores: 82 s in 2 processes, 64 s in one)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    busy = int(os.getloadavg()[0]) if hasattr(os, "getloadavg") else 0
    return max(1, min(cores - busy, len(FAMILIES)))


def _schedule(names: list[str], jobs: int) -> list[list[str]]:
    """Modules per process: the first (largest) alone, the others dealt over the remaining
    processes (on 2 cores: [ode], [stochastic, sd]); every module in exactly one process."""
    if jobs <= 1 or len(names) <= 1:
        return [list(names)]
    rest = names[1:]
    slots = min(jobs - 1, len(rest))
    return [names[:1]] + [rest[i::slots] for i in range(slots)]


def _warm_here(names: list[str], stream) -> None:
    for name in names:
        seconds = warm_module(name)
        print(f"femmag: kernels {name:<10s} ready ({seconds:.0f} s)", file=stream, flush=True)


def warm_up(modules: list[str] | None = None, jobs: int | None = None, stream=None) -> None:
    """Compile the given kernel modules (default: all) in ``jobs`` processes (default: one per
    idle core): this one compiles the largest, child processes the others, never two processes the
    same module. Raises RuntimeError if a child fails (its error is on stderr)."""
    names = list(FAMILIES) if modules is None else list(modules)
    jobs = _default_jobs() if jobs is None else max(1, jobs)
    stream = sys.stderr if stream is None else stream
    here, *others = _schedule(names, jobs)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    children = [subprocess.Popen([sys.executable, "-m", "femmag.kernels.warmup", "--serial",
                                  *(arg for name in group for arg in ("--module", name))],
                                 env=env, stdout=subprocess.DEVNULL)
                for group in others]
    _warm_here(here, stream)
    failed = [", ".join(group) for group, child in zip(others, children, strict=True)
              if child.wait() != 0]
    if failed:
        raise RuntimeError(f"femmag: compiling the numba kernels failed ({'; '.join(failed)}); "
                           "the error is printed above")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m femmag.kernels.warmup",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=list(FAMILIES),
                        help="kernel module to compile (repeatable; default: all)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes (default: one per idle core, at most one per module)")
    parser.add_argument("--serial", action="store_true",
                        help="compile in this process only, one module after the other")
    args = parser.parse_args(argv)
    names = args.module or list(FAMILIES)
    if os.environ.get("FEMMAG_NO_NUMBA") == "1":
        print("femmag: FEMMAG_NO_NUMBA=1, nothing to compile", file=sys.stderr)
        return 0
    if args.serial:
        _warm_here(names, sys.stderr)
        return 0
    start = time.perf_counter()
    jobs = len(_schedule(names, _default_jobs() if args.jobs is None else max(1, args.jobs)))
    print(f"femmag: compiling the numba kernels ({', '.join(names)}) in {jobs} "
          f"process{'es' if jobs > 1 else ''}: about a minute, once; cached afterwards",
          file=sys.stderr, flush=True)
    warm_up(names, jobs)
    print(f"femmag: numba kernels compiled and cached in {time.perf_counter() - start:.0f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
