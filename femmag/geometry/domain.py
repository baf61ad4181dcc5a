"""Domain: a DOLFINx mesh with named regions and boundaries, measures by name, one quadrature rule.

Every physics module receives a :class:`Domain`. Regions (cell groups) carry the layer names of the
:class:`~femmag.geometry.stack.Stack` plus ``"substrate"`` and ``"air"``; boundaries (facet
groups) are ``"top"``, ``"substrate_bottom"``, ``"axis"``, ``"outer"``, ``"air_boundary"`` and
``"<upper>|<lower>"`` for interfaces (see :mod:`femmag.geometry.builders`). Names are looked up in
the mesh's physical groups, never hard-coded as numbers.

Coordinates (SI, metres): ``"1d"``: x[0] = z; ``"rz"``: x[0] = r ≥ 0, x[1] = z; ``"3d"``: x[2] = z;
``"xz"`` (2D Cartesian, per unit length along y, e.g. a line focus on a patterned film, see
:mod:`femmag.geometry.patterned`): x[0] = x, x[1] = z, no r weighting (volumes are in m² = m³ per
metre of y). The stack top is z = 0. In ``"rz"`` every volume integrand must be multiplied by
:attr:`Domain.radial_weight` (= r; the 2π is left out of the forms, it cancels in the equations).
Physical volumes and quadrature weights returned by :meth:`Domain.volume` and
:meth:`Domain.quadrature_points` *do* include 2π (they are true volumes in m³).

Ghost cells: :meth:`Domain.cells` includes ghost cells by default (like ``MeshTags.find``, so it
can be used for dof location); quadrature-point queries use owned cells only by default (so sums
over ranks count every point once).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from mpi4py import MPI

import basix
import basix.ufl
import numpy as np
import ufl
from dolfinx import fem
from dolfinx import mesh as dmesh

KINDS = ("1d", "rz", "3d", "xz")
_Z_INDEX = {"1d": 0, "rz": 1, "3d": 2, "xz": 1}


# Quadrature degree of the heat forms (P1 fields; the Sommerfeld energy γT²/2 is quadratic); the
# absorbed power density is held at these points too,
# so that the optics and heat modules agree on them without importing each other.
HEAT_QUADRATURE_DEGREE = 4

class MissingRegionError(LookupError):
    """The mesh has no region (cell group) or boundary (facet group) of the requested name."""


class DomainError(ValueError):
    """The mesh and its tags do not form a valid femmag Domain (the message says how to fix it)."""


def _as_names(names: str | Iterable[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


class Domain:
    """A mesh with named regions/boundaries and the one quadrature rule of the simulation.

    Args:
        mesh: the DOLFINx mesh (lengths in metres).
        cell_tags: cell MeshTags (one tag per cell, the physical group of its region).
        facet_tags: facet MeshTags (interfaces and boundaries) or None.
        physical_groups: name → (dim, tag), e.g. ``MeshData.physical_groups``.
        kind: ``"1d"``, ``"rz"`` (axisymmetric r-z), ``"3d"`` or ``"xz"`` (2D Cartesian x-z).
        stack: the Stack the mesh was built from (needed for :meth:`material_of`), or None.
        quadrature_degree: degree of the quadrature rule for pointwise (quadrature-point) state.

    Attributes:
        regions: region name → cell tag.
        boundaries: facet group name → facet tag.
        build_info: numbers from the builder (cells per direction, timings in seconds).
    """

    def __init__(
        self,
        mesh: dmesh.Mesh,
        cell_tags: dmesh.MeshTags,
        facet_tags: dmesh.MeshTags | None,
        physical_groups: Mapping[str, Any],
        kind: str,
        stack: Any = None,
        quadrature_degree: int = 2,
    ) -> None:
        if kind not in KINDS:
            raise DomainError(f"kind = {kind!r}: use one of {KINDS}")
        tdim = mesh.topology.dim
        expected = {"1d": 1, "rz": 2, "3d": 3, "xz": 2}[kind]
        if tdim != expected or mesh.geometry.dim != expected:
            raise DomainError(f"kind '{kind}' needs a {expected}D mesh in {expected}D space; got "
                              f"topological dimension {tdim}, geometric dimension "
                              f"{mesh.geometry.dim}")
        if cell_tags is None:
            raise DomainError("the mesh has no cell tags: every cell must belong to a named "
                              "region (gmsh physical group)")
        if not isinstance(quadrature_degree, int | np.integer) or quadrature_degree < 0:
            raise DomainError(f"quadrature_degree = {quadrature_degree!r}: give an integer ≥ 0")
        self.mesh = mesh
        self.cell_tags = cell_tags
        self.facet_tags = facet_tags
        self.kind = kind
        self.stack = stack
        self.quadrature_degree = int(quadrature_degree)
        self.build_info: dict[str, Any] = {}
        self.regions: dict[str, int] = {}
        self.boundaries: dict[str, int] = {}
        for name, group in physical_groups.items():
            dim, tag = int(group[0]), int(group[1])
            if dim == tdim:
                self.regions[name] = tag
            elif dim == tdim - 1:
                self.boundaries[name] = tag
        mesh.topology.create_connectivity(tdim - 1, tdim)
        self._check_tags()
        if stack is not None:
            self._check_stack(stack)

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def from_msh(
        cls,
        path: str | Path,
        comm: MPI.Comm | None = None,
        stack: Any = None,
        kind: str | None = None,
        quadrature_degree: int = 2,
    ) -> Domain:
        """Read a gmsh ``.msh`` file (physical names become regions and boundaries).

        Args:
            path: the .msh file (lengths in metres).
            comm: MPI communicator (default ``MPI.COMM_WORLD``); rank 0 reads the file.
            stack: the Stack the mesh represents (checked against the region names), or None.
            kind: ``"1d"``/``"rz"``/``"3d"``/``"xz"``; default from the mesh dimension (2D →
                ``"rz"``; pass ``"xz"`` for a 2D Cartesian mesh).
            quadrature_degree: see :class:`Domain`.
        """
        from dolfinx.io import gmsh as gmshio

        from femmag.geometry.gmsh_io import MeshBuildError, gmsh_session

        comm = MPI.COMM_WORLD if comm is None else comm
        path = Path(path)
        if comm.rank != 0:
            error, tdim = comm.bcast(None, root=0)
            if error is not None:
                raise MeshBuildError(error)
            data = gmshio.model_to_mesh(None, comm, 0, gdim=tdim)
        else:
            with gmsh_session("femmag_read") as gmsh:
                error, tdim = None, 0
                try:
                    if not path.is_file():
                        raise FileNotFoundError(f"no mesh file '{path}'; generate it with the "
                                                "recipes in meshes/ (e.g. python meshes/film.py)")
                    gmsh.merge(str(path))
                    dims = [d for d, _ in gmsh.model.getPhysicalGroups()]
                    if not dims:
                        raise DomainError(f"'{path}' has no physical groups (named regions)")
                    tdim = max(dims)
                except Exception as err:
                    error = f"reading '{path}' failed: {type(err).__name__}: {err}"
                comm.bcast((error, tdim), root=0)
                if error is not None:
                    raise MeshBuildError(error)
                data = gmshio.model_to_mesh(gmsh.model, comm, 0, gdim=tdim)
        if kind is None:
            kind = {1: "1d", 2: "rz", 3: "3d"}[data.mesh.topology.dim]
        return cls(data.mesh, data.cell_tags, data.facet_tags, data.physical_groups, kind=kind,
                   stack=stack, quadrature_degree=quadrature_degree)

    def _check_tags(self) -> None:
        tdim = self.mesh.topology.dim
        n_owned = self.mesh.topology.index_map(tdim).size_local
        owned = self.cell_tags.indices[self.cell_tags.indices < n_owned]
        problems = int(len(owned) != n_owned or len(np.unique(owned)) != n_owned)
        if self.mesh.comm.allreduce(problems, op=MPI.MAX):
            raise DomainError("every cell must carry exactly one region tag; "
                              f"{n_owned} owned cells, {len(owned)} tags on this rank")
        unknown = set(np.unique(self.cell_tags.values).tolist()) - set(self.regions.values())
        if unknown:
            raise DomainError(f"cell tags {sorted(unknown)} have no physical name; name every "
                              "region in gmsh (addPhysicalGroup(..., name=...))")

    def _check_stack(self, stack: Any) -> None:
        expected = set(stack.names) | ({"substrate"} if stack.substrate is not None else set())
        extra = set(self.regions) - expected - {"air"}
        if extra:
            raise DomainError(f"the mesh regions {sorted(extra)} are not layers of the stack "
                              f"({sorted(expected)}); pass the stack the mesh was built from")

    # -- names → tags ----------------------------------------------------------------------------
    def require(self, names: str | Iterable[str], what: str = "region") -> None:
        """Raise :class:`MissingRegionError` unless every name exists.

        Args:
            names: region names (``what="region"``) or facet group names (``what="boundary"``).
            what: ``"region"`` or ``"boundary"``.
        """
        table = self.regions if what == "region" else self.boundaries
        missing = [n for n in _as_names(names) if n not in table]
        if missing:
            fix = ("rebuild the mesh from a stack with that layer or rename"
                   if what == "region" else
                   "check the boundary name (interfaces are named '<upper>|<lower>') or rebuild "
                   "the mesh")
            raise MissingRegionError(
                f"mesh has no {what} {', '.join(repr(m) for m in missing)}; it has: "
                f"{sorted(table)}; {fix}")

    def _tags(self, names: str | Iterable[str], what: str) -> list[int]:
        self.require(names, what)
        table = self.regions if what == "region" else self.boundaries
        return [table[n] for n in _as_names(names)]

    # -- measures --------------------------------------------------------------------------------
    def dx(self, names: str | Iterable[str] | None = None) -> ufl.Measure:
        """Cell measure restricted to named regions (all cells for None). No r-weight included."""
        measure = ufl.Measure("dx", domain=self.mesh, subdomain_data=self.cell_tags)
        if names is None:
            return measure
        tags = self._tags(names, "region")
        return measure(tags[0] if len(tags) == 1 else tuple(tags))

    def dx_qp(self, names: str | Iterable[str] | None = None) -> ufl.Measure:
        """Like :meth:`dx`, with the Domain's quadrature rule (match :meth:`quadrature_element`)."""
        metadata = {"quadrature_degree": self.quadrature_degree, "quadrature_rule": "default"}
        measure = ufl.Measure("dx", domain=self.mesh, subdomain_data=self.cell_tags,
                              metadata=metadata)
        if names is None:
            return measure
        tags = self._tags(names, "region")
        return measure(tags[0] if len(tags) == 1 else tuple(tags))

    def ds(self, names: str | Iterable[str]) -> ufl.Measure:
        """Exterior-facet measure on named boundaries (e.g. ``"top"``, ``"substrate_bottom"``)."""
        tags = self._tags(names, "boundary")
        measure = ufl.Measure("ds", domain=self.mesh, subdomain_data=self.facet_tags)
        return measure(tags[0] if len(tags) == 1 else tuple(tags))

    def dS(self, names: str | Iterable[str]) -> ufl.Measure:
        """Interior-facet measure on named interfaces (``"Cu|free_Co1"``; ``"top"`` with air)."""
        tags = self._tags(names, "boundary")
        measure = ufl.Measure("dS", domain=self.mesh, subdomain_data=self.facet_tags)
        return measure(tags[0] if len(tags) == 1 else tuple(tags))

    @property
    def radial_weight(self) -> ufl.core.expr.Expr:
        """r = x[0] in ``"rz"`` (multiply every volume and facet integrand by it), else 1."""
        if self.kind == "rz":
            return ufl.SpatialCoordinate(self.mesh)[0]
        return ufl.as_ufl(1.0)

    @property
    def measure_factor(self) -> float:
        """2π in ``"rz"`` (∫ dV = 2π ∫ r dr dz), else 1."""
        return 2 * np.pi if self.kind == "rz" else 1.0

    @property
    def z_index(self) -> int:
        """Index of the film-normal coordinate z in x: 0 (1d), 1 (rz, xz), 2 (3d)."""
        return _Z_INDEX[self.kind]

    # -- cells, facets, materials ------------------------------------------------------------------
    @property
    def num_owned_cells(self) -> int:
        return self.mesh.topology.index_map(self.mesh.topology.dim).size_local

    def cells(self, names: str | Iterable[str] | None = None, include_ghosts: bool = True
              ) -> np.ndarray:
        """Local cell indices of named regions (all for None), sorted.

        Args:
            names: region name(s) or None.
            include_ghosts: include ghost cells (default, like ``MeshTags.find``); use False for
                sums over ranks.
        """
        if names is None:
            n = self.mesh.topology.index_map(self.mesh.topology.dim)
            return np.arange(n.size_local + (n.num_ghosts if include_ghosts else 0), dtype=np.int32)
        cells = np.unique(np.concatenate(
            [self.cell_tags.find(tag) for tag in self._tags(names, "region")]))
        if not include_ghosts:
            cells = cells[cells < self.num_owned_cells]
        return cells.astype(np.int32)

    def facets(self, names: str | Iterable[str]) -> np.ndarray:
        """Local facet indices (owned and ghost) of named boundaries/interfaces, sorted."""
        return np.unique(np.concatenate(
            [self.facet_tags.find(tag) for tag in self._tags(names, "boundary")])).astype(np.int32)

    def material_of(self, region: str) -> str:
        """Material name of a region (layer material, substrate material or the ambient)."""
        self.require(region)
        if self.stack is None:
            raise DomainError(f"region '{region}': this Domain has no stack, so its materials are "
                              "unknown; pass stack= to the builder or to Domain.from_msh")
        if region == "air":
            if self.stack.ambient is None:
                raise DomainError("the mesh has an 'air' region but the stack has ambient=None")
            return self.stack.ambient
        if region == "substrate":
            return self.stack.substrate.material
        return self.stack[region].material

    def layer_regions(self) -> list[str]:
        """Regions that are stack layers, top → bottom (not substrate/air)."""
        if self.stack is None:
            return [r for r in self.regions if r not in ("substrate", "air")]
        return [n for n in self.stack.names if n in self.regions]

    def _library(self) -> Any:
        from femmag.materials import Library

        return Library.default()

    @staticmethod
    def _has(material: Any, prop: str) -> bool:
        if hasattr(material, "has"):
            return bool(material.has(prop))
        return getattr(material, prop, None) is not None

    def metal_regions(self) -> list[str]:
        """Regions whose material has an electron-phonon coupling (two-temperature metals)."""
        lib = self._library()
        return [r for r in self.regions
                if self._has(lib.get(self.material_of(r)), "electron_phonon_coupling")]

    def magnetic_regions(self) -> list[str]:
        """Regions whose material has a Curie temperature (pointwise magnetization lives there)."""
        lib = self._library()
        return [r for r in self.regions
                if self._has(lib.get(self.material_of(r)), "curie_temperature")]

    def dg0(self, values: Mapping[str, float], name: str = "region_values",
            default: float | None = None) -> fem.Function:
        """Piecewise-constant (DG0) function with one value per region.

        Args:
            values: region name → value (SI).
            name: name of the Function.
            default: value for regions not in ``values`` (None: every region must be given).
        """
        self.require(list(values))
        missing = [r for r in self.regions if r not in values]
        if missing and default is None:
            raise DomainError(f"dg0 '{name}': no value for regions {missing}; give them or "
                              "default=")
        V = fem.functionspace(self.mesh, ("DG", 0))
        f = fem.Function(V, name=name)
        f.x.array[:] = 0.0 if default is None else default
        for region, value in values.items():
            cells = self.cells(region, include_ghosts=True)
            f.x.array[V.dofmap.list[cells, 0]] = value
        f.x.scatter_forward()
        return f

    # -- quadrature ------------------------------------------------------------------------------
    def quadrature_element(self, value_shape: tuple[int, ...] = ()) -> Any:
        """basix.ufl quadrature element of the Domain's degree (default scheme) on the cell."""
        return basix.ufl.quadrature_element(self.mesh.basix_cell(), value_shape=value_shape,
                                            degree=self.quadrature_degree)

    def reference_quadrature(self) -> tuple[np.ndarray, np.ndarray]:
        """Reference points (nq, tdim) and weights (nq,) of the rule (same as the element's)."""
        return basix.make_quadrature(self.mesh.basix_cell(), self.quadrature_degree)

    @property
    def points_per_cell(self) -> int:
        return len(self.reference_quadrature()[1])

    def quadrature_points(self, names: str | Iterable[str] | None = None,
                          include_ghosts: bool = False
                          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Quadrature points of named regions in a deterministic order.

        The order is cell by cell (local cell index, ascending), and within a cell the order of
        :meth:`quadrature_element`'s points, i.e. the dof order of a quadrature Function:
        point q of cell c is dof ``c * nq + q``.

        Returns:
            ``(cells, points, weights)``: cells (n_cells,); physical coordinates
            (n_cells·nq, 3) [m]; weights (n_cells·nq,) = w_q |det J| (× 2π r in ``"rz"``), true
            volumes in m³ that sum to the region volume (per metre of y in ``"xz"``: m²).
        """
        cells = self.cells(names, include_ghosts=include_ghosts)
        X, w = self.reference_quadrature()
        element = self.mesh.ufl_domain().ufl_coordinate_element().basix_element
        tab = element.tabulate(1, X)[..., 0]  # (1 + tdim, nq, ndofs)
        coords = self.mesh.geometry.x[self.mesh.geometry.dofmaps[0][cells]]  # (nc, ndofs, 3)
        gdim = self.mesh.geometry.dim
        points = np.einsum("qn,cnd->cqd", tab[0], coords)
        jac = np.einsum("kqn,cnd->cqdk", tab[1:], coords[:, :, :gdim])  # (nc, nq, gdim, tdim)
        det = np.abs(np.linalg.det(jac)) if jac.shape[-1] == gdim else \
            np.sqrt(np.linalg.det(np.einsum("cqdk,cqdl->cqkl", jac, jac)))
        weights = det * w[None, :]
        if self.kind == "rz":
            weights = weights * 2 * np.pi * points[:, :, 0]
        return cells, points.reshape(-1, 3), weights.ravel()

    def global_point_ids(self, names: str | Iterable[str] | None = None,
                         include_ghosts: bool = False) -> np.ndarray:
        """Global ids of the quadrature points (order of :meth:`quadrature_points`).

        id = original (gmsh input) cell index × nq + q: the same for a point whatever the number
        of ranks, as long as the mesh comes from the same builder call / .msh file.
        """
        cells = self.cells(names, include_ghosts=include_ghosts)
        nq = self.points_per_cell
        original = np.asarray(self.mesh.topology.original_cell_index, dtype=np.int64)[cells]
        return (original[:, None] * nq + np.arange(nq)[None, :]).ravel()

    def volume(self, names: str | Iterable[str] | None = None) -> float:
        """Physical volume [m³] of named regions (1D: length [m]; r-z: with the 2π; x-z: area [m²],
        the volume per metre of y), all ranks."""
        _, _, weights = self.quadrature_points(names)
        return float(self.mesh.comm.allreduce(weights.sum(), op=MPI.SUM))

    # -- report ----------------------------------------------------------------------------------
    def summary(self) -> str:
        """Cells per region, cell sizes and the quadrature rule (a multi-line string, all ranks)."""
        comm = self.mesh.comm
        tdim = self.mesh.topology.dim
        lines = [f"Domain kind={self.kind}, {comm.size} rank(s), "
                 f"{comm.allreduce(self.num_owned_cells)} cells "
                 f"({self.mesh.topology.cell_name()}), "
                 f"{self.mesh.topology.index_map(0).size_global} vertices, quadrature degree "
                 f"{self.quadrature_degree} ({self.points_per_cell} points/cell)"]
        z = self.z_index
        for region in self.regions:
            cells = self.cells(region, include_ghosts=False)
            n = comm.allreduce(len(cells))
            h = self.mesh.h(tdim, cells) if len(cells) else np.array([])
            hmin = comm.allreduce(h.min() if len(h) else np.inf, op=MPI.MIN)
            hmax = comm.allreduce(h.max() if len(h) else 0.0, op=MPI.MAX)
            xz = self.mesh.geometry.x[self.mesh.geometry.dofmaps[0][cells]][:, :, z] \
                if len(cells) else np.zeros((0, 1))
            zmin = comm.allreduce(xz.min() if len(xz) else np.inf, op=MPI.MIN)
            zmax = comm.allreduce(xz.max() if len(xz) else -np.inf, op=MPI.MAX)
            lines.append(f"  {region:<16} {n:>8} cells   h in [{hmin:.3g}, {hmax:.3g}] m   "
                         f"z in [{zmin:.4g}, {zmax:.4g}] m")
        lines.append(f"  boundaries: {sorted(self.boundaries)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Domain(kind={self.kind!r}, regions={list(self.regions)}, "
                f"boundaries={list(self.boundaries)})")
