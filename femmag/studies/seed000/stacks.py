"""The seed-000 spin valve (physics-spec §6.3): the FEM stack, the layer lists of the 1D
finite-volume reference and its optical indices at 800 nm."""

from __future__ import annotations

from typing import Any

from femmag.geometry.stack import Layer, MaterialCheck, Stack

__all__ = ["FM_CU_CONTROL_LAYERS", "SEED000_LAYERS", "SEED000_OPTICS", "seed000_spin_valve"]

#: optical indices at 800 nm (physics-spec §1.6; same as bench/bench_2tm_1d.py)
SEED000_OPTICS = {"Co": 2.49 + 4.80j, "Pt": 2.85 + 4.96j, "Cu": 0.25 + 5.01j,
                  "Ta": 1.11 + 3.48j, "glass": 1.5108}
#: seed-000 spin valve from the air side (material, thickness [nm], label) [S000 Fig. 1a, §6.3]
SEED000_LAYERS = [
    ("Ta", 5.0, "cap"),
    ("Pt", 1.0, "free"), ("Co", 0.6, "free"), ("Pt", 1.0, "free"), ("Co", 0.6, "free"),
    ("Cu", 80.0, "spacer"),
    *[(material, 1.0, "ref") for material in ("Co", "Pt") * 3], ("Co", 1.0, "ref"),
    ("Pt", 4.0, "seed"), ("Ta", 5.0, "seed"),
]
#: seed-000 Fig. 4 control from the air side: Cu(100) on [Co(0.8)/Pt(1)]3 on glass [S000 Fig. 4]
FM_CU_CONTROL_LAYERS = [
    ("Cu", 100.0, "spacer"),
    *[(material, thickness, "fm") for material, thickness in (("Pt", 1.0), ("Co", 0.8)) * 3],
]


def seed000_spin_valve(
    simplified: bool = False,
    *,
    substrate_thickness: Any = "5 um",
    free_material: str = "Co",
    ref_material: str = "Co",
    material_check: MaterialCheck | None = None,
) -> Stack:
    """Seed 000 spin valve (spec §6.3), listed top → bottom; light comes from the free-layer side.

    Grown on glass: Ta(5)/Pt(4)/[Co(1)/Pt(1)]3/Co(1)/Cu(80)/[Co(0.6)/Pt(1)]2/Ta(5) nm. Top → bottom:
    ``cap_Ta`` 5, ``free_Pt2`` 1, ``free_Co2`` 0.6, ``free_Pt1`` 1, ``free_Co1`` 0.6,
    ``spacer_Cu`` 80, ``ref_Co4`` 1, ``ref_Pt3`` 1, ``ref_Co3`` 1, ``ref_Pt2`` 1, ``ref_Co2`` 1,
    ``ref_Pt1`` 1, ``ref_Co1`` 1, ``buffer_Pt`` 4, ``buffer_Ta`` 5 nm (numbers follow the growth
    order, from the glass up).

    ``simplified=True`` gives the spin-diffusion structure of §7.3: ``free_Co`` 3.2 nm /
    ``spacer_Cu`` 80 nm / ``ref_Co`` 7 nm on glass.
    """
    substrate = Layer("substrate", "glass", substrate_thickness)
    if simplified:
        layers = [Layer("free_Co", free_material, "3.2 nm"), Layer("spacer_Cu", "Cu", "80 nm"),
                  Layer("ref_Co", ref_material, "7 nm")]
    else:
        free = Stack.repeat([("Pt", "Pt", "1 nm"), ("Co", free_material, "0.6 nm")], 2,
                            prefix="free_", reverse_numbering=True)
        ref = Stack.repeat([("Pt", "Pt", "1 nm"), ("Co", ref_material, "1 nm")], 3,
                           prefix="ref_", reverse_numbering=True)
        layers = [Layer("cap_Ta", "Ta", "5 nm"), *free, Layer("spacer_Cu", "Cu", "80 nm"),
                  Layer("ref_Co4", ref_material, "1 nm"), *ref, Layer("buffer_Pt", "Pt", "4 nm"),
                  Layer("buffer_Ta", "Ta", "5 nm")]
    return Stack(layers, substrate=substrate, ambient="air", material_check=material_check)
