"""Command line: ``femmag run case.toml --out DIR``, ``femmag mesh case.toml``, ``femmag materials``.

Run in parallel with ``mpiexec -n 4 femmag run case.toml --out out/case``.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="femmag", formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="Finite-element multiphysics for ultrafast laser-driven magnetism.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_run = sub.add_parser("run", help="run a TOML case")
    p_run.add_argument("case")
    p_run.add_argument("--out", default=None, help="output folder (default: out/<case name>)")
    p_run.add_argument("--quiet", action="store_true")
    p_mesh = sub.add_parser("mesh", help="build the mesh of a case and print its summary")
    p_mesh.add_argument("case")
    p_mesh.add_argument("--write", default=None, help="write the mesh to this XDMF file")
    sub.add_parser("materials", help="list the materials library")
    sub.add_parser("info", help="versions, PETSc scalar type, solvers, MPI size")
    args = parser.parse_args(argv)

    import femmag  # noqa: F401

    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    if args.command == "info":
        from femmag.__main__ import environment_report

        report = environment_report()
        if comm.rank == 0:
            print(report)
        return 0
    if args.command == "materials":
        from femmag.materials import Library

        if comm.rank == 0:
            print(Library.default().table())
        return 0
    from pathlib import Path

    from femmag.case import load_case

    case = load_case(args.case)
    if args.command == "mesh":
        sim = case.simulation(comm=comm, verbose=False)
        domain = sim.build_domain()
        if comm.rank == 0:
            print(domain.summary())
        if args.write:
            from dolfinx import io

            with io.XDMFFile(comm, args.write, "w") as f:
                f.write_mesh(domain.mesh)
                f.write_meshtags(domain.cell_tags, domain.mesh.geometry)
        return 0
    sim = case.simulation(comm=comm, verbose=not args.quiet)
    out = args.out or str(Path("out") / Path(args.case).stem)
    sim.run(case.run_options["t_end"], out=out, field_times=case.run_options["field_times"])
    if comm.rank == 0:
        print(f"results in {out}/ (traces.csv, traces.png, fields.xdmf)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
