r"""Absorbed power density of a line focus on a laterally structured film (2D optics → heat).

.. math::

    q(x, z, t) = \hat q(x, z)\; I_{pk}\; \sum_k e^{-4\ln 2\,(t-t_k)^2/\tau^2},

with :math:`\hat q = q/I_0` [1/m] the absorbed power density per unit peak intensity of the 2D
(x, ζ = −z) harmonic-Maxwell solution of the patterned stack under a Gaussian line focus
(:class:`~femmag.physics.optics.patterned.PatternedFilmOptics2D`: TE or TM, edge or stripe, the beam's
lateral profile included), and :math:`I_{pk}` the peak intensity of the :class:`~femmag.pulse.Pulse`
(or of each pulse of a :class:`~femmag.pulse.PulseTrain`). The consistent heat problem is 2D
Cartesian (x, z) per unit length along y: a Domain of kind ``"xz"``
(:func:`femmag.geometry.patterned.build_patterned`).

Beam. The pulse's 1/e-*intensity* radius r0 (``Pulse.radius``) and the optics' 1/e-*field* waist
w0 describe the same line focus when w0 = √2 r0 (intensity exp(−x²/r0²) = exp(−2x²/w0²)); the
wavelength is the pulse's. A ready optics object is checked against both.

Quadrature. :math:`\hat q` is evaluated once, at the quadrature points of the heat forms (degree
:data:`~femmag.geometry.domain.HEAT_QUADRATURE_DEGREE`), and stored in a quadrature-element function
(like :class:`~femmag.physics.optics.module.PulsedAbsorption`), so that the layer interfaces and the
pattern edges, which are mesh lines of both meshes, are never smeared. The optics' point
evaluation is collective: every rank evaluates the points of all ranks (gathered), then keeps its
own.

Energy. Each absorbing layer's :math:`\int\hat q\,dx\,dz` on the heat mesh differs from the optics'
own integral (on its own mesh) by the quadrature error of the transfer (measured 1e-5 to 1e-4).
When the heat mesh spans exactly the optics' window (both built from one
:class:`~femmag.geometry.patterned.LateralPattern`), :math:`\hat q` is rescaled per layer by that
ratio (``normalize=True``), so that the heat solver receives exactly the optics' absorbed power per
unit length; :attr:`PatternedAbsorption.transfer_mismatch` reports the ratio − 1 before rescaling.

Grating. A periodic grating (``LateralPattern("grating", ...)``) is solved by the optics on one
symmetric half period under a normally incident *plane wave* (q̂_p(x, z), periodic and even about
the line and gap centres). A line focus much wider than the period sees the local plane-wave
response, so the heat source is q̂(x, z) = q̂_p(x, z) exp(−x²/r0²) (the pulse's Gaussian intensity
profile, r0 its 1/e-intensity radius; valid for r0 ≫ p, λ: the corrections are of second order
in the beam divergence λ/(π r0), larger near a Rayleigh anomaly p ≈ mλ/n, and neglected), mapped
periodically onto the heat mesh. Decision: the heat mesh must consist of whole half periods, i.e.
its edges ±L must lie on symmetry planes (line or gap centres, (±L − c)/(p/2) integer); then the
per-layer rescaling compares ∫q̂_p over the mesh with (2L/(p/2)) × the optics' half-period
integral, and an insulating outer boundary is exact by symmetry for a beam wider than the window.
Other windows raise :class:`PatternedAbsorptionError`.
"""

from __future__ import annotations

import math
from typing import Any

from mpi4py import MPI

import basix
import basix.ufl
import numpy as np
import ufl
from dolfinx import fem

from femmag.physics.optics.module import pulse_envelope_ufl
from femmag.geometry.domain import HEAT_QUADRATURE_DEGREE
from femmag.physics.base import PhysicsModule

__all__ = ["PatternedAbsorption", "PatternedAbsorptionError"]


class PatternedAbsorptionError(ValueError):
    """The mesh, the pulse and the 2D optics do not describe the same patterned problem."""


class PatternedAbsorption(PhysicsModule):
    """Writes ``absorbed_power_density`` from a 2D patterned-film optics solution.

    Args:
        domain: Domain of kind ``"xz"`` with the stack (and, to build the optics here, the
            ``pattern`` attribute that :func:`~femmag.geometry.patterned.build_patterned` sets).
        pulse: :class:`~femmag.pulse.Pulse` or :class:`~femmag.pulse.PulseTrain`; its wavelength
            and radius fix the optics' wavelength and beam waist (w0 = √2 r0).
        library: materials library (refractive indices), default the packaged one.
        optics: a solved :class:`~femmag.physics.optics.patterned.PatternedFilmOptics2D` (checked against
            the pulse and the mesh), or a dict of options for
            :func:`~femmag.physics.optics.patterned.patterned_optics` (``polarization``,
            ``cells_per_wavelength``, ...), or None (TE, default options).
        normalize: rescale q̂ per layer to the optics' absorbed power when the windows coincide.
        beam_tolerance: largest fraction of the beam power allowed outside the modelled window.

    Attributes:
        optics: the 2D optics; weight: q̂ at the heat quadrature points [1/m];
        peak_intensity [W/m²]; transfer_mismatch: per layer, (∫q̂ on the heat mesh)/(optics) − 1
        before rescaling; absorbed_power_per_length: Σ∫q̂ dx dz after rescaling [m] (× I_pk → W/m).

    Raises:
        PatternedAbsorptionError: a Domain of another kind, no layer region of the optics in the
            mesh, a wavelength or beam that differs from the pulse's, a mesh wider than the optics
            window, a beam wider than the modelled window, a grating mesh whose edges are not
            symmetry planes of the grating (line or gap centres).
    """

    name = "optics"
    reads: tuple[str, ...] = ()
    writes = ("absorbed_power_density",)
    checkpointable = True  # q is an explicit function of time: no state

    def __init__(self, domain: Any, pulse: Any, library: Any = None, optics: Any = None, *,
                 normalize: bool = True, beam_tolerance: float = 1e-4) -> None:
        if library is None:
            from femmag.materials import Library

            library = Library.default()
        kind = getattr(domain, "kind", None)
        if kind != "xz":
            raise PatternedAbsorptionError(
                f"PatternedAbsorption needs a 2D Cartesian x-z Domain (kind 'xz', built by "
                f"femmag.geometry.patterned.build_patterned); got kind {kind!r}. A line focus on a "
                f"patterned film is a problem per unit length along y, not an axisymmetric one.")
        if domain.stack is None:
            raise PatternedAbsorptionError("PatternedAbsorption: the Domain has no stack; build it "
                                           "with build_patterned(stack, pattern)")
        self.domain, self.pulse, self.library = domain, pulse, library
        self.normalize = bool(normalize)
        base = getattr(pulse, "pulse", pulse)
        self._base = base
        self.peak_intensity = base.peak_intensity
        w0_pulse = math.sqrt(2.0) * base.radius
        if optics is None or isinstance(optics, dict):
            pattern = getattr(domain, "pattern", None)
            if pattern is None:
                raise PatternedAbsorptionError(
                    "PatternedAbsorption: the Domain carries no LateralPattern to build the optics "
                    "from; build the mesh with build_patterned(stack, pattern) or pass a solved "
                    "PatternedFilmOptics2D as optics=")
            from femmag.physics.optics.patterned import _lengths_to_si, _patterned_optics_si

            # the user's options carry units (lengths); the pulse's values are SI already
            options = _lengths_to_si(dict(optics or {}), "PatternedAbsorption optics")
            self._check_beam(w0_pulse, pattern.half_width, beam_tolerance)
            grating = pattern.kind == "grating"
            optics = _patterned_optics_si(domain.stack, pattern, base.wavelength, library=library,
                                          beam_waist=None if grating else w0_pulse,
                                          comm=domain.mesh.comm, **options)
        self.optics = optics
        self._check_optics(w0_pulse, beam_tolerance)

    # -- consistency checks ----------------------------------------------------------------------
    def _mesh_extent(self) -> tuple[float, float]:
        x = self.domain.mesh.geometry.x[:, 0]
        comm = self.domain.mesh.comm
        return (comm.allreduce(float(x.min()) if x.size else np.inf, op=MPI.MIN),
                comm.allreduce(float(x.max()) if x.size else -np.inf, op=MPI.MAX))

    def _check_beam(self, w0: float, half_width: float, tolerance: float) -> None:
        # Gaussian intensity exp(−2x²/w0²): the fraction of its power outside |x| < L
        outside = math.erfc(math.sqrt(2.0) * half_width / w0)
        if outside > tolerance:
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the beam (1/e-intensity radius r0 = "
                f"{w0 / math.sqrt(2) * 1e6:.4g} µm, waist w0 = {w0 * 1e6:.4g} µm) is wider than "
                f"the modelled window |x| < {half_width * 1e6:.4g} µm: {outside:.2e} of its power falls outside "
                f"(tolerance {tolerance:g}); use half_width ≥ {2 * w0 * 1e6:.3g} µm (2 w0) or a "
                f"narrower beam.")

    def _check_optics(self, w0_pulse: float, tolerance: float) -> None:
        optics, base = self.optics, self._base
        for attr in ("q_of_xz", "layer_absorption", "layers", "half_width"):
            if not hasattr(optics, attr):
                raise PatternedAbsorptionError(
                    f"PatternedAbsorption: optics must be a PatternedFilmOptics2D (or options for "
                    f"it), got {type(optics).__name__} without '{attr}'")
        if abs(optics.wavelength / base.wavelength - 1) > 1e-9:
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the optics was solved at λ = {optics.wavelength * 1e9:.4g} "
                f"nm but the pulse has λ = {base.wavelength * 1e9:.4g} nm")
        w0 = optics.beam_waist
        if w0 is not None and abs(w0 / w0_pulse - 1) > 1e-6:
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the optics' beam waist w0 = {w0 * 1e6:.5g} µm does not "
                f"match the pulse (1/e-intensity radius r0 = {base.radius * 1e6:.5g} µm → w0 = "
                f"√2 r0 = {w0_pulse * 1e6:.5g} µm); build the optics with beam_waist = "
                f"√2 · pulse.radius")
        regions = self.domain.regions
        names = [layer.name for layer in optics.layers]
        missing = [n for n in names if n not in regions]
        if missing:
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the mesh has no region for the optics layer(s) {missing} "
                f"(mesh regions: {sorted(regions)}); build mesh and optics from the same stack "
                f"and LateralPattern")
        if self.domain.stack.names != names:
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the optics layers {names} differ from the stack layers "
                f"{self.domain.stack.names}")
        xmin, xmax = self._mesh_extent()
        self.grating = getattr(optics, "pattern", None) == "grating"
        if self.grating:
            self._check_grating_window(xmin, xmax)
            self._check_beam(w0_pulse, min(-xmin, xmax), tolerance)
            return
        L = optics.half_width
        if xmin < -L * (1 + 1e-9) or xmax > L * (1 + 1e-9):
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the mesh spans x in [{xmin * 1e6:.4g}, {xmax * 1e6:.4g}] "
                f"µm, beyond the optics' physical window |x| < {L * 1e6:.4g} µm (q is unknown "
                f"there); build both from one LateralPattern")
        self.same_window = abs(xmin + L) <= 1e-9 * L and abs(xmax - L) <= 1e-9 * L
        if w0 is not None:
            self._check_beam(w0, min(-xmin, xmax), tolerance)

    def _check_grating_window(self, xmin: float, xmax: float) -> None:
        half = 0.5 * self.optics.period
        centre = self.optics.stripe[0]
        counts = [(edge - centre) / half for edge in (xmin, xmax)]
        if any(abs(c - round(c)) > 1e-6 for c in counts):
            raise PatternedAbsorptionError(
                f"PatternedAbsorption: the grating (period {2 * half * 1e6:.4g} µm, a line centred "
                f"at {centre * 1e6:.4g} µm) is mapped periodically onto the heat mesh, whose edges "
                f"x = {xmin * 1e6:.4g}, {xmax * 1e6:.4g} µm must lie on symmetry planes (line or "
                f"gap centres: centre + k·period/2); choose half_width (and stripe_centre) so "
                f"that ±half_width − stripe_centre are multiples of period/2")
        self.half_periods = round(counts[1] - counts[0])
        self.same_window = True

    # -- module interface ------------------------------------------------------------------------
    def _quadrature_points(self) -> tuple[fem.FunctionSpace, np.ndarray, np.ndarray]:
        mesh = self.domain.mesh
        cell = mesh.basix_cell()
        Q = fem.functionspace(mesh, basix.ufl.quadrature_element(
            cell.name, degree=HEAT_QUADRATURE_DEGREE, scheme="default"))
        points, _ = basix.make_quadrature(cell, HEAT_QUADRATURE_DEGREE)
        layer_cells = np.unique(np.concatenate(
            [self.domain.cells(layer.name) for layer in self.domain.stack.layers]))
        layer_cells = layer_cells.astype(np.int32)
        expression = fem.Expression(ufl.SpatialCoordinate(mesh), points)  # collective (JIT)
        if layer_cells.size == 0:  # a rank may hold no film cell
            return Q, layer_cells, np.zeros((0, len(points), mesh.geometry.dim))
        xq = expression.eval(mesh, layer_cells)
        return Q, layer_cells, np.asarray(xq).reshape(len(layer_cells), len(points), -1)

    def setup(self, fields: Any) -> None:
        """Evaluate q̂ at the heat quadrature points (collective); declare the field."""
        mesh = self.domain.mesh
        comm = mesh.comm
        Q, cells, xq = self._quadrature_points()
        x, z = xq[..., 0].ravel(), xq[..., 1].ravel()
        # the optics' point evaluation is collective on identical point lists: gather, evaluate
        counts = comm.allgather(x.size)
        offset = int(np.sum(counts[: comm.rank]))
        all_x, all_z = np.concatenate(comm.allgather(x)), np.concatenate(comm.allgather(z))
        q_all = self.optics.q_of_xz(all_x, all_z) if all_x.size else np.zeros(0)
        values = np.asarray(q_all[offset: offset + x.size], dtype=float)
        self.weight = fem.Function(Q, name="absorption_weight")  # q/I0 [1/m]
        nq = xq.shape[1]
        dofs = Q.dofmap.list[cells]
        self.weight.x.array[dofs.ravel()] = values.reshape(len(cells), nq).ravel()

        # per-layer transfer check against the optics' own integrals (and rescaling)
        names = [layer.name for layer in self.domain.stack.layers]
        heat_integrals = np.array([self._integral(name) for name in names])
        optics_integrals = np.asarray(self.optics.layer_absorption, dtype=float)
        if self.grating:  # the optics integrates one half period; the mesh holds half_periods
            optics_integrals = optics_integrals * self.half_periods
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(optics_integrals > 0, heat_integrals / optics_integrals, 1.0)
        self.transfer_mismatch = ratio - 1.0
        self.rescaled = self.normalize and self.same_window
        if self.rescaled:
            for name, r in zip(names, ratio, strict=True):
                if r > 0:
                    layer_dofs = Q.dofmap.list[self.domain.cells(name)].ravel()
                    self.weight.x.array[layer_dofs] /= r
        if self.grating:  # the beam's Gaussian intensity profile over the periodic response
            envelope = np.exp(-(x / self._base.radius) ** 2)
            self.weight.x.array[dofs.ravel()] *= envelope
        self.absorbed_power_per_length = float(sum(self._integral(n) for n in names))
        if fields is not None:
            fields.declare("absorbed_power_density", "W/m^3",
                           "pump power absorbed per volume q(x, z, t) (2D patterned optics)",
                           self.name, self)

    def _integral(self, region: str) -> float:
        """∫ q̂ dx dz over a region with the heat forms' quadrature [m] (all ranks)."""
        dx = ufl.Measure("dx", domain=self.domain.mesh, subdomain_data=self.domain.cell_tags,
                         subdomain_id=self.domain.regions[region],
                         metadata={"quadrature_degree": HEAT_QUADRATURE_DEGREE,
                                   "quadrature_rule": "default"})
        local = fem.assemble_scalar(fem.form(self.weight * dx))
        return float(self.domain.mesh.comm.allreduce(local, op=MPI.SUM))

    def ufl(self, x: Any, t: Any, region: str | None = None) -> Any:
        """q(x, z, t) [W/m³] as a UFL expression (``t`` a UFL constant)."""
        return self.weight * self.peak_intensity * pulse_envelope_ufl(self.pulse, t)

    def absorptance(self) -> float:
        """Fraction of the incident beam power absorbed in the window (the 2D optics' A)."""
        return float(self.optics.A)

    def expected_absorbed_energy(self, t_start: float = -math.inf, t_end: float = math.inf
                                 ) -> float:
        """Energy per unit y-length deposited in [t_start, t_end] [J/m]: Σ∫q̂ · I_pk · ∫envelope dt.

        Args:
            t_start, t_end: time window [s] (default: the whole pulse or train).
        """
        base = self._base
        a = math.sqrt(4 * math.log(2)) / base.duration
        arrivals = getattr(self.pulse, "arrivals", [base.arrival])
        envelope_integral = sum(0.5 * math.sqrt(math.pi) / a
                                * (math.erf(a * (t_end - t0)) - math.erf(a * (t_start - t0)))
                                for t0 in arrivals)
        return self.absorbed_power_per_length * self.peak_intensity * envelope_integral

    def step(self, t: float, dt: float) -> None:
        """Nothing to do: q is an explicit function of time evaluated inside the heat forms."""

    def commit(self) -> None:
        """Nothing to commit: q is an explicit function of time."""

    def reject(self) -> None:
        """Nothing to undo."""

    def summary(self) -> str:
        mismatch = ", ".join(f"{m:+.1e}" for m in getattr(self, "transfer_mismatch", []))
        rescaled = " (rescaled)" if getattr(self, "rescaled", False) else ""
        return (f"optics: 2D patterned film ({self.optics.pattern}, {self.optics.polarization}), "
                f"A = {self.absorptance():.4f} of the beam, transfer to the heat quadrature "
                f"{mismatch or 'not set up'}{rescaled}, pulse {self.pulse!r}")
