"""Running a sweep on MPI: groups of ranks, points handed out dynamically, resumable records.

``COMM_WORLD`` (or the given communicator) is split (``comm.Split``) into groups of
``ranks_per_run`` ranks; each group builds the Simulation of its points on its own
sub-communicator. Points are handed out through a shared counter in an MPI one-sided window owned
by rank 0 (``MPI.Win.Allocate`` + ``Fetch_and_op``): the first rank of a group takes the next
point index when it is free, so a cheap point never waits for an expensive one and no rank is
spent as an idle master. (On one node the window lives in shared memory; across nodes, passive
target progress on rank 0 comes from its own MPI calls, every time step, or from hardware atomics.)

Directory ``DIR``:

- ``sweep.toml``: the manifest (kind ``femmag sweep``): the case and the axes (the sweep's
  signature), the case file, versions, status and counts. Rerunning into ``DIR`` resumes: the
  points with a record are skipped; a different sweep is refused.
- ``points/<index>.toml``: one record per finished point: its values, ``outcome``, the outcome
  variables, the failure reason, the time split; written atomically by the group's first rank.
- ``points/<index>/``: the point's run directory (``run.toml``, ``traces.csv``, fields) with
  ``keep_traces``.
- ``results.nc``: the labelled dataset (:mod:`femmag.study.results`), written by rank 0 through a
  temporary file and a rename, after every group is done.

Reused induction (``reuse_induction=True``, the default). Every group runs its points inside
:func:`femmag.physics.induction.module.reuse_induction_responses`: a point whose r-z induction is
linear (no magnetization source, no Joule heating) scales the unit response its beam, pulse, film,
box and mesh share with earlier points of the group instead of solving the induction (no induction
mesh, factorization or solve; the response is solved once per group on a fine grid of its own).
The record says ``induction = "reused response"`` and puts that solve's time under
``seconds.induction_response`` of the point that needed it.

Failures. An exception that every rank of a group raises (a run that fails, bad values of a point)
is recorded as the point's failure and the sweep goes on. An exception raised on some ranks of a
group only would leave the others waiting inside a collective call of the run, which MPI cannot
cancel: after a failed point every rank of the group enters a non-blocking barrier, and a failed
rank that does not see its whole group there within ``agree_timeout`` seconds records the point as
failed (with that reason) and aborts the job (``MPI_Abort``), so it ends instead of hanging;
rerunning the command resumes after that point. Ctrl-C / SIGTERM stop the sweep (nothing is
recorded for the interrupted point).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import gc
import os
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from mpi4py import MPI

from femmag.study.outcomes import SettledOutcome, compute_outcomes
from femmag.study.results import RESULTS, build_dataset, write_dataset

__all__ = ["SWEEP_MANIFEST", "run_sweep"]

SWEEP_MANIFEST = "sweep.toml"
SWEEP_SIGNATURE = "femmag sweep"
POINTS = "points"


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def _write_toml(path: Path, data: dict) -> None:
    import tomli_w

    from femmag.io.rundir import _toml_safe

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(tomli_w.dumps(_toml_safe(data)))
    os.replace(tmp, path)  # atomic: a reader never sees half a record


def _normalized(data: dict) -> dict:
    """``data`` as it reads back from TOML (to compare with a manifest)."""
    import tomli_w

    from femmag.io.rundir import _toml_safe

    return tomllib.loads(tomli_w.dumps(_toml_safe(data)))


def read_sweep_manifest(out: str | Path) -> dict | None:
    path = Path(out) / SWEEP_MANIFEST
    if not path.is_file():
        return None
    try:
        data = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError):
        return None
    return data if data.get("kind") == SWEEP_SIGNATURE else None


def _differences(old: dict, new: dict) -> list[str]:
    lines = []
    if old.get("case") != new.get("case"):
        sections = sorted({*old.get("case", {}), *new.get("case", {})})
        changed = [s for s in sections if old["case"].get(s) != new["case"].get(s)]
        lines.append(f"the case differs in [{'], ['.join(changed)}]")
    old_axes, new_axes = old.get("axes", {}), new.get("axes", {})
    if list(old_axes) != list(new_axes):
        lines.append(f"the swept keys differ: {list(old_axes)} then, {list(new_axes)} now")
    else:
        lines += [f"the values of '{k}' differ" for k in new_axes if old_axes[k] != new_axes[k]]
    return lines


class _Directory:
    """The sweep directory (rank 0 acts; the caller broadcasts errors)."""

    def __init__(self, out: Path, sweep: Any) -> None:
        self.path = out
        self.sweep = sweep
        width = len(str(max(len(sweep) - 1, 0)))
        self.names = [f"{i:0{width}d}" for i in range(len(sweep))]

    def record_path(self, index: int) -> Path:
        return self.path / POINTS / f"{self.names[index]}.toml"

    def run_path(self, index: int) -> Path:
        return self.path / POINTS / self.names[index]

    def open(self, case_file: dict | None) -> dict:
        """Check the directory, create or resume it; return the manifest."""
        from femmag.io.rundir import check_output_path, provenance

        signature = _normalized(self.sweep.signature())
        previous = read_sweep_manifest(self.path)
        if previous is None:
            check_output_path(self.path)  # new or empty: refuses anything else femmag did not write
            manifest = {"kind": SWEEP_SIGNATURE, "status": "running", "started": _now(),
                        "points": len(self.sweep),
                        "shape": list(self.sweep.shape), "signature": signature,
                        "versions": provenance()}
            if case_file:
                manifest["case_file"] = case_file
        else:
            diffs = _differences(previous.get("signature", {}), signature)
            if diffs:
                raise ValueError(f"'{self.path}' holds another sweep ({'; '.join(diffs)}): femmag "
                                 f"resumes only the same sweep; choose another directory")
            manifest = {**previous, "status": "running", "resumed": _now()}
        (self.path / POINTS).mkdir(parents=True, exist_ok=True)
        self.manifest = manifest
        self.write()
        return manifest

    def write(self, **fields: Any) -> None:
        self.manifest.update(fields)
        self.manifest["updated"] = _now()
        _write_toml(self.path / SWEEP_MANIFEST, self.manifest)

    def records(self) -> dict[int, dict]:
        found = {}
        for index in range(len(self.sweep)):
            path = self.record_path(index)
            if path.is_file():
                try:
                    found[index] = tomllib.loads(path.read_text())
                except (tomllib.TOMLDecodeError, OSError):
                    pass  # a record cut short cannot exist (atomic); an edited one is redone
        return found


class _Counter:
    """Shared integers in a one-sided window on rank 0 of ``comm``: [next point, points done]."""

    def __init__(self, comm: MPI.Comm) -> None:
        self.comm = comm
        self.win = MPI.Win.Allocate(2 * 8 if comm.rank == 0 else 0, disp_unit=8, comm=comm)
        if comm.rank == 0:
            self.win.Lock(0, MPI.LOCK_EXCLUSIVE)
            self.win.Put(np.zeros(2, dtype=np.int64), 0, target=0)
            self.win.Unlock(0)
        comm.Barrier()

    def add(self, slot: int, amount: int = 1) -> int:
        """Add ``amount`` to ``slot``; return the value before (atomic)."""
        result = np.zeros(1, dtype=np.int64)
        self.win.Lock(0, MPI.LOCK_SHARED)
        self.win.Fetch_and_op(np.array([amount], dtype=np.int64), result, 0, target_disp=slot,
                              op=MPI.SUM)
        self.win.Unlock(0)
        return int(result[0])

    def read(self, slot: int) -> int:
        return self.add(slot, 0)

    def free(self) -> None:
        self.win.Free()


class _Progress:
    """The progress line of world rank 0: points done / total, time left, failures."""

    def __init__(self, directory: _Directory, todo: list[int], total: int, done_before: int,
                 quiet: bool) -> None:
        self.directory = directory
        self.todo = todo
        self.total = total
        self.done_before = done_before
        self.quiet = quiet
        self.start = time.perf_counter()
        self.reported: set[int] = set()
        self.failures = 0

    def show(self, done_now: int) -> None:
        if self.quiet:
            return
        for index in self.todo:  # failures recorded since the last line, by any group
            if index in self.reported:
                continue
            path = self.directory.record_path(index)
            if not path.is_file():
                continue
            self.reported.add(index)
            try:
                record = tomllib.loads(path.read_text())
            except (tomllib.TOMLDecodeError, OSError):
                continue
            if record.get("outcome") == "failed":
                self.failures += 1
                values = ", ".join(f"{k} = {v}" for k, v in record.get("values", {}).items())
                print(f"\nsweep: point {index} ({values}) failed: {record.get('reason')}",
                      flush=True)
        elapsed = time.perf_counter() - self.start
        left = len(self.todo) - done_now
        eta = f"~{_duration(elapsed / done_now * left)} left" if done_now and left else ""
        sys.stdout.write(f"\rsweep: {self.done_before + done_now}/{self.total} points done"
                         f"{f', {self.failures} failed' if self.failures else ''}, "
                         f"{_duration(elapsed)} elapsed {eta}    ")
        sys.stdout.flush()


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _agree(group: MPI.Comm, failed: bool, timeout: float) -> bool:
    """Whether the whole group reached this point within ``timeout`` (always True when this
    rank did not fail: it waits for the others, and a stuck failed peer aborts the job)."""
    request = group.Ibarrier()
    deadline = time.monotonic() + timeout
    while not request.Test():
        if failed and time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _run_point(sweep: Any, index: int, group: MPI.Comm, directory: _Directory,
               keep_traces: bool, early_stop: Any, responses: Any = None) -> dict:
    """Run one point on ``group``; return its record (outcomes and timings). ``responses``: the
    group's induction-response cache (None: every point solves its induction)."""
    t0 = time.perf_counter()
    before = (responses.solve_seconds, responses.solve_cpu_seconds) if responses is not None \
        else (0.0, 0.0)
    point = sweep.points[index]
    case = sweep.case(point)
    sim = case.simulation(comm=group, verbose=False)
    rule = SettledOutcome() if early_stop is True else (early_stop or None)
    out = None
    overwrite = False
    if keep_traces:
        from femmag.io.rundir import read_manifest

        out = directory.run_path(index)
        overwrite = read_manifest(out) is not None  # a point cut short before: femmag's files
    sim.run(case.run_options["t_end"], out=out, progress=False, overwrite=overwrite,
            field_times=case.run_options["field_times"] if keep_traces else [],
            stop_when=rule,
            manifest={"sweep": {"directory": str(directory.path.resolve()), "index": index,
                                "values": point}})
    t1 = time.perf_counter()
    outcomes = compute_outcomes(sim)
    t2 = time.perf_counter()
    # a response solved for this point is set-up work, shared with the points that reuse it
    response, response_cpu = (responses.solve_seconds - before[0],
                              responses.solve_cpu_seconds - before[1]) \
        if responses is not None else (0.0, 0.0)
    seconds = {"setup": sim.setup_time - response, "induction_response": response,
               "induction_response_cpu": response_cpu,
               **sim.module_seconds, "outcome": t2 - t1, "total": t2 - t0,
               "steps": sim.timings["steps"]}
    outcome = outcomes.pop("outcome")
    reused = getattr(sim.induction, "response", None) is not None
    return {"outcome": outcome, "outcomes": outcomes, "seconds": seconds,
            "stop_rule": getattr(rule, "description", "") if rule else "",
            "induction": "reused response" if reused else
                         "solved" if sim.induction is not None else "none"}


def run_sweep(sweep: Any, out: str | Path, *, comm: MPI.Comm | None = None,
              ranks_per_run: int = 1, keep_traces: bool = False, early_stop: Any = True,
              quiet: bool = False, retry_failed: bool = False, max_points: int | None = None,
              case_file: dict | None = None, agree_timeout: float = 60.0,
              reuse_induction: bool = True):
    """Run the points of ``sweep`` not done yet in ``out``; write ``out/results.nc``.

    Args:
        sweep: a :class:`femmag.study.Sweep`.
        out: the sweep directory (new, empty, or the same sweep's: resumed).
        comm: the communicator to split (default ``COMM_WORLD``).
        ranks_per_run: ranks per group (each runs one point at a time).
        keep_traces: keep every point's run directory in ``out/points/<index>/``.
        early_stop: ``True`` (:class:`~femmag.study.outcomes.SettledOutcome` defaults), a rule
            (a ``SettledOutcome``), or ``False`` (run every point to the case's end).
        quiet: no progress line.
        retry_failed: run again the points recorded as failed.
        max_points: run at most this many points now (the rest stays for a later resume).
        case_file: ``{"path", "text"}`` for the manifest (the CLI passes it).
        agree_timeout: seconds a failed rank waits for the rest of its group (see above).
        reuse_induction: points whose r-z induction is linear (no magnetization source, no
            Joule heating) reuse one unit response per beam radius, pulse, film, box and mesh
            instead of solving it (see :func:`femmag.physics.induction.module
            .reuse_induction_responses`; same outcomes, B_i within 1e-3 of its peak).

    Returns:
        The dataset (``xarray.Dataset``), on every rank.
    """
    world = comm or MPI.COMM_WORLD
    divisors = [d for d in range(1, world.size + 1) if world.size % d == 0]
    if isinstance(ranks_per_run, bool) or not isinstance(ranks_per_run, int | np.integer) or \
            ranks_per_run not in divisors:
        raise ValueError(f"ranks_per_run = {ranks_per_run!r}: the {world.size} MPI rank(s) must "
                         f"split into groups of equal size; use a divisor of {world.size} "
                         f"({', '.join(map(str, divisors))}), or start mpiexec with a multiple "
                         f"of {ranks_per_run!r} ranks")
    k = int(ranks_per_run)
    out = Path(world.bcast(str(out), root=0))
    directory = _Directory(out, sweep)
    if case_file is None and sweep.case_text is not None:
        case_file = {"path": str(Path(sweep.path).resolve()), "text": sweep.case_text}
    message, todo, done_before = None, [], 0
    if world.rank == 0:
        try:
            directory.open(case_file)
            records = directory.records()
            done = {i for i, r in records.items()
                    if not (retry_failed and r.get("outcome") == "failed")}
            todo = [i for i in range(len(sweep)) if i not in done]
            done_before = len(done)
            if max_points is not None:
                todo = todo[:max(int(max_points), 0)]
        except (OSError, ValueError) as err:
            message = f"{type(err).__name__}: {err}" if isinstance(err, OSError) else str(err)
    message, todo, done_before = world.bcast((message, todo, done_before), root=0)
    if message is not None:
        from femmag.io.rundir import OutputPathError

        raise OutputPathError(message)
    if world.rank == 0 and not quiet:
        print(f"sweep: {len(sweep)} points ({' x '.join(f'{a.name}[{len(a)}]' for a in sweep.axes)}"
              f"), {done_before} done before, {len(todo)} to run on {world.size // k} group(s) "
              f"of {k} rank(s) -> {out}/", flush=True)

    group = world.Split(color=world.rank // k, key=world.rank)
    counter = _Counter(world)
    progress = _Progress(directory, todo, len(sweep), done_before, quiet) \
        if world.rank == 0 else None
    scope = contextlib.ExitStack()
    try:
        responses = None
        if reuse_induction:  # one response cache per group (its ranks hold the same keys)
            from femmag.physics.induction.module import reuse_induction_responses

            responses = scope.enter_context(reuse_induction_responses())
        while True:
            slot = counter.add(0) if group.rank == 0 else None
            slot = group.bcast(slot, root=0)
            if slot >= len(todo):
                break
            index = todo[slot]
            failed_reason = None
            try:
                record = _run_point(sweep, index, group, directory, keep_traces, early_stop,
                                    responses)
            except KeyboardInterrupt:
                raise
            except Exception as err:  # noqa: BLE001 - a failed point never stops the sweep
                failed_reason = f"{type(err).__name__}: {err}"
                record = None
            if not _agree(group, failed_reason is not None, agree_timeout):
                reason = (f"{failed_reason} (raised on rank {group.rank} of its group only; the "
                          f"others were left in a collective call, so the sweep was aborted: "
                          f"rerun the same command to go on)")
                _write_toml(directory.record_path(index), _record(sweep, index, k, None, reason))
                sys.stderr.write(f"femmag sweep: point {index}: {reason}\n")
                sys.stderr.flush()
                world.Abort(1)
            reasons = group.allgather(failed_reason)
            failed = [r for r in reasons if r is not None]
            if group.rank == 0:
                reason = failed[0] if failed else None
                _write_toml(directory.record_path(index),
                            _record(sweep, index, k, None if failed else record, reason))
                counter.add(1)
            del record
            gc.collect()  # PETSc objects of the point: destroyed together on the group's ranks
            if progress is not None:
                progress.show(counter.read(1))
        if progress is not None:  # the other groups' last points
            while counter.read(1) < len(todo):
                time.sleep(0.5)
                progress.show(counter.read(1))
            progress.show(counter.read(1))
            if not quiet:
                print(flush=True)
        world.Barrier()
    finally:
        scope.close()
        counter.free()
        group.Free()

    dataset, message = None, None
    if world.rank == 0:
        try:
            records = directory.records()
            complete = len(records) == len(sweep)
            failed = sum(r.get("outcome") == "failed" for r in records.values())
            attrs = {"title": f"femmag sweep of {sweep.path}", "femmag_sweep": str(out.resolve()),
                     "axes": ", ".join(a.key for a in sweep.axes),
                     "early_stop": getattr(SettledOutcome() if early_stop is True else early_stop,
                                           "description", "none"),
                     "created": _now(),
                     "case": case_file["text"] if case_file else str(sweep.base)}
            dataset = build_dataset(sweep, records, attrs)
            write_dataset(dataset, out / RESULTS)
            directory.write(status="complete" if complete else "incomplete",
                            points_done=len(records), points_failed=failed, finished=_now(),
                            files=[SWEEP_MANIFEST, RESULTS, POINTS])
            if not quiet:
                print(f"sweep: results in {out / RESULTS} ({len(records)}/{len(sweep)} points"
                      f"{f', {failed} failed' if failed else ''})", flush=True)
        except (OSError, ValueError) as err:
            message = f"cannot write the results of '{out}': {err}"
    message = world.bcast(message, root=0)
    if message is not None:
        raise OSError(message)
    return world.bcast(dataset, root=0)


def _record(sweep: Any, index: int, ranks: int, result: dict | None, reason: str | None) -> dict:
    record = {"index": index, "values": sweep.points[index], "ranks": ranks, "finished": _now()}
    if result is None:
        record.update(outcome="failed", reason=reason or "unknown")
    else:
        record.update(result)
    return record
