r"""Absorbed power density of the pump pulse (planar optics × Gaussian envelope).

.. math::

    q(\mathbf x, t) = \frac{q(\zeta)}{I_{inc}}\; I_{pk}\, e^{-r^2/r_0^2}\,
                      e^{-4\ln 2\,(t-t_0)^2/\tau^2},\qquad \zeta = -z,

(physics-spec §1.4). The depth profile :math:`q(\zeta)/I_{inc}` [1/m] comes from a planar-stack optics
solver: by default the transfer-matrix reference (:mod:`femmag.physics.optics.transfer_matrix`); the FEM
Maxwell solver of :mod:`femmag.physics.optics.planar` plugs in behind the same ``depth_profile`` callable.

Oblique incidence: :math:`I_{pk}` is the beam's peak intensity (the ``Pulse`` fluence is per unit
area normal to the beam), the flux through the film plane is :math:`I_{pk}\cos\theta`, and the depth
profile carries that :math:`\cos\theta` (q/I_inc = cos θ × the optics' q/S_inc, which integrates to
A(θ)). The absorbed energy per film area at the beam centre is thus F A(θ) cos θ. The lateral spot
stays round with the pulse's diameter (r-z and 1D meshes cannot hold the 1/cos θ ellipse; see
:mod:`femmag.physics.optics.planar`).

The depth profile is stored *at the quadrature points* of the heat forms (a quadrature-element
function), so it is exact where the heat equation integrates it: no interpolation across the
discontinuities of q at layer interfaces, and the absorbed energy per layer equals the optics'
per-layer absorption up to the quadrature error of a smooth function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import basix
import basix.ufl
import ufl
from dolfinx import fem

from femmag.geometry.domain import HEAT_QUADRATURE_DEGREE
from femmag.physics.base import PhysicsModule

FOUR_LN2 = 4.0 * np.log(2.0)


def stack_optics(stack: Any, wavelength: float, library: Any, *, angle: float = 0.0,
                 polarization: str = "s", from_substrate: bool = False):
    """Transfer-matrix solution of a :class:`~femmag.geometry.stack.Stack` at one wavelength.

    SI arguments (internal callers hold the pulse's SI wavelength): ``wavelength`` [m], ``angle``
    [rad]. A layer's explicit ``refractive_index`` wins over its material's.
    """
    from femmag.physics.optics.planar import stack_indices
    from femmag.physics.optics.transfer_matrix import tmm_stack_si

    layers, n_inc, n_sub = stack_indices(stack, wavelength, library)
    return tmm_stack_si([n for _, n, _ in layers], [d for _, _, d in layers], wavelength,
                        n_incident=n_inc, n_substrate=n_sub, from_substrate=from_substrate,
                        angle=angle, polarization=polarization)


def pulse_envelope_ufl(pulse: Any, t: Any):
    """Temporal envelope exp(-4 ln2 (t-t0)²/τ²) of a Pulse (or the sum over a PulseTrain) in UFL."""
    if hasattr(pulse, "arrivals"):  # each pulse weighted by its fluence relative to the first
        base = pulse.pulse
        weights = getattr(pulse, "fluence_weights", np.ones(len(pulse.arrivals)))
        return sum(float(w) * ufl.exp(-FOUR_LN2 * ((t - t0) / base.duration) ** 2)
                   for t0, w in zip(pulse.arrivals, weights, strict=True) if w != 0.0)
    return ufl.exp(-FOUR_LN2 * ((t - pulse.arrival) / pulse.duration) ** 2)


def pulse_envelope(pulse: Any, t: float) -> float:
    """The numpy twin of :func:`pulse_envelope_ufl` (a float at time ``t`` [s])."""
    if hasattr(pulse, "arrivals"):
        arrivals = np.asarray(pulse.arrivals, dtype=float)
        weights = getattr(pulse, "fluence_weights", np.ones(len(arrivals)))
        return float(np.sum(weights * np.exp(-FOUR_LN2 * ((t - arrivals)
                                                          / pulse.pulse.duration) ** 2)))
    return float(np.exp(-FOUR_LN2 * ((t - pulse.arrival) / pulse.duration) ** 2))


def lateral_ufl(pulse: Any, x: Any, kind: str):
    """Lateral envelope exp(-r²/r0²) in UFL (1 on a 1D mesh: the beam centre; on an "xz"
    cross-section exp(-x²/r0²), the paraxial line focus)."""
    base = getattr(pulse, "pulse", pulse)
    if kind == "1d":
        return 1.0
    r2 = x[0] ** 2 if kind in ("rz", "xz") else x[0] ** 2 + x[1] ** 2
    return ufl.exp(-r2 / base.radius**2)


class PulsedAbsorption(PhysicsModule):
    """Writes ``absorbed_power_density`` for the heat module.

    Args:
        domain: the simulation domain (needs ``stack`` unless ``depth_profile`` is given).
        pulse: :class:`femmag.pulse.Pulse` or :class:`femmag.pulse.PulseTrain`.
        library: materials library (refractive indices).
        depth_profile: optional callable ζ [m] → q/I_inc [1/m] replacing the transfer matrix
            (e.g. :func:`femmag.physics.optics.planar.depth_profile_from_stack`, which takes the
            angle and polarization itself); I_inc is the beam intensity, normal to the beam.
        angle: angle of incidence of the default transfer-matrix route, e.g. ``"45 deg"``.
        polarization: ``"s"``, ``"p"`` or ``"unpolarized"`` (default route).
    """

    name = "optics"
    reads: tuple[str, ...] = ()
    writes = ("absorbed_power_density",)
    checkpointable = True  # q is an explicit function of time: no state

    def __init__(self, domain: Any, pulse: Any, library: Any = None, *,
                 depth_profile: Callable[[np.ndarray], np.ndarray] | None = None,
                 angle: Any = "0 deg", polarization: str = "s") -> None:
        from femmag.units import to_si

        if library is None:
            from femmag.materials import Library

            library = Library.default()
        self.domain = domain
        self.pulse = pulse
        self.library = library
        base = getattr(pulse, "pulse", pulse)
        self.angle = to_si(angle, "angle", "PulsedAbsorption.angle")
        self.polarization = polarization
        if depth_profile is not None and (self.angle != 0.0 or polarization != "s"):
            raise ValueError("PulsedAbsorption: give angle/polarization either here (default "
                             "transfer-matrix route) or to the depth profile "
                             "(depth_profile_from_stack(..., angle=..., polarization=...)), "
                             "not with a depth_profile.")
        self.optics = getattr(depth_profile, "optics", None)
        self.cos_angle = float(getattr(depth_profile, "cos_angle", 1.0))
        if depth_profile is None:
            self.optics = stack_optics(domain.stack, base.wavelength, library, angle=self.angle,
                                       polarization=polarization)
            self.cos_angle = float(np.cos(self.angle))
            optics, cos_angle = self.optics, self.cos_angle

            def depth_profile(zeta: np.ndarray) -> np.ndarray:
                # per beam intensity: the film-plane flux is cos θ × I_beam
                return cos_angle * optics.absorbed_power_density(zeta)
        self.depth_profile = depth_profile

    def setup(self, fields: Any) -> None:
        mesh = self.domain.mesh
        cell = mesh.basix_cell()
        deg = HEAT_QUADRATURE_DEGREE
        Q = fem.functionspace(mesh, basix.ufl.quadrature_element(cell.name, degree=deg,
                                                                 scheme="default"))
        self.depth_weight = fem.Function(Q, name="absorption_depth_profile")  # q/I_inc [1/m]
        points, _ = basix.make_quadrature(cell, deg)
        num_cells = mesh.topology.index_map(mesh.topology.dim).size_local + \
            mesh.topology.index_map(mesh.topology.dim).num_ghosts
        cells = np.arange(num_cells, dtype=np.int32)
        xq = fem.Expression(ufl.SpatialCoordinate(mesh), points).eval(mesh, cells)
        xq = xq.reshape(num_cells, len(points), -1)
        z = xq[:, :, self.domain.z_index]
        values = np.where(z <= 0.0, self.depth_profile(np.clip(-z, 0.0, None)), 0.0)
        # only the stack layers absorb in this planar model (substrate/air: transparent here)
        layer_cells = np.zeros(num_cells, dtype=bool)
        for layer in self.domain.stack.layers:
            layer_cells[self.domain.cells(layer.name)] = True
        values[~layer_cells] = 0.0
        dofs = Q.dofmap.list[cells]
        self.depth_weight.x.array[dofs.ravel()] = values.ravel()
        self.peak_intensity = getattr(self.pulse, "pulse", self.pulse).peak_intensity
        if fields is not None:
            fields.declare("absorbed_power_density", "W/m^3",
                           "pump power absorbed per volume q(x, t)", self.name, self)

    def ufl(self, x: Any, t: Any, region: str | None = None):
        """q(x, t) [W/m³] as a UFL expression (``t`` a UFL constant)."""
        return self.spatial_ufl(x) * pulse_envelope_ufl(self.pulse, t)

    # q = q̂(x) f(t) is separable: the heat module integrates q̂ once and multiplies by f(t)
    # for its absorbed-energy bookkeeping instead of assembling ∫q at every step.
    def spatial_ufl(self, x: Any):
        """The time-independent factor q̂(x) = q(x, t)/f(t) [W/m³] (UFL)."""
        return (self.depth_weight * self.peak_intensity
                * lateral_ufl(self.pulse, x, self.domain.kind))

    def envelope(self, t: float) -> float:
        """The temporal factor f(t) (peak 1 per pulse) of q = q̂(x) f(t)."""
        return pulse_envelope(self.pulse, t)

    def absorptance(self) -> float:
        """Fraction A(θ) of the incident light absorbed in the stack (the energy absorbed per film
        area at the beam centre is F A cos θ); NaN for a depth profile without its optics."""
        return float(np.sum(self.optics.layer_absorption)) if self.optics is not None else np.nan

    def step(self, t: float, dt: float) -> None:
        """Nothing to do: q is an explicit function of time evaluated inside the heat forms."""

    def commit(self) -> None:
        """Nothing to commit: q is an explicit function of time."""

    def reject(self) -> None:
        """Nothing to undo."""

    def summary(self) -> str:
        A = self.absorptance()
        angle = "" if self.cos_angle == 1.0 else \
            f" at {np.degrees(np.arccos(self.cos_angle)):.4g} deg (x cos θ = {self.cos_angle:.4f})"
        return f"optics: planar, absorptance A = {A:.4f}{angle}, pulse {self.pulse!r}"
