"""Recipe: the seed-003 single film (air / CoPt 10 nm / fused silica 5 µm) as gmsh .msh files.

Run ``python meshes/film.py`` (or ``make meshes``) from the repository root. Writes

* ``meshes/film_1d.msh``     1D interval mesh (x = z), 1 nm cells in the film, graded substrate;
* ``meshes/film_rz.msh``     axisymmetric r-z mesh for the main demo: R = 15 µm = 3 beam radii
  (D = 10 µm, r0 = 5 µm), 20 cells across r0, quadrilaterals;
* ``meshes/film_small.msh``  a tiny r-z mesh (R = 2 µm, 200 nm substrate) committed for the tests.

Lengths in metres. Regions: ``CoPt``, ``substrate``; facets: ``top``, ``CoPt|substrate``,
``substrate_bottom`` (+ ``axis``, ``outer`` in r-z). Read back with
``Domain.from_msh("meshes/film_rz.msh", comm, stack=seed003_film())``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import femmag  # noqa: F401  (imports dolfinx_solver before dolfinx)
from femmag.geometry import Layer, Stack, build_1d, build_axisymmetric
from femmag.studies.seed003 import seed003_film

from mpi4py import MPI

HERE = Path(__file__).resolve().parent


def small_film_stack() -> Stack:
    """The stack of ``film_small.msh``: CoPt 10 nm on 200 nm of fused silica."""
    return Stack([Layer("CoPt", "CoPt_S003A", "10 nm")],
                 substrate=Layer("substrate", "fused_silica", "200 nm"))


def write_small(out_dir: Path = HERE) -> Path:
    """Write the tiny test mesh ``film_small.msh`` (a few hundred quads)."""
    path = Path(out_dir) / "film_small.msh"
    build_axisymmetric(small_film_stack(), MPI.COMM_SELF, radius="2 um", beam_radius="1 um",
                       cells_per_beam_radius=4, max_cell_size="2.5 nm", msh_file=path)
    return path


def main(out_dir: Path = HERE) -> list[Path]:
    """Write all film meshes; return their paths."""
    out_dir = Path(out_dir)
    stack = seed003_film()
    paths = [out_dir / "film_1d.msh", out_dir / "film_rz.msh"]
    build_1d(stack, MPI.COMM_SELF, msh_file=paths[0])
    domain = build_axisymmetric(stack, MPI.COMM_SELF, radius="15 um", beam_radius="5 um",
                                cells_per_beam_radius=20, msh_file=paths[1])
    print(domain.summary())
    paths.append(write_small(out_dir))
    return paths


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print("wrote", written)
