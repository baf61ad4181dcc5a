"""Command line: ``femmag run case.toml --out DIR``, ``femmag mesh case.toml``,
``femmag materials``, ``femmag info`` (also ``python -m femmag`` without arguments).

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


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
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
        summary = domain.summary()  # collective: every rank computes it
        if comm.rank == 0:
            print(summary)
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
