"""Induction for scripts: eddy currents in a conducting film and the field they prolong.

A circularly polarized pump impresses an inverse-Faraday flux B_IFE on the film; the film's
loop currents oppose its rise and fall (Lenz's law), so the total field B_i outlasts the pulse
("prolonged induced field", physics-spec §2.3, §3). The solvers:

- :class:`AxisymmetricInduction`: A_φ(r, z) on an r-z mesh of the film in an air/substrate box
  (:func:`rz_film_mesh`; the film a thin conducting sheet or a resolved layer), driven by an
  impressed flux such as :class:`GaussianImpressedFlux` (the pump's, a pulse train's) or
  :class:`BesselImpressedFlux` (one mode, for checks); ``run(times, radii)`` returns an
  :class:`InductionTrace` (B_i on the film, E_φ, energies). :func:`pulse_time_grid` makes
  time grids fine inside the pulse and coarse after it.
- :class:`Induction3D`: the 3D Nédélec (N1curl) solver for a disk or a sphere in a box
  (:func:`disk_box_mesh`, :func:`sphere_box_mesh`), e.g. in a :class:`UniformStepField`.
- In a coupled run, :class:`FilmInduction` (r-z and 1D meshes) and :class:`FilmInduction3D` are
  the ``induction`` modules :class:`femmag.Simulation` builds with
  ``induction={"ife_coefficient": "1 T/(mJ/cm^2)"}``.
- :func:`thin_sheet_centre_response`: the semi-analytic (Bessel-mode) response of an infinite
  thin sheet at the beam centre, the reference the solver is verified against;
  :func:`sheet_time` is the sheet's time constant μ0σd r0/2.

The seed-003 film (10 nm, σ = 8 MS/m) under a 140 fs pump of 10 µm diameter, 1 T of impressed
flux at the peak: B_i at the beam centre peaks at half the impressed field, 60 fs after the
pulse, as the thin-sheet modal solution says:

>>> import numpy as np
>>> import femmag
>>> from mpi4py import MPI
>>> from femmag.induction import (AxisymmetricInduction, GaussianImpressedFlux,
...                               pulse_time_grid, rz_film_mesh, thin_sheet_centre_response)
>>> r0, d, sigma, tau = 5e-6, 10e-9, 8e6, 140e-15  # m, m, S/m, s
>>> mesh = rz_film_mesh(MPI.COMM_WORLD, beam_radius="5 um", thickness="10 nm", cells_per_radius=5)
>>> source = GaussianImpressedFlux(peak_field="1 T", beam_radius="5 um", pulse_duration="140 fs")
>>> solver = AxisymmetricInduction(mesh, conductivity="8e6 S/m", source=source, t_start="-350 fs")
>>> times = pulse_time_grid("-350 fs", "0.5 ps", pulse_peak_time="0 ps", pulse_duration="140 fs",
...                         dt_pulse="10 fs", dt_max="10 fs")  # s
>>> centre = solver.run(times, radii=[0.0]).induced_field_z[:, 0]  # T
>>> peak = np.argmax(centre)
>>> print(f"B_i peaks at {centre[peak]:.3f} T, {times[peak] * 1e15:.0f} fs after the pulse")
B_i peaks at 0.498 T, 60 fs after the pulse
>>> modal = thin_sheet_centre_response(times, conductivity=sigma, thickness=d, beam_radius=r0,
...                                    pulse_duration=tau)
>>> bool(np.max(np.abs(centre - modal)) < 0.01)  # T, on the coarse mesh of this example
True
>>> solver.destroy()

The constructors and :func:`pulse_time_grid` take quantities with their units (``"5 um"``,
``"8e6 S/m"``, ``"140 fs"``); the per-step functions (``run`` and ``step`` times, probes, the
modal reference) take SI numbers, and ``pulse_time_grid`` returns seconds for them. ``destroy()``
frees a solver's PETSc objects at once (a dropped solver's go at
:func:`femmag.parallel.collect_garbage`).
"""

from __future__ import annotations

from femmag.geometry.induction_meshes import disk_box_mesh, rz_film_mesh, sphere_box_mesh
from femmag.models.induction_modal import sheet_time, thin_sheet_centre_response
from femmag.physics.induction.axisymmetric import (
    AxisymmetricInduction,
    BesselImpressedFlux,
    GaussianImpressedFlux,
    pulse_time_grid,
)
from femmag.physics.induction.module import FilmInduction
from femmag.physics.induction.module3d import FilmInduction3D
from femmag.physics.induction.nedelec3d import Induction3D, UniformStepField
from femmag.physics.induction.stepping import InductionTrace

__all__ = [
    "AxisymmetricInduction",
    "BesselImpressedFlux",
    "FilmInduction",
    "FilmInduction3D",
    "GaussianImpressedFlux",
    "Induction3D",
    "InductionTrace",
    "UniformStepField",
    "disk_box_mesh",
    "pulse_time_grid",
    "rz_film_mesh",
    "sheet_time",
    "sphere_box_mesh",
    "thin_sheet_centre_response",
]
