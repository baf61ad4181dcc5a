"""Cost per time step of the axisymmetric induction solve: thin sheet vs resolved film.

Run serially and under MPI (the table is printed by rank 0)::

    OMP_NUM_THREADS=1 .venv/bin/python bench/bench_induction.py
    OMP_NUM_THREADS=1 .venv/bin/mpiexec -n 2 .venv/bin/python bench/bench_induction.py

For each film representation and mesh resolution: global dofs, mesh + setup time, the first-step
time (includes the MUMPS factorization), the mean cost of a later step (cached factorization:
right-hand side, triangular solves, E and energy updates) and the cost of one film probe, plus the
Δt_peak and peak ratio against the §3.6 modal reference (D = 10 µm, σ = 8e6 S/m, d = 10 nm,
τ_p = 140 fs, BDF2, Δt = 7 fs).

3D rows (``--no-3d`` to skip): :class:`~femmag.physics.induction.nedelec3d.Induction3D` (N1curl degree 1,
resolved 10 nm film, one prism layer, box 5 r0) for ``--resolutions-3d`` cells per beam radius near
the axis, backward Euler vs Crank–Nicolson (BDF2 costs the same per step as Euler): dofs, setup,
the first step (with the MUMPS factorization) and the median later step (right-hand side, solve,
D_tA and the energy bookkeeping), plus the peak of B_z at the centre against the r-z modal
reference (a 5 r0 box: ~1 % of truncation is part of the difference).
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.geometry.induction_meshes import rz_film_mesh
from femmag.physics.induction.axisymmetric import (
    AxisymmetricInduction,
    GaussianImpressedFlux,
    pulse_time_grid,
)
from femmag.models import induction_modal as modal
from femmag.units import Q

SIGMA, THICKNESS, PULSE, DIAMETER = 8e6, 10e-9, 140e-15, 10e-6


def bench_one(comm: MPI.Comm, representation: str, cells_per_radius: float,
              dt: float) -> dict[str, float]:
    """Time one configuration; returns the row of the table (seconds, fs, counts)."""
    r0 = DIAMETER / 2
    comm.Barrier()
    t0 = time.perf_counter()
    fm = rz_film_mesh(comm, beam_radius=Q(r0, "m"), thickness=Q(THICKNESS, "m"),
                      representation=representation,
                      cells_per_radius=cells_per_radius)
    solver = AxisymmetricInduction(fm, conductivity=Q(SIGMA, "S/m"),
                                   source=GaussianImpressedFlux.from_si(1.0, r0, PULSE),
                                   t_start=Q(-3 * PULSE, "s"))
    probe = solver.film_probe([0.0])
    comm.Barrier()
    t1 = time.perf_counter()
    times = pulse_time_grid(Q(-3 * PULSE, "s"), "0.5 ps", pulse_peak_time="0 s",
                            pulse_duration=Q(PULSE, "s"), dt_pulse=Q(dt, "s"), dt_max=Q(dt, "s"))
    centre = []
    step_times, probe_times = [], []
    for ta, tb in itertools.pairwise(times):
        comm.Barrier()
        s0 = time.perf_counter()
        solver.step(ta, tb - ta)
        solver.commit()
        comm.Barrier()
        s1 = time.perf_counter()
        centre.append(solver.film_fields(probe)["induced_field_z"][0])
        s2 = time.perf_counter()
        step_times.append(s1 - s0)
        probe_times.append(s2 - s1)
    got = modal.pulse_response_metrics(times[1:], np.array(centre))
    tt = np.arange(-3 * PULSE, 0.5e-12, 0.25e-15)
    ref = modal.pulse_response_metrics(tt, modal.thin_sheet_centre_response(
        tt, conductivity=SIGMA, thickness=THICKNESS, beam_radius=r0, pulse_duration=PULSE))
    return {"dofs": solver.V.dofmap.index_map.size_global, "setup": t1 - t0,
            "first": step_times[0] + step_times[1], "step": float(np.median(step_times[2:])),
            "probe": float(np.median(probe_times)), "steps": len(step_times),
            "delay_err": (got.peak_delay - ref.peak_delay) / 1e-15,
            "ratio_err": got.peak_ratio / ref.peak_ratio - 1}


def bench_3d(comm: MPI.Comm, cells_per_radius: float, scheme: str,
             dt: float) -> dict[str, float]:
    """Time one 3D configuration; returns the row of the table (seconds, counts)."""
    from femmag.geometry.induction_meshes import disk_box_mesh
    from femmag.physics.induction.nedelec3d import Induction3D

    r0 = DIAMETER / 2
    comm.Barrier()
    t0 = time.perf_counter()
    disk = disk_box_mesh(comm, beam_radius=Q(r0, "m"), thickness=Q(THICKNESS, "m"),
                         cells_per_radius=cells_per_radius, film_layers=1)
    solver = Induction3D(disk, conductivity=Q(SIGMA, "S/m"),
                         source=GaussianImpressedFlux.from_si(1.0, r0, PULSE),
                         scheme=scheme, t_start=Q(-3 * PULSE, "s"))
    probe = solver.probe([[1e-3 * r0, 2e-3 * r0, -THICKNESS / 2]])
    comm.Barrier()
    t1 = time.perf_counter()
    times = np.arange(-3 * PULSE, 0.3e-12, dt)
    step_times, centre = [], []
    for ta, tb in itertools.pairwise(times):
        comm.Barrier()
        s0 = time.perf_counter()
        solver.step(ta, tb - ta)
        solver.commit()
        comm.Barrier()
        step_times.append(time.perf_counter() - s0)
        centre.append(solver.field_at(probe)[0, 2])
    got = modal.pulse_response_metrics(times[1:], np.array(centre))
    tt = np.arange(-3 * PULSE, 0.3e-12, 0.25e-15)
    ref = modal.pulse_response_metrics(tt, modal.thin_sheet_centre_response(
        tt, conductivity=SIGMA, thickness=THICKNESS, beam_radius=r0, pulse_duration=PULSE))
    ndofs = solver.V.dofmap.index_map.size_global
    return {"dofs": ndofs, "setup": t1 - t0, "first": step_times[0],
            "step": float(np.median(step_times[1:])), "steps": len(step_times),
            "delay_err": (got.peak_delay - ref.peak_delay) / 1e-15,
            "ratio_err": got.peak_ratio / ref.peak_ratio - 1}


def main() -> None:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter,
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", type=float, nargs="+", default=[5.0, 10.0, 20.0],
                        help="film nodes per beam radius")
    parser.add_argument("--dt", type=float, default=7e-15, help="time step [s]")
    parser.add_argument("--resolutions-3d", type=float, nargs="+", default=[3.0, 4.0, 6.0],
                        help="3D: cells per beam radius near the axis")
    parser.add_argument("--no-3d", action="store_true", help="skip the 3D rows")
    args = parser.parse_args()
    comm = MPI.COMM_WORLD
    rows = []
    for representation in ("sheet", "resolved"):
        for cpr in args.resolutions:
            rows.append((representation, cpr, bench_one(comm, representation, cpr, args.dt)))
    if comm.rank == 0:
        print(f"induction bench: {comm.size} rank(s), D = 10 um, BDF2, dt = {args.dt * 1e15:g} fs")
        print(f"{'film':9s}{'r0/h':>6s}{'dofs':>8s}{'setup[s]':>10s}{'1st 2 steps[s]':>15s}"
              f"{'step[ms]':>10s}{'probe[ms]':>10s}{'steps':>7s}{'dDt_pk[fs]':>11s}"
              f"{'dratio':>9s}")
        for rep, cpr, r in rows:
            print(f"{rep:9s}{cpr:6.0f}{r['dofs']:8d}{r['setup']:10.2f}{r['first']:15.3f}"
                  f"{r['step'] * 1e3:10.2f}{r['probe'] * 1e3:10.2f}{r['steps']:7d}"
                  f"{r['delay_err']:11.2f}{r['ratio_err']:9.1e}")
    if args.no_3d:
        return
    rows3 = [(cpr, scheme, bench_3d(comm, cpr, scheme, args.dt))
             for cpr in args.resolutions_3d for scheme in ("euler", "cn")]
    if comm.rank == 0:
        print(f"3D N1curl (resolved film, box 5 r0), dt = {args.dt * 1e15:g} fs")
        print(f"{'scheme':9s}{'r0/h':>6s}{'dofs':>8s}{'setup[s]':>10s}{'1st step[s]':>12s}"
              f"{'step[ms]':>10s}{'steps':>7s}{'dDt_pk[fs]':>11s}{'dratio':>9s}")
        for cpr, scheme, r in rows3:
            print(f"{scheme:9s}{cpr:6.0f}{r['dofs']:8d}{r['setup']:10.2f}{r['first']:12.3f}"
                  f"{r['step'] * 1e3:10.2f}{r['steps']:7d}{r['delay_err']:11.2f}"
                  f"{r['ratio_err']:9.1e}")


if __name__ == "__main__":
    main()
