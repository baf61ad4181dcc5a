r"""Absorbed power density of the pump pulse (planar optics × Gaussian envelope).

.. math::

    q(\mathbf x, t) = \frac{q(\zeta)}{I_{inc}}\; I_{pk}\, e^{-r^2/r_0^2}\,
                      e^{-4\ln 2\,(t-t_0)^2/\tau^2},\qquad \zeta = -z,

(physics-spec §1.4). The depth profile :math:`q(\zeta)/I_{inc}` [1/m] comes from a planar-stack optics
solver: by default the transfer-matrix reference (:mod:`femmag.physics.optics.transfer_matrix`); the FEM
Maxwell solver of :mod:`femmag.physics.optics.planar` plugs in behind the same ``depth_profile`` callable.

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


def stack_optics(stack: Any, wavelength: float, library: Any):
    """Transfer-matrix solution of a :class:`~femmag.geometry.stack.Stack` at one wavelength."""
    from femmag.physics.optics.transfer_matrix import tmm_stack

    n_layers = [library.get(layer.material).refractive_index(wavelength) for layer in stack.layers]
    d_layers = [layer.thickness for layer in stack.layers]
    n_sub = library.get(stack.substrate.material).refractive_index(wavelength)
    n_inc = library.get(stack.ambient).refractive_index(wavelength) if stack.ambient else 1.0
    return tmm_stack(n_layers, d_layers, wavelength, n_incident=n_inc, n_substrate=n_sub)


def pulse_envelope_ufl(pulse: Any, t: Any):
    """Temporal envelope exp(-4 ln2 (t-t0)²/τ²) of a Pulse (or the sum over a PulseTrain) in UFL."""
    if hasattr(pulse, "arrivals"):
        base = pulse.pulse
        return sum(ufl.exp(-FOUR_LN2 * ((t - t0) / base.duration) ** 2) for t0 in pulse.arrivals)
    return ufl.exp(-FOUR_LN2 * ((t - pulse.arrival) / pulse.duration) ** 2)


def pulse_envelope(pulse: Any, t: float) -> float:
    """The numpy twin of :func:`pulse_envelope_ufl` (a float at time ``t`` [s])."""
    if hasattr(pulse, "arrivals"):
        arrivals = np.asarray(pulse.arrivals, dtype=float)
        return float(np.sum(np.exp(-FOUR_LN2 * ((t - arrivals) / pulse.pulse.duration) ** 2)))
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
        depth_profile: optional callable ζ [m] → q/I_inc [1/m] replacing the transfer matrix.
    """

    name = "optics"
    reads: tuple[str, ...] = ()
    writes = ("absorbed_power_density",)
    checkpointable = True  # q is an explicit function of time: no state

    def __init__(self, domain: Any, pulse: Any, library: Any = None, *,
                 depth_profile: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        if library is None:
            from femmag.materials import Library

            library = Library.default()
        self.domain = domain
        self.pulse = pulse
        self.library = library
        base = getattr(pulse, "pulse", pulse)
        self.optics = None
        if depth_profile is None:
            self.optics = stack_optics(domain.stack, base.wavelength, library)
            depth_profile = self.optics.absorbed_power_density
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
        """Fraction of the incident light absorbed in the stack (transfer matrix)."""
        return float(np.sum(self.optics.layer_absorption)) if self.optics is not None else np.nan

    def step(self, t: float, dt: float) -> None:
        """Nothing to do: q is an explicit function of time evaluated inside the heat forms."""

    def commit(self) -> None:
        """Nothing to commit: q is an explicit function of time."""

    def reject(self) -> None:
        """Nothing to undo."""

    def summary(self) -> str:
        A = self.absorptance()
        return f"optics: planar transfer matrix, absorptance A = {A:.4f}, pulse {self.pulse!r}"
