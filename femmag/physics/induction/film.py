"""What the r-z and 3D film-induction physics modules share.

:class:`FilmInductionModule` picks the conducting magnetic layer and its conductivity, converts
the inverse-Faraday coefficient into the peak impressed field, declares the fields (the
``induced_field`` provider and, with Joule heating, ``joule_power_density``), reads the
magnetization, adds the ``induced_field_centre`` trace column and keeps the Joule-energy
bookkeeping. A subclass builds its solver in :meth:`setup` and supplies the field at the
magnetization points.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any

import numpy as np

from femmag.physics.base import PhysicsModule
from femmag.units import MJ_PER_CM2, to_si

if TYPE_CHECKING:
    from femmag.fields import FieldRegistry, QuadratureField

__all__ = ["FilmInductionModule"]


class FilmInductionModule(PhysicsModule):
    """Base of the modules that compute the induced field of the pump on a magnetic layer.

    Args:
        domain: the simulation domain (its stack gives the film thickness and material).
        pulse: the pump :class:`~femmag.pulse.Pulse` (helicity, fluence, radius, duration,
            arrival).
        library: materials library (``electrical_conductivity`` of the film material).
        ife_coefficient: κ_IFE, e.g. ``"1 T/(mJ/cm^2)"`` (seed 003); ``"0 T/(mJ/cm^2)"`` for none.
        conductivity: film conductivity (default: the material's ``electrical_conductivity``).
        magnetization_source: include the film magnetization as a source of the field.
        joule_heating: feed the eddy-current Joule power σ|E|² back to the heat module
            (``joule_power_density``, DG0 on the heat mesh, lagged one step).
        layer: which magnetic layer (default: the first one of the stack).

    Attributes:
        solver: the induction solver (after :meth:`setup`).
        joule_energy_delivered: Joule energy handed to the heat module so far [J].
    """

    name = "induction"
    reads = ("magnetization",)
    writes = ("induced_field", "joule_power_density")
    checkpointable = True
    #: the registry's description of ``induced_field``
    induced_field_description = "B at the film: IFE + eddy currents (+ M variations)"

    def __init__(self, domain: Any, pulse: Any, library: Any = None, *,
                 ife_coefficient: Any = "1 T/(mJ/cm^2)", conductivity: Any = None,
                 magnetization_source: bool = False, joule_heating: bool = False,
                 layer: str | None = None) -> None:
        if library is None:
            from femmag.materials import Library

            library = Library.default()
        who = type(self).__name__
        self.domain = domain
        self.pulse = pulse
        self.kappa = to_si(ife_coefficient, "ife_coefficient", "ife_coefficient")
        magnetic = [r for r in domain.layer_regions()
                    if library.get(domain.material_of(r)).has("curie_temperature")]
        if not magnetic:
            raise ValueError(f"{who}: the stack has no magnetic layer")
        self.layer = layer or magnetic[0]
        if self.layer not in domain.layer_regions():
            raise ValueError(f"{who}: layer '{self.layer}' is not a layer of the stack; choose "
                             f"one of {domain.layer_regions()}")
        mat = library.get(domain.material_of(self.layer))
        if conductivity is None:
            if not mat.has("electrical_conductivity"):
                raise ValueError(f"{who}: material '{mat.name}' has no electrical_conductivity; "
                                 f"add it or pass conductivity=")
            self.conductivity = mat.prop("electrical_conductivity").value
        else:
            self.conductivity = to_si(conductivity, "conductivity", "conductivity")
        self.thickness = domain.stack[self.layer].thickness
        self.peak_field = pulse.helicity * self.kappa * pulse.fluence
        self.magnetization_source = magnetization_source
        self.joule_heating = joule_heating
        self.joule_power_density = None
        self.joule_energy_delivered = 0.0
        self._trial_joule = 0.0
        self._magnetization: QuadratureField | None = None
        if joule_heating:
            from dolfinx import fem

            # σE² per cell of the layer on the heat mesh (DG0, W/m³); zero elsewhere
            self.joule_power_density = fem.Function(
                fem.functionspace(domain.mesh, ("DG", 0)), name="joule_power_density")

    # --- fields ------------------------------------------------------------------------------
    def declare(self, fields: FieldRegistry) -> None:
        """The induced-field provider (read by the magnetization at its setup) and the Joule
        power density (read by the heat module at its setup)."""
        if self.joule_power_density is not None:
            fields.declare("joule_power_density", "W/m^3",
                           "eddy-current Joule heating σ|E|² in the film (lagged one step)",
                           self.name, self.joule_power_density)
        fields.declare("induced_field", "T", f"{self.induced_field_description}; a field "
                       f"provider (points, t) -> B", self.name, self, provider=True)

    def _read_magnetization(self, fields: FieldRegistry) -> QuadratureField | None:
        """The magnetization's quadrature state, if a module writes it."""
        if "magnetization" not in fields:
            return None
        fields.read("magnetization", self.name)
        return fields["magnetization"]

    def add_traces(self, traces: Any) -> None:
        traces.add("induced_field_centre", "T", self.centre_field)

    # --- what a subclass provides -----------------------------------------------------------
    @abstractmethod
    def __call__(self, points: np.ndarray, t: float) -> np.ndarray:
        """Field provider: B (n, 3) [T] at the magnetization points (committed state)."""

    @abstractmethod
    def centre_field(self) -> float:
        """B_z at the beam centre on the film [T] (committed state)."""

    @abstractmethod
    def _update_field(self) -> None:
        """Refresh the film field (and Joule density) from the committed solver state."""

    @abstractmethod
    def _joule_energy_of_step(self, dt: float) -> float:
        """Joule energy the heat module receives over a step of ``dt`` (lagged density) [J],
        the same on every rank (collective)."""

    @abstractmethod
    def _set_magnetization(self) -> None:
        """Pass the trial magnetization to the solver as its source."""

    def _summary_tail(self) -> str:
        return ""

    # --- stepping ----------------------------------------------------------------------------
    def step(self, t: float, dt: float) -> None:
        self._trial_joule = 0.0
        if self.joule_power_density is not None:
            self._trial_joule = self._joule_energy_of_step(dt)
        if self.magnetization_source and self._magnetization is not None:
            self._set_magnetization()
        self.solver.step(t, dt)

    def commit(self) -> None:
        self.solver.commit()
        self.joule_energy_delivered += self._trial_joule
        self._update_field()

    def reject(self) -> None:
        """Nothing to undo: a step computes a trial state from the committed one."""

    # --- checkpoints ---------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The solver's committed state (``solver_*``: potentials, BDF2 history, energies) and the
        Joule energy delivered; the film field and the lagged Joule density derive from it."""
        entries = {f"solver_{name}": value for name, value in self.solver.state().items()}
        entries["joule_energy_delivered"] = self.joule_energy_delivered
        return entries

    def restore(self, entries: dict[str, Any]) -> None:
        """Restore the solver, then recompute the film field and Joule density from it.

        Raises:
            CheckpointError: the checkpoint does not fit this induction mesh, or (higher-degree
                edge elements only) was written on another rank count.
        """
        self.solver.restore({name[len("solver_"):]: value for name, value in entries.items()
                             if name.startswith("solver_")})
        self.joule_energy_delivered = float(entries["joule_energy_delivered"])
        self._trial_joule = 0.0
        self._update_field()

    def summary(self) -> str:
        return (f"{self.solver.summary()}; IFE κ = {self.kappa * MJ_PER_CM2:.3g} T per mJ/cm², "
                f"peak B_IFE = {self.peak_field:+.4g} T (helicity {self.pulse.helicity:+d}); film "
                f"'{self.layer}', σ = {self.conductivity:.3g} S/m; M source "
                f"{'on' if self.magnetization_source else 'off'}; Joule heating "
                f"{'on' if self.joule_heating else 'off'}; {self._summary_tail()}")

    def destroy(self) -> None:
        if hasattr(self, "solver"):
            self.solver.destroy()
