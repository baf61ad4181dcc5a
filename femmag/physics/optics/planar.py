r"""Optics of a planar multilayer: 1D time-harmonic Maxwell (Helmholtz) by finite elements.

physics-spec §1 (absorption), §2 (IFE depth weight), §8.3 (Kerr depth sensitivity).

Model. Plane wave at angle θ (in the medium the light comes from, index n_in) in the plane of
incidence (x, ζ), time convention e^{−iωt}, complex index n = n' + ik with k ≥ 0 for absorbing
media, relative permittivity ε = n². ζ is the depth (ζ = 0 at the top of the stack, increasing
*into* the stack; femmag meshes have the stack top at z = 0 and layers at z < 0, so **ζ = −z**).
The in-plane wavenumber k_x = k0 s, s = n_in sin θ, is conserved; the normal wavenumber of a
homogeneous medium is k0 ν, ν = √(ε − s²) (Im ν ≥ 0). The transverse field U(ζ) e^{i k_x x} is

* s (TE): U = E_y,  (U')' + k0² (ε − s²) U = 0 (α = 1, β = ε − s²);
* p (TM): U = H_y,  ((1/ε) U')' + k0² (1 − s²/ε) U = 0 (α = 1/ε, β = 1 − s²/ε).

The p problem is written for H_y (not for E_x, E_z) because H_y and (1/ε) dH_y/dζ ∝ E_x are the
continuous quantities at interfaces: H_y stays in the same H¹ Lagrange space and the interface
condition is natural, whereas E_z jumps and would need a mixed/discontinuous space. The electric
field is recovered as E_x = −i n_in U'/(k0 ε), E_ζ = −n_in s U/ε (in units of |E_inc|), so the
p-polarized absorbed power q = ½ ω ε0 ε'' (|E_x|² + |E_ζ|²) includes both components. U on
[ζ_a, ζ_b] (ζ_a < 0 in the top medium, "n_incident"; ζ_b > D = total stack thickness, in the
substrate) carries at both ends the exact radiation condition of a homogeneous half-space,
∂_ν U = i k0 ν_end U − 2 i k0 ν_end U_inc (ν the outward normal; the incident term only at the end
the light comes from). Weak form (complex test function φ):

    ∫ α U'φ' dζ − k0² ∫ β U φ dζ − Σ_ends i k0 ν_end α_end U φ |_end
        = −2 i k0 ν_in α_in U_inc φ |_in-end.

The incident wave has unit amplitude at the first interface it meets: U_inc = e^{i k0 ν_top ζ}
(pumped from the top) or U_inc = e^{−i k0 ν_sub (ζ − D)} (``from_substrate_side=True``). At
θ = 0 the s problem is the former normal-incidence one exactly. ``polarization="unpolarized"``
solves both and averages every power quantity (R, T, A, q, |E|²).

Fluence convention (oblique incidence). :meth:`PlanarOptics.absorbed_power_density` is per unit
incident flux *through the sample plane* (it integrates to A, like the ``tmm`` package's
``absor``); that flux is cos θ × the beam intensity. femmag's ``Pulse`` fluence is per unit area
normal to the beam (energy/beam area, what a power meter and a beam profiler give), so the
absorption source multiplies by cos θ (:func:`depth_profile_from_stack` returns cos θ × q/S).
The spot on the sample is an ellipse elongated by 1/cos θ along x; r-z (axisymmetric) and 1D
meshes cannot represent it, so the spot stays round with the pulse's diameter and the peak
sample-plane fluence F cos θ: exact at the beam centre (1D runs), and the total absorbed energy of
an r-z run is π r0² F cos θ A(θ), i.e. cos θ × that of the true ellipse.

Kerr depth weight: normal incidence only (ValueError otherwise). At oblique incidence polar Kerr
couples s and p (r_ps ∝ ∫ ε_xy E_x^p E_y^s dζ); femmag has no exact 4×4 (anisotropic)
transfer-matrix reference to verify such a weight against, so it is not offered.

Complex arithmetic: real/imaginary split (spec §1.3). U = u + iv on a blocked P_p × P_p Lagrange
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
r, R, T, A, per-layer absorption, :meth:`PlanarOptics.field` (U/U_inc at any ζ),
:meth:`PlanarOptics.electric_field` (E_x, E_y, E_ζ)/|E_inc|,
:meth:`PlanarOptics.absorbed_power_density` q/S_inc [1/m] (Poynting form, spec §1.4),
:meth:`PlanarOptics.intensity_weight` |E/E_inc|², :meth:`PlanarOptics.kerr_weight` w(ζ) and
:meth:`PlanarOptics.kerr_layer_integrals` (spec §8.3), :meth:`PlanarOptics.ife_depth_weight` and
:meth:`PlanarOptics.ife_flux_density` (spec §2.3).

Beyond planar: :class:`femmag.physics.optics.patterned.PatternedFilmOptics2D` solves the 2D
(x, ζ) TE and TM problems for a film edge, a stripe, a periodic grating or a uniform film under a
plane wave or a Gaussian beam, on a distributed gmsh mesh with PMLs.

Wire-ups: :func:`depth_profile_from_stack` (ζ → q/I_beam for
:class:`femmag.physics.optics.module.PulsedAbsorption`, FEM or transfer matrix) and
:class:`IFEField` (the inverse-Faraday flux density as a ``Magnetization.add_field`` provider).

Energy balance: with the exact quadrature used here (P_p × DG0 products), testing the discrete
equation with the conjugate discrete solution gives ∫q dζ = 1 − R − T to round-off (s and p:
Im(α)|U'|² + Im(−β) k0²|U|² is the p absorption density up to a constant).

Units: the constructor and :func:`depth_profile_from_stack` take lengths and the angle with their
units (``"800 nm"``, ``"45 deg"``); :meth:`PlanarOptics.from_si` is the SI path for internal
callers.

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


#: Discretisation defaults of every planar-optics route (PlanarOptics, depth_profile_from_stack,
#: the Simulation's optics={"method": "fem"}): Lagrange degree, cells per intensity skin depth in
#: absorbing media and cells per wavelength in every medium. P3, not P2: the p-polarized
#: absorption needs dH_y/dζ, one order less accurate than H_y (P2 at 32/80: 3e-5 of max q; P3:
#: 5e-8). Measured against the transfer matrix on random stacks at 0-80° (bench/bench_optics.py,
#: tests/verification/test_optics_oblique.py): see the README.
DEFAULT_DEGREE = 3
DEFAULT_CELLS_PER_SKIN_DEPTH = 32.0
DEFAULT_CELLS_PER_WAVELENGTH = 80.0


@dataclass
class _Solution:
    """One polarization's finite-element solution, as per-cell numpy arrays."""

    polarization: str
    cell_values: np.ndarray  # U at the cell nodes (E_y for s, H_y for p), normalised U_inc = 1
    gauss_field: np.ndarray  # U at the Gauss points
    gauss_intensity: np.ndarray  # |E/E_inc|² at the Gauss points
    r: complex
    t: complex
    T: float


class PlanarOptics:
    r"""Time-harmonic optics of a planar stack, any angle, s or p, solved by P_p finite elements.

    The solve happens in the constructor (it takes milliseconds); every output is then a cheap
    numpy evaluation of the finite-element solution.

    Args:
        layers: the stack from top to bottom, as ``(name, n + ik, thickness)`` tuples with the
            thickness given with its unit (``("Co", 2.49+4.80j, "1 nm")``, or a pint quantity).
        wavelength: vacuum wavelength λ, e.g. ``"800 nm"``.
        n_incident: index of the medium above the stack (real; air = 1). With
            ``from_substrate_side=True`` the light leaves into this medium.
        n_substrate: complex index of the substrate below the stack (semi-infinite). Must be
            real (transparent) when the pump comes from the substrate side.
        angle: angle of incidence from the film normal, in the medium the light comes from (the
            ambient above the stack; the substrate for ``from_substrate_side=True``), e.g.
            ``"45 deg"``; 0 ≤ θ < 90°.
        polarization: ``"s"`` (TE, E_y formulation), ``"p"`` (TM, H_y formulation with 1/ε) or
            ``"unpolarized"`` (both solved; every power quantity is the mean of s and p).
        degree: Lagrange degree p of the field (default :data:`DEFAULT_DEGREE` = 3).
        cells_per_skin_depth: cells per intensity skin depth 1/(2 Im k_ζ) (λ/(4πk) at normal
            incidence) in absorbing media (default :data:`DEFAULT_CELLS_PER_SKIN_DEPTH`).
        cells_per_wavelength: cells per wavelength λ/|n| in every medium
            (default :data:`DEFAULT_CELLS_PER_WAVELENGTH`).
        min_cells_per_layer: at least this many cells in each layer.
        comm: the communicator of the caller (for :meth:`summary` printing only); the 1D problem
            itself is solved on ``MPI.COMM_SELF`` on every rank (see the module docstring).
        from_substrate_side: pump from the substrate side (backside excitation) instead of the top.
        buffer_wavelengths: length of the homogeneous buffers meshed above and below the stack,
            in wavelengths in that medium (spec: 1/4).

    Raises:
        femmag.units.UnitError: a wavelength, thickness or angle without its unit.
        ValueError: non-positive wavelength or thickness, k < 0, an absorbing or complex incidence
            medium, a bad degree, angle or polarization; the message names the layer and the fix.

    Warns:
        UserWarning: a layer thinner than :data:`MIN_RESOLVABLE_THICKNESS` (the message gives its
            skin depth).

    Example:
        >>> optics = PlanarOptics([("CoPt", 2.673 + 4.883j, "10 nm")], "800 nm", 1.0, 1.4533,
        ...                       angle="45 deg", polarization="p")
        >>> round(optics.A, 4)
        0.4151
    """

    def __init__(
        self,
        layers: Sequence[tuple[str, complex, Any]],
        wavelength: Any,
        n_incident: complex = 1.0,
        n_substrate: complex = 1.5,
        *,
        angle: Any = "0 deg",
        polarization: str = "s",
        degree: int = DEFAULT_DEGREE,
        cells_per_skin_depth: float = DEFAULT_CELLS_PER_SKIN_DEPTH,
        cells_per_wavelength: float = DEFAULT_CELLS_PER_WAVELENGTH,
        min_cells_per_layer: int = 1,
        comm: MPI.Comm | None = None,
        from_substrate_side: bool = False,
        buffer_wavelengths: float = 0.25,
    ) -> None:
        from femmag.units import to_si

        parsed = []
        for i, item in enumerate(layers):
            try:
                name, n, d = item
            except (TypeError, ValueError):
                raise ValueError(f"PlanarOptics: layer {i} = {item!r} is not a (name, n + ik, "
                                 f"thickness) tuple, e.g. ('Co', 2.49+4.80j, '1 nm').") from None
            parsed.append((name, n, to_si(d, "thickness", f"PlanarOptics: layer {i} ('{name}') "
                                                           f"thickness")))
        self._setup(parsed, to_si(wavelength, "wavelength", "PlanarOptics: wavelength"),
                    n_incident, n_substrate, angle=to_si(angle, "angle", "PlanarOptics: angle"),
                    polarization=polarization, degree=degree,
                    cells_per_skin_depth=cells_per_skin_depth,
                    cells_per_wavelength=cells_per_wavelength,
                    min_cells_per_layer=min_cells_per_layer, comm=comm,
                    from_substrate_side=from_substrate_side,
                    buffer_wavelengths=buffer_wavelengths)

    @classmethod
    def from_si(cls, layers: Sequence[tuple[str, complex, float]], wavelength: float,
                n_incident: complex = 1.0, n_substrate: complex = 1.5, *, angle: float = 0.0,
                **kwargs: Any) -> PlanarOptics:
        """The constructor for internal callers that hold SI floats (thicknesses and wavelength
        in metres, angle in radians); no unit parsing. User code gives units to the constructor."""
        optics = cls.__new__(cls)
        optics._setup(list(layers), wavelength, n_incident, n_substrate, angle=angle, **kwargs)
        return optics

    def _setup(self, layers: Sequence[tuple[str, complex, float]], wavelength: float,
               n_incident: complex, n_substrate: complex, *, angle: float = 0.0,
               polarization: str = "s", degree: int = DEFAULT_DEGREE,
               cells_per_skin_depth: float = DEFAULT_CELLS_PER_SKIN_DEPTH,
               cells_per_wavelength: float = DEFAULT_CELLS_PER_WAVELENGTH,
               min_cells_per_layer: int = 1, comm: MPI.Comm | None = None,
               from_substrate_side: bool = False, buffer_wavelengths: float = 0.25) -> None:
        from femmag.physics.optics.transfer_matrix import check_angle, check_polarization

        self.comm = MPI.COMM_WORLD if comm is None else comm
        wavelength = float(wavelength)
        if not np.isfinite(wavelength) or wavelength <= 0:
            raise ValueError(f"PlanarOptics: wavelength = {wavelength!r} m must be a positive "
                             f"vacuum wavelength, e.g. '800 nm'.")
        if wavelength > 1e-3 or wavelength < 1e-9:
            raise ValueError(f"PlanarOptics: wavelength = {wavelength!r} m is outside 1 nm..1 mm; "
                             f"give it with its unit, e.g. '800 nm'.")
        if int(degree) != degree or degree < 1:
            raise ValueError(f"PlanarOptics: degree = {degree!r} must be an integer ≥ 1 (2 = P2).")
        if cells_per_skin_depth <= 0 or cells_per_wavelength <= 0 or min_cells_per_layer < 1:
            raise ValueError("PlanarOptics: cells_per_skin_depth and cells_per_wavelength must be "
                             "positive and min_cells_per_layer ≥ 1.")
        if len(layers) == 0:
            raise ValueError("PlanarOptics: the stack has no layers; give at least one "
                             "(name, n + ik, thickness) tuple.")
        self.polarization = check_polarization(polarization, "PlanarOptics")
        self.angle = check_angle(angle, "PlanarOptics")
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
                                 f"thickness) tuple.") from None
            where = f"PlanarOptics: layer {i} ('{name}')"
            n = _check_index(n, where)
            d = float(d)
            if not np.isfinite(d) or d <= 0:
                raise ValueError(f"{where}: thickness = {d!r} m must be positive; remove "
                                 f"zero-thickness layers.")
            if d > 1e-3:
                raise ValueError(f"{where}: thickness = {d!r} m is above 1 mm: make a thick "
                                 f"layer the substrate.")
            if d < MIN_RESOLVABLE_THICKNESS:
                warnings.warn(
                    f"{where} is {d * 1e9:.3g} nm thick, below "
                    f"{MIN_RESOLVABLE_THICKNESS * 1e9:g} nm "
                    f"(a fraction of a monolayer; its skin depth is "
                    f"{_skin_depth(n, wavelength) * 1e9:.3g} nm): the mesh and a continuum "
                    f"refractive index cannot resolve it. Merge it into a neighbouring layer or "
                    f"remove it.", UserWarning, stacklevel=3)
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
        #: n_in sin θ = k_x/k0, conserved across the layers
        self.in_plane_index = self.n_in * math.sin(self.angle)
        #: n_in cos θ: the incident flux through the sample plane is cos θ × the beam intensity
        self.normal_index_in = self.n_in * math.cos(self.angle)

        self._build_mesh(cells_per_skin_depth, cells_per_wavelength, min_cells_per_layer,
                         buffer_wavelengths)
        pols = ("s", "p") if self.polarization == "unpolarized" else (self.polarization,)
        self._solutions = {pol: self._solve(pol) for pol in pols}

    # ------------------------------------------------------------------ construction from a Stack
    @classmethod
    def from_stack(cls, stack: Any, wavelength: Any, library: Any = None,
                   **kwargs: Any) -> PlanarOptics:
        """Build from a femmag ``Stack`` (duck-typed) and a materials library.

        Args:
            stack: object with ``layers`` (each with ``.name``, ``.material``, ``.thickness`` [m],
                top to bottom, and optionally ``.refractive_index``, an explicit complex index that
                wins over the library's) and ``substrate`` (a layer, a material name or object;
                ``None`` for air; optically semi-infinite: its thickness is ignored); an optional
                ``ambient`` (material name/object or index; ``"air"``/``None``: n = 1).
            wavelength: vacuum wavelength, e.g. ``"800 nm"``.
            library: where materials come from: an object with ``get_material(name)``, a mapping
                name → material, a callable, or ``None`` for :func:`femmag.materials.get_material`.
                A material is anything with ``refractive_index(wavelength_m) -> complex``; a plain
                number is taken as the index itself.
            **kwargs: passed to the constructor (``angle="45 deg"``, ``polarization``, degree,
                from_substrate_side, ...).
        """
        from femmag.units import to_si

        wavelength = to_si(wavelength, "wavelength", "PlanarOptics.from_stack: wavelength")
        if "angle" in kwargs:
            kwargs["angle"] = to_si(kwargs["angle"], "angle", "PlanarOptics.from_stack: angle")
        layers, n_top, n_sub = stack_indices(stack, wavelength, library)
        return cls.from_si(layers, wavelength, n_incident=n_top, n_substrate=n_sub, **kwargs)

    # ------------------------------------------------------------------ mesh and solve
    def _region_bounds(self) -> np.ndarray:
        return np.array([0.0] + [lay.bottom for lay in self.layers])

    def _region_indices(self) -> np.ndarray:
        """Complex index per region: [top medium, layer 0, ..., layer L−1, substrate]."""
        return np.array([self.n_top] + [lay.index for lay in self.layers] + [self.n_substrate])

    def _region_normal_indices(self) -> np.ndarray:
        """ν = √(n² − n_in² sin²θ) per region (k_ζ = k0 ν; Im ν ≥ 0)."""
        from femmag.physics.optics.transfer_matrix import normal_index

        return normal_index(self._region_indices(), self.in_plane_index)

    def _build_mesh(self, per_skin: float, per_wavelength: float, min_cells: int,
                    buffer: float) -> None:
        from femmag.geometry.optics_meshes import interval_mesh, segment_nodes

        lam = self.wavelength
        indices, nus = self._region_indices(), self._region_normal_indices()
        self.zeta_a = -buffer * lam / self.n_top.real
        self.zeta_b = self.thickness + buffer * lam / self.n_substrate.real
        edges = np.concatenate([[self.zeta_a], self._region_bounds(), [self.zeta_b]])
        # cells resolve the wavelength in every medium and the decay length 1/(2 Im k_ζ) in
        # absorbing (or evanescent) ones; at normal incidence ν = n: λ/|n| and λ/(4πk)
        sizes = []
        for n, nu in zip(indices, nus, strict=True):
            decay = math.inf if nu.imag == 0 else 1.0 / (2.0 * self.k0 * nu.imag)
            sizes.append(min(lam / (max(abs(n), abs(nu)) * per_wavelength), decay / per_skin))
        self.mesh = interval_mesh(segment_nodes(edges, sizes, min_cells), MPI.COMM_SELF)
        self._edges = edges
        self._prepare_cells()

    def _coefficients(self, polarization: str) -> tuple[np.ndarray, np.ndarray]:
        """Per region: α (of U'φ') and β (of −k0² U φ) of the weak form.

        s: α = 1, β = ε − n_in² sin²θ;  p: α = 1/ε, β = 1 − n_in² sin²θ/ε.
        """
        eps = self._region_indices() ** 2
        s2 = self.in_plane_index**2
        if polarization == "s":
            return np.ones_like(eps), eps - s2
        return 1.0 / eps, 1.0 - s2 / eps

    def _solve(self, polarization: str) -> _Solution:
        import basix.ufl
        import dolfinx.fem as fem
        import dolfinx.fem.petsc
        import dolfinx.mesh
        import ufl

        from femmag.solvers import check_ksp, lu_options, unique_prefix

        mesh, k0 = self.mesh, self.k0
        tdim = mesh.topology.dim
        # α, β per cell (DG0) from the region of each cell midpoint.
        geom = mesh.geometry.x[:, 0]
        midpoints = geom[mesh.geometry.dofmaps[0]].mean(axis=1)
        region = np.searchsorted(self._edges, midpoints) - 1  # 0 = top medium, ..., L+1 = substrate
        alpha_regions, beta_regions = self._coefficients(polarization)
        Q = fem.functionspace(mesh, ("DG", 0))
        cell_dof = Q.dofmap.list[:, 0]  # DG0 dof of each cell

        def cellwise(values: np.ndarray) -> tuple[fem.Function, fem.Function]:
            re, im = fem.Function(Q), fem.Function(Q)
            re.x.array[cell_dof] = values.real
            im.x.array[cell_dof] = values.imag
            return re, im

        alpha = cellwise(alpha_regions[region])
        beta = cellwise(beta_regions[region])

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

        def complex_product(c, re, im, test_re, test_im):
            """(c_re + i c_im)(re + i im) tested with (test_re, test_im): real 2×2 block form."""
            cr, ci = c
            return (cr * re - ci * im) * test_re + (ci * re + cr * im) * test_im

        k0c = const(k0)
        a = complex_product(alpha, u.dx(0), v.dx(0), phi.dx(0), psi.dx(0)) * dx \
            - k0c**2 * complex_product(beta, u, v, phi, psi) * dx
        # Radiation conditions: coefficient −i k0 ν_end α_end of U φ at each end (spec §1.3).
        nus = self._region_normal_indices()
        alpha_end = {1: alpha_regions[0], 2: alpha_regions[-1]}
        for tag, nu_end in ((1, nus[0]), (2, nus[-1])):
            c = -1j * k0 * nu_end * alpha_end[tag]
            a += complex_product((const(c.real), const(c.imag)), u, v, phi, psi) * ds(tag)
        # Incident wave: g = −2 i k0 ν_in α_in U_inc(end); U_inc has unit amplitude at the first
        # interface it meets.
        in_tag, z_in = (2, self.zeta_b) if self.from_substrate_side else (1, self.zeta_a)
        g = -2j * k0 * self.normal_index_in * alpha_end[in_tag] \
            * self._incident_wave(np.array([z_in]))[0]
        L = (const(g.real) * phi + const(g.imag) * psi) * ds(in_tag)

        solution = fem.Function(W, name=f"optical_field_{polarization}_re_im")
        problem = dolfinx.fem.petsc.LinearProblem(
            a, L, u=solution, petsc_options=lu_options(),
            petsc_options_prefix=unique_prefix("optics"))
        problem.solve()
        check_ksp(problem.solver, f"optics (1D harmonic Maxwell, {polarization})")
        self.function_space = W
        self.num_dofs = W.dofmap.index_map.size_local * W.dofmap.index_map_bs
        del problem  # PETSc objects on COMM_SELF: nothing collective to wait for
        return self._extract(solution, polarization)

    def _incident_wave(self, zeta: np.ndarray) -> np.ndarray:
        """U_inc(ζ), unit amplitude at the first interface the light meets."""
        if self.from_substrate_side:
            return np.exp(-1j * self.k0 * self.normal_index_in * (zeta - self.thickness))
        return np.exp(1j * self.k0 * self.normal_index_in * zeta)

    def _prepare_cells(self) -> None:
        """Per-cell node coordinates (sorted along ζ) and Gauss points, from the mesh alone."""
        import basix.ufl
        import dolfinx.fem as fem

        V0 = fem.functionspace(self.mesh, basix.ufl.element("Lagrange", "interval", self.degree))
        coords = V0.tabulate_dof_coordinates()[:, 0]
        cell_dofs = V0.dofmap.list
        xc = coords[cell_dofs]
        inner = np.argsort(xc, axis=1)
        xc = np.take_along_axis(xc, inner, axis=1)
        outer = np.argsort(xc[:, 0])
        self._cell_nodes = xc[outer]
        self._cell_left = self._cell_nodes[:, 0]
        self._cell_right = self._cell_nodes[:, -1]
        mid = 0.5 * (self._cell_left + self._cell_right)
        self._cell_region = np.searchsorted(self._edges, mid) - 1  # 0 = top medium, ...
        # Gauss–Legendre points (exact for the degree-2p integrands |U|², |U'|², U²).
        xg, wg = np.polynomial.legendre.leggauss(self.degree + 2)
        half = 0.5 * (self._cell_right - self._cell_left)
        self._gauss_zeta = mid[:, None] + half[:, None] * xg[None, :]
        self._gauss_weight = half[:, None] * wg[None, :]
        self._gauss_cell = np.broadcast_to(np.arange(mid.size)[:, None], self._gauss_zeta.shape)

    def _extract(self, solution: Any, polarization: str) -> _Solution:
        """Copy the FE solution into per-cell numpy arrays (complex values at the sorted nodes)."""
        W = self.function_space
        V0, dofs_re = W.sub(0).collapse()
        _, dofs_im = W.sub(1).collapse()
        values = solution.x.array
        # collapse() returns the new → parent dof map (a one-element list in DOLFINx 0.11).
        dofs_re, dofs_im = np.ravel(np.asarray(dofs_re)), np.ravel(np.asarray(dofs_im))
        e_dof = values[dofs_re] + 1j * values[dofs_im]
        coords = V0.tabulate_dof_coordinates()[:, 0]
        cell_dofs = V0.dofmap.list
        xc, ec = coords[cell_dofs], e_dof[cell_dofs]
        # Sort nodes inside each cell, then cells along ζ (the order of _prepare_cells).
        inner = np.argsort(xc, axis=1)
        xc = np.take_along_axis(xc, inner, axis=1)
        ec = np.take_along_axis(ec, inner, axis=1)
        outer = np.argsort(xc[:, 0])
        cell_values = ec[outer]
        cells, zg = self._gauss_cell, self._gauss_zeta
        gauss_field = self._eval_in_cells(cells, zg, cell_values)
        gauss_intensity = self._intensity(polarization, self._cell_region[cells], gauss_field,
                                          self._eval_in_cells(cells, zg, cell_values, 1))

        # r and t from the end values: outside the stack the field is exactly a sum of plane
        # waves, so the outgoing part at an end is carried back to the stack interface.
        nus = self._region_normal_indices()
        top_end = (cell_values[0, 0], -self.zeta_a, 0)  # (U, distance to ζ = 0, region)
        bottom_end = (cell_values[-1, -1], self.zeta_b - self.thickness, len(self.layers) + 1)
        if self.from_substrate_side:
            (e_in, dist_in, _), (e_out, dist_out, out) = bottom_end, top_end
            z_in = self.zeta_b
        else:
            (e_in, dist_in, _), (e_out, dist_out, out) = top_end, bottom_end
            z_in = self.zeta_a
        reflected = e_in - self._incident_wave(np.array([z_in]))[0]
        r = complex(reflected * np.exp(-1j * self.k0 * self.normal_index_in * dist_in))
        t = complex(e_out * np.exp(-1j * self.k0 * nus[out] * dist_out))
        alpha = self._coefficients(polarization)[0]
        admittance_out = (nus[out] * alpha[out]).real  # ν (s) or ν/ε (p)
        admittance_in = self.normal_index_in * (alpha[-1 if self.from_substrate_side else 0]).real
        T = float(admittance_out / admittance_in * abs(t) ** 2)
        return _Solution(polarization, cell_values, gauss_field, gauss_intensity, r, t, T)

    def _intensity(self, polarization: str, region: np.ndarray, u: np.ndarray,
                   du: np.ndarray) -> np.ndarray:
        """|E/E_inc|² from U and dU/dζ: |E_y|² (s); n_in²(|H'|²/k0² + s²|H|²)/|ε|² (p)."""
        if polarization == "s":
            return np.abs(u) ** 2
        eps = self._region_indices()[region] ** 2
        return (self.n_in**2 * (np.abs(du / self.k0) ** 2 + self.in_plane_index**2 * np.abs(u) ** 2)
                / np.abs(eps) ** 2)

    # ------------------------------------------------------------------ evaluation
    def _eval_in_cells(self, cell: np.ndarray, zeta: np.ndarray, cell_values: np.ndarray,
                       derivative: int = 0) -> np.ndarray:
        """Lagrange interpolation (or its ζ-derivative) through each cell's nodes: exactly the
        FE polynomial."""
        nodes = self._cell_nodes[cell]  # (..., p+1)
        vals = cell_values[cell]
        z = zeta[..., None]
        out = np.zeros(zeta.shape, dtype=complex)
        p1 = nodes.shape[-1]
        for i in range(p1):  # loop over the p+1 basis functions, not over points
            others = [j for j in range(p1) if j != i]
            if derivative == 0:
                basis = np.ones(zeta.shape)
                for j in others:
                    basis = basis * (z[..., 0] - nodes[..., j]) / (nodes[..., i] - nodes[..., j])
            else:  # product rule: Σ_m 1/(x_i − x_m) Π_{j≠i,m} (ζ − x_j)/(x_i − x_j)
                basis = np.zeros(zeta.shape)
                for m in others:
                    term = 1.0 / (nodes[..., i] - nodes[..., m])
                    for j in others:
                        if j != m:
                            term = term * (z[..., 0] - nodes[..., j]) / (nodes[..., i]
                                                                         - nodes[..., j])
                    basis = basis + term
            out += basis * vals[..., i]
        return out

    def _single(self, what: str) -> _Solution:
        if len(self._solutions) != 1:
            raise ValueError(f"PlanarOptics.{what}: unpolarized light has no single amplitude; "
                             f"build PlanarOptics with polarization='s' or 'p' for {what}.")
        return next(iter(self._solutions.values()))

    def _field_of(self, solution: _Solution, zeta: np.ndarray,
                  derivative: int = 0) -> np.ndarray:
        """U (or dU/dζ) of one solution at depths ζ: FE inside, exact plane waves outside."""
        out = np.empty(zeta.shape, dtype=complex)
        above, below = zeta < 0.0, zeta > self.thickness
        inside = ~(above | below)
        if inside.any():
            zi = zeta[inside]
            cell = np.clip(np.searchsorted(self._cell_left, zi, side="right") - 1, 0,
                           self._cell_left.size - 1)
            out[inside] = self._eval_in_cells(cell, zi, solution.cell_values, derivative)
        k0, r, t = self.k0, solution.r, solution.t
        nus = self._region_normal_indices()
        z, s = zeta[above], zeta[below] - self.thickness
        kt, kb = k0 * nus[0], k0 * nus[-1]
        up = np.exp(-1j * kt * z)  # wave leaving the stack upwards
        down = np.exp(1j * kb * s)  # wave leaving the stack downwards
        if self.from_substrate_side:
            values_above, d_above = t * up, -1j * kt * t * up
            values_below, d_below = 1.0 / down + r * down, -1j * kb / down + 1j * kb * r * down
        else:
            values_above, d_above = 1.0 / up + r * up, 1j * kt / up - 1j * kt * r * up
            values_below, d_below = t * down, 1j * kb * t * down
        out[above] = d_above if derivative else values_above
        out[below] = d_below if derivative else values_below
        return out

    def field(self, zeta: npt.ArrayLike) -> np.ndarray:
        """Transverse field U(ζ)/U_inc at depths ζ [m] (any shape): E_y/E_inc (s), H_y/H_inc (p).

        Inside the stack the finite-element solution is evaluated (exactly, by Lagrange
        interpolation through each cell's nodes); in the homogeneous media above (ζ < 0) and below
        (ζ > D) the exact plane waves with the computed r and t are returned.

        Args:
            zeta: depth below the stack top [m] (ζ = −z); negative values lie in the top medium.

        Returns:
            complex array of the same shape as ``zeta``.

        Raises:
            ValueError: unpolarized light (no single field).
        """
        return self._field_of(self._single("field"), np.asarray(zeta, dtype=float))

    def electric_field(self, zeta: npt.ArrayLike) -> np.ndarray:
        """(E_x, E_y, E_ζ)/|E_inc| at depths ζ [m], shape ``zeta.shape + (3,)``.

        x in the plane of incidence, ζ into the stack (the frame of the ``tmm`` package for light
        from the top). s: (0, U, 0). p (H_y = U, E = i∇×H/(ωε0ε), |E_inc| = Z0|H_inc|/n_in):
        E_x = −i n_in U'/(k0 ε), E_ζ = −n_in (n_in sin θ) U/ε.
        """
        solution = self._single("electric_field")
        zeta = np.asarray(zeta, dtype=float)
        u = self._field_of(solution, zeta)
        out = np.zeros((*zeta.shape, 3), dtype=complex)
        if solution.polarization == "s":
            out[..., 1] = u
            return out
        eps = self._region_indices()[self._region_of(zeta)] ** 2
        du = self._field_of(solution, zeta, 1)
        out[..., 0] = -1j * self.n_in * du / (self.k0 * eps)
        out[..., 2] = -self.n_in * self.in_plane_index * u / eps
        return out

    def _region_of(self, zeta: np.ndarray) -> np.ndarray:
        """Region index (0 = top medium, 1..L = layers, L+1 = substrate); interfaces go deeper."""
        return np.searchsorted(self._region_bounds(), zeta, side="right")

    def intensity_weight(self, zeta: npt.ArrayLike) -> np.ndarray:
        """|E(ζ)/E_inc|² (dimensionless; all components, mean of s and p when unpolarized), the
        IFE source shape (spec §2)."""
        zeta = np.asarray(zeta, dtype=float)
        region = self._region_of(zeta)
        total = np.zeros(zeta.shape)
        for pol, solution in self._solutions.items():
            du = self._field_of(solution, zeta, 1) if pol == "p" else None
            total += self._intensity(pol, region, self._field_of(solution, zeta), du)
        return total / len(self._solutions)

    def absorbed_power_density(self, zeta: npt.ArrayLike) -> np.ndarray:
        """q(ζ)/S_inc [1/m] = k0 ε''(ζ) |E/E_inc|²/(n_in cos θ) (Poynting form, spec §1.4).

        S_inc is the incident power flux through the sample plane, cos θ × the beam intensity, so
        that ∫ q/S_inc dζ over the stack is A. At an interface the value of the deeper medium is
        returned.
        """
        zeta = np.asarray(zeta, dtype=float)
        eps_im = (self._region_indices() ** 2).imag[self._region_of(zeta)]
        return self.k0 * eps_im * self.intensity_weight(zeta) / self.normal_index_in

    def q_of_z(self, z: npt.ArrayLike) -> np.ndarray:
        """q/S_inc [1/m] at femmag mesh heights z (stack top at z = 0, layers at z < 0; ζ = −z)."""
        return self.absorbed_power_density(-np.asarray(z, dtype=float))

    # ------------------------------------------------------------------ integral outputs
    @property
    def polarizations(self) -> tuple[str, ...]:
        """The polarizations solved: ("s",), ("p",) or ("s", "p") for unpolarized light."""
        return tuple(self._solutions)

    @property
    def r(self) -> complex:
        """Complex amplitude reflection coefficient of U (E_y for s, H_y for p; the ``tmm``
        package's r), referred to the illuminated interface."""
        return self._single("r").r

    @property
    def t(self) -> complex:
        """Complex amplitude transmission coefficient of U into the exit medium (at its top)."""
        return self._single("t").t

    @property
    def R(self) -> float:
        """Reflectance |r|² (mean of s and p when unpolarized)."""
        return float(np.mean([abs(sol.r) ** 2 for sol in self._solutions.values()]))

    @property
    def T(self) -> float:
        """Transmittance Re(η_out)/η_in |t|², η = ν (s) or ν/ε (p): the normal power flux into
        the exit medium (mean of s and p when unpolarized)."""
        return float(np.mean([sol.T for sol in self._solutions.values()]))

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

    def _gauss_intensity(self) -> np.ndarray:
        return np.mean([sol.gauss_intensity for sol in self._solutions.values()], axis=0)

    @property
    def layer_absorption(self) -> np.ndarray:
        """Absorptance of each layer, top to bottom: ∫_layer q/S_inc dζ (sums to A)."""
        eps_im = np.array([lay.permittivity.imag for lay in self.layers])
        return (self.k0 * eps_im / self.normal_index_in) * self._layer_integral(
            self._gauss_intensity()).real

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
    def _kerr_solution(self, what: str) -> _Solution:
        """The normal-incidence s solution the polar Kerr weight is built from.

        At oblique incidence the polar Kerr effect couples s and p (r_ps ∝ ∫ ε_xy E_x^p E_y^s dζ,
        with the E_x of the p solution and the E_y of the s one, and a θ-dependent normalisation
        for θ_K^s and θ_K^p); that mixed weight is not implemented here, because the only exact
        reference at hand (the circular-mode transfer matrix) holds at normal incidence only.
        """
        if self.angle != 0.0:
            raise ValueError(
                f"PlanarOptics.{what}: the Kerr depth weight is implemented at normal incidence "
                f"only (angle = {math.degrees(self.angle):.4g} deg here). At oblique incidence "
                f"polar Kerr mixes the s and p solutions (r_ps ∝ ∫ε_xy E_x^p E_y^s dζ) and needs "
                f"a 4×4 (anisotropic) transfer-matrix reference that femmag does not have yet; "
                f"build the probe optics with angle='0 deg'.")
        if "s" not in self._solutions:
            raise ValueError(f"PlanarOptics.{what}: build the probe optics with "
                             f"polarization='s' (at normal incidence s and p are the same light; "
                             f"the weight is written for the E_y formulation).")
        return self._solutions["s"]

    def kerr_weight(self, zeta: npt.ArrayLike) -> np.ndarray:
        """Complex Kerr depth weight w(ζ) = −i k0 E_0(ζ)²/(2 n_in r_xx) [1/m] (spec §8.3).

        Θ_K = ∫ w(ζ) ε_xy(ζ) dζ to first order in ε_xy (sign convention in the module docstring).
        Normal incidence only (ValueError otherwise, see the module docstring).
        """
        solution = self._kerr_solution("kerr_weight")
        e = self._field_of(solution, np.asarray(zeta, dtype=float))
        return -1j * self.k0 * e**2 / (2.0 * self.n_in * solution.r)

    def kerr_layer_integrals(self, coefficients: Mapping[str, complex] | Sequence[complex]
                             ) -> np.ndarray:
        """Per-layer complex Kerr contributions Θ_j = ∫_layer j w(ζ) ε_xy,j dζ.

        Args:
            coefficients: the off-diagonal permittivity ε_xy of each layer: a sequence (top to
                bottom, one per layer) or a mapping layer name → ε_xy (unlisted layers: 0).
                For magnetization, Voigt: ε_xy = i ε_xx Q m_z.

        Returns:
            complex array, one entry per layer; the sum is the complex Kerr angle θ_K + i ε_K [rad].

        Raises:
            ValueError: unknown layers, a wrong count, or oblique incidence (normal incidence only).
        """
        solution = self._kerr_solution("kerr_layer_integrals")
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
        weight = -1j * self.k0 / (2.0 * self.n_in * solution.r)
        return weight * exy * self._layer_integral(solution.gauss_field**2)

    # ------------------------------------------------------------------ inverse Faraday (§2)
    def mean_intensity_weight(self, layers: Sequence[str] | Sequence[int] | None = None) -> float:
        """⟨|E/E_inc|²⟩ over ``layers`` (names or indices; default all), thickness-weighted."""
        mask = self._layer_mask(layers)
        integral = self._layer_integral(self._gauss_intensity()).real
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
        lines = [f"PlanarOptics: λ = {self.wavelength * 1e9:.1f} nm, pumped from the {side} at "
                 f"{math.degrees(self.angle):.4g} deg, {self.polarization}, "
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


def stack_indices(stack: Any, wavelength: float, library: Any = None
                  ) -> tuple[list[tuple[str, complex, float]], complex, complex]:
    """Optical indices of a femmag ``Stack`` at ``wavelength`` [m] (SI; internal helper).

    A layer's explicit ``refractive_index`` (when the layer has one and it is not None) wins over
    its material's; otherwise the material's ``refractive_index(wavelength_m)`` from ``library``
    (see :meth:`PlanarOptics.from_stack` for what a library may be). The ambient ``None``,
    ``"air"`` or ``"vacuum"`` has n = 1.

    Returns:
        ``([(name, n, thickness_m), ...], n_ambient, n_substrate)``.
    """
    resolve = _material_resolver(library)

    def explicit(layer: Any) -> complex | None:
        value = getattr(layer, "refractive_index", None)
        if value is None:
            return None
        return complex(value(wavelength) if callable(value) else value)

    def index_of(item: Any, what: str) -> complex:
        if item is None or (isinstance(item, str) and item.lower() in ("air", "vacuum")):
            return 1.0 + 0j
        if isinstance(item, int | float | complex | np.number):
            return complex(item)
        if hasattr(item, "material"):  # a Layer-like object: its explicit index, else its material
            given = explicit(item)
            return given if given is not None else index_of(item.material, what)
        if isinstance(item, str):
            item = resolve(item)
        if not callable(getattr(item, "refractive_index", None)):
            raise ValueError(f"optics of the stack: {what}: material {item!r} has no "
                             f"refractive_index(wavelength_m) method; give the layer an explicit "
                             f"refractive_index or pick a material with optical constants.")
        return complex(item.refractive_index(wavelength))

    layers = [(lay.name, index_of(lay, f"layer '{lay.name}'"), float(lay.thickness))
              for lay in stack.layers]
    return (layers, index_of(getattr(stack, "ambient", None), "ambient"),
            index_of(getattr(stack, "substrate", None), "substrate"))


# ====================================================================================== wire-ups
def depth_profile_from_stack(stack: Any, wavelength: Any, library: Any = None, *,
                             method: str = "fem", from_substrate_side: bool = False,
                             angle: Any = "0 deg", polarization: str = "s",
                             **options: Any) -> Callable[[npt.ArrayLike], np.ndarray]:
    """Absorption depth profile ζ ↦ q(ζ)/I_beam [1/m] of a femmag ``Stack`` (spec §1.4).

    The callable plugs into :class:`femmag.physics.optics.module.PulsedAbsorption` as
    ``depth_profile=`` (the heat source then uses the FEM optics instead of its transfer-matrix
    default).

    Fluence convention: I_beam is the pulse intensity on a plane *normal to the beam* (the
    ``Pulse`` fluence is pulse energy per beam area, as a power meter and a beam profiler give
    it). The flux through the sample plane is I_beam cos θ, so the profile returned here is
    cos θ × :meth:`PlanarOptics.absorbed_power_density` and integrates to A(θ) cos θ.

    Args:
        stack: a :class:`femmag.geometry.Stack` (layers, substrate, ambient; a layer's explicit
            ``refractive_index`` wins over its material's).
        wavelength: vacuum wavelength, e.g. ``"800 nm"``.
        library: materials library (``femmag.materials.Library``, a mapping or ``None`` for the
            default library).
        method: ``"fem"`` (:class:`PlanarOptics`, P2 finite elements) or ``"tmm"`` (the
            transfer-matrix reference, :func:`femmag.physics.optics.transfer_matrix.tmm_stack`).
        from_substrate_side: pump through the substrate (backside excitation).
        angle: angle of incidence in the medium the light comes from, e.g. ``"45 deg"``.
        polarization: ``"s"``, ``"p"`` or ``"unpolarized"``.
        **options: passed to :class:`PlanarOptics` (``degree``, ``cells_per_skin_depth``, ...);
            the defaults are those of :class:`PlanarOptics` (one default for every route).

    Returns:
        A vectorised callable: depth ζ = −z [m] (any shape) → q/I_beam [1/m], the value of the
        deeper medium at an interface.

    Raises:
        ValueError: unknown method (the message lists the accepted ones), bad units.
    """
    from femmag.units import to_si

    if method not in ("fem", "tmm"):
        raise ValueError(f"depth_profile_from_stack: method = {method!r}; use 'fem' (finite "
                         f"elements, PlanarOptics) or 'tmm' (transfer matrix).")
    wavelength = to_si(wavelength, "wavelength", "depth_profile_from_stack: wavelength")
    angle = to_si(angle, "angle", "depth_profile_from_stack: angle")
    layers, n_top, n_sub = stack_indices(stack, wavelength, library)
    if method == "fem":
        result: Any = PlanarOptics.from_si(layers, wavelength, n_top, n_sub, angle=angle,
                                           polarization=polarization,
                                           from_substrate_side=from_substrate_side, **options)
    else:
        from femmag.physics.optics.transfer_matrix import tmm_stack_si

        result = tmm_stack_si([n for _, n, _ in layers], [d for _, _, d in layers], wavelength,
                              n_incident=n_top, n_substrate=n_sub,
                              from_substrate=from_substrate_side, angle=angle,
                              polarization=polarization)
    cos_theta = math.cos(angle)

    def profile(zeta: npt.ArrayLike) -> np.ndarray:
        return cos_theta * result.absorbed_power_density(zeta)

    profile.optics = result  # the solved optics (R, T, A, layer_absorption)
    profile.cos_angle = cos_theta
    return profile


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
        # a train's pulses may differ in fluence and helicity: weight h_k F_k/(h_0 F_0)
        helicities = np.atleast_1d(getattr(pulse, "helicities", [base.helicity]))
        self._weights = np.asarray(getattr(pulse, "fluence_weights", np.ones(1)), dtype=float)
        if self.helicity == 0:  # no first-pulse IFE: take the first non-zero helicity's sign
            self.helicity = int(next((h for h in helicities if h != 0), 0))
        self._weights = self._weights * (helicities * self.helicity if self.helicity else 0)

    def temporal(self, t: float) -> float:
        """Envelope g(t): sum over the pulse arrivals of w_k exp(−4 ln2 (t − t_k)²/τ²), w_k the
        k-th pulse's fluence × helicity relative to the first (1 for equal pulses)."""
        return float(sum(w * _ife.temporal_envelope(t, t0, self.base.duration)
                         for t0, w in zip(self._arrivals, self._weights, strict=True)))

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
