"""The x-z Domain kind, the patterned-stack mesh builder and the consistency checks of the
patterned absorption (issue 3: 2D absorption of laterally structured films → heat).

Volumes and boundary lengths of the built meshes are exact (a tensor grid with nodes on every edge
and interface); bad input fails with messages that say what to fix. Runs on any number of ranks.
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

import ufl
from dolfinx import fem

from femmag.geometry import Layer, Stack, build_1d, build_axisymmetric
from femmag.studies.seed003 import seed003_film
from femmag.geometry.domain import Domain, DomainError
from femmag.geometry.patterned import LateralPattern, build_patterned, lateral_nodes
from femmag.physics.optics.patterned_absorption import PatternedAbsorption, PatternedAbsorptionError
from femmag.pulse import Pulse
from femmag.units import UnitError

FILM = seed003_film(substrate_thickness="200 nm")


def boundary_length(domain: Domain, name: str, interior: bool = False) -> float:
    measure = domain.dS(name) if interior else domain.ds(name)
    local = fem.assemble_scalar(fem.form(1.0 * measure))
    return domain.mesh.comm.allreduce(local, op=MPI.SUM)


def test_edge_mesh_regions_volumes_and_boundaries():
    pattern = LateralPattern("edge", "2 um", edge="0.5 um")
    domain = build_patterned(FILM, pattern)
    assert domain.kind == "xz" and domain.z_index == 1 and domain.measure_factor == 1.0
    assert domain.pattern is pattern
    assert set(domain.regions) == {"CoPt", "substrate"}
    assert set(domain.boundaries) == {"top", "CoPt|substrate", "sidewall", "outer",
                                      "substrate_bottom"}
    # film for −2 µm < x < 0.5 µm: 2.5 µm × 10 nm per metre of y (no 2π r weight)
    assert domain.volume("CoPt") == pytest.approx(2.5e-6 * 10e-9, rel=1e-12)
    assert domain.volume("substrate") == pytest.approx(4e-6 * 200e-9, rel=1e-12)
    assert boundary_length(domain, "sidewall") == pytest.approx(10e-9, rel=1e-12)
    # exposed top: film top (2.5 µm) + bare substrate beside the film (1.5 µm)
    assert boundary_length(domain, "top") == pytest.approx(4e-6, rel=1e-12)
    interface = boundary_length(domain, "CoPt|substrate", interior=True)
    assert interface == pytest.approx(2.5e-6, rel=1e-12)
    assert boundary_length(domain, "outer") == pytest.approx(210e-9 + 200e-9, rel=1e-12)
    # nm cells at the edge: the smallest lateral cell is the edge cell (2 nm default)
    x = domain.mesh.geometry.x[:, 0]
    comm = domain.mesh.comm
    xs = np.unique(np.concatenate(comm.allgather(np.round(x, 15))))
    h = np.diff(xs)
    assert h.min() == pytest.approx(2e-9, rel=0.15)
    assert 0.5e-6 in np.round(xs, 15)  # a node on the edge
    assert h.max() <= 2e-6 / 25 * 1.0001  # capped at L/25


def test_stripe_grating_and_partial_patterning():
    stripe = build_patterned(FILM, LateralPattern("stripe", "1 um", stripe_width="300 nm",
                                                  stripe_centre="100 nm"))
    assert stripe.volume("CoPt") == pytest.approx(300e-9 * 10e-9, rel=1e-12)
    grating = build_patterned(FILM, LateralPattern("grating", "1 um", stripe_width="200 nm",
                                                   period="500 nm"))
    # lines centred at 0, ±0.5 µm, ±1 µm (cut by the window): 3 × 200 nm + 2 × 100 nm
    assert grating.volume("CoPt") == pytest.approx(800e-9 * 10e-9, rel=1e-12)
    stack = Stack([Layer("CoPt", "CoPt_S003A", "5 nm"), Layer("Pt", "Pt", "4 nm")],
                  substrate=Layer("substrate", "fused_silica", "100 nm"))
    partial = build_patterned(stack, LateralPattern("edge", "1 um", patterned=["CoPt"]))
    assert partial.volume("CoPt") == pytest.approx(1e-6 * 5e-9, rel=1e-12)
    assert partial.volume("Pt") == pytest.approx(2e-6 * 4e-9, rel=1e-12)  # continuous underlayer
    # the exposed Pt top beside the film is "top" too: 1 µm of CoPt top + 1 µm of Pt
    assert boundary_length(partial, "top") == pytest.approx(2e-6, rel=1e-12)
    assert boundary_length(partial, "sidewall") == pytest.approx(5e-9, rel=1e-12)


def test_uniform_mesh_matches_1d_thickness_grid_and_integrates_a_plane_function():
    domain = build_patterned(FILM, LateralPattern("uniform", "1 um"), beam_cell_size="20 nm")
    one_d = build_1d(FILM)
    zs = np.unique(np.concatenate(domain.mesh.comm.allgather(
        np.round(domain.mesh.geometry.x[:, 1], 15))))
    z1 = np.unique(np.concatenate(one_d.mesh.comm.allgather(
        np.round(one_d.mesh.geometry.x[:, 0], 15))))
    np.testing.assert_allclose(zs, z1, atol=1e-18)
    # ∫ x² dx dz over the film = (2/3) L³ d (Cartesian: no r weighting)
    x = ufl.SpatialCoordinate(domain.mesh)
    local = fem.assemble_scalar(fem.form(x[0] ** 2 * domain.radial_weight * domain.dx("CoPt")))
    value = domain.mesh.comm.allreduce(local, op=MPI.SUM)
    assert value == pytest.approx(2 / 3 * (1e-6) ** 3 * 10e-9, rel=1e-12)


def test_lateral_nodes_grading():
    x = lateral_nodes(1e-6, [0.0], 1e-9, 1.2, 50e-9)
    h = np.diff(x)
    assert x[0] == -1e-6 and x[-1] == 1e-6 and np.any(x == 0.0)
    assert h.min() == pytest.approx(1e-9, rel=0.2)
    assert np.max(h[1:] / h[:-1]) < 1.25 and np.min(h[1:] / h[:-1]) > 1 / 1.25
    assert h.max() <= 50e-9 * 1.0001


def test_domain_kind_xz_checks():
    one_d = build_1d(FILM)
    with pytest.raises(DomainError, match="kind 'xz' needs a 2D mesh"):
        Domain(one_d.mesh, one_d.cell_tags, one_d.facet_tags,
               {**{k: (1, v) for k, v in one_d.regions.items()}}, kind="xz")


def test_pattern_bad_input():
    with pytest.raises(ValueError, match="kind = 'ring'"):
        LateralPattern("ring", "1 um")
    with pytest.raises(ValueError, match="outside the window"):
        LateralPattern("edge", "1 um", edge="2 um")
    with pytest.raises(ValueError, match="needs stripe_width"):
        LateralPattern("stripe", "1 um")
    with pytest.raises(ValueError, match="does not lie inside the window"):
        LateralPattern("stripe", "1 um", stripe_width="2.5 um")
    with pytest.raises(ValueError, match="period larger than"):
        LateralPattern("grating", "1 um", stripe_width="200 nm", period="100 nm")
    with pytest.raises(UnitError, match="no unit"):
        LateralPattern("edge", 1e-6)
    opts = LateralPattern("grating", "1 um", stripe_width="200 nm", period="500 nm").optics_options()
    assert opts["pattern"] == "grating" and opts["period"] == pytest.approx(500e-9)
    stack = Stack([Layer("CoPt", "CoPt_S003A", "5 nm"), Layer("Pt", "Pt", "4 nm")])
    with pytest.raises(ValueError, match="must be the top layers"):
        build_patterned(stack, LateralPattern("edge", "1 um", patterned=["Pt"]))
    with pytest.raises(ValueError, match="not layers of the stack"):
        build_patterned(stack, LateralPattern("edge", "1 um", patterned=["Co"]))
    with pytest.raises(TypeError, match="LateralPattern"):
        build_patterned(stack, "edge")


def test_absorption_rejects_wrong_mesh_and_wide_beam():
    pulse = Pulse("1 mJ/cm^2", "140 fs", "10 um")
    rz = build_axisymmetric(FILM, radius="2 um")
    with pytest.raises(PatternedAbsorptionError, match=r"kind 'xz'.*got kind 'rz'"):
        PatternedAbsorption(rz, pulse)
    narrow = build_patterned(FILM, LateralPattern("edge", "3 um"))
    # r0 = 5 µm, w0 = 7.1 µm: a third of the beam falls outside |x| < 3 µm (checked before the
    # optics is solved)
    with pytest.raises(PatternedAbsorptionError, match="wider than the modelled window"):
        PatternedAbsorption(narrow, pulse)


@pytest.fixture(scope="module")
def small_optics():
    """Plane wave on the uniform film in a ±1 µm window (a cheap solved optics object)."""
    from femmag.physics.optics.patterned import patterned_optics

    return patterned_optics(FILM, LateralPattern("uniform", "1 um"), "800 nm",
                            cells_per_wavelength=8)


def test_absorption_rejects_inconsistent_optics(small_optics):
    pulse = Pulse("1 mJ/cm^2", "140 fs", "10 um")
    renamed = Stack([Layer("film", "CoPt_S003A", "10 nm")],
                    substrate=Layer("substrate", "fused_silica", "200 nm"))
    other = build_patterned(renamed, LateralPattern("uniform", "1 um"))
    with pytest.raises(PatternedAbsorptionError, match=r"no region for the optics layer.*CoPt"):
        PatternedAbsorption(other, pulse, optics=small_optics)
    wide = build_patterned(FILM, LateralPattern("uniform", "2 um"))
    with pytest.raises(PatternedAbsorptionError, match="beyond the optics' physical window"):
        PatternedAbsorption(wide, pulse, optics=small_optics)
    same = build_patterned(FILM, LateralPattern("uniform", "1 um"))
    blue = Pulse("1 mJ/cm^2", "140 fs", "10 um", wavelength="400 nm")
    with pytest.raises(PatternedAbsorptionError, match="pulse has λ = 400 nm"):
        PatternedAbsorption(same, blue, optics=small_optics)
    # a plane-wave optics is accepted on its own window: q̂ is the planar profile everywhere
    absorption = PatternedAbsorption(same, pulse, optics=small_optics)
    absorption.setup(None)
    assert absorption.rescaled
    assert abs(absorption.transfer_mismatch[0]) < 1e-7  # measured 8e-9
    # Σ∫q̂ dx dz = A (plane wave) × 2L
    assert absorption.absorbed_power_per_length == pytest.approx(
        small_optics.layer_absorption[0], rel=1e-12)
    assert absorption.absorbed_power_per_length / 2e-6 == pytest.approx(0.37249, abs=2e-4)
