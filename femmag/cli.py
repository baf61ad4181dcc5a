"""Command line: ``femmag run case.toml --out DIR``, ``femmag sweep case.toml --out DIR``,
``femmag plot DIR``, ``femmag mesh case.toml``, ``femmag materials``, ``femmag info`` (also ``python -m femmag`` without arguments).

Run in parallel with ``mpiexec -n 4 femmag run case.toml --out out/case``.
"""

from __future__ import annotations

import argparse
import sys


def environment_report() -> str:
    """A short report of the numerical stack femmag runs on."""
    import platform

    import femmag  # dolfinx_solver before dolfinx

    from mpi4py import MPI
    from petsc4py import PETSc

    import basix
    import dolfinx
    import numpy as np
    import ufl

    try:
        import gmsh

        gmsh_version = gmsh.__version__
    except Exception:  # pragma: no cover
        gmsh_version = "not installed"
    try:
        import numba

        numba_version = numba.__version__
    except Exception:  # pragma: no cover
        numba_version = "not installed (numpy kernels)"
    try:
        import pyvista

        pyvista_version = pyvista.__version__
    except Exception:  # pragma: no cover
        pyvista_version = "not installed"
    solvers = [p for p in ("mumps", "superlu_dist", "superlu", "hypre")
               if PETSc.Sys.hasExternalPackage(p)]
    lines = [
        f"femmag      {femmag.__version__}",
        f"python      {platform.python_version()} ({sys.executable})",
        f"dolfinx     {dolfinx.__version__}  basix {basix.__version__}  ufl {ufl.__version__}",
        f"petsc       {'.'.join(map(str, PETSc.Sys.getVersion()))}  scalar type "
        f"{np.dtype(PETSc.ScalarType).name}",
        f"solvers     {', '.join(solvers) or 'PETSc built-in LU only'}",
        f"mpi         {MPI.Get_library_version().splitlines()[0].strip()}  size "
        f"{MPI.COMM_WORLD.size}",
        f"gmsh        {gmsh_version}",
        f"numba       {numba_version}",
        f"pyvista     {pyvista_version}",
    ]
    return "\n".join(lines)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exception types that mean "bad input": reported as one message, exit status 2."""
    from femmag.case import CaseError
    from femmag.geometry.gmsh_io import MeshBuildError
    from femmag.geometry.stack import StackError
    from femmag.io.checkpoint import CheckpointError
    from femmag.io.rundir import OutputPathError
    from femmag.materials import MaterialError, UnknownMaterialError
    from femmag.units import UnitError

    return (CaseError, UnitError, StackError, OutputPathError, MaterialError,
            UnknownMaterialError, CheckpointError, MeshBuildError, ValueError, LookupError)


def show(directory: str) -> str:
    """A readable summary of a run directory's manifest."""
    from pathlib import Path

    from femmag.io.rundir import read_manifest

    manifest = read_manifest(directory)
    if manifest is None:
        raise FileNotFoundError(f"'{directory}' holds no femmag run (no run.toml)")
    case = manifest.get("case", {})
    versions = manifest.get("versions", {})
    lines = [f"run         {Path(directory).resolve()}",
             f"status      {manifest.get('status')}"
             + (f": {manifest['reason']}" if manifest.get("reason") else ""),
             f"started     {manifest.get('started')}   finished {manifest.get('finished', '-')}",
             f"time        {manifest.get('last_time_ps', 0):g} ps of {case.get('t_end', '?')}"
             + (f"; checkpoint at {manifest['checkpoint_time_ps']:g} ps"
                if "checkpoint_time_ps" in manifest else ""),
             f"case        {manifest.get('case_file', {}).get('path', '(from a script)')}",
             "stack       " + ", ".join(f"{layer['name']} ({layer['material']}, "
                                         f"{layer['thickness']})"
                                         for layer in case.get("stack", [])),
             f"pulse       {case.get('pulse', '?')}",
             f"mesh        {case.get('mesh', '?')}  MPI ranks {manifest.get('mpi_size', '?')}",
             f"femmag      {versions.get('femmag', '?')} (git {versions.get('git_commit', '?')[:12]}"
             f"{', modified' if versions.get('git_dirty') else ''}), dolfinx "
             f"{versions.get('dolfinx', '?')}, petsc {versions.get('petsc', '?')}",
             f"files       {', '.join(manifest.get('files', []))}"]
    if manifest.get("status") in ("failed", "interrupted", "running"):
        if "checkpoint_time_ps" in manifest and manifest.get("case_file"):
            lines.append(f"resume      femmag resume {directory}")
        elif manifest.get("case_file"):
            lines.append(f"rerun       femmag run {manifest['case_file']['path']} --out "
                         f"{directory} --overwrite  (no checkpoint: add --checkpoint-every)")
    return "\n".join(lines)


def plot(directory: str, field: str, time: str | None = None, out: str | None = None,
         component: str | None = None, axes: list | None = None) -> list:
    """Pictures of a directory; returns the files written: the phase diagram of a sweep
    (``results.nc``, matplotlib), or a field of a run directory (pyvista, off screen)."""
    import os
    from pathlib import Path

    path = Path(directory)
    if (path / "results.nc").is_file() or (path.suffix == ".nc" and path.is_file()):
        from femmag.study.plotting import plot_sweep

        return plot_sweep(path, out, axes=tuple(axes) if axes else None)
    if axes:
        raise ValueError(f"--axes draws the phase diagram of a sweep, but '{directory}' holds no "
                         f"results.nc")

    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    from femmag.io import load
    from femmag.io.plotting import plot_result
    from femmag.units import to_si

    try:
        result = load(directory)
    except FileNotFoundError as err:
        raise ValueError(f"{err}: the run wrote no field times (output field_times)") from None
    t = None if time is None else to_si(time, "time", "--time")
    if out is None:
        folder = Path(directory) if Path(directory).is_dir() else Path(directory).parent
        shown = result.times[-1] if t is None else result.times[result.step_of(t)]
        out = folder / f"plot_{field}_{shown * 1e12:g}ps.png"
    return plot_result(result, field, t, out,
                       component=None if component is None else "xyz".index(component))


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="femmag", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Finite-element multiphysics for ultrafast laser-driven magnetism.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of input errors")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run a TOML case")
    p_run.add_argument("case")
    p_run.add_argument("--out", default=None, help="output folder (default: out/<case name>)")
    p_run.add_argument("--overwrite", action="store_true",
                       help="replace a previous femmag run in --out (only its own files)")
    p_run.add_argument("--checkpoint-every", default=None, metavar="TIME",
                       help="write the whole state every TIME of simulated time, e.g. '10 ps' "
                            "(default: the case's [time] checkpoint_every)")
    p_run.add_argument("--force", action="store_true",
                       help="build the mesh even beyond the cell-count guard")
    p_run.add_argument("--quiet", action="store_true")
    p_sweep = sub.add_parser("sweep", help="run the [sweep] of a case (a parameter map) on MPI "
                                           "→ DIR/results.nc")
    p_sweep.add_argument("case")
    p_sweep.add_argument("--out", default=None,
                         help="sweep folder (default: out/<case name>_sweep); rerunning the same "
                              "command resumes it")
    p_sweep.add_argument("--ranks-per-run", type=int, default=1, metavar="K",
                         help="MPI ranks per run: the ranks split into groups of K, each runs "
                              "one point at a time")
    p_sweep.add_argument("--keep-traces", action="store_true",
                         help="keep every point's run directory (traces, fields) in "
                              "DIR/points/<index>/")
    p_sweep.add_argument("--no-early-stop", action="store_true",
                         help="run every point to the case's end time (default: stop a run once "
                              "its outcome is decided)")
    p_sweep.add_argument("--retry-failed", action="store_true",
                         help="run again the points recorded as failed")
    p_sweep.add_argument("--no-reuse-induction", action="store_true",
                         help="solve the eddy currents at every point (default: points that "
                              "differ only in fluence, helicity or IFE coefficient share one "
                              "induction response, which is linear in them)")
    p_sweep.add_argument("--quiet", action="store_true")
    p_resume = sub.add_parser("resume", help="continue an interrupted run from its checkpoint")
    p_resume.add_argument("directory")
    p_resume.add_argument("--until", default=None, metavar="TIME",
                          help="new end time, e.g. '200 ps' (default: the case's end)")
    p_resume.add_argument("--quiet", action="store_true")
    p_show = sub.add_parser("show", help="print what a run directory holds and how it ended")
    p_show.add_argument("directory")
    p_plot = sub.add_parser("plot", help="picture a field of a run directory (fields.vtkhdf), "
                                         "or the phase diagram of a sweep (results.nc)")
    p_plot.add_argument("directory", help="run directory or .vtkhdf file; or a sweep directory "
                                          "(or its results.nc): phase diagram PNG")
    p_plot.add_argument("--axes", nargs=2, default=None, metavar=("X", "Y"),
                        help="sweep: the coordinates across and up (default: the first two "
                             "swept axes; the others get one panel per value)")
    p_plot.add_argument("--field", default="electron_temperature",
                        help="field name (see `femmag show DIR` or femmag.io.load(DIR).fields)")
    p_plot.add_argument("--time", default=None, metavar="TIME",
                        help="field time, e.g. '0.5 ps' (default: the last)")
    p_plot.add_argument("--component", default=None, choices=["x", "y", "z"],
                        help="component of a vector field (default: z)")
    p_plot.add_argument("--out", default=None, metavar="PNG",
                        help="picture file (default: DIR/plot_<field>_<time>ps.png, for a sweep "
                             "DIR/phase_diagram.png); on r-z meshes the revolved 3D view goes "
                             "beside it as <name>_3d.png")
    p_mesh = sub.add_parser("mesh", help="build the mesh of a case and print its summary")
    p_mesh.add_argument("case")
    p_mesh.add_argument("--write", default=None, help="write the mesh to this XDMF file")
    p_materials = sub.add_parser(
        "materials", help="list the materials library and which physics each material can run")
    p_materials.add_argument("--wavelength", default="800 nm",
                             help="wavelength of the refractive-index column and optics check")
    p_materials.add_argument("--file", default=None, metavar="TOML",
                             help="a user materials file merged into the packaged library")
    sub.add_parser("info", help="versions, PETSc scalar type, solvers, MPI size")
    args = parser.parse_args(argv)

    import femmag  # noqa: F401
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    try:
        return _command(args, comm)
    except KeyboardInterrupt as err:
        where = getattr(args, "out", None) or getattr(args, "directory", None)
        return _stop(comm, 130, f"femmag: interrupted ({err or 'Ctrl-C'}); `femmag show {where}` "
                                f"says what was kept and how to resume" if where else
                                "femmag: interrupted")
    except _user_errors() as err:
        if args.debug:
            raise
        if getattr(err, "femmag_run_failed", False):  # raised inside the time loop
            return _stop(comm, 1, f"femmag: the run failed: {err}")
        return _stop(comm, 2, f"femmag: error: {err}")
    except Exception as err:
        if args.debug or not getattr(err, "femmag_run_failed", False):
            raise  # a bug: the traceback (and, on several ranks, the abort of every rank)
        where = getattr(args, "out", None) or getattr(args, "directory", None)
        return _stop(comm, 1, f"femmag: the run failed: {type(err).__name__}: {err} "
                              f"(`femmag show {where}`)")


def _stop(comm, code: int, message: str) -> int:
    """Report once and return ``code``; on several ranks end them all (the error may have been
    raised on this rank only, while the others wait in a collective call)."""
    if comm.rank == 0 or comm.size > 1:
        print(message if comm.size == 1 else f"[rank {comm.rank}] {message}", file=sys.stderr)
    if comm.size > 1:
        sys.stderr.flush()
        comm.Abort(code)
    return code


def _command(args: argparse.Namespace, comm) -> int:
    if args.command == "info":
        report = environment_report()
        if comm.rank == 0:
            print(report)
        return 0
    if args.command == "materials":
        from femmag.materials import Library

        from femmag.units import to_si

        library = Library.default()
        if args.file:
            library = library.merge_toml(args.file)
        wavelength = to_si(args.wavelength, "wavelength", "--wavelength")
        if comm.rank == 0:
            print(library.table(wavelength, capabilities=True))
        return 0
    if args.command == "show":
        if comm.rank == 0:
            try:
                print(show(args.directory))
            except FileNotFoundError as err:
                print(f"femmag: error: {err}", file=sys.stderr)
                return 2
        return 0

    if args.command == "plot":
        if comm.rank == 0:
            for path in plot(args.directory, args.field, args.time, args.out, args.component,
                             axes=args.axes):
                print(f"wrote {path}")
        return 0

    from pathlib import Path

    from femmag.case import load_case

    if args.command == "sweep":
        return _sweep(args, comm)

    if args.command == "resume":
        from femmag.io.rundir import read_manifest

        manifest = read_manifest(args.directory)
        if manifest is None:
            raise ValueError(f"cannot resume: '{args.directory}' holds no femmag run (run.toml)")
        recorded = manifest.get("case_file")
        if not recorded:
            raise ValueError(f"cannot resume '{args.directory}' from the command line: it was "
                             f"run from a script; rebuild the Simulation there and call "
                             f"run(..., out='{args.directory}', resume=True)")
        case_path = Path(recorded["path"])
        if not case_path.is_file() or case_path.read_text() != recorded["text"]:
            raise ValueError(f"cannot resume '{args.directory}': its case file {case_path} is "
                             f"missing or changed since the run; resume needs the same case")
        case = load_case(case_path)
        sim = case.simulation(comm=comm, verbose=not args.quiet)
        sim.run(args.until or case.run_options["t_end"], out=args.directory, resume=True,
                field_times=case.run_options["field_times"],
                checkpoint_every=manifest.get("checkpoint_every"),
                manifest={"case_file": recorded})
        if comm.rank == 0:
            print(f"resumed and completed: {args.directory}/")
        return 0

    case = load_case(args.case)
    if args.command == "mesh":
        sim = case.simulation(comm=comm, verbose=False)
        domain = sim.build_domain()
        summary = domain.summary()  # collective: every rank computes it
        if comm.rank == 0:
            print(summary)
        if args.write:
            from dolfinx import io

            with io.XDMFFile(comm, args.write, "w") as f:
                f.write_mesh(domain.mesh)
                f.write_meshtags(domain.cell_tags, domain.mesh.geometry)
        return 0

    if args.force:
        case.data.setdefault("mesh", {})["force"] = True
    sim = case.simulation(comm=comm, verbose=not args.quiet)
    out = args.out or str(Path("out") / Path(args.case).stem)
    every = args.checkpoint_every or case.run_options.get("checkpoint_every")
    case_file = {"path": str(Path(args.case).resolve()), "text": Path(args.case).read_text()}
    sim.run(case.run_options["t_end"], out=out, field_times=case.run_options["field_times"],
            overwrite=args.overwrite, checkpoint_every=every,
            manifest={"case_file": case_file, "checkpoint_every": every})
    if comm.rank == 0:
        print(f"results in {out}/ (run.toml, traces.csv, traces.png, fields.vtkhdf, fields.xdmf)")
    return 0


def _sweep(args: argparse.Namespace, comm) -> int:
    """``femmag sweep``: 0 when every point ran, 1 when some failed (recorded; the others ran)."""
    from pathlib import Path

    from femmag.study import Sweep

    sweep = Sweep(args.case)
    out = args.out or str(Path("out") / f"{Path(args.case).stem}_sweep")
    args.out = out  # for the message of an interruption
    dataset = sweep.run(out, comm=comm, ranks_per_run=args.ranks_per_run,
                        keep_traces=args.keep_traces, early_stop=not args.no_early_stop,
                        quiet=args.quiet, retry_failed=args.retry_failed,
                        reuse_induction=not args.no_reuse_induction)
    failed = int((dataset["outcome"].values == "failed").sum())
    if failed:
        if comm.rank == 0:
            print(f"femmag: {failed} of {len(sweep)} points failed (reasons in {out}/results.nc, "
                  f"variable failure_reason, and {out}/points/*.toml); `femmag sweep "
                  f"{args.case} --out {out} --retry-failed` runs them again", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
