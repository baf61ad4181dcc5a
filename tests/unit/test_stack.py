"""Stack and layer validation, helpers, seed recipes and the z-node distribution (pure numpy)."""

import numpy as np
import pytest

from femmag.geometry.builders import graded_sizes, radial_nodes, thickness_grid
from femmag.geometry.stack import Layer, Stack, StackError
from femmag.studies.seed000 import seed000_spin_valve
from femmag.studies.seed003 import seed003_film
from femmag.units import UnitError


def no_check(name):
    """Material check stub: accepts every name."""


def test_layer_converts_thickness_to_metres():
    assert Layer("Co", "Co", "10 nm").thickness == pytest.approx(1e-8, rel=1e-14)
    assert Layer("sub", "glass", "5 um").thickness == pytest.approx(5e-6, rel=1e-14)
    assert Layer("Co", "Co", (0.6, "nm")).thickness == pytest.approx(6e-10, rel=1e-14)


def test_bare_number_thickness_is_rejected():
    with pytest.raises(UnitError, match=r"layer 'Co' thickness = 5 has no unit"):
        Layer("Co", "Co", 5)


def test_wrong_unit_thickness_is_rejected():
    with pytest.raises(UnitError, match=r"layer 'Co' thickness .* wrong unit"):
        Layer("Co", "Co", "5 ps")


def test_negative_thickness_message_names_layer_and_index():
    layers = [("Ta", "Ta", "5 nm"), ("Pt", "Pt", "1 nm"), ("Co", "Co", "-5 nm")]
    message = r"layer 'Co' \(index 2\): thickness -5 nm must be positive"
    with pytest.raises(StackError, match=message):
        Stack.from_spec(layers, material_check=no_check)


def test_zero_thickness_rejected():
    with pytest.raises(StackError, match=r"layer 'Co' \(index 0\): thickness 0 nm must be"):
        Stack([Layer("Co", "Co", "0 nm")], material_check=no_check)


def test_repeated_names_become_unique_regions():
    stack = Stack.from_spec([("Co", "Co", "1 nm"), ("Pt", "Pt", "1 nm"), ("Co", "Co", "2 nm"),
                             ("Pt", "Pt", "1 nm"), ("Co", "Co", "3 nm")], material_check=no_check)
    assert stack.names == ["Co", "Pt", "Co_2", "Pt_2", "Co_3"]
    assert stack["Co_3"].thickness == pytest.approx(3e-9, rel=1e-14)
    assert stack.interface_names()[1] == "Pt|Co_2"
    assert [layer.material for layer in stack] == ["Co", "Pt", "Co", "Pt", "Co"]
    # an explicit name is kept; the generated one skips the number it takes
    stack = Stack.from_spec([("Co", "Co", "1 nm"), ("Co_2", "Co", "1 nm"), ("Co", "Co", "1 nm")],
                            material_check=no_check)
    assert stack.names == ["Co", "Co_2", "Co_3"]


def test_explicit_refractive_index():
    layer = Layer("oxide", "MgO", "2 nm", refractive_index="2.9+3.1j")
    assert layer.refractive_index == complex(2.9, 3.1)
    assert Layer("x", "MgO", "2 nm", refractive_index=1.7).refractive_index == complex(1.7, 0)
    assert Layer("x", "MgO", "2 nm").refractive_index is None
    stack = Stack([layer, layer], material_check=no_check)
    assert stack["oxide_2"].refractive_index == complex(2.9, 3.1)
    spec = {"name": "y", "material": "Co", "thickness": "1 nm", "refractive_index": "2.5 + 4.5j"}
    assert Stack([spec], material_check=no_check)["y"].refractive_index == complex(2.5, 4.5)
    with pytest.raises(StackError, match=r"layer 'x': refractive_index = 'abc' is not a complex"):
        Layer("x", "MgO", "2 nm", refractive_index="abc")
    with pytest.raises(StackError, match=r"need n > 0 and k ≥ 0"):
        Layer("x", "MgO", "2 nm", refractive_index="2.9-3.1j")


def test_empty_stack_rejected():
    with pytest.raises(StackError, match="the stack has no layers"):
        Stack([], material_check=no_check)


@pytest.mark.parametrize("name", ["substrate", "air", "top", "axis", "outer", "air_boundary"])
def test_reserved_names_rejected(name):
    with pytest.raises(StackError, match=f"the name '{name}' is reserved"):
        Stack([Layer(name, "Co", "1 nm")], material_check=no_check)


def test_interface_separator_rejected():
    with pytest.raises(StackError, match=r"may not contain '\|'"):
        Stack([Layer("Co|Pt", "Co", "1 nm")], material_check=no_check)


def test_unknown_material_with_did_you_mean():
    with pytest.raises(Exception, match=r"unknown material 'Cuu'\. Did you mean 'Cu'"):
        Stack([Layer("spacer", "Cuu", "80 nm")])


def test_material_hook_is_called_for_every_material():
    seen = []
    Stack([Layer("a", "Co", "1 nm"), Layer("b", "Pt", "1 nm"), Layer("c", "Co", "1 nm")],
          substrate=Layer("substrate", "glass", "1 um"), material_check=seen.append)
    assert seen == ["Co", "Pt", "glass", "air"]

    def reject(name):
        if name == "Pt":
            raise KeyError("no Pt here")

    with pytest.raises(KeyError, match="no Pt here"):
        Stack([Layer("a", "Co", "1 nm"), Layer("b", "Pt", "1 nm")], material_check=reject)


def test_z_interfaces_and_layer_at_spin_valve():
    stack = seed000_spin_valve(material_check=no_check)
    assert stack.names == ["cap_Ta", "free_Pt2", "free_Co2", "free_Pt1", "free_Co1", "spacer_Cu",
                           "ref_Co4", "ref_Pt3", "ref_Co3", "ref_Pt2", "ref_Co2", "ref_Pt1",
                           "ref_Co1", "buffer_Pt", "buffer_Ta"]
    nm = [5, 1, 0.6, 1, 0.6, 80, 1, 1, 1, 1, 1, 1, 1, 4, 5]
    assert [layer.thickness for layer in stack] == pytest.approx(np.array(nm) * 1e-9, rel=1e-12)
    assert stack.total_thickness == pytest.approx(104.2e-9, rel=1e-12)
    z = stack.z_interfaces()
    assert z[0] == 0.0
    assert z[-2] == pytest.approx(-104.2e-9, rel=1e-12)
    assert z[-1] == pytest.approx(-104.2e-9 - 5e-6, rel=1e-12)
    assert stack.bounds("spacer_Cu") == pytest.approx((-88.2e-9, -8.2e-9), rel=1e-12)
    assert stack.layer_at(0.0).name == "cap_Ta"
    assert stack.layer_at(-5e-9).name == "cap_Ta"  # an interface belongs to the layer above
    assert stack.layer_at(-5.3e-9).name == "free_Pt2"
    assert stack.layer_at(-50e-9).name == "spacer_Cu"
    assert stack.layer_at(-1e-6).name == "substrate"
    with pytest.raises(ValueError, match="above the stack top"):
        stack.layer_at(1e-9)
    assert stack.interface_names()[4] == "free_Co1|spacer_Cu"
    assert stack.interface_names()[-1] == "buffer_Ta|substrate"
    assert stack.substrate.material == "glass"


def test_simplified_spin_valve_and_seed003():
    simple = seed000_spin_valve(simplified=True, material_check=no_check)
    assert simple.names == ["free_Co", "spacer_Cu", "ref_Co"]
    assert simple.total_thickness == pytest.approx(90.2e-9, rel=1e-12)
    film = seed003_film()  # real library: CoPt_S003A and fused_silica exist
    assert film.names == ["CoPt"]
    assert film["CoPt"].material == "CoPt_S003A"
    assert film.substrate.thickness == pytest.approx(5e-6, rel=1e-14)


def test_repeat_numbers_names():
    layers = Stack.repeat([("Co", "Co", "1 nm"), ("Pt", "Pt", "1 nm")], 3, prefix="ml_")
    assert [layer.name for layer in layers] == ["ml_Co1", "ml_Pt1", "ml_Co2", "ml_Pt2", "ml_Co3",
                                                "ml_Pt3"]
    down = Stack.repeat([("Pt", "Pt", "1 nm"), ("Co", "Co", "0.6 nm")], 2, reverse_numbering=True)
    assert [layer.name for layer in down] == ["Pt2", "Co2", "Pt1", "Co1"]
    assert sum(layer.thickness for layer in down) == pytest.approx(3.2e-9, rel=1e-12)
    with pytest.raises(StackError, match="times = 0 must be a positive integer"):
        Stack.repeat([("Co", "Co", "1 nm")], 0)


def test_from_spec_dicts_and_substrate_pair():
    stack = Stack.from_spec([{"name": "Co", "material": "Co", "thickness": "2 nm", "min_cells": 8},
                             ("Cu", "Cu", "10 nm")], substrate=("glass", "1 um"),
                            material_check=no_check)
    assert stack["Co"].min_cells == 8
    assert stack.substrate.name == "substrate"
    assert stack.substrate.thickness == pytest.approx(1e-6, rel=1e-14)
    with pytest.raises(StackError, match=r"lacks the key 'thickness'"):
        Stack.from_spec([{"name": "Co", "material": "Co"}], material_check=no_check)


def test_graded_sizes_cover_length_and_grow_geometrically():
    sizes = graded_sizes(5e-6, 1e-9, 5e-7, 1.3)
    assert sizes.sum() == pytest.approx(5e-6, rel=1e-13)
    ratios = sizes[1:] / sizes[:-1]
    assert np.all(ratios <= 1.3 + 1e-12)
    assert np.all(ratios >= 1.0 - 1e-12)
    assert sizes[0] == pytest.approx(1e-9, rel=0.5)  # first cell ~ the film cell
    assert sizes[-1] <= 5e-7 * 1.5


def test_thickness_grid_nodes_on_interfaces_and_cell_counts():
    stack = seed000_spin_valve(material_check=no_check)
    grid = thickness_grid(stack, max_cell_size="1 nm", min_cells_per_layer=4)
    zi = stack.z_interfaces()
    for i, slab in enumerate(grid.slabs):
        assert grid.z[slab.first] == zi[i]
        assert grid.z[slab.last] == zi[i + 1]
        if slab.region != "substrate":
            layer = stack[slab.region]
            n = slab.last - slab.first
            assert n >= 4
            assert layer.thickness / n <= 1e-9 * (1 + 1e-9)
    assert np.all(np.diff(grid.z) < 0)
    assert grid.level_names[0] == "top"
    assert grid.level_names[grid.slabs[-1].last] == "substrate_bottom"
    assert grid.level_names[grid.slabs[5].first] == "free_Co1|spacer_Cu"
    assert len(grid.level_names) == len(zi)


def test_thickness_grid_air_boxes():
    stack = seed003_film(material_check=no_check)
    grid = thickness_grid(stack, air_above="2 um", air_below="3 um")
    assert [s.region for s in grid.slabs] == ["air", "CoPt", "substrate", "air"]
    assert grid.z[0] == pytest.approx(2e-6, rel=1e-14)
    assert grid.z[-1] == pytest.approx(-5.01e-6 - 3e-6, rel=1e-14)
    assert grid.level_names[grid.slabs[0].last] == "top"
    assert grid.level_names[grid.slabs[2].last] == "substrate_bottom"
    assert grid.level_names[0] == "air_boundary"
    # the air cell next to the film is as fine as a film cell
    assert grid.z[grid.slabs[0].last - 1] - grid.z[grid.slabs[0].last] < 2e-9
    with pytest.raises(ValueError, match="ambient=None"):
        thickness_grid(Stack([Layer("Co", "Co", "1 nm")], ambient=None, material_check=no_check),
                       air_above="1 um")


def test_radial_nodes_uniform_in_beam_then_graded():
    r = radial_nodes(15e-6, 5e-6, 20, 1.25, 1.5e-6)
    assert r[0] == 0.0 and r[-1] == 15e-6
    h = np.diff(r)
    assert np.allclose(h[:20], 0.25e-6, rtol=1e-12)
    assert np.all(h[20:] >= 0.25e-6 * (1 - 1e-12))
    assert h.max() <= 1.5e-6 * 1.5


def test_thickness_grid_without_substrate():
    stack = Stack([Layer("Co", "Co", "3 nm"), Layer("Cu", "Cu", "10 nm")], substrate=None,
                  material_check=no_check)
    grid = thickness_grid(stack)
    assert [s.region for s in grid.slabs] == ["Co", "Cu"]
    assert grid.num_cells == 4 + 10
    assert grid.z[-1] == pytest.approx(-13e-9, rel=1e-14)
    assert grid.level_names == {0: "top", 4: "Co|Cu", 14: "bottom"}
    with pytest.raises(ValueError, match="air_below needs a substrate"):
        thickness_grid(stack, air_below="1 um")
