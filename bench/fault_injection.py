"""Fault injection: what survives a killed, interrupted or failing run, and does resume reproduce it?

Runs a small seed-003 case (r-z film, stochastic LLB, checkpoints every 0.5 ps) as a subprocess and
injects faults at random moments of its time loop:

- ``SIGKILL`` (kill -9), ``SIGTERM`` (a batch system's stop), ``SIGINT`` (Ctrl-C): 10 tries each;
- a NaN injected into the field acting on the spins;
- a full disk (a 2 MiB tmpfs, when this machine allows mounting one);
- one rank failing under ``mpiexec -n 2``.

For each: the manifest status left behind, whether every row of ``traces.csv`` equals the
uninterrupted run's row (1e-12), whether ``resume`` reproduces the uninterrupted traces (1e-12),
and the time from the fault to the end of the process. Prints a Markdown table (README
"Reliability").

    .venv/bin/python bench/fault_injection.py [--tries 10]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

CASE = textwrap.dedent("""
    import os, sys
    import numpy as np
    import femmag
    from mpi4py import MPI
    from femmag.studies.seed003 import seed003_film
    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping

    out, mode = sys.argv[1], sys.argv[2]
    nan_after = float(os.environ.get("NAN_AFTER", "inf"))
    fail_rank = int(os.environ.get("FAIL_RANK", "-1"))

    def disturbance(points, t):  # zero, or the injected fault
        if t > nan_after:
            return np.full((len(points), 3), np.nan)
        if MPI.COMM_WORLD.rank == fail_rank and t > 0.8e-12:
            raise RuntimeError(f"injected failure on rank {fail_rank}")
        return np.zeros((len(points), 3))

    sim = Simulation(seed003_film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps"),
                     mesh="rz", mesh_options={"radius": "20 um", "cells_per_beam_radius": 12},
                     magnetization={"model": "llb-stochastic", "seed": 3},
                     fields={"disturbance": disturbance}, verbose=False,
                     time_stepping=TimeStepping(dt_pulse="2 fs", dt_max="20 fs"))
    sim.run("4 ps", out=out, checkpoint_every="0.5 ps", resume=(mode == "resume"),
            field_times=["1 ps", "3 ps"])
""")


def run_case(script: Path, out: Path, mode: str = "run", env: dict | None = None,
             ranks: int = 1) -> subprocess.Popen:
    cmd = [sys.executable, str(script), str(out), mode]
    if ranks > 1:
        mpiexec = shutil.which("mpiexec", path=str(Path(sys.executable).parent))
        cmd = [mpiexec, "-n", str(ranks), *cmd]
    return subprocess.Popen(cmd, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def traces(path: Path) -> np.ndarray | None:
    from femmag.io.traces import read_trace

    try:
        data = read_trace(path / "traces.csv")
    except (OSError, ValueError):
        # a kill -9 may cut the last line short: keep the complete rows
        try:
            lines = [line for line in (path / "traces.csv").read_text().splitlines()
                     if not line.startswith("#")][1:]
            rows = [np.array(line.split(","), dtype=float) for line in lines
                    if line.count(",") == lines[0].count(",")]
            return np.array(rows[:-1]) if rows else None
        except (OSError, ValueError, IndexError):
            return None
    return np.column_stack(list(data.values()))


def status(path: Path) -> str:
    from femmag.io.rundir import read_manifest

    manifest = read_manifest(path)
    return "no manifest" if manifest is None else manifest["status"]


def matches(rows: np.ndarray | None, reference: np.ndarray, rtol: float = 1e-12) -> bool:
    if rows is None or len(rows) == 0:
        return False
    ref = reference[:len(rows)]
    scale = np.maximum(np.max(np.abs(reference), axis=0), 1e-30)
    return bool(np.all(np.abs(rows - ref) <= rtol * scale))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="femmag_faults_"))
    script = work / "case.py"
    script.write_text(CASE)

    t0 = time.monotonic()
    proc = run_case(script, work / "reference")
    while not (work / "reference" / "traces.csv").exists() and proc.poll() is None:
        time.sleep(0.02)
    loop_start = time.monotonic()
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    reference = traces(work / "reference")
    loop = time.monotonic() - loop_start
    print(f"reference run: {len(reference)} trace rows, time loop {loop:.1f} s, "
          f"{time.monotonic() - t0:.1f} s wall with start-up\n")

    rows = []
    for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT):
        outcome = {"status": {}, "prefix_ok": 0, "resumed_ok": 0, "no_checkpoint": 0,
                   "stop": [], "kept": []}
        for k in range(args.tries):
            out = work / f"{sig.name}_{k}"
            proc = run_case(script, out)
            while not (out / "traces.csv").exists() and proc.poll() is None:
                time.sleep(0.05)  # the time loop has started
            time.sleep(rng.uniform(0.02, 0.95) * loop)  # a random moment of the time loop
            sent = time.monotonic()
            if proc.poll() is None:
                os.killpg(proc.pid, sig)
            proc.communicate()
            outcome["stop"].append(time.monotonic() - sent)
            st = status(out)
            outcome["status"][st] = outcome["status"].get(st, 0) + 1
            kept = traces(out)
            outcome["kept"].append(0 if kept is None else len(kept))
            outcome["prefix_ok"] += kept is None or len(kept) == 0 or matches(kept, reference)
            if not (out / "checkpoint.npz").exists():
                outcome["no_checkpoint"] += 1
                continue
            resume = run_case(script, out, "resume")
            _, err = resume.communicate()
            resumed = traces(out)
            ok = (resume.returncode == 0 and resumed is not None
                  and len(resumed) == len(reference) and matches(resumed, reference))
            outcome["resumed_ok"] += ok
            if not ok:  # say why, so that a failure can be reproduced
                detail = (f"rc {resume.returncode}: {err.strip().splitlines()[-1][:120]}"
                          if resume.returncode else
                          f"{0 if resumed is None else len(resumed)} rows" if resumed is None
                          or len(resumed) != len(reference) else
                          f"max rel. diff {np.max(np.abs(resumed - reference) / np.maximum(np.max(np.abs(reference), axis=0), 1e-30)):.3g}")
                print(f"  {sig.name} try {k}: status {st}, resume differs ({detail})", flush=True)
        statuses = ", ".join(f"{v}× {s}" for s, v in sorted(outcome["status"].items()))
        rows.append((f"{sig.name} at a random step", args.tries, statuses,
                     f"{outcome['prefix_ok']}/{args.tries} (median {np.median(outcome['kept']):.0f}"
                     f" of {len(reference)} rows kept)",
                     f"{outcome['resumed_ok']}/{args.tries - outcome['no_checkpoint']}"
                     + (f" ({outcome['no_checkpoint']} before the first checkpoint)"
                        if outcome["no_checkpoint"] else ""),
                     f"{np.median(outcome['stop']):.2f} s (max {max(outcome['stop']):.2f})"))

    # NaN in the field acting on the spins
    out = work / "nan"
    sent = time.monotonic()
    proc = run_case(script, out, env={"NAN_AFTER": "1e-12"})
    _, err = proc.communicate()
    last = err.strip().splitlines()[-1] if err.strip() else ""
    rows.append(("NaN injected in the field at 1 ps", 1, status(out),
                 "1/1" if matches(traces(out), reference) else "0/1", "n/a (input fault)",
                 f"exit {proc.returncode} after {time.monotonic() - sent:.1f} s: {last[:80]}"))

    # one rank failing under mpiexec -n 2
    out = work / "rank"
    sent = time.monotonic()
    proc = run_case(script, out, env={"FAIL_RANK": "1"}, ranks=2)
    proc.communicate(timeout=120)
    rows.append(("rank 1 of 2 raises at 0.8 ps", 1, status(out), "-", "n/a (input fault)",
                 f"exit {proc.returncode} after {time.monotonic() - sent:.1f} s (incl. start-up)"))

    # full disks: tmpfs of a few hundred KiB, if this machine lets us mount one
    for size in ("200k", "1100k"):
        disk = work / f"tiny_{size}"
        disk.mkdir()
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                  str(disk)], capture_output=True).returncode == 0
        if not mounted:
            break
        try:
            out = disk / "run"
            sent = time.monotonic()
            proc = run_case(script, out)
            _, err = proc.communicate()
            last = err.strip().splitlines()[-1] if err.strip() else ""
            rows.append((f"full disk ({size}B tmpfs)", 1, status(out), "-", "-",
                         f"exit {proc.returncode} after {time.monotonic() - sent:.1f} s: "
                         f"{last[:90]}"))
        finally:
            subprocess.run(["umount", str(disk)], capture_output=True)
    if not mounted:
        rows.append(("full disk (tmpfs)", 0, "not run: cannot mount a tmpfs here", "-", "-",
                     "-"))

    print("| fault | tries | manifest status left | traces.csv rows = reference | "
          "resume = uninterrupted (1e-12) | time to stop |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
