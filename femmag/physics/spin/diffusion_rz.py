"""Transient spin diffusion on an axisymmetric r-z multilayer mesh (physics-spec §7.1-7.2).

The r-z counterpart of :class:`femmag.physics.spin.diffusion.SpinDiffusion1D`. Per metal layer,
μ = spin accumulation μ_s [J], with the r-weight of the axisymmetric volume element::

    ∫(N/2) ∂_tμ v r + ∫(σ/2e²) ∇μ·∇v r + ∫(N/2) μ/τ_s v r = ∫(N/2) S v r

Discretization: broken P1/Q1 (or P2/Q2) on the whole Domain mesh. Inside a layer the interior facets
carry SIPG terms (facets whose two cells belong to the same listed layer, selected by a DG0 region
indicator, so no extra facet tags are needed); on the named interfaces ``"A|B"`` the SIPG terms are
replaced by the interface flux ∫_Γ (G_s/2e²)[μ][v] r (jump of μ, continuous spin current). Facets
between a layer and a region that is not listed (substrate, air) get nothing: zero flux. The axis
has zero flux naturally (r = 0 in the weight); the outer radius r = R is reflecting. The outer
faces of the metal stack ("top" and the lowest layer's interface with the substrate) are either
reflecting or spin sinks (μ = 0 imposed by Nitsche, so the spin bookkeeping stays exact).

Dofs of cells outside the listed layers are pinned to μ = 0 by a unit-scaled mass term that lives
only on those cells (μ there is identically zero and does not couple to the layers). Every
diagnostic integrates over the listed layers only.

With v = 1 on the layers all facet terms vanish, so the discrete total spin 2π∫(N/2)μ r dr dz obeys
d/dt(total) = source − relaxation − surface loss exactly (θ-scheme; tested to 1e-8 per step).

Time stepping: θ-scheme (½ Crank–Nicolson default, 1 backward Euler); M and K are assembled once,
A = M/dt + θK and its MUMPS factorization are cached per dt
(:class:`~femmag.physics.spin.dg_theta.DGThetaSpinDiffusion`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)
import dolfinx
import dolfinx.fem.petsc
import dolfinx.geometry
import ufl
from dolfinx import fem
from mpi4py import MPI
from petsc4py import PETSc

from femmag.physics.spin.dg_theta import DGThetaSpinDiffusion
from femmag.units import E_CHARGE, to_si

__all__ = ["SpinDiffusionRZ", "gaussian_lateral_source"]

SourceRZ = Callable[[np.ndarray, float], np.ndarray]


def gaussian_lateral_source(beam_radius: Any, amplitude: Callable[[float], float]
                            ) -> SourceRZ:
    """S(r, t) = amplitude(t) exp(−r²/r0²) [J/s]: a Gaussian pump spot times a time trace.

    Args:
        beam_radius: 1/e radius r0, e.g. ``"5 um"``.
        amplitude: S on the axis as a function of time [s] → [J/s], e.g. a
            :class:`~femmag.physics.spin.diffusion.MagnetizationRateSource`.

    Returns:
        A callable S(r [m] array, t [s]) → S [J/s] array.
    """
    r0 = to_si(beam_radius, "length", "gaussian_lateral_source beam_radius")
    if not r0 > 0:
        raise ValueError(f"gaussian_lateral_source: beam_radius must be > 0, got {beam_radius!r}")

    def source(r: np.ndarray, t: float) -> np.ndarray:
        return amplitude(t) * np.exp(-(np.asarray(r) / r0) ** 2)

    return source


def _with_shared_facet_ghosts(domain: Any) -> Any:
    """The same Domain on a mesh redistributed with ``GhostMode.shared_facet`` (DG needs it).

    Interior-facet integrals (SIPG, interface jumps) across a process boundary need the cell on
    the other side as a ghost; ``build_axisymmetric`` distributes without ghosts. In serial, or if
    the mesh already has ghost cells, the Domain is returned unchanged. Otherwise the owned cells,
    nodes and tags are gathered on rank 0 and the mesh is distributed again (set-up cost only).
    """
    from dolfinx.graph import adjacencylist
    from dolfinx.io.utils import distribute_entity_data

    msh = domain.mesh
    comm = msh.comm
    tdim = msh.topology.dim
    # collective decision (a rank without ghosts must not leave the others in create_mesh)
    ghosts = comm.allreduce(int(msh.topology.index_map(tdim).num_ghosts > 0), op=MPI.SUM)
    if comm.size == 1 or ghosts > 0:
        return domain
    geom = msh.geometry
    node_ids = np.asarray(geom.input_global_indices, dtype=np.int64)
    n_cells = msh.topology.index_map(tdim).size_local
    cells = node_ids[geom.dofmaps[0][:n_cells]]
    cell_values = np.zeros(n_cells, dtype=np.int32)
    in_range = domain.cell_tags.indices < n_cells
    cell_values[domain.cell_tags.indices[in_range]] = domain.cell_tags.values[in_range]
    n_facets = msh.topology.index_map(tdim - 1).size_local
    ft = domain.facet_tags
    keep = ft.indices < n_facets
    facet_nodes = node_ids[dolfinx.mesh.entities_to_geometry(msh, tdim - 1, ft.indices[keep])]
    facet_values = ft.values[keep]
    gathered = comm.gather((node_ids, geom.x[:, :geom.dim], cells, cell_values, facet_nodes,
                            facet_values), root=0)
    gdim = geom.dim
    if comm.rank == 0:
        ids = np.concatenate([g[0] for g in gathered])
        x = np.zeros((int(ids.max()) + 1, gdim))
        x[ids] = np.concatenate([g[1] for g in gathered])
        all_cells = np.concatenate([g[2] for g in gathered])
        all_cell_values = np.concatenate([g[3] for g in gathered])
        all_facets = np.concatenate([g[4] for g in gathered])
        all_facet_values = np.concatenate([g[5] for g in gathered])
    else:
        npc = cells.shape[1]
        x = np.zeros((0, gdim))
        all_cells = np.zeros((0, npc), dtype=np.int64)
        all_cell_values = np.zeros(0, dtype=np.int32)
        all_facets = np.zeros((0, facet_nodes.shape[1]), dtype=np.int64)
        all_facet_values = np.zeros(0, dtype=np.int32)
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.shared_facet, 2)
    new = dolfinx.mesh.create_mesh(comm, all_cells, msh.ufl_domain(), x, partitioner)
    tags = []
    for dim, ents, vals in ((tdim, all_cells, all_cell_values),
                            (tdim - 1, all_facets, all_facet_values)):
        local_ents, local_vals = distribute_entity_data(new, dim, ents, vals)
        new.topology.create_connectivity(dim, 0)
        new.topology.create_connectivity(dim, tdim)
        tags.append(dolfinx.mesh.meshtags_from_entities(
            new, dim, adjacencylist(local_ents), local_vals.astype(np.int32, copy=False)))
    groups = {name: (tdim, tag) for name, tag in domain.regions.items()}
    groups.update({name: (tdim - 1, tag) for name, tag in domain.boundaries.items()})
    rebuilt = type(domain)(new, tags[0], tags[1], groups, domain.kind, domain.stack,
                           domain.quadrature_degree)
    rebuilt.build_info = dict(getattr(domain, "build_info", {}), ghosted_for_dg=True)
    return rebuilt


class SpinDiffusionRZ(DGThetaSpinDiffusion):
    """Transient spin diffusion in the metal layers of an r-z Domain, DG, interface jumps, θ-scheme.

    Set up once, step many times::

        sd = SpinDiffusionRZ(domain, {"Co_free": co, "Cu": cu}, {"Co_free|Cu": "6.5e14 S/m^2"})
        sd.set_source("Co_free", gaussian_lateral_source(r0, lambda t: ...))
        for _ in range(n):
            sd.advance(dt)

    Args:
        domain: an r-z :class:`~femmag.geometry.domain.Domain` (``build_axisymmetric``). Its mesh
            is used as it is when it has ghost cells across ranks (the builders' shared-facet
            ghosting), so DG cell c *is* cell c of the Domain (``set_cell_source`` and pointwise
            coupling need no map); otherwise it is redistributed once with ghosts.
        layers: layer name → layer properties with ``conductivity`` σ [S/m], ``dos`` N
            [1/(J m³)] and ``tau_s`` or ``spin_relaxation_time`` τ_s [s] (e.g.
            :class:`~femmag.physics.spin.diffusion.SpinLayer`). Only these layers carry μ.
        interface_conductances: ``"A|B"`` (a Domain boundary name) → G_s with its unit
            (``"6.5e14 S/m^2"`` or a pint quantity). Every interface between the regions of two
            different listed layers must be given.
        regions: layer name → the Domain regions it covers (contiguous; an effective medium,
            e.g. the [Pt/Co]ₙ of one ferromagnet: no interface resistance inside). Default: each
            layer name is one region.
        lateral_diffusion: False switches the radial part of the conductivity off (σ_rr = 0):
            every radius then evolves as an independent 1D column (a reference to measure the
            lateral spreading against).
        outer: "reflecting" or "sink" for the outer faces of the metal stack (top face and the
            face towards an unlisted region such as the substrate); r = R always reflects.
        degree: DG degree (1 or 2).
        theta: time-stepping weight in [0.5, 1].
        penalty: SIPG penalty factor (times degree²).
    """

    name = "spin_diffusion_rz"
    what = "spin diffusion r-z"
    volume_factor = 2 * np.pi  # the diagnostics integrate over the full revolution

    def __init__(self, domain: Any, layers: Mapping[str, Any],
                 interface_conductances: Mapping[str, Any], outer: str = "reflecting",
                 degree: int = 1, theta: float = 0.5, penalty: float = 10.0,
                 regions: Mapping[str, Sequence[str]] | None = None,
                 lateral_diffusion: bool = True) -> None:
        where = "SpinDiffusionRZ"
        if getattr(domain, "kind", None) != "rz":
            raise ValueError(f"{where}: needs an r-z Domain (build_axisymmetric), got kind "
                             f"{getattr(domain, 'kind', None)!r}; use SpinDiffusion1D for 1D")
        if not layers:
            raise ValueError(f"{where}: give at least one layer (region name → properties)")
        regions = {n: [n] for n in layers} if regions is None else \
            {n: ([regions[n]] if isinstance(regions[n], str) else list(regions[n]))
             if n in regions else [n] for n in layers}
        unknown = [r for n in layers for r in regions[n] if r not in domain.regions]
        if unknown:
            raise ValueError(f"{where}: layers {unknown} are not regions of the mesh; regions are "
                             f"{sorted(domain.regions)}")
        owners = [r for n in layers for r in regions[n]]
        if len(owners) != len(set(owners)):
            raise ValueError(f"{where}: a region belongs to two layers: {regions}")
        if outer not in ("reflecting", "sink"):
            raise ValueError(f"{where}: outer must be 'reflecting' or 'sink', got {outer!r}")
        self._check_scheme(where, degree, theta)
        domain = _with_shared_facet_ghosts(domain)
        self.domain = domain
        self.mesh = domain.mesh
        self.comm = self.mesh.comm
        self.layer_names = list(layers)
        self.regions = regions
        self._layer_of_region = {r: n for n in layers for r in regions[n]}
        self.lateral_diffusion = bool(lateral_diffusion)
        self.props = {name: self._layer_numbers(name, la) for name, la in layers.items()}
        self.interface_conductances = self._check_interfaces(dict(interface_conductances))
        self.outer = outer
        self.degree = degree
        self.theta = float(theta)
        self._setup_forms(penalty)
        self._init_stepping()
        self._sources: dict[str, SourceRZ] = {}

    # ------------------------------------------------------------------ checks
    @staticmethod
    def _layer_numbers(name: str, layer: Any) -> dict[str, float]:
        tau = getattr(layer, "tau_s", None)
        if tau is None:
            tau = getattr(layer, "spin_relaxation_time", None)
        try:
            numbers = {"sigma": float(layer.conductivity), "dos": float(layer.dos),
                       "tau": float(tau)}
        except (AttributeError, TypeError):
            raise ValueError(f"SpinDiffusionRZ: layer '{name}' needs conductivity (S/m), dos "
                             f"(1/(J m³)) and tau_s or spin_relaxation_time (s), e.g. a "
                             f"SpinLayer") from None
        for key, value in numbers.items():
            if not (np.isfinite(value) and value > 0):
                raise ValueError(f"SpinDiffusionRZ: layer '{name}': {key} must be a positive "
                                 f"finite SI number, got {value!r}")
        return numbers

    def _check_interfaces(self, conductances: dict[str, Any]) -> dict[str, float]:
        conductances = {name: to_si(G, "interface_conductance",
                                    f"SpinDiffusionRZ.interface_conductances['{name}']")
                        for name, G in conductances.items()}
        of = self._layer_of_region
        needed = {b for b in self.domain.boundaries if "|" in b and set(b.split("|")) <= set(of)
                  and len({of[r] for r in b.split("|")}) == 2}
        missing = sorted(needed - set(conductances))
        if missing:
            raise ValueError(f"SpinDiffusionRZ: no interface conductance G_s (S/m²) for the "
                             f"interfaces {missing} between listed layers; add them to "
                             f"interface_conductances")
        for name, G in conductances.items():
            if name not in needed:
                raise ValueError(f"SpinDiffusionRZ: '{name}' is not an interface between two "
                                 f"listed layers; interfaces are {sorted(needed)}")
            if not (np.isfinite(G) and G > 0):
                raise ValueError(f"SpinDiffusionRZ: G_s of '{name}' must be > 0 S/m², got {G!r}")
        return {k: float(v) for k, v in conductances.items()}

    # ------------------------------------------------------------------ set-up
    def _dg0(self, values: Mapping[str, float]) -> fem.Function:
        """DG0 function of layer values (spread over the regions of each layer)."""
        return self.domain.dg0({r: values[n] for n in values for r in self.regions[n]},
                               default=0.0)

    def _cell_min_extent(self) -> fem.Function:
        """DG0 min(Δr, Δz) of each cell's bounding box: the SIPG length for thin, wide cells."""
        msh = self.mesh
        x = msh.geometry.x[:, :2]
        cdofs = msh.geometry.dofmaps[0]
        ext = x[cdofs].max(axis=1) - x[cdofs].min(axis=1)
        h = fem.Function(self.V0)
        n_cells = cdofs.shape[0]
        h.x.array[self.V0.dofmap.list[:n_cells, 0]] = ext.min(axis=1)
        h.x.scatter_forward()
        return h

    def _setup_forms(self, penalty: float) -> None:
        msh, dom = self.mesh, self.domain
        self.V = fem.functionspace(msh, ("DG", self.degree))
        self.V0 = fem.functionspace(msh, ("DG", 0))
        p = self.props
        half_dos = self._dg0({n: 0.5 * q["dos"] for n, q in p.items()})
        g = self._dg0({n: q["sigma"] / (2.0 * E_CHARGE**2) for n, q in p.items()})
        relax = self._dg0({n: 0.5 * q["dos"] / q["tau"] for n, q in p.items()})
        listed = self._dg0({n: 1.0 for n in p})
        region_id = self._dg0({n: float(i + 1) for i, n in enumerate(p)})
        h = self._cell_min_extent()
        self._half_dos, self._g, self._relax = half_dos, g, relax

        qdeg = 2 * self.degree + 2  # exact for the r-weighted mass on affine cells
        md = {"quadrature_degree": qdeg}
        tags = [dom.regions[r] for n in self.layer_names for r in self.regions[n]]
        dx = ufl.Measure("dx", domain=msh, subdomain_data=dom.cell_tags, metadata=md)
        dS = ufl.Measure("dS", domain=msh, subdomain_data=dom.facet_tags, metadata=md)
        ds = ufl.Measure("ds", domain=msh, subdomain_data=dom.facet_tags, metadata=md)
        self._dx_layer = {n: dx(tuple(dom.regions[r] for r in self.regions[n]))
                          for n in self.layer_names}
        dx_all = dx(tuple(tags))
        self._dx_all = dx_all
        r = dom.radial_weight
        self._r = r
        u, v = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        n = ufl.FacetNormal(msh)
        alpha = penalty * self.degree**2

        # conductivity tensor g·diag(f, 1): f = 0 removes radial transport (1D columns)
        f_r = 1.0 if self.lateral_diffusion else 0.0
        aniso = ufl.as_matrix([[f_r, 0.0], [0.0, 1.0]])
        mass = half_dos * u * v * r * dx_all
        stiff = (g * ufl.inner(aniso * ufl.grad(u), ufl.grad(v)) + relax * u * v) * r * dx_all
        # SIPG on facets inside one listed layer: indicator = 1 iff both sides are the same layer
        same = ufl.conditional(ufl.eq(region_id("+"), region_id("-")), 1.0, 0.0) * listed("+")
        h_f = ufl.min_value(h("+"), h("-"))
        stiff += same * r("+") * (
            - ufl.inner(ufl.avg(g * aniso * ufl.grad(u)), ufl.jump(v, n))
            - ufl.inner(ufl.jump(u, n), ufl.avg(g * aniso * ufl.grad(v)))
            + alpha * ufl.avg(g) / h_f * ufl.inner(aniso * ufl.jump(u, n), ufl.jump(v, n))) * dS
        for name, G in self.interface_conductances.items():
            c = fem.Constant(msh, PETSc.ScalarType(G / (2.0 * E_CHARGE**2)))
            stiff += c * ufl.jump(u) * ufl.jump(v) * r("+") * dS(dom.boundaries[name])

        mu = fem.Function(self.V, name="spin_accumulation")
        self.mu = mu
        loss = None
        if self.outer == "sink":
            stiff, loss = self._sink_terms(stiff, u, v, g, h, listed, alpha, ds, dS)

        # pin the dofs of unlisted cells: μ = 0 there, decoupled (scaled like the layer mass)
        others = [t for name, t in dom.regions.items() if name not in self._layer_of_region]
        if others:
            scale = max(0.5 * q["dos"] for q in p.values())
            pin = fem.Constant(msh, PETSc.ScalarType(scale))
            mass += pin * u * v * dx(tuple(others))
            stiff += pin * u * v * dx(tuple(others))

        self.M = dolfinx.fem.petsc.assemble_matrix(fem.form(mass))
        self.M.assemble()
        self.K = dolfinx.fem.petsc.assemble_matrix(fem.form(stiff))
        self.K.assemble()

        # source: S(r, t) interpolated into DG(degree) per FM layer each step
        self._source_fn = fem.Function(self.V, name="spin_source")
        self._source_form = fem.form(half_dos * self._source_fn * v * r * dx_all)
        self._source_rate_form = fem.form(half_dos * self._source_fn * r * dx_all)
        self._source_vec = dolfinx.fem.petsc.create_vector(self.V)
        # scalar diagnostics (2π of the axisymmetric volume included)
        self._layer_spin_vecs = {}
        self._avg_vecs = {}
        self._layer_volume = {}
        for name in self.layer_names:
            b = dolfinx.fem.petsc.assemble_vector(fem.form(half_dos * v * r * self._dx_layer[name]))
            b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self._layer_spin_vecs[name] = b
            w = dolfinx.fem.petsc.assemble_vector(fem.form(v * r * self._dx_layer[name]))
            w.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
            self._avg_vecs[name] = w
            self._layer_volume[name] = self._allsum(
                fem.assemble_scalar(fem.form(1.0 * r * self._dx_layer[name])))
        self._total_form = fem.form(half_dos * mu * r * dx_all)
        self._relax_form = fem.form(relax * mu * r * dx_all)
        self._loss_form = fem.form(loss) if loss is not None else None
        self._spin_vectors = list(self._layer_spin_vecs.values())
        self._init_state()

    def _sink_terms(self, stiff, u, v, g, h, listed, alpha, ds, dS):
        """Nitsche μ = 0 on the metal stack's top face and on faces towards unlisted regions."""
        dom, r, mu = self.domain, self._r, self.mu
        n = ufl.FacetNormal(self.mesh)
        loss = 0
        if "top" in dom.boundaries:
            top = ds(dom.boundaries["top"])
            stiff += (-g * ufl.inner(ufl.grad(u), n) * v - g * ufl.inner(ufl.grad(v), n) * u
                      + alpha * g / h * u * v) * r * top
            loss += (-g * ufl.inner(ufl.grad(mu), n) + alpha * g / h * mu) * r * top
        listed_set = set(self._layer_of_region)
        edges = [dom.boundaries[b] for b in dom.boundaries
                 if "|" in b and len(set(b.split("|")) & listed_set) == 1]
        for tag in edges:
            for side in ("+", "-"):
                chi = listed(side)  # only the metal side carries the Nitsche terms
                gs, hs, ns = g(side), h(side), n(side)
                stiff += chi * r(side) * (
                    -gs * ufl.inner(ufl.grad(u)(side), ns) * v(side)
                    - gs * ufl.inner(ufl.grad(v)(side), ns) * u(side)
                    + alpha * gs / hs * u(side) * v(side)) * dS(tag)
                loss += chi * r(side) * (-gs * ufl.inner(ufl.grad(mu)(side), ns)
                                         + alpha * gs / hs * mu(side)) * dS(tag)
        return stiff, loss

    # ------------------------------------------------------------------ sources and state
    def set_source(self, layer: str, source: SourceRZ | float) -> None:
        """Spin source S(r, t) [J/s] in a layer (replaces a previous one).

        Args:
            layer: region name of a listed (ferromagnetic) layer.
            source: a constant [J/s] or a callable (r [m] array, t [s]) → S [J/s] array, e.g.
                :func:`gaussian_lateral_source`.
        """
        self._check_layer(layer)
        if callable(source):
            self._sources[layer] = source
        else:
            value = float(source)
            self._sources[layer] = lambda r, t, s=value: np.full(np.shape(r), s)

    def _check_layer(self, layer: str) -> None:
        if layer not in self.props:
            raise ValueError(f"SpinDiffusionRZ: no layer named {layer!r}; layers are "
                             f"{self.layer_names}")

    def set_initial(self, value: float | Mapping[str, Callable[[np.ndarray, np.ndarray],
                                                                np.ndarray]] = 0.0) -> None:
        """Set μ [J] at the current time: a constant (all layers) or layer → f(r, z) [J]."""
        self.mu.x.array[:] = 0.0
        items = ({n: (lambda r, z, c=float(value): np.full(np.shape(r), c))
                  for n in self.layer_names} if np.isscalar(value) else dict(value))
        for name, func in items.items():
            self._check_layer(name)
            self.mu.interpolate(lambda x, f=func: np.asarray(f(x[0], x[1]), dtype=float)
                                * np.ones(x.shape[1]), cells0=self.domain.cells(self.regions[name]))
        self.mu.x.scatter_forward()
        self._sync_committed()

    def set_cell_source(self, values: np.ndarray) -> None:
        """A piecewise-constant source S [J/s] per cell (DG0 dof order of :attr:`V0`, owned
        cells; ghosts are filled here), added to the layer sources and held constant until the
        next call (both θ-ends of a step).

        The pointwise coupling of :mod:`femmag.physics.spin.module` feeds its −dM/dt cell by
        cell this way: cell c of :attr:`V0` is cell c of the Domain's mesh.

        Raises:
            ValueError: if ``values`` does not have one entry per owned cell.
        """
        super().set_cell_source(values)

    def _cell_source_forms(self) -> None:
        v = ufl.TestFunction(self.V)
        self._cell_form = fem.form(self._half_dos * self._cell_source * v * self._r
                                   * self._dx_all)
        self._cell_rate_form = fem.form(self._half_dos * self._cell_source * self._r
                                        * self._dx_all)

    def _set_cell_values(self, values: np.ndarray) -> None:
        n_owned = self.V0.dofmap.index_map.size_local
        if values.shape != (n_owned,):
            raise ValueError(f"SpinDiffusionRZ.set_cell_source: need one value per owned cell "
                             f"({n_owned}), got shape {values.shape}")
        self._cell_source.x.array[:n_owned] = values
        self._cell_source.x.scatter_forward()

    @property
    def _has_source(self) -> bool:
        return bool(self._sources) or self._cell_source is not None

    def _source_vector(self, t: float, out: PETSc.Vec) -> None:
        """F(t) = ∫(N/2) S(r, t) v r over the layers with a source (+ the cell source)."""
        if not self._sources:
            out.set(0.0)
            if self._cell_source is not None:
                out.axpy(1.0, self._cell_vec)
            return
        s = self._source_fn
        s.x.array[:] = 0.0
        for name, func in self._sources.items():
            s.interpolate(lambda x, f=func: np.asarray(f(x[0], t), dtype=float)
                          * np.ones(x.shape[1]), cells0=self.domain.cells(self.regions[name]))
        s.x.scatter_forward()
        b = self._source_vec  # ghosted (the matrix-shaped work vectors have no ghost entries)
        with b.localForm() as loc:
            loc.set(0.0)
        dolfinx.fem.petsc.assemble_vector(b, self._source_form)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        b.copy(out)
        if self._cell_source is not None:
            out.axpy(1.0, self._cell_vec)

    # ------------------------------------------------------------------ outputs
    def source_rate(self, t: float | None = None) -> float:
        """2π ∫(N/2) S r dr dz [1/s] at time t (default the current time)."""
        rate = 0.0
        if self._sources:
            self._source_vector(self.t if t is None else t, self._work[2])
            rate += fem.assemble_scalar(self._source_rate_form)
        if self._cell_source is not None:
            rate += fem.assemble_scalar(self._cell_rate_form)
        return 2 * np.pi * self._allsum(rate)

    def cell_spins(self) -> np.ndarray:
        """Excess spins 2π∫_c (N/2) μ r dA [1] of every owned cell (local cell order)."""
        if not hasattr(self, "_cell_spin_form"):
            v0 = ufl.TestFunction(self.V0)
            self._cell_spin_form = fem.form(self._half_dos * self.mu * v0 * self._r * self._dx_all)
        b = dolfinx.fem.petsc.assemble_vector(self._cell_spin_form)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        n_owned = self.V0.dofmap.index_map.size_local
        values = 2 * np.pi * b.array[self.V0.dofmap.list[:n_owned, 0]]  # cell order
        b.destroy()
        return values

    def radial_moment_rate(self) -> float:
        """4·2π∫ (σ/2e²) μ r dA [m²/s]: the rate at which lateral diffusion raises the radial
        second moment 2π∫ r² (N/2) μ r dA of the spins (∇²r² = 4 in the plane; no flux through
        r = R assumed), 0 with ``lateral_diffusion=False``. Collective."""
        if not self.lateral_diffusion:
            return 0.0
        if not hasattr(self, "_moment_form"):
            self._moment_form = fem.form(4.0 * self._g * self.mu * self._r * self._dx_all)
        return 2 * np.pi * self._allsum(fem.assemble_scalar(self._moment_form))

    def layer_averages(self) -> dict[str, float]:
        """Volume-averaged μ [J] of every layer (over the whole disc of radius R); collective."""
        x = self.mu.x.petsc_vec
        return {n: float(w.dot(x)) / self._layer_volume[n] for n, w in self._avg_vecs.items()}

    def values_at(self, points: Sequence[tuple[float, float, str]]) -> np.ndarray:
        """μ [J] at points (r [m], z [m], layer): a point on an interface takes that layer's side.

        Same values on all ranks.

        Raises:
            ValueError: if a point lies in no cell of its layer.
        """
        key = tuple((float(r), float(z), str(name)) for r, z, name in points)
        xyz = np.zeros((len(key), 3))
        xyz[:, 0] = [k[0] for k in key]
        xyz[:, 1] = [k[1] for k in key]
        return self._probe(key, xyz)

    def _locate(self, key) -> tuple[np.ndarray, np.ndarray]:
        cells = np.full(len(key), -1, dtype=np.int32)
        tdim = self.mesh.topology.dim
        for name in {k[2] for k in key}:
            self._check_layer(name)
            owned = self.domain.cells(self.regions[name], include_ghosts=False)
            idx = [j for j, k in enumerate(key) if k[2] == name]
            xyz = np.zeros((len(idx), 3))
            xyz[:, 0] = [key[j][0] for j in idx]
            xyz[:, 1] = [key[j][1] for j in idx]
            if owned.size == 0:
                continue
            tree = dolfinx.geometry.bb_tree(self.mesh, tdim, entities=owned)
            cand = dolfinx.geometry.compute_collisions_points(tree, xyz)
            hits = dolfinx.geometry.compute_colliding_cells(self.mesh, cand, xyz)
            for local, j in enumerate(idx):
                links = hits.links(local)
                links = links[np.isin(links, owned)]
                if links.size:
                    cells[j] = links[0]
        owner = self._lowest_owner(cells)
        if np.any(owner == self.comm.size):
            bad = [key[j] for j in np.flatnonzero(owner == self.comm.size)]
            raise ValueError(f"SpinDiffusionRZ.values_at: points {bad} lie in no cell of their "
                             f"layer; check r ∈ [0, R] and z inside the layer")
        return cells, owner == self.comm.rank

    def summary(self) -> str:
        """One line per layer: σ, N, τ_s, λ_sf and the regions it covers."""
        n_cells = self.comm.allreduce(self.domain.num_owned_cells, op=MPI.SUM)
        lines = [f"spin diffusion r-z: DG{self.degree} on {n_cells} cells, θ = {self.theta}, "
                 f"outer {self.outer}" + ("" if self.lateral_diffusion else
                                          ", lateral diffusion off")]
        for name, q in self.props.items():
            lam = np.sqrt(q["sigma"] * q["tau"] / (E_CHARGE**2 * q["dos"]))
            lines.append(f"  {name} {self.regions[name]}: σ = {q['sigma']:.3g} S/m, N = "
                         f"{q['dos']:.3g} /(J m³), τ_s = {q['tau'] * 1e12:.3g} ps, λ_sf = "
                         f"{lam * 1e9:.3g} nm")
        for name, G in self.interface_conductances.items():
            lines.append(f"  G_s({name}) = {G:.3g} S/m²")
        return "\n".join(lines)

    @property
    def _petsc_objects(self) -> list:
        return [self._source_vec, *self._layer_spin_vecs.values(), *self._avg_vecs.values()]
