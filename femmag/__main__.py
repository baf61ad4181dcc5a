"""``python -m femmag``: versions, PETSc scalar type, direct solvers, MPI size; or the CLI."""

from __future__ import annotations

import sys


def environment_report() -> str:
    """A short report of the numerical stack femmag runs on."""
    import platform

    import femmag  # noqa: F401  (dolfinx_solver before dolfinx)

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


def main() -> None:
    if len(sys.argv) > 1:
        from femmag.cli import main as cli_main

        cli_main()
        return
    from mpi4py import MPI

    report = environment_report()
    if MPI.COMM_WORLD.rank == 0:
        print(report)


if __name__ == "__main__":
    main()
