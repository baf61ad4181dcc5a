"""femmag.geometry: layer stacks, gmsh mesh builders and the Domain (named regions and measures).

Conventions: SI lengths; z = film normal with the stack top at z = 0 and layers at z < 0;
1D: x[0] = z, axisymmetric: x = (r, z), patterned line-focus cross-section ("xz"): x = (x, z),
3D: x[2] = z. Region names = layer names (+ "substrate",
"air"); facet names "top", "substrate_bottom", "axis", "outer", "air_boundary", "<upper>|<lower>".
"""

from femmag.geometry.stack import (
    RESERVED_NAMES,
    Layer,
    Stack,
    StackError,
)


def __getattr__(name: str):
    # builders and domain import dolfinx: load them on first use, so that `femmag.geometry.Stack`
    # stays importable (and fast) without touching dolfinx.
    if name in ("MeshBuildError", "gmsh_session"):
        from femmag.geometry import gmsh_io

        return getattr(gmsh_io, name)
    if name in ("build_1d", "build_axisymmetric", "build_3d", "thickness_grid", "graded_sizes"):
        from femmag.geometry import builders

        return getattr(builders, name)
    if name in ("build_patterned", "LateralPattern", "lateral_nodes"):
        from femmag.geometry import patterned

        return getattr(patterned, name)
    if name == "film_plane_mesh":
        from femmag.geometry.film_plane_mesh import film_plane_mesh

        return film_plane_mesh
    if name in ("Domain", "MissingRegionError", "DomainError"):
        from femmag.geometry import domain

        return getattr(domain, name)
    raise AttributeError(f"module 'femmag.geometry' has no attribute '{name}'")


__all__ = [
    "RESERVED_NAMES",
    "Domain",
    "DomainError",
    "LateralPattern",
    "Layer",
    "MeshBuildError",
    "MissingRegionError",
    "Stack",
    "StackError",
    "build_1d",
    "build_3d",
    "build_axisymmetric",
    "build_patterned",
    "film_plane_mesh",
    "gmsh_session",
    "graded_sizes",
    "thickness_grid",
]
