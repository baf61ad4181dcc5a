"""The README's worked example of a new physics module (a Zeeman field), run through Simulation.

A module that writes a field provider in tesla acts on the spins without any change to the
magnetization or to ``Simulation``: the result equals the same field given as
``Simulation(fields={...})``, and the wiring table shows who reads it.
"""

from __future__ import annotations

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)
from femmag.physics.base import PhysicsModule
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping
from femmag.studies.seed003 import seed003_film
from femmag.units import to_si


# --- the example, as in the README ("Adding a physics module") ---------------------------------
class ZeemanField(PhysicsModule):
    """A uniform applied field B(t) = B₀ (1 − e^(−t/τ)) along ``direction``, acting on the spins."""

    name = "zeeman"
    writes = ("zeeman_field",)

    def __init__(self, field: str = "1 T", rise_time: str = "0.2 ps",
                 direction: tuple[float, float, float] = (1.0, 0.0, 0.0)) -> None:
        self.amplitude = to_si(field, "magnetic_flux_density", "ZeemanField.field")
        self.rise_time = to_si(rise_time, "time", "ZeemanField.rise_time")
        self.direction = np.asarray(direction, dtype=float) / np.linalg.norm(direction)
        self.t = 0.0

    def declare(self, fields) -> None:
        # a provider (points, t) -> B (n, 3) [T]: the magnetization reads every one at its setup
        fields.declare("zeeman_field", "T", "applied Zeeman field", self.name, self,
                       provider=True)

    def __call__(self, points: np.ndarray, t: float) -> np.ndarray:
        return np.outer(np.ones(len(points)), self.value(t) * self.direction)

    def value(self, t: float) -> float:
        return self.amplitude * (1.0 - np.exp(-t / self.rise_time))

    def setup(self, fields) -> None:
        pass  # nothing to build: the field is analytic

    def step(self, t: float, dt: float) -> None:
        self._trial_t = t + dt

    def commit(self) -> None:
        self.t = self._trial_t

    def reject(self) -> None:
        pass  # the committed time stays

    def add_traces(self, traces) -> None:
        traces.add("zeeman_field", "T", lambda: self.value(self.t))

    def summary(self) -> str:
        return f"zeeman: {self.amplitude:g} T along {self.direction}, rise {self.rise_time:g} s"
# ------------------------------------------------------------------------------------------------


def _run(**options):
    pulse = Pulse("0.5 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", verbose=False,
                     time_stepping=TimeStepping(dt_pulse="5 fs"), **options)
    traces = sim.run("2 ps")
    return sim, traces


def test_zeeman_module_equals_the_same_field_given_to_simulation():
    module = ZeemanField()
    sim, traces = _run(modules=[module])
    _, reference = _run(fields={"zeeman": ZeemanField()})
    mz = traces.column("magnetization_z_centre")
    assert np.max(np.abs(mz - reference.column("magnetization_z_centre"))) < 1e-14
    # the field tilts m away from z by a measurable amount in 2 ps (precession about x)
    _, free = _run()
    assert np.max(np.abs(mz - free.column("magnetization_z_centre"))) > 1e-3
    assert traces.column("zeeman_field")[-1] == pytest.approx(module.value(2e-12), rel=1e-12)
    assert "zeeman_field" in sim.fields.entry("zeeman_field").name
    assert sim.fields.entry("zeeman_field").readers == ["magnetization"]
