r"""Optics of a planar multilayer: 1D time-harmonic Maxwell (Helmholtz) by finite elements.

physics-spec §1 (absorption), §2 (IFE depth weight), §8.3 (Kerr depth sensitivity).

Model. Normal incidence, time convention e^{−iωt}, complex index n = n' + ik with k ≥ 0 for
absorbing media, relative permittivity ε = n². The transverse field E(ζ) (either Cartesian
component) along the depth coordinate ζ (ζ = 0 at the top of the stack, increasing *into* the
stack; femmag meshes have the stack top at z = 0 and layers at z < 0, so **ζ = −z**) obeys

    d²E/dζ² + k0² ε(ζ) E = 0,      k0 = 2π/λ,

on [ζ_a, ζ_b] with ζ_a < 0 in the top medium (index n_top, "n_incident") and ζ_b > D (D = total
stack thickness) in the substrate. Both ends carry the exact radiation condition for a
homogeneous half-space, ∂_ν E = i k0 n_end E − 2 i k0 n_end E_inc (ν the outward normal; the
incident-wave term only at the end the light comes from). Weak form (complex test function φ):

    ∫ E'φ' dζ − k0² ∫ ε E φ dζ − Σ_ends i k0 n_end E φ |_end = −2 i k0 n_in E_inc φ |_in-end.

The incident wave has unit amplitude at the first interface it meets: E_inc = e^{i k0 n_top ζ}
(pumped from the top) or E_inc = e^{−i k0 n_sub (ζ − D)} (``from_substrate_side=True``).

Complex arithmetic: real/imaginary split (spec §1.3). E = u + iv on a blocked P_p × P_p Lagrange
space; testing the real part with φ and the imaginary part with ψ gives a real, non-symmetric
2×2-block system solved by LU (:func:`femmag.solvers.lu_options`: MUMPS → SuperLU_dist → PETSc)
through :class:`dolfinx.fem.petsc.LinearProblem`. Chosen over DOLFINx's native complex
assembly + ``dolfinx.la.superlu_dist`` because it uses the same real-PETSc solver path, options and
error checks as every other femmag module, and the 1D system is tiny (a few hundred unknowns), so
doubling its size costs nothing.

Parallel layout: the 1D mesh is built on ``MPI.COMM_SELF`` on every rank (a few hundred cells).
Every rank thus owns the complete solution, the results are bit-identical on any number of
ranks, and each rank can evaluate q(ζ) at the points of its own part of the heat mesh without
communication. No collective operation happens in this module.

Outputs (all real, or complex numbers/arrays, never DOLFINx objects required downstream):
r, R, T, A, per-layer absorption, :meth:`PlanarOptics.field` (E/E_inc at any ζ),
:meth:`PlanarOptics.absorbed_power_density` q/I_inc [1/m] (Poynting form, spec §1.4),
:meth:`PlanarOptics.intensity_weight` |E/E_inc|², :meth:`PlanarOptics.kerr_weight` w(ζ) and
:meth:`PlanarOptics.kerr_layer_integrals` (spec §8.3), :meth:`PlanarOptics.ife_depth_weight` and
:meth:`PlanarOptics.ife_flux_density` (spec §2.3).

Beyond planar: :class:`femmag.physics.optics.patterned.PatternedFilmOptics2D` solves the 2D
(x, ζ) TE and TM problems for a film edge, a stripe, a periodic grating or a uniform film under a
plane wave or a Gaussian beam, on a distributed gmsh mesh with PMLs.

Wire-ups: :func:`depth_profile_from_stack` (ζ → q/I_inc for
:class:`femmag.physics.optics.module.PulsedAbsorption`, FEM or transfer matrix) and :class:`IFEField`
(the inverse-Faraday flux density as a ``Magnetization.add_field`` provider).

Energy balance: with the exact quadrature used here (P_p × DG0 products), testing the discrete
equation with the conjugate discrete solution gives ∫q dζ = 1 − R − T to round-off.

Kerr sign convention (spec §8.3): permittivity tensor ε_t = [[ε_xx, ε_xy], [−ε_xy, ε_xx]] in the
lab (x, y) frame; r_xy is the x-component of the reflected field for unit y-polarized incidence,
r_xy = (i k0/(2 n_in)) ∫ ε_xy E_0² dζ to first order in ε_xy (E_0 the unperturbed field), and the
complex Kerr angle is Θ_K = θ_K + i ε_K = −r_xy/r_xx = r_yx/r_xx (for x-polarized incidence the
reflected polarization is ∝ x̂ + Θ_K ŷ). The exact polar-geometry value, from the circular
eigenmodes ε± = ε_xx ± i ε_xy of polarization (1, ±i), is Θ_K = i(r₊ − r₋)/(r₊ + r₋).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mpi4py import MPI

from femmag.kernels import ife as _ife

__all__ = ["IFEField", "OpticalLayer", "PlanarOptics", "depth_profile_from_stack"]

#: Layers thinner than this [m] (a quarter of an atomic monolayer) are meshed but trigger a warning.
MIN_RESOLVABLE_THICKNESS = 0.05e-9


@dataclass(frozen=True)
class OpticalLayer:
    """One homogeneous layer of the optical stack.

    Attributes:
        name: layer name (e.g. ``"Co"``); names may repeat in a multilayer.
        index: complex refractive index n + ik (k ≥ 0 absorbs).
        thickness: thickness [m].
        top: depth ζ of its top interface [m].
    """

    name: str
    index: complex
    thickness: float
    top: float

    @property
    def bottom(self) -> float:
        """Depth ζ of its bottom interface [m]."""
        return self.top + self.thickness

    @property
    def permittivity(self) -> complex:
        """Relative permittivity ε = n²."""
        return complex(self.index) ** 2


def _check_index(n: Any, where: str) -> complex:
    try:
        n = complex(n)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: refractive index {n!r} is not a number; give n + ik as a "
                         f"complex number, e.g. 2.49+4.80j.") from None
    if not (np.isfinite(n.real) and np.isfinite(n.imag)):
        raise ValueError(f"{where}: refractive index {n!r} is not finite.")
    if n.imag < 0:
        raise ValueError(
            f"{where}: refractive index {n:.4g} has a negative extinction coefficient k = "
            f"{n.imag:.4g}, i.e. gain. femmag uses the e^(-iωt) convention in which absorbing "
            f"media have k > 0: give n + ik (did you pass n - ik?).")
    if n.real <= 0:
        raise ValueError(f"{where}: refractive index {n:.4g} has a non-positive real part; "
                         f"give n + ik with n > 0.")
    return n


def _skin_depth(n: complex, wavelength: float) -> float:
    """Intensity decay length δ = λ/(4πk) [m] (inf for k = 0)."""
    return math.inf if n.imag == 0 else wavelength / (4.0 * math.pi * n.imag)


class PlanarOptics:
    r"""Time-harmonic optics of a planar stack at normal incidence, solved by P_p finite elements.

    The solve happens in the constructor (it takes milliseconds); every output is then a cheap
    numpy evaluation of the finite-element solution.

    Args:
        layers: the stack from top to bottom, as ``(name, n + ik, thickness_m)`` tuples.
        wavelength: vacuum wavelength λ [m].
        n_incident: index of the medium above the stack (real; air = 1). With
            ``from_substrate_side=True`` the light leaves into this medium.
        n_substrate: complex index of the substrate below the stack (semi-infinite). Must be
            real (transparent) when the pump comes from the substrate side.
        degree: Lagrange degree p of the field (spec: 2).
        cells_per_skin_depth: cells per intensity skin depth δ = λ/(4πk) in absorbing media.
        cells_per_wavelength: cells per wavelength λ/|n| in every medium.
        min_cells_per_layer: at least this many cells in each layer.
        comm: the communicator of the caller (for :meth:`summary` printing only); the 1D problem
            itself is solved on ``MPI.COMM_SELF`` on every rank (see the module docstring).
        from_substrate_side: pump from the substrate side (backside excitation) instead of the top.
        buffer_wavelengths: length of the homogeneous buffers meshed above and below the stack,
            in wavelengths in that medium (spec: 1/4).

    Raises:
        ValueError: non-positive wavelength or thickness, k < 0, an absorbing or complex incidence
            medium, a bad degree; the message names the layer and the fix.

    Warns:
        UserWarning: a layer thinner than :data:`MIN_RESOLVABLE_THICKNESS` (the message gives its
            skin depth).
    """

    def __init__(
        self,
        layers: Sequence[tuple[str, complex, float]],
        wavelength: float,
        n_incident: complex = 1.0,
        n_substrate: complex = 1.5,
        *,
        degree: int = 2,
        cells_per_skin_depth: float = 8.0,
        cells_per_wavelength: float = 40.0,
        min_cells_per_layer: int = 1,
        comm: MPI.Comm | None = None,
        from_substrate_side: bool = False,
        buffer_wavelengths: float = 0.25,
    ) -> None:
        self.comm = MPI.COMM_WORLD if comm is None else comm
        wavelength = float(wavelength)
        if not np.isfinite(wavelength) or wavelength <= 0:
            raise ValueError(f"PlanarOptics: wavelength = {wavelength!r} m must be a positive "
                             f"vacuum wavelength in metres, e.g. 800e-9.")
        if wavelength > 1e-3 or wavelength < 1e-9:
            raise ValueError(f"PlanarOptics: wavelength = {wavelength!r} m is outside 1 nm..1 mm; "
                             f"give it in metres (800 nm = 800e-9).")
        if int(degree) != degree or degree < 1:
            raise ValueError(f"PlanarOptics: degree = {degree!r} must be an integer ≥ 1 (2 = P2).")
        if cells_per_skin_depth <= 0 or cells_per_wavelength <= 0 or min_cells_per_layer < 1:
            raise ValueError("PlanarOptics: cells_per_skin_depth and cells_per_wavelength must be "
                             "positive and min_cells_per_layer ≥ 1.")
        if len(layers) == 0:
            raise ValueError("PlanarOptics: the stack has no layers; give at least one "
                             "(name, n + ik, thickness_m) tuple.")
        self.wavelength = wavelength
        self.k0 = 2.0 * math.pi / wavelength
        self.degree = int(degree)
        self.from_substrate_side = bool(from_substrate_side)
        self.n_top = _check_index(n_incident, "PlanarOptics: n_incident (medium above the stack)")
        self.n_substrate = _check_index(n_substrate, "PlanarOptics: n_substrate")

        parsed: list[OpticalLayer] = []
        top = 0.0
        for i, item in enumerate(layers):
            try:
                name, n, d = item
            except (TypeError, ValueError):
                raise ValueError(f"PlanarOptics: layer {i} = {item!r} is not a (name, n + ik, "
                                 f"thickness_m) tuple.") from None
            where = f"PlanarOptics: layer {i} ('{name}')"
            n = _check_index(n, where)
            d = float(d)
            if not np.isfinite(d) or d <= 0:
                raise ValueError(f"{where}: thickness = {d!r} m must be positive (in metres, "
                                 f"10 nm = 10e-9); remove zero-thickness layers.")
            if d > 1e-3:
                raise ValueError(f"{where}: thickness = {d!r} m is above 1 mm: give it in metres "
                                 f"(10 nm = 10e-9), or make a thick layer the substrate.")
            if d < MIN_RESOLVABLE_THICKNESS:
                warnings.warn(
                    f"{where} is {d * 1e9:.3g} nm thick, below "
                    f"{MIN_RESOLVABLE_THICKNESS * 1e9:g} nm "
                    f"(a fraction of a monolayer; its skin depth is "
                    f"{_skin_depth(n, wavelength) * 1e9:.3g} nm): the mesh and a continuum "
                    f"refractive index cannot resolve it. Merge it into a neighbouring layer or "
                    f"remove it.", UserWarning, stacklevel=2)
            parsed.append(OpticalLayer(str(name), n, d, top))
            top += d
        self.layers: tuple[OpticalLayer, ...] = tuple(parsed)
        self.thickness = top

        incident = self.n_substrate if self.from_substrate_side else self.n_top
        if incident.imag != 0:
            side = "n_substrate" if self.from_substrate_side else "n_incident"
            raise ValueError(f"PlanarOptics: the incidence medium ({side} = {incident:.4g}) must "
                             f"be transparent (k = 0) so that R and the incident intensity are "
                             f"defined.")
        self.n_in = incident.real

        self._build_mesh(cells_per_skin_depth, cells_per_wavelength, min_cells_per_layer,
                         buffer_wavelengths)
        self._solve()
        self._extract()

    # ------------------------------------------------------------------ construction from a Stack
    @classmethod
    def from_stack(cls, stack: Any, wavelength: float, library: Any = None,
                   **kwargs: Any) -> PlanarOptics:
        """Build from a femmag ``Stack`` (duck-typed) and a materials library.

        Args:
            stack: object with ``layers`` (each with ``.name``, ``.material``, ``.thickness`` [m],
                top to bottom) and ``substrate`` (a layer with ``.material``, a material name or
                object; ``None`` for air; optically semi-infinite: its thickness is ignored); an
                optional ``ambient`` (material name/object or index; ``"air"``/``None``: n = 1).
            wavelength: vacuum wavelength [m].
            library: where materials come from: an object with ``get_material(name)``, a mapping
                name → material, a callable, or ``None`` for :func:`femmag.materials.get_material`.
                A material is anything with ``refractive_index(wavelength_m) -> complex``; a plain
                number is taken as the index itself.
            **kwargs: passed to the constructor (degree, from_substrate_side, ...).
        """
        resolve = _material_resolver(library)

        def index_of(material: Any, what: str) -> complex:
            if material is None or (isinstance(material, str)
                                    and material.lower() in ("air", "vacuum")):
                return 1.0 + 0j
            if isinstance(material, int | float | complex | np.number):
                return complex(material)
            if not hasattr(material, "refractive_index") and hasattr(material, "material"):
                material = material.material  # a Layer-like substrate: use its material
                return index_of(material, what)
            if isinstance(material, str):
                material = resolve(material)
            if not hasattr(material, "refractive_index"):
                raise ValueError(f"PlanarOptics.from_stack: {what}: material {material!r} has no "
                                 f"refractive_index(wavelength_m) method.")
            return complex(material.refractive_index(wavelength))

        layers = [(lay.name, index_of(lay.material, f"layer '{lay.name}'"), float(lay.thickness))
                  for lay in stack.layers]
        n_sub = index_of(getattr(stack, "substrate", None), "substrate")
        n_top = index_of(getattr(stack, "ambient", None), "ambient")
        return cls(layers, wavelength, n_incident=n_top, n_substrate=n_sub, **kwargs)

    # ------------------------------------------------------------------ mesh and solve
    def _region_bounds(self) -> np.ndarray:
        return np.array([0.0] + [lay.bottom for lay in self.layers])

    def _region_indices(self) -> np.ndarray:
        """Complex index per region: [top medium, layer 0, ..., layer L−1, substrate]."""
        return np.array([self.n_top] + [lay.index for lay in self.layers] + [self.n_substrate])

    def _build_mesh(self, per_skin: float, per_wavelength: float, min_cells: int,
                    buffer: float) -> None:
        from femmag.geometry.optics_meshes import interval_mesh, segment_nodes

        lam = self.wavelength
        indices = self._region_indices()
        self.zeta_a = -buffer * lam / self.n_top.real
        self.zeta_b = self.thickness + buffer * lam / self.n_substrate.real
        edges = np.concatenate([[self.zeta_a], self._region_bounds(), [self.zeta_b]])
        # cells resolve the wavelength in every medium and the skin depth in absorbing ones
        sizes = [min(lam / (abs(n) * per_wavelength), _skin_depth(n, lam) / per_skin)
                 for n in indices]
        self.mesh = interval_mesh(segment_nodes(edges, sizes, min_cells), MPI.COMM_SELF)
        self._edges = edges

    def _solve(self) -> None:
        import basix.ufl
        import dolfinx.fem as fem
        import dolfinx.fem.petsc
        import dolfinx.mesh
        import ufl

        from femmag.solvers import check_ksp, lu_options, unique_prefix

        mesh, k0 = self.mesh, self.k0
        tdim = mesh.topology.dim
        # ε', ε'' per cell (DG0) from the region of each cell midpoint.
        geom = mesh.geometry.x[:, 0]
        midpoints = geom[mesh.geometry.dofmaps[0]].mean(axis=1)
        region = np.searchsorted(self._edges, midpoints) - 1  # 0 = top medium, ..., L+1 = substrate
        eps = self._region_indices()[region] ** 2
        Q = fem.functionspace(mesh, ("DG", 0))
        cell_dof = Q.dofmap.list[:, 0]  # DG0 dof of each cell
        eps_re, eps_im = fem.Function(Q), fem.Function(Q)
        eps_re.x.array[cell_dof] = eps.real
        eps_im.x.array[cell_dof] = eps.imag

        # Tag the two end points: 1 = ζ_a (top), 2 = ζ_b (substrate).
        mesh.topology.create_connectivity(tdim - 1, tdim)
        za, zb = self.zeta_a, self.zeta_b
        left = dolfinx.mesh.locate_entities_boundary(mesh, 0, lambda p: np.isclose(p[0], za))
        right = dolfinx.mesh.locate_entities_boundary(mesh, 0, lambda p: np.isclose(p[0], zb))
        ends = np.concatenate([left, right]).astype(np.int32)
        tags = np.concatenate([np.full(left.size, 1), np.full(right.size, 2)]).astype(np.int32)
        order = np.argsort(ends)
        facet_tags = dolfinx.mesh.meshtags(mesh, 0, ends[order], tags[order])
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=facet_tags)
        dx = ufl.Measure("dx", domain=mesh)

        W = fem.functionspace(mesh, basix.ufl.element("Lagrange", "interval", self.degree,
                                                      shape=(2,)))
        U, V = ufl.TrialFunction(W), ufl.TestFunction(W)
        u, v = U[0], U[1]
        phi, psi = V[0], V[1]

        def const(value: float) -> fem.Constant:
            return fem.Constant(mesh, dolfinx.default_scalar_type(value))

        k0c = const(k0)
        a = (u.dx(0) * phi.dx(0) + v.dx(0) * psi.dx(0)) * dx \
            - k0c**2 * ((eps_re * u - eps_im * v) * phi + (eps_im * u + eps_re * v) * psi) * dx
        # Radiation conditions: coefficient c = −i k0 n_end of E φ at each end (spec §1.3).
        for tag, n_end in ((1, self.n_top), (2, self.n_substrate)):
            c = -1j * k0 * n_end
            cr, ci = const(c.real), const(c.imag)
            a += ((cr * u - ci * v) * phi + (ci * u + cr * v) * psi) * ds(tag)
        # Incident wave: g = −2 i k0 n_in E_inc(end); E_inc has unit amplitude at the first
        # interface it meets.
        in_tag, z_in = (2, self.zeta_b) if self.from_substrate_side else (1, self.zeta_a)
        g = -2j * k0 * self.n_in * self._incident_wave(np.array([z_in]))[0]
        L = (const(g.real) * phi + const(g.imag) * psi) * ds(in_tag)

        self.solution = fem.Function(W, name="optical_field_re_im")
        problem = dolfinx.fem.petsc.LinearProblem(
            a, L, u=self.solution, petsc_options=lu_options(),
            petsc_options_prefix=unique_prefix("optics"))
        problem.solve()
        check_ksp(problem.solver, "optics (1D harmonic Maxwell)")
        self.function_space = W
        self.num_dofs = W.dofmap.index_map.size_local * W.dofmap.index_map_bs
        del problem  # PETSc objects on COMM_SELF: nothing collective to wait for

    def _incident_wave(self, zeta: np.ndarray) -> np.ndarray:
        """E_inc(ζ), unit amplitude at the first interface the light meets."""
        if self.from_substrate_side:
            return np.exp(-1j * self.k0 * self.n_in * (zeta - self.thickness))
        return np.exp(1j * self.k0 * self.n_in * zeta)

    def _extract(self) -> None:
        """Copy the FE solution into per-cell numpy arrays (node coordinates, complex values)."""
        W = self.function_space
        V0, dofs_re = W.sub(0).collapse()
        _, dofs_im = W.sub(1).collapse()
        values = self.solution.x.array
        # collapse() returns the new → parent dof map (a one-element list in DOLFINx 0.11).
        dofs_re, dofs_im = np.ravel(np.asarray(dofs_re)), np.ravel(np.asarray(dofs_im))
        e_dof = values[dofs_re] + 1j * values[dofs_im]
        coords = V0.tabulate_dof_coordinates()[:, 0]
        cell_dofs = V0.dofmap.list
        xc, ec = coords[cell_dofs], e_dof[cell_dofs]
        # Sort nodes inside each cell, then cells along ζ.
        inner = np.argsort(xc, axis=1)
        xc = np.take_along_axis(xc, inner, axis=1)
        ec = np.take_along_axis(ec, inner, axis=1)
        outer = np.argsort(xc[:, 0])
        self._cell_nodes, self._cell_values = xc[outer], ec[outer]
        self._cell_left = self._cell_nodes[:, 0]
        self._cell_right = self._cell_nodes[:, -1]
        mid = 0.5 * (self._cell_left + self._cell_right)
        self._cell_region = np.searchsorted(self._edges, mid) - 1  # 0 = top medium, ...
        # Gauss–Legendre points (exact for the degree-2p integrands |E|², E²).
        xg, wg = np.polynomial.legendre.leggauss(self.degree + 2)
        half = 0.5 * (self._cell_right - self._cell_left)
        self._gauss_zeta = mid[:, None] + half[:, None] * xg[None, :]
        self._gauss_weight = half[:, None] * wg[None, :]
        self._gauss_field = self._eval_in_cells(np.arange(mid.size)[:, None], self._gauss_zeta)

        # r and t from the end values: outside the stack the field is exactly a sum of plane
        # waves, so the outgoing part at an end is carried back to the stack interface.
        top_end = (self._cell_values[0, 0], -self.zeta_a)  # (E, distance to ζ = 0)
        bottom_end = (self._cell_values[-1, -1], self.zeta_b - self.thickness)  # (E, to ζ = D)
        if self.from_substrate_side:
            (e_in, dist_in), (e_out, dist_out), n_out = bottom_end, top_end, self.n_top
            z_in = self.zeta_b
        else:
            (e_in, dist_in), (e_out, dist_out), n_out = top_end, bottom_end, self.n_substrate
            z_in = self.zeta_a
        reflected = e_in - self._incident_wave(np.array([z_in]))[0]
        self._r = complex(reflected * np.exp(-1j * self.k0 * self.n_in * dist_in))
        self._t = complex(e_out * np.exp(-1j * self.k0 * n_out * dist_out))
        self._n_out = n_out

    # ------------------------------------------------------------------ evaluation
    def _eval_in_cells(self, cell: np.ndarray, zeta: np.ndarray) -> np.ndarray:
        """Lagrange interpolation through each cell's nodes (exactly the FE polynomial)."""
        nodes = self._cell_nodes[cell]  # (..., p+1)
        vals = self._cell_values[cell]
        z = zeta[..., None]
        out = np.zeros(zeta.shape, dtype=complex)
        p1 = nodes.shape[-1]
        for i in range(p1):  # loop over the p+1 basis functions, not over points
            basis = np.ones(zeta.shape)
            for j in range(p1):
                if j != i:
                    basis = basis * (z[..., 0] - nodes[..., j]) / (nodes[..., i] - nodes[..., j])
            out += basis * vals[..., i]
        return out

    def field(self, zeta: npt.ArrayLike) -> np.ndarray:
        """Complex field E(ζ)/E_inc at depths ζ [m] (any shape).

        Inside the stack the finite-element solution is evaluated (exactly, by Lagrange
        interpolation through each cell's nodes); in the homogeneous media above (ζ < 0) and below
        (ζ > D) the exact plane waves with the computed r and t are returned.

        Args:
            zeta: depth below the stack top [m] (ζ = −z); negative values lie in the top medium.

        Returns:
            complex array of the same shape as ``zeta``.
        """
        zeta = np.asarray(zeta, dtype=float)
        out = np.empty(zeta.shape, dtype=complex)
        above, below = zeta < 0.0, zeta > self.thickness
        inside = ~(above | below)
        if inside.any():
            zi = zeta[inside]
            cell = np.clip(np.searchsorted(self._cell_left, zi, side="right") - 1, 0,
                           self._cell_left.size - 1)
            out[inside] = self._eval_in_cells(cell, zi)
        k0, r, t = self.k0, self._r, self._t
        z, s = zeta[above], zeta[below] - self.thickness
        up = np.exp(-1j * k0 * self.n_top * z)  # wave leaving the stack upwards
        down = np.exp(1j * k0 * self.n_substrate * s)  # wave leaving the stack downwards
        if self.from_substrate_side:
            out[above] = t * up
            out[below] = 1.0 / down + r * down
        else:
            out[above] = 1.0 / up + r * up
            out[below] = t * down
        return out

    def _region_of(self, zeta: np.ndarray) -> np.ndarray:
        """Region index (0 = top medium, 1..L = layers, L+1 = substrate); interfaces go deeper."""
        return np.searchsorted(self._region_bounds(), zeta, side="right")

    def intensity_weight(self, zeta: npt.ArrayLike) -> np.ndarray:
        """|E(ζ)/E_inc|² (dimensionless), the IFE source shape (spec §2)."""
        return np.abs(self.field(zeta)) ** 2

    def absorbed_power_density(self, zeta: npt.ArrayLike) -> np.ndarray:
        """q(ζ)/I_inc [1/m] = k0 ε''(ζ) |E/E_inc|²/n_in (Poynting form, spec §1.4).

        At an interface the value of the deeper medium is returned.
        """
        zeta = np.asarray(zeta, dtype=float)
        eps_im = (self._region_indices() ** 2).imag[self._region_of(zeta)]
        return self.k0 * eps_im * self.intensity_weight(zeta) / self.n_in

    def q_of_z(self, z: npt.ArrayLike) -> np.ndarray:
        """q/I_inc [1/m] at femmag mesh heights z (stack top at z = 0, layers at z < 0; ζ = −z)."""
        return self.absorbed_power_density(-np.asarray(z, dtype=float))

    # ------------------------------------------------------------------ integral outputs
    @property
    def r(self) -> complex:
        """Complex amplitude reflection coefficient, referred to the illuminated interface."""
        return self._r

    @property
    def t(self) -> complex:
        """Complex amplitude transmission coefficient into the exit medium, at its interface."""
        return self._t

    @property
    def R(self) -> float:
        """Reflectance |r|²."""
        return abs(self._r) ** 2

    @property
    def T(self) -> float:
        """Transmittance Re(n_out)/n_in |t|² (power flux into the exit medium)."""
        return float(self._n_out.real / self.n_in * abs(self._t) ** 2)

    @property
    def A(self) -> float:
        """Absorptance of the stack, 1 − R − T."""
        return 1.0 - self.R - self.T

    @property
    def mesh_vertices(self) -> np.ndarray:
        """Depths ζ [m] of the 1D mesh vertices, ζ_a to ζ_b (interfaces included)."""
        return np.append(self._cell_left, self._cell_right[-1])

    @property
    def layer_names(self) -> list[str]:
        """Layer names, top to bottom (may repeat)."""
        return [lay.name for lay in self.layers]

    def _layer_integral(self, integrand: np.ndarray) -> np.ndarray:
        """Σ over the cells of each layer of ∫ integrand dζ (integrand at the Gauss points)."""
        per_cell = (integrand * self._gauss_weight).sum(axis=1)
        nreg = len(self.layers) + 2
        return np.bincount(self._cell_region, weights=per_cell.real, minlength=nreg)[1:-1] + \
            1j * np.bincount(self._cell_region, weights=per_cell.imag, minlength=nreg)[1:-1]

    @property
    def layer_absorption(self) -> np.ndarray:
        """Absorptance of each layer, top to bottom: ∫_layer q/I_inc dζ (sums to A)."""
        eps_im = np.array([lay.permittivity.imag for lay in self.layers])
        return (self.k0 * eps_im / self.n_in) * self._layer_integral(
            np.abs(self._gauss_field) ** 2).real

    @property
    def absorption_balance_error(self) -> float:
        """|Σ_layers ∫q dζ − (1 − R − T)| (round-off for a transparent substrate)."""
        return abs(self.layer_absorption.sum() - self.A)

    def _layer_mask(self, layers: Sequence[str] | Sequence[int] | None) -> np.ndarray:
        n = len(self.layers)
        if layers is None:
            return np.ones(n, dtype=bool)
        mask = np.zeros(n, dtype=bool)
        names = self.layer_names
        for item in layers:
            if isinstance(item, int | np.integer):
                if not -n <= item < n:
                    raise ValueError(f"layer index {item} out of range (the stack has {n} layers).")
                mask[item] = True
            elif item in names:
                mask[[i for i, nm in enumerate(names) if nm == item]] = True
            else:
                raise ValueError(f"unknown layer {item!r}; the stack has {sorted(set(names))}.")
        return mask

    # ------------------------------------------------------------------ magneto-optics (§8.3)
    def kerr_weight(self, zeta: npt.ArrayLike) -> np.ndarray:
        """Complex Kerr depth weight w(ζ) = −i k0 E_0(ζ)²/(2 n_in r_xx) [1/m] (spec §8.3).

        Θ_K = ∫ w(ζ) ε_xy(ζ) dζ to first order in ε_xy (sign convention in the module docstring).
        """
        e = self.field(zeta)
        return -1j * self.k0 * e**2 / (2.0 * self.n_in * self._r)

    def kerr_layer_integrals(self, coefficients: Mapping[str, complex] | Sequence[complex]
                             ) -> np.ndarray:
        """Per-layer complex Kerr contributions Θ_j = ∫_layer j w(ζ) ε_xy,j dζ.

        Args:
            coefficients: the off-diagonal permittivity ε_xy of each layer: a sequence (top to
                bottom, one per layer) or a mapping layer name → ε_xy (unlisted layers: 0).
                For magnetization, Voigt: ε_xy = i ε_xx Q m_z.

        Returns:
            complex array, one entry per layer; the sum is the complex Kerr angle θ_K + i ε_K [rad].
        """
        n = len(self.layers)
        if isinstance(coefficients, Mapping):
            unknown = set(coefficients) - set(self.layer_names)
            if unknown:
                raise ValueError(f"kerr_layer_integrals: unknown layer(s) {sorted(unknown)}; the "
                                 f"stack has {sorted(set(self.layer_names))}.")
            exy = np.array([complex(coefficients.get(nm, 0.0)) for nm in self.layer_names])
        else:
            exy = np.asarray(coefficients, dtype=complex)
            if exy.shape != (n,):
                raise ValueError(f"kerr_layer_integrals: {exy.size} coefficients for {n} layers.")
        weight = -1j * self.k0 / (2.0 * self.n_in * self._r)
        return weight * exy * self._layer_integral(self._gauss_field**2)

    # ------------------------------------------------------------------ inverse Faraday (§2)
    def mean_intensity_weight(self, layers: Sequence[str] | Sequence[int] | None = None) -> float:
        """⟨|E/E_inc|²⟩ over ``layers`` (names or indices; default all), thickness-weighted."""
        mask = self._layer_mask(layers)
        integral = self._layer_integral(np.abs(self._gauss_field) ** 2).real
        thick = np.array([lay.thickness for lay in self.layers])
        return float(integral[mask].sum() / thick[mask].sum())

    def ife_depth_weight(self, zeta: npt.ArrayLike,
                         layers: Sequence[str] | Sequence[int] | None = None) -> np.ndarray:
        """IFE depth weight w(ζ) = |E(ζ)|²/⟨|E|²⟩_film (mean 1 over ``layers``; spec §2.3)."""
        return self.intensity_weight(zeta) / self.mean_intensity_weight(layers)

    def ife_flux_density(self, zeta: npt.ArrayLike, r: npt.ArrayLike, t: npt.ArrayLike, *,
                         helicity: Any, peak_fluence: float, spot_radius: float, duration: float,
                         peak_time: float = 0.0, coefficient: float | None = None,
                         susceptibility: float | None = None, depth_weighted: bool = False,
                         layers: Sequence[str] | Sequence[int] | None = None) -> np.ndarray:
        """B_IFE,z(r, ζ, t) [T] (spec §2.3); see :func:`femmag.kernels.ife.ife_flux_density`.

        Args:
            zeta, r, t: depth [m], radius [m], time [s]; broadcast together.
            depth_weighted: multiply by :meth:`ife_depth_weight` over ``layers`` (default: uniform).

        The other arguments are those of :func:`femmag.kernels.ife.ife_flux_density`.
        """
        weight = self.ife_depth_weight(zeta, layers) if depth_weighted else \
            np.ones(np.shape(zeta))
        return _ife.ife_flux_density(r, t, helicity=helicity, peak_fluence=peak_fluence,
                                     coefficient=coefficient, susceptibility=susceptibility,
                                     spot_radius=spot_radius, duration=duration,
                                     peak_time=peak_time, depth_weight=weight)

    def ife_flux_density_for_pulse(self, pulse: Any, zeta: npt.ArrayLike, r: npt.ArrayLike,
                                   t: npt.ArrayLike, *, coefficient: float | None = None,
                                   susceptibility: float | None = None,
                                   depth_weighted: bool = False,
                                   layers: Sequence[str] | Sequence[int] | None = None
                                   ) -> np.ndarray:
        """:meth:`ife_flux_density` for a :class:`femmag.pulse.Pulse`-like object.

        Reads ``pulse.helicity``, ``pulse.fluence`` [J/m²], ``pulse.radius`` [m],
        ``pulse.duration`` [s] and ``pulse.arrival`` [s] (the pulse peak time t0).
        """
        return self.ife_flux_density(
            zeta, r, t, helicity=pulse.helicity, peak_fluence=pulse.fluence,
            spot_radius=pulse.radius, duration=pulse.duration, peak_time=pulse.arrival,
            coefficient=coefficient, susceptibility=susceptibility,
            depth_weighted=depth_weighted, layers=layers)

    # ------------------------------------------------------------------ report
    def summary(self) -> str:
        """A short table: stack, mesh size, R, T, A and absorption per layer."""
        side = "substrate side" if self.from_substrate_side else "top"
        lines = [f"PlanarOptics: λ = {self.wavelength * 1e9:.1f} nm, pumped from the {side}, "
                 f"P{self.degree}, {self._cell_left.size} cells, {self.num_dofs} dofs",
                 f"  R = {self.R:.6f}  T = {self.T:.6f}  A = {self.A:.6f}",
                 f"  {'layer':<12}{'d [nm]':>9}{'n + ik':>18}{'A_layer':>11}"]
        for lay, a in zip(self.layers, self.layer_absorption, strict=True):
            lines.append(f"  {lay.name:<12}{lay.thickness * 1e9:>9.3g}"
                         f"{lay.index.real:>10.4f}{lay.index.imag:+.4f}i{a:>11.6f}")
        return "\n".join(lines)


def _material_resolver(library: Any) -> Callable[[str], Any]:
    if library is None:
        from femmag.materials import get_material  # type: ignore[attr-defined]

        return get_material
    if hasattr(library, "get_material"):
        return library.get_material
    if hasattr(library, "get") and not isinstance(library, Mapping):
        return library.get  # femmag.materials.Library
    if isinstance(library, Mapping):
        def lookup(name: str) -> Any:
            if name not in library:
                raise ValueError(f"PlanarOptics.from_stack: material '{name}' is not in the "
                                 f"library (known: {sorted(library)}).")
            return library[name]
        return lookup
    if callable(library):
        return library
    raise TypeError(f"PlanarOptics.from_stack: library {library!r} is neither an object with "
                    f"get_material(name), a mapping nor a callable.")


# ====================================================================================== wire-ups
def depth_profile_from_stack(stack: Any, wavelength: float, library: Any = None, *,
                             method: str = "fem", from_substrate_side: bool = False,
                             **options: Any) -> Callable[[npt.ArrayLike], np.ndarray]:
    """Absorption depth profile ζ ↦ q(ζ)/I_inc [1/m] of a femmag ``Stack`` (spec §1.4).

    The callable plugs into :class:`femmag.physics.optics.module.PulsedAbsorption` as
    ``depth_profile=`` (the heat source then uses the FEM optics instead of its transfer-matrix
    default).

    Args:
        stack: a :class:`femmag.geometry.Stack` (layers, substrate, ambient).
        wavelength: vacuum wavelength [m].
        library: materials library (``femmag.materials.Library``, a mapping or ``None`` for the
            default library).
        method: ``"fem"`` (:class:`PlanarOptics`, P2 finite elements) or ``"tmm"`` (the
            transfer-matrix reference, :func:`femmag.physics.optics.transfer_matrix.tmm_stack`).
        from_substrate_side: pump through the substrate (backside excitation).
        **options: passed to :class:`PlanarOptics` (``degree``, ``cells_per_skin_depth``, ...);
            the default resolution here is 32 cells per skin depth (profiles agree with the
            transfer matrix to ~1e-7 relative).

    Returns:
        A vectorised callable: depth ζ = −z [m] (any shape) → q/I_inc [1/m], the value of the
        deeper medium at an interface.

    Raises:
        ValueError: unknown method (the message lists the accepted ones).
    """
    if method not in ("fem", "tmm"):
        raise ValueError(f"depth_profile_from_stack: method = {method!r}; use 'fem' (finite "
                         f"elements, PlanarOptics) or 'tmm' (transfer matrix).")
    if method == "fem":
        options.setdefault("cells_per_skin_depth", 32.0)
        options.setdefault("cells_per_wavelength", 80.0)
        optics = PlanarOptics.from_stack(stack, wavelength, library,
                                         from_substrate_side=from_substrate_side, **options)
        return optics.absorbed_power_density
    from femmag.physics.optics.transfer_matrix import tmm_stack

    resolve = _material_resolver(library)

    def index(material: Any) -> complex:
        if material is None or (isinstance(material, str) and material.lower() in ("air",
                                                                                  "vacuum")):
            return 1.0 + 0j
        return complex(resolve(material).refractive_index(wavelength))

    result = tmm_stack([index(lay.material) for lay in stack.layers],
                       [lay.thickness for lay in stack.layers], wavelength,
                       n_incident=index(getattr(stack, "ambient", None)),
                       n_substrate=index(stack.substrate.material),
                       from_substrate=from_substrate_side)
    return result.absorbed_power_density


_POINT_KINDS = ("1d", "rz", "3d")


class IFEField:
    r"""Inverse-Faraday impressed flux density as a field provider (spec §2.3).

    ``IFEField(pulse, ...)(points, t)`` returns B (n, 3) [T] with only a z component,

        B_z = h κ_IFE F0 exp(−r²/r0²) g(t) w(ζ),

    h the pulse helicity, κ_IFE the IFE coefficient, F0, r0 and the envelope g(t) (peak 1 at the
    pulse peak; summed over the pulses of a ``PulseTrain``) from the pulse and w(ζ) an optional
    depth weight |E(ζ)|²/⟨|E|²⟩ from a :class:`PlanarOptics` (mean 1 over the chosen layers).
    Usable as ``Magnetization.add_field("ife", IFEField(pulse, kind=domain.kind))``.

    Args:
        pulse: :class:`femmag.pulse.Pulse` (or ``PulseTrain``).
        coefficient: κ_IFE with unit, e.g. ``"1 T/(mJ/cm^2)"`` (seed 003; the default when
            neither coefficient nor susceptibility is given).
        susceptibility: alternatively α with unit, e.g. ``"2.13e-11 A*m/V^2"``, converted with
            the free-space peak field
            (:func:`femmag.kernels.ife.ife_coefficient_from_susceptibility`).
        depth_weight: ``None`` (uniform) or a :class:`PlanarOptics` of the pump.
        layers: the layers over which the depth weight has mean 1 (names/indices; default all).
        kind: the point layout: ``"1d"`` (points[:, 0] = z, r = 0), ``"rz"`` (points[:, 0] = r,
            points[:, 1] = z) or ``"3d"`` (r from points[:, :2], z = points[:, 2]).

    Raises:
        ValueError: both coefficient and susceptibility, an unknown kind, bad units.
    """

    def __init__(self, pulse: Any, coefficient: Any = None, *, susceptibility: Any = None,
                 depth_weight: PlanarOptics | None = None,
                 layers: Sequence[str] | Sequence[int] | None = None,
                 kind: str = "3d") -> None:
        from femmag.units import to_si

        if coefficient is not None and susceptibility is not None:
            raise ValueError("IFEField: give coefficient (e.g. '1 T/(mJ/cm^2)') or "
                             "susceptibility (e.g. '2.13e-11 A*m/V^2'), not both.")
        if kind not in _POINT_KINDS:
            raise ValueError(f"IFEField: kind = {kind!r}; use one of {_POINT_KINDS} (the domain's "
                             f"kind: 1d mesh x = z, axisymmetric x = (r, z), 3D x = (x, y, z)).")
        if depth_weight is not None and not isinstance(depth_weight, PlanarOptics):
            raise ValueError(f"IFEField: depth_weight must be None or a PlanarOptics, got "
                             f"{type(depth_weight).__name__}.")
        self.pulse = pulse
        base = getattr(pulse, "pulse", pulse)
        self.base = base
        self.helicity = _ife.helicity_index(base.helicity)
        if susceptibility is not None:
            alpha = to_si(susceptibility, "ife_susceptibility", "IFEField.susceptibility")
            self.coefficient = _ife.ife_coefficient_from_susceptibility(alpha, base.duration)
        else:
            self.coefficient = to_si("1 T/(mJ/cm^2)" if coefficient is None else coefficient,
                                     "ife_coefficient", "IFEField.coefficient")
        self.optics, self.layers, self.kind = depth_weight, layers, kind
        self._arrivals = np.atleast_1d(getattr(pulse, "arrivals", base.arrival))

    def temporal(self, t: float) -> float:
        """Envelope g(t): sum over the pulse arrivals of exp(−4 ln2 (t − t_k)²/τ²)."""
        return float(sum(_ife.temporal_envelope(t, t0, self.base.duration)
                         for t0 in self._arrivals))

    def __call__(self, points: npt.ArrayLike, t: float) -> np.ndarray:
        """B [T], shape (n, 3), at ``points`` (n, ≥ gdim) [m] and time ``t`` [s]."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        if self.kind == "1d":
            r2, z = np.zeros(points.shape[0]), points[:, 0]
        elif self.kind == "rz":
            r2, z = points[:, 0] ** 2, points[:, 1]
        else:
            r2, z = points[:, 0] ** 2 + points[:, 1] ** 2, points[:, 2]
        amplitude = self.helicity * self.coefficient * self.base.fluence * self.temporal(t)
        out = np.zeros((points.shape[0], 3))
        if amplitude == 0.0:
            return out
        bz = amplitude * np.exp(-r2 / self.base.radius**2)
        if self.optics is not None:
            bz = bz * self.optics.ife_depth_weight(-z, self.layers)
        out[:, 2] = bz
        return out

    def __repr__(self) -> str:
        return (f"IFEField(h={self.helicity:+d}, κ={self.coefficient / 0.1:.4g} T/(mJ/cm²), "
                f"kind={self.kind!r}, depth weight={'|E|²' if self.optics else 'uniform'})")
