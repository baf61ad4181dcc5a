r"""Laterally structured films in 2D (x, z): one pattern description for the optics and the mesh.

A line focus (Gaussian in x, uniform along y) on a film with an edge, a stripe or a grating is a
2D problem in the x-z plane, per unit length along y. :class:`LateralPattern` describes *where the
patterned layers are* and the lateral window |x| < L that is modelled; the same object builds

* the heat/magnetization mesh, :func:`build_patterned` → a :class:`~femmag.geometry.domain.Domain`
  of kind ``"xz"`` (x[0] = x, x[1] = z, stack top at z = 0, no r weighting), and
* the optics, :func:`femmag.physics.optics.patterned.patterned_optics` → a
  :class:`~femmag.physics.optics.patterned.PatternedFilmOptics2D` with the same footprint, layers and
  window (its physical window |x| < L is the mesh's lateral extent),

so that one call describes both (:class:`~femmag.physics.optics.patterned_absorption.PatternedAbsorption`
builds the optics from the Domain's pattern).

Patterns (the footprint is where the patterned layers exist; elsewhere they are absent — not
meshed, and the top medium in the optics):

* ``"edge"``: x < ``edge`` (a film that ends at x = edge, bare substrate beyond);
* ``"stripe"``: |x − ``stripe_centre``| < ``stripe_width``/2;
* ``"grating"``: stripes of width ``stripe_width`` repeated with ``period`` around
  ``stripe_centre`` inside the window (the optics solves one symmetric half period under a
  normally incident plane wave; the heat mesh spans the window, q̂ is mapped onto it periodically,
  see :class:`~femmag.physics.optics.patterned_absorption.PatternedAbsorption`);
* ``"uniform"``: everywhere (the laterally uniform film, a reference).

The patterned layers (default: all) must be the top layers of the stack (a layer cannot hang over
a removed one).

Mesh (:func:`build_patterned`): a structured tensor-product quadrilateral mesh. Across the
thickness the node distribution of the stack builders (:func:`~femmag.geometry.builders.
thickness_grid`: nm cells in the layers, graded substrate); laterally nodes on every pattern edge,
cells of ``edge_cell_size`` there, growing by ``lateral_growth`` per cell up to
``max_lateral_cell``. Cells of a patterned layer outside the footprint are dropped. gmsh builds the
model on rank 0 (discrete entities) and :func:`dolfinx.io.gmsh.model_to_mesh` distributes it.

Physical groups (names as in :mod:`femmag.geometry.builders`): cells — the layer names and
``"substrate"``; facets — ``"top"`` (every upward surface exposed to the ambient: the film top at
z = 0 and the bare substrate beside the film), ``"<upper>|<lower>"`` for internal interfaces,
``"substrate_bottom"`` (``"bottom"`` without substrate), ``"sidewall"`` (the vertical faces of the
pattern edges) and ``"outer"`` (x = ±L).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from femmag.geometry.builders import (
    _GMSH_LINE,
    _GMSH_QUAD,
    _check_stack,
    _default_comm,
    _DiscreteMesh,
    _distribute,
    _finish,
    thickness_grid,
)
from femmag.geometry.stack import Stack
from femmag.units import to_si

__all__ = ["PATTERN_KINDS", "LateralPattern", "build_patterned", "lateral_nodes"]

PATTERN_KINDS = ("edge", "stripe", "grating", "uniform")


def _length(value: Any, name: str) -> float:
    return to_si(value, "length", f"LateralPattern.{name}")


@dataclass(frozen=True, init=False)
class LateralPattern:
    """Where the patterned layers are, and the modelled lateral window |x| < ``half_width``.

    Args:
        kind: ``"edge"``, ``"stripe"``, ``"grating"`` or ``"uniform"``.
        half_width: half-width L of the modelled window, with unit (e.g. ``"6 um"``): the mesh
            spans −L ≤ x ≤ L and the optics' physical window is |x| < L.
        edge: x of the film edge (``"edge"``: film for x < edge), with unit.
        stripe_width: width of the stripe / of each grating line, with unit.
        stripe_centre: centre of the stripe / of one grating line, with unit (default 0).
        period: grating period, with unit (> stripe_width).
        patterned: names of the patterned layers (default: all layers); they must be the top
            layers of the stack.

    Attributes (SI floats): kind, half_width, edge, stripe_width, stripe_centre, period,
    patterned (tuple of names or None).

    Raises:
        ValueError: unknown kind, missing or non-positive sizes, an edge/stripe outside the window.
        UnitError: a length without unit.
    """

    kind: str
    half_width: float
    edge: float
    stripe_width: float | None
    stripe_centre: float
    period: float | None
    patterned: tuple[str, ...] | None

    def __init__(self, kind: str, half_width: Any, *, edge: Any = "0 m",
                 stripe_width: Any = None, stripe_centre: Any = "0 m", period: Any = None,
                 patterned: Sequence[str] | None = None) -> None:
        if kind not in PATTERN_KINDS:
            raise ValueError(f"LateralPattern: kind = {kind!r}; use one of {PATTERN_KINDS}")
        L = _length(half_width, "half_width")
        if not L > 0:
            raise ValueError(f"LateralPattern: half_width = {half_width!r} must be positive")
        x_edge = _length(edge, "edge")
        width = _length(stripe_width, "stripe_width") if stripe_width is not None else None
        centre = _length(stripe_centre, "stripe_centre")
        p = _length(period, "period") if period is not None else None
        if kind == "edge" and not -L < x_edge < L:
            raise ValueError(f"LateralPattern: the edge x = {x_edge:.4g} m lies outside the "
                             f"window |x| < {L:.4g} m; move it inside or widen half_width")
        if kind in ("stripe", "grating"):
            if width is None or not width > 0:
                raise ValueError(f"LateralPattern: kind = {kind!r} needs stripe_width > 0 "
                                 f"(with unit, e.g. stripe_width='500 nm')")
            if not (-L < centre - 0.5 * width and centre + 0.5 * width < L):
                raise ValueError(f"LateralPattern: the stripe [{centre - 0.5 * width:.4g}, "
                                 f"{centre + 0.5 * width:.4g}] m does not lie inside the window "
                                 f"|x| < {L:.4g} m; widen half_width")
        if kind == "grating" and (p is None or not p > width):
            raise ValueError("LateralPattern: kind='grating' needs a period larger than "
                             "stripe_width (with unit, e.g. period='1 um')")
        if patterned is not None:
            patterned = (patterned,) if isinstance(patterned, str) else tuple(patterned)
        for name, value in (("kind", kind), ("half_width", L), ("edge", x_edge),
                            ("stripe_width", width), ("stripe_centre", centre), ("period", p),
                            ("patterned", patterned)):
            object.__setattr__(self, name, value)

    # -- footprint ---------------------------------------------------------------------------
    def _line_centres(self) -> np.ndarray:
        """Centres of the grating lines that reach into the window."""
        L, p, w, c = self.half_width, self.period, self.stripe_width, self.stripe_centre
        k = np.arange(math.floor((-L - w / 2 - c) / p), math.ceil((L + w / 2 - c) / p) + 1)
        centres = c + k * p
        return centres[(centres + w / 2 > -L) & (centres - w / 2 < L)]

    def film_present(self, x: Any) -> np.ndarray:
        """True where the patterned layers exist (x [m], any shape)."""
        x = np.asarray(x, dtype=float)
        if self.kind == "edge":
            return x < self.edge
        if self.kind == "stripe":
            return np.abs(x - self.stripe_centre) < 0.5 * self.stripe_width
        if self.kind == "grating":
            d = np.abs(x[..., None] - self._line_centres()[(None,) * x.ndim])
            return np.any(d < 0.5 * self.stripe_width, axis=-1)
        return np.ones(x.shape, dtype=bool)

    @property
    def edges(self) -> list[float]:
        """x [m] of the pattern edges strictly inside the window, ascending."""
        L = self.half_width
        if self.kind == "edge":
            found = [self.edge]
        elif self.kind == "stripe":
            found = [self.stripe_centre - 0.5 * self.stripe_width,
                     self.stripe_centre + 0.5 * self.stripe_width]
        elif self.kind == "grating":
            c = self._line_centres()
            found = list(np.concatenate([c - 0.5 * self.stripe_width,
                                         c + 0.5 * self.stripe_width]))
        else:
            found = []
        return sorted(float(e) for e in found if -L < e < L)

    def patterned_mask(self, stack: Stack) -> np.ndarray:
        """Boolean per stack layer (top → bottom): is it patterned? Checks names and order."""
        names = stack.names
        if self.patterned is None:
            mask = np.ones(len(names), dtype=bool)
        else:
            unknown = [n for n in self.patterned if n not in names]
            if unknown:
                raise ValueError(f"LateralPattern.patterned: {unknown} are not layers of the "
                                 f"stack {names}")
            mask = np.array([n in self.patterned for n in names])
        if mask.any() and not mask[: int(mask.sum())].all():
            raise ValueError(f"LateralPattern.patterned = {self.patterned}: the patterned layers "
                             f"must be the top layers of the stack {names} (a layer cannot hang "
                             f"over a removed one)")
        return mask

    def optics_options(self) -> dict[str, Any]:
        """Keyword arguments of :class:`~femmag.physics.optics.patterned.PatternedFilmOptics2D` (SI).

        A grating gives ``pattern="grating"``, ``period``, ``stripe_width``, ``stripe_centre``
        and no ``half_width`` (the optics meshes one half period; its q̂ is periodic).
        """
        if self.kind == "grating":
            return {"pattern": "grating", "period": self.period,
                    "stripe_width": self.stripe_width, "stripe_centre": self.stripe_centre,
                    "patterned": list(self.patterned) if self.patterned else None}
        options: dict[str, Any] = {"pattern": self.kind, "half_width": self.half_width,
                                   "patterned": list(self.patterned) if self.patterned else None}
        if self.kind == "edge":
            options["edge"] = self.edge
        elif self.kind == "stripe":
            options.update(stripe_width=self.stripe_width, stripe_centre=self.stripe_centre)
        return options

    def describe(self) -> str:
        """One line: kind, geometry and window in µm."""
        um = 1e6
        if self.kind == "edge":
            extra = f"film for x < {self.edge * um:.4g} µm"
        elif self.kind == "stripe":
            extra = f"stripe {self.stripe_width * um:.4g} µm at {self.stripe_centre * um:.4g} µm"
        elif self.kind == "grating":
            extra = f"lines {self.stripe_width * um:.4g} µm, period {self.period * um:.4g} µm"
        else:
            extra = "laterally uniform"
        layers = "all layers" if self.patterned is None else f"layers {list(self.patterned)}"
        return (f"{self.kind} ({extra}; {layers} patterned), window |x| < "
                f"{self.half_width * um:.4g} µm")


# -- lateral nodes -------------------------------------------------------------------------------
def lateral_nodes(half_width: float, edges: Sequence[float], edge_cell: float, growth: float,
                  max_cell: float, beam_cell: float | None = None) -> np.ndarray:
    """x nodes [m] on [−L, L]: a node on every edge, cells ``edge_cell`` there, graded outwards.

    The target size is h(x) = min(max_cell, min_p(h_p + (growth − 1)|x − p|)) over the edges
    (h_p = ``edge_cell``) and, if ``beam_cell`` is given, the beam centre x = 0 (h_p = beam_cell):
    a cell is ``growth`` times larger than its neighbour closer to a refinement point. Within each
    segment between edges/beam centre/window ends the nodes equidistribute ∫dx/h, so the segment
    ends are nodes.

    Args:
        half_width: L [m].
        edges: x of the pattern edges [m] (inside (−L, L)).
        edge_cell: cell size at the edges [m].
        growth: size ratio of neighbouring cells (≥ 1).
        max_cell: largest cell [m].
        beam_cell: cell size at the beam centre x = 0 [m], or None (no refinement there).

    Returns:
        Ascending node positions, first −L, last L.
    """
    L = float(half_width)
    e = np.asarray(sorted(edges), dtype=float)
    points, sizes = list(e), [edge_cell] * e.size
    if beam_cell is not None:
        points.append(0.0)
        sizes.append(beam_cell)
    p, hp = np.asarray(points), np.asarray(sizes)
    alpha = growth - 1.0

    def size(x: np.ndarray) -> np.ndarray:
        if p.size == 0:
            return np.full_like(x, max_cell)
        return np.minimum(max_cell, (hp[None, :] + alpha * np.abs(x[:, None] - p[None, :]))
                          .min(axis=1))

    breaks = sorted(set(e.tolist()) | ({0.0} if beam_cell is not None else set()))
    nodes = [-L]
    for a, b in itertools.pairwise([-L, *breaks, L]):
        length = b - a
        fine = np.geomspace(min(hp.min() if hp.size else max_cell, length) / 20, length, 400)
        s = np.unique(np.concatenate([np.linspace(a, b, 2001), a + fine, b - fine]))
        s = s[(s >= a) & (s <= b)]
        density = 1.0 / size(s)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]) * np.diff(s))])
        n = max(1, math.ceil(cum[-1] - 1e-6))
        nodes.extend(np.interp(np.linspace(0.0, cum[-1], n + 1), cum, s)[1:].tolist())
        nodes[-1] = b
    return np.asarray(nodes)


# -- mesh ----------------------------------------------------------------------------------------
def build_patterned(
    stack: Stack,
    pattern: LateralPattern,
    comm: Any = None,
    *,
    edge_cell_size: Any = "2 nm",
    lateral_growth: float = 1.2,
    max_lateral_cell: Any = None,
    beam_cell_size: Any = None,
    max_cell_size: Any = "1 nm",
    min_cells_per_layer: int = 4,
    substrate_growth: float = 1.3,
    substrate_max_cell: Any = None,
    quadrature_degree: int = 2,
    msh_file: str | Path | None = None,
    force: bool = False,
) -> Any:
    """2D Cartesian x-z mesh of a patterned stack on its substrate (a Domain of kind ``"xz"``).

    Args:
        stack: the layers (top → bottom) and substrate; the ambient is not meshed.
        pattern: the footprint of the patterned layers and the window |x| ≤ L.
        comm: MPI communicator (default ``MPI.COMM_WORLD``).
        edge_cell_size: lateral cell size at the pattern edges, with unit.
        lateral_growth: ratio of neighbouring lateral cells away from the edges (1 to 2).
        max_lateral_cell: cap on the lateral cell size, with unit (default L/25).
        beam_cell_size: lateral cell size at the beam centre x = 0, with unit, graded outwards
            like the edges (None: no refinement there). With consistent-mass P1 heat elements the
            node value at the peak of a Gaussian source of 1/e radius r0 is off by about
            (h/r0)²/6; h ≤ r0/25 keeps that below 3e-4.
        max_cell_size, min_cells_per_layer, substrate_growth, substrate_max_cell: the thickness
            grid, see :func:`~femmag.geometry.builders.thickness_grid`.
        quadrature_degree: the Domain's quadrature degree.
        msh_file: also write the gmsh model to this .msh file (rank 0).
        force: build even beyond the cell-count guard (:data:`MAX_CELLS_ACROSS` across the stack).

    Returns:
        A :class:`~femmag.geometry.domain.Domain` of kind ``"xz"`` with attribute ``pattern``
        (the :class:`LateralPattern`) and ``build_info`` (cells per direction, timings [s]).

    Raises:
        TypeError: ``stack`` is not a Stack or ``pattern`` not a LateralPattern.
        ValueError: bad sizes, patterned layers that are not the top layers.
    """
    _check_stack(stack)
    if not isinstance(pattern, LateralPattern):
        raise TypeError(f"build_patterned: pattern must be a LateralPattern, got "
                        f"{type(pattern).__name__}; e.g. LateralPattern('edge', '5 um', "
                        f"edge='0 um')")
    comm = _default_comm(comm)
    L = pattern.half_width
    h_edge = to_si(edge_cell_size, "length", "edge_cell_size")
    h_max = to_si(max_lateral_cell, "length", "max_lateral_cell") if max_lateral_cell is not None \
        else L / 25
    if not 0 < h_edge <= h_max:
        raise ValueError(f"build_patterned: need 0 < edge_cell_size ≤ max_lateral_cell, got "
                         f"{h_edge:.3g} m and {h_max:.3g} m")
    if not 1.0 <= lateral_growth <= 2.0:
        raise ValueError(f"build_patterned: lateral_growth = {lateral_growth}: use 1 to 2")
    patterned = pattern.patterned_mask(stack)
    grid = thickness_grid(stack, force=force, max_cell_size=max_cell_size,
                          min_cells_per_layer=min_cells_per_layer,
                          substrate_growth=substrate_growth, substrate_max_cell=substrate_max_cell)
    h_beam = to_si(beam_cell_size, "length", "beam_cell_size") if beam_cell_size is not None \
        else None
    if h_beam is not None and not 0 < h_beam <= h_max:
        raise ValueError(f"build_patterned: need 0 < beam_cell_size ≤ max_lateral_cell, got "
                         f"{h_beam:.3g} m and {h_max:.3g} m")
    x = lateral_nodes(L, pattern.edges, h_edge, lateral_growth, h_max, h_beam)
    nx, nz = len(x) - 1, grid.num_cells
    # which cell (i, k) exists: row k belongs to a slab; patterned layers only in the footprint
    row_region = np.empty(nz, dtype=object)
    row_patterned = np.zeros(nz, dtype=bool)
    layer_index = {name: i for i, name in enumerate(stack.names)}
    for slab in grid.slabs:
        row_region[slab.first:slab.last] = slab.region
        if slab.region in layer_index:
            row_patterned[slab.first:slab.last] = patterned[layer_index[slab.region]]
    present = pattern.film_present(0.5 * (x[1:] + x[:-1]))
    exists = np.ones((nz, nx), dtype=bool)
    exists[row_patterned, :] = present[None, :]
    info = {"x_cells": nx, "z_cells": nz, "cells": int(exists.sum()),
            "edge_cell": h_edge, "max_lateral_cell": h_max, "half_width": L}

    def make() -> _DiscreteMesh:
        zz, xx = np.meshgrid(grid.z, x, indexing="ij")  # node (k, i) → k*(nx+1) + i
        nodes = np.column_stack([xx.ravel(), zz.ravel(), np.zeros(xx.size)])
        w = nx + 1

        def idx(i: np.ndarray, k: np.ndarray) -> np.ndarray:
            return k * w + i

        cells = []
        for slab in grid.slabs:
            k, i = np.nonzero(exists[slab.first:slab.last])
            k = k + slab.first
            # counter-clockwise in (x, z): z decreases with k
            conn = np.column_stack([idx(i, k + 1), idx(i + 1, k + 1), idx(i + 1, k), idx(i, k)])
            cells.append((slab.region, conn))
        facets: list[tuple[str, np.ndarray]] = []
        # horizontal facets: level k separates row k−1 (above) and row k (below)
        pad = np.zeros((1, nx), dtype=bool)
        above = np.vstack([pad, exists])  # above[k] = row k−1 exists
        below = np.vstack([exists, pad])
        region_above = np.concatenate([[None], row_region])
        region_below = np.concatenate([row_region, [None]])
        bottom_name = "substrate_bottom" if stack.substrate is not None else "bottom"
        groups: dict[str, list[np.ndarray]] = {}
        for k in range(nz + 1):
            i = np.arange(nx)
            seg = np.column_stack([idx(i, k), idx(i + 1, k)])
            up, down = above[k], below[k]
            if (down & ~up).any():
                groups.setdefault("top", []).append(seg[down & ~up])
            if (up & ~down).any():
                groups.setdefault(bottom_name if k == nz else "bottom", []).append(seg[up & ~down])
            if (up & down).any() and region_above[k] != region_below[k]:
                groups.setdefault(f"{region_above[k]}|{region_below[k]}", []).append(
                    seg[up & down])
        # vertical facets: column i separates cell i−1 (left) and cell i (right)
        padc = np.zeros((nz, 1), dtype=bool)
        left = np.hstack([padc, exists])
        right = np.hstack([exists, padc])
        for i in range(nx + 1):
            k = np.arange(nz)
            seg = np.column_stack([idx(i, k), idx(i, k + 1)])
            one = left[:, i] ^ right[:, i]
            if one.any():
                name = "outer" if i in (0, nx) else "sidewall"
                groups.setdefault(name, []).append(seg[one])
        for name, parts in groups.items():
            facets.append((name, np.vstack(parts)))
        # drop nodes that no cell uses (the removed film beside the pattern)
        used = np.unique(np.concatenate([c.ravel() for _, c in cells]))
        renumber = np.full(len(nodes), -1, dtype=np.int64)
        renumber[used] = np.arange(len(used))
        cells = [(name, renumber[c]) for name, c in cells]
        facets = [(name, renumber[f]) for name, f in facets]
        return _DiscreteMesh(nodes[used], _GMSH_QUAD, _GMSH_LINE, cells, facets)

    data, timings = _distribute(comm, make, 2, msh_file)
    domain = _finish(data, "xz", stack, comm, timings, quadrature_degree, info)
    domain.pattern = pattern
    return domain
