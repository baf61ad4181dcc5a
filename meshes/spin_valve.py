"""Recipe: the seed-000 spin valve (spec §6.3) and its simplified Co/Cu/Co version (§7.3).

Run ``python meshes/spin_valve.py`` (or ``make meshes``) from the repository root. Writes

* ``meshes/spin_valve_1d.msh``             full stack, 1D (x = z), ≤ 1 nm cells, ≥ 4 per layer;
* ``meshes/spin_valve_rz.msh``             full stack, r-z, R = 15 µm, beam radius 5 µm;
* ``meshes/spin_valve_simplified_1d.msh``  free_Co 3.2 nm / spacer_Cu 80 nm / ref_Co 7 nm, 1D.

Top → bottom (light from the top, the free-layer side): cap_Ta 5 / free_Pt2 1 / free_Co2 0.6 /
free_Pt1 1 / free_Co1 0.6 / spacer_Cu 80 / ref_Co4 1 / ref_Pt3 1 / ref_Co3 1 / ref_Pt2 1 /
ref_Co2 1 / ref_Pt1 1 / ref_Co1 1 / buffer_Pt 4 / buffer_Ta 5 nm / substrate (glass, 5 µm).
Lengths in metres.
"""

from __future__ import annotations

import sys
from pathlib import Path

import femmag  # noqa: F401  (imports dolfinx_solver before dolfinx)
from femmag.geometry import build_1d, build_axisymmetric
from femmag.studies.seed000 import seed000_spin_valve

from mpi4py import MPI

HERE = Path(__file__).resolve().parent


def main(out_dir: Path = HERE) -> list[Path]:
    """Write the spin-valve meshes; return their paths."""
    out_dir = Path(out_dir)
    full = seed000_spin_valve()
    paths = [out_dir / "spin_valve_1d.msh", out_dir / "spin_valve_rz.msh",
             out_dir / "spin_valve_simplified_1d.msh"]
    build_1d(full, MPI.COMM_SELF, msh_file=paths[0])
    domain = build_axisymmetric(full, MPI.COMM_SELF, radius="15 um", beam_radius="5 um",
                                cells_per_beam_radius=20, msh_file=paths[1])
    print(domain.summary())
    build_1d(seed000_spin_valve(simplified=True), MPI.COMM_SELF, msh_file=paths[2])
    return paths


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE):
        print("wrote", written)
