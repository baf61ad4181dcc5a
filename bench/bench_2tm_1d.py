"""Benchmark: 1D two-temperature model of the seed-000 spin valve, scipy reference vs femmag FEM.

Stack (physics-spec §6.3, from the air side):
Ta(5) / [Pt(1)/Co(0.6)]x2 / Cu(80) / [Co(1)/Pt(1)]x3 / Co(1) / Pt(4) / Ta(5) / glass, all nm.
Optical constants at 800 nm from §1.6, thermal parameters per element from §4.4 (Co and Pt layers
keep their own parameters; the choices inside the quoted ranges are listed in SEED000_THERMAL).
Pump 20 mJ/cm² (seed 000 Fig. 3), 25 fs FWHM, peak at 0.1 ps; 0-20 ps.

The scipy side (``scipy_reference``) times ``femmag.models.two_temperature_1d`` at several
tolerances and measures its error against a tight-tolerance run. The FEM side (``femmag_fem``) runs
the same equations through ``Simulation(mesh="1d", magnetization=False)`` (P1, Newton, θ = 1/2),
with the fixed pulse-window schedule and with error-controlled steps (``TimeStepping(tolerance)``).
Both sides are compared by the layer-group averaged T_e of the free and ref electrodes against a
space- and time-converged finite-volume run; the FEM wall time is split into setup and time loop.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_2tm_1d.py [--fast]``
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from femmag.models.two_temperature_1d import TwoTemperature1DResult, solve_two_temperature_1d

NM = 1e-9
# One definition of the seed-000 stack and its thermal parameter choices (physics-spec §4.4, §6.3).
from femmag.studies.seed000 import SEED000_LAYERS, SEED000_OPTICS, SEED000_THERMAL  # noqa: E402


def seed000_stack(max_cell: float = 1.0 * NM, substrate_thickness: float = 1e-6,
                  substrate_cells: int = 40) -> dict[str, Any]:
    """Layer and substrate dicts for :func:`solve_two_temperature_1d` (seed-000 spin valve).

    Args:
        max_cell: largest cell width in the metal layers [m] (each layer has >= 1 cell).
        substrate_thickness: glass thickness modelled [m] (the heat reaches ~10 nm in 20 ps).
        substrate_cells: geometrically graded glass cells.

    Returns:
        ``{"layers": [...], "substrate": {...}}``; layer names are ``"<label>_<material>_<i>"``.
    """
    layers = []
    for index, (material, thickness, label) in enumerate(SEED000_LAYERS):
        layers.append({"name": f"{label}_{material}_{index}", "thickness": thickness * NM,
                       "cells": max(1, round(thickness * NM / max_cell)),
                       "n": SEED000_OPTICS[material], **SEED000_THERMAL[material]})
    substrate = {"name": "glass", "thickness": substrate_thickness, "cells": substrate_cells,
                 "n": SEED000_OPTICS["glass"], **SEED000_THERMAL["glass"]}
    return {"layers": layers, "substrate": substrate}


def _pulse_defaults(stack_params: dict[str, Any]) -> dict[str, float]:
    return {"fluence": stack_params.get("fluence", 20.0 * 10.0),  # 20 mJ/cm² in J/m²
            "duration": stack_params.get("duration", 25e-15),
            "arrival": stack_params.get("arrival", 0.1e-12)}


def scipy_reference(stack_params: dict[str, Any] | None = None, t_end: float = 20e-12,
                    rtol: float = 1e-6, method: str = "BDF",
                    t_eval: np.ndarray | None = None) -> dict[str, Any]:
    """Time the scipy finite-volume reference on the seed-000 stack from t = 0 to ``t_end``.

    Args:
        stack_params: ``seed000_stack()`` output, optionally with ``fluence`` [J/m²],
            ``duration`` [s], ``arrival`` [s]; default: the seed-000 stack, 20 mJ/cm², 25 fs.
        t_end: final time [s].
        rtol: relative tolerance of ``solve_ivp`` (atol = rtol × 1000 K).
        method: ``solve_ivp`` method.
        t_eval: output times [s] (default: 401 points on [0, t_end]).

    Returns:
        dict with ``wall_s`` (seconds), ``result`` (TwoTemperature1DResult), ``cells``,
        ``unknowns`` and the solver counters.
    """
    params = seed000_stack() if stack_params is None else stack_params
    times = np.linspace(0.0, t_end, 401) if t_eval is None else t_eval
    start = time.perf_counter()
    result = solve_two_temperature_1d(params["layers"], params["substrate"], **_pulse_defaults(
        params), t_start=0.0, t_end=t_end, t_eval=times, rtol=rtol, atol=rtol * 1e3,
        method=method, bottom="fixed")
    wall = time.perf_counter() - start
    return {"wall_s": wall, "result": result, "cells": result.grid.n_cells,
            "unknowns": int(result.grid.n_cells + result.grid.metal.sum()), **result.statistics}


def max_errors(run: TwoTemperature1DResult,
               reference: TwoTemperature1DResult) -> tuple[float, float]:
    """Max |ΔT_e|, |ΔT_l| [K] over all cells and output times (same grid and times)."""
    electron = np.nanmax(np.abs(run.electron_temperature - reference.electron_temperature))
    lattice = np.max(np.abs(run.lattice_temperature - reference.lattice_temperature))
    return float(electron), float(lattice)


def _bench_library(tmpdir: str):
    """A materials library holding exactly the bench's parameters (so both sides solve the same
    equations): materials ``bench_<element>`` with SEED000_THERMAL and SEED000_OPTICS."""
    from pathlib import Path

    from femmag.materials import Library

    lines = []
    for element, p in SEED000_THERMAL.items():
        n = SEED000_OPTICS[element]
        kind = "dielectric" if element == "glass" else "metal"
        lines += [f"[bench_{element}]", f'kind = "{kind}"', 'description = "bench"',
                  f"[bench_{element}.refractive_index]", 'unit = "1"',
                  f"n = {complex(n).real}", f"k = {complex(n).imag}", 'source = "bench"']

        def prop(name, value, unit):
            lines.extend([f"[bench_{element}.{name}]", f"value = {value}", f'unit = "{unit}"',
                          'source = "bench"'])
        if kind == "metal":
            prop("electron_heat_capacity_coefficient", p["gamma_e"], "J/(m^3 K^2)")
            prop("electron_phonon_coupling", p["G"], "W/(m^3 K)")
            prop("lattice_heat_capacity", p["C_l"], "J/(m^3 K)")
            prop("electron_thermal_conductivity", p["kappa_e0"], "W/(m K)")
            prop("lattice_thermal_conductivity", p["kappa_l"], "W/(m K)")
        else:
            prop("lattice_heat_capacity", p["C"], "J/(m^3 K)")
            prop("lattice_thermal_conductivity", p["kappa"], "W/(m K)")
    path = Path(tmpdir) / "bench_materials.toml"
    path.write_text("\n".join(lines) + "\n")
    return Library.default().merge_toml(path)


def femmag_fem(stack_params: dict[str, Any] | None = None, t_end: float = 20e-12,
               dt_pulse: float = 1e-15, dt_max: float = 0.2e-12, max_cell: float = 1e-9,
               times: np.ndarray | None = None, tolerance: float | None = None,
               newton_tolerance: float | None = None) -> dict[str, Any]:
    """The same problem with the femmag FEM heat solver (1D mesh, P1, Newton, θ = 1/2).

    Args:
        newton_tolerance: Newton tolerance [K] (default: the heat module's, 1e-6 K).

    Returns ``{"wall_s", "times", "free", "ref", "energy_error", ...}``: layer-group averaged
    electron temperatures (free/ref Co-Pt layers, thickness weighted) interpolated on ``times``,
    and |ΔE − absorbed|/absorbed at t_end (bottom held at 300 K: the glass has not yet let heat
    out at 1 µm depth in 20 ps, so the balance is closed).
    """
    import tempfile

    import femmag  # noqa: F401

    from mpi4py import MPI

    from femmag.geometry import Layer, Stack
    from femmag.pulse import Pulse
    from femmag.simulation import Simulation, TimeStepping

    params = seed000_stack() if stack_params is None else stack_params
    pulse_args = _pulse_defaults(params)
    newton = {} if newton_tolerance is None else {"newton_tolerance": f"{newton_tolerance} K"}
    with tempfile.TemporaryDirectory() as tmp:
        lib = _bench_library(tmp)
        layers = [Layer(f"{label}_{material}_{i}", f"bench_{material}", f"{thick} nm")
                  for i, (material, thick, label) in enumerate(SEED000_LAYERS)]
        stack = Stack(layers, substrate=Layer("substrate", "bench_glass",
                                              f"{params['substrate']['thickness']} m"),
                      material_check=lib.get)
        pulse = Pulse(f"{pulse_args['fluence']} J/m^2", f"{pulse_args['duration']} s", "10 um",
                      arrival=f"{pulse_args['arrival']} s")
        sim = Simulation(stack, pulse, mesh="1d", library=lib, magnetization=False,
                         mesh_options={"max_cell_size": f"{max_cell} m"},
                         heat_options={"theta": 0.5, **newton},
                         comm=MPI.COMM_SELF, verbose=False,
                         time_stepping=TimeStepping(
                             dt_pulse=f"{dt_pulse} s", dt_max=f"{dt_max} s", window=4,
                             tolerance=None if tolerance is None else f"{tolerance} K"))
        start = time.perf_counter()
        sim.setup()
        setup = time.perf_counter() - start
        groups = {g: [(layer.name, layer.thickness) for layer in layers
                      if layer.name.startswith(g)] for g in ("free", "ref")}
        for g, members in groups.items():  # one volume average over the group's layers
            names = [name for name, _ in members]
            sim.traces.add(f"{g}_Te", "K", lambda n=names: sim.heat.average_temperatures(n)[0])
        sim.run(f"{t_end} s")
        wall = time.perf_counter() - start
    t = sim.traces.column("time") * 1e-12
    times = np.linspace(0.0, t_end, 401) if times is None else times
    absorbed = sim.traces.column("absorbed_energy")[-1]
    stored = sim.traces.column("internal_energy_change")[-1]
    return {"wall_s": wall, "setup_s": setup, "loop_s": wall - setup, "times": times,
            "steps": sim.timings["steps"], "energy_error": abs(stored - absorbed) / absorbed,
            "free": np.interp(times, t, sim.traces.column("free_Te")),
            "ref": np.interp(times, t, sim.traces.column("ref_Te")),
            # the values at the FEM's own steps (no interpolation error in the comparison)
            "step_times": t, "free_steps": sim.traces.column("free_Te"),
            "ref_steps": sim.traces.column("ref_Te")}


def _group(run: TwoTemperature1DResult, label: str) -> np.ndarray:
    """Cells of all layers whose name starts with ``label`` ("free", "ref", ...)."""
    names = [name for name in run.grid.layer_names if name.startswith(label)]
    return np.concatenate([run.grid.cells_of(name) for name in names])


def _group_average(run: TwoTemperature1DResult, label: str, bath: str) -> np.ndarray:
    cells = _group(run, label)
    values = run.electron_temperature if bath == "electron" else run.lattice_temperature
    weights = run.grid.widths[cells]
    return values[:, cells] @ weights / weights.sum()


def _summary(run: TwoTemperature1DResult) -> str:
    assert run.optics is not None
    absorbed = {label: np.sum(run.absorbed_fraction[_group(run, label)])
                for label in ("free", "ref")}
    peak = {label: np.max(_group_average(run, label, "electron")) for label in ("free", "ref")}
    final = {label: _group_average(run, label, "lattice")[-1] for label in ("free", "ref")}
    return (f"A = {run.optics.A:.4f} (free {absorbed['free']:.4f}, ref {absorbed['ref']:.2e}); "
            f"peak <T_e>: free {peak['free']:.0f} K, ref {peak['ref']:.0f} K; "
            f"<T_l>(t_end): free {final['free']:.0f} K, ref {final['ref']:.0f} K")


def s003a_table(film_cells: int = 10, substrate_cells: int = 60,
                first_cell: float = 1e-9) -> list[dict[str, float]]:
    """Reproduce the physics-spec §4.5 table (set S003-A, CoPt 10 nm on 4 µm fused silica).

    Args:
        film_cells: cells in the 10 nm film.
        substrate_cells: geometrically graded substrate cells.
        first_cell: first substrate cell width [m].

    Returns:
        One dict per fluence: F0 [mJ/cm²], T_e,max/T_c, peak time after the pulse peak [fs],
        time T_e falls below T_c [ps], T_l,max/T_c, T_e(20 ps) [K] (film averages).
    """
    curie = 550.0
    film = {"name": "CoPt", "thickness": 10e-9, "cells": film_cells, "n": 2.673 + 4.883j,
            "gamma_e": 700.0, "G": 3e18, "C_l": 3.0e6, "kappa_e0": 30.0, "kappa_l": 2.0}
    silica = {"name": "silica", "thickness": 4e-6, "cells": substrate_cells, "n": 1.4533,
              "C": 1.64e6, "kappa": 1.38, "first_cell": first_cell}
    rows = []
    for fluence in (1.0, 1.5, 2.0, 2.5, 2.6, 2.8, 3.2):
        run = solve_two_temperature_1d([film], silica, fluence=fluence * 10.0,
                                       duration=140e-15, arrival=0.0, t_end=45e-12)
        electron_max, peak_time = run.peak("electron", "CoPt")
        rows.append({"F0": fluence, "Te_max/Tc": electron_max / curie,
                     "peak_fs": peak_time * 1e15,
                     "below_Tc_ps": run.time_below(curie) * 1e12,
                     "Tl_max/Tc": run.peak("lattice", "CoPt")[0] / curie,
                     "Te_20ps": float(np.interp(20e-12, run.times, run.average()))})
    return rows


def _print_s003a() -> None:
    for label, grid in (("10 film cells, 60 substrate cells (first 1 nm)", {}),
                        ("40 film cells, 240 substrate cells (first 0.25 nm)",
                         {"film_cells": 40, "substrate_cells": 240, "first_cell": 0.25e-9})):
        start = time.perf_counter()
        rows = s003a_table(**grid)
        print(f"S003-A, {label}: {time.perf_counter() - start:.2f} s")
        print(f"{'F0':>5} {'Te,max/Tc':>10} {'peak [fs]':>10} {'Te<Tc [ps]':>11} "
              f"{'Tl,max/Tc':>10} {'Te(20ps) [K]':>13}")
        for row in rows:
            print(f"{row['F0']:5.1f} {row['Te_max/Tc']:10.3f} {row['peak_fs']:10.0f} "
                  f"{row['below_Tc_ps']:11.2f} {row['Tl_max/Tc']:10.3f} {row['Te_20ps']:13.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--fast", action="store_true", help="fewer tolerances")
    parser.add_argument("--t-end", type=float, default=20e-12, help="final time [s]")
    parser.add_argument("--max-cell", type=float, default=1e-9, help="metal cell size [m]")
    parser.add_argument("--s003a", action="store_true", help="also print the §4.5 table")
    args = parser.parse_args()
    if args.s003a:
        _print_s003a()

    stack = seed000_stack(max_cell=args.max_cell)
    tight = scipy_reference(stack, args.t_end, rtol=1e-11)
    print(f"seed-000 stack: {tight['cells']} cells, {tight['unknowns']} unknowns, 0-"
          f"{args.t_end * 1e12:g} ps")
    print(_summary(tight["result"]))
    print(f"tight reference (BDF, rtol 1e-11): {tight['wall_s']:.2f} s")
    tolerances = (1e-4, 1e-6) if args.fast else (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9)
    print(f"{'method':>7} {'rtol':>7} {'wall [s]':>9} {'nfev':>6} {'njev':>5} {'nlu':>5} "
          f"{'max|dTe| [K]':>13} {'max|dTl| [K]':>13}")
    for method in ("BDF", "Radau"):
        for rtol in tolerances:
            run = scipy_reference(stack, args.t_end, rtol=rtol, method=method)
            electron, lattice = max_errors(run["result"], tight["result"])
            print(f"{method:>7} {rtol:7.0e} {run['wall_s']:9.3f} {run['nfev']:6d} "
                  f"{run['njev']:5d} {run['nlu']:5d} {electron:13.3e} {lattice:13.3e}")
    # FEM side at matched accuracy: group-averaged T_e of the free and ref layers vs the tight
    # finite-volume reference (same equations; the grids differ, so spatial error is included).
    # "Truth": the finite-volume reference converged in space (0.1 nm cells) and time.
    # The truth is stored every 1 fs, so that comparing at any solver's own output times (401 for
    # scipy, the FEM's steps) adds no interpolation error.
    dense = np.linspace(0.0, args.t_end, int(round(args.t_end / 1e-15)) + 1)
    truth = scipy_reference(seed000_stack(max_cell=0.1e-9), args.t_end, rtol=1e-10,
                            t_eval=dense)["result"]
    times = np.linspace(0.0, args.t_end, 401)
    free_dense = _group_average(truth, "free", "electron")
    ref_dense = _group_average(truth, "ref", "electron")
    free_ref, ref_ref = np.interp(times, dense, free_dense), np.interp(times, dense, ref_dense)
    print("\nlayer-group averaged T_e vs a space- and time-converged reference (0.1 nm cells); "
          "best of 3 wall times")
    print(f"{'solver':>36} {'wall [s]':>9} {'max|dTe| free [K]':>18} {'max|dTe| ref [K]':>17}"
          f" {'setup [s]':>10} {'loop [s]':>9} {'steps':>6} {'|dE|/E':>8}")
    scipy_rows = []
    for cell in (1e-9, 0.5e-9, 0.25e-9, 0.125e-9):
        runs = [scipy_reference(seed000_stack(max_cell=cell), args.t_end, rtol=1e-6)
                for _ in range(3)]
        r = runs[0]["result"]
        wall = min(run["wall_s"] for run in runs)
        e_free = np.max(np.abs(_group_average(r, 'free', 'electron') - free_ref))
        e_ref = np.max(np.abs(_group_average(r, 'ref', 'electron') - ref_ref))
        scipy_rows.append((cell, wall, e_free))
        print(f"{f'scipy BDF {cell * 1e9:g} nm rtol 1e-06':>36} {wall:9.3f} {e_free:18.3e} "
              f"{e_ref:17.3e}")
    # FEM rows: the fixed pulse-window schedule, then error-controlled steps (TimeStepping
    # tolerance) with the default Newton tolerance (1e-6 K: energy exact to ~1e-9) and with the
    # Newton tolerance at 1e-3 of the step tolerance (as scipy's BDF ties its Newton tolerance
    # to rtol; most steps then take one Newton iteration, energy exact to ~1e-5);
    # wall = setup (gmsh mesh, forms from the JIT cache, solver) + time loop.
    femmag_fem(stack, 1e-12)  # warm the JIT cache and imports
    cases = [(1e-9, 1e-15, None, None)]
    for cell in (1e-9, 0.5e-9, 0.25e-9):
        for tol in ((1.0,) if args.fast else (3.0, 1.0, 0.3)):
            cases += [(cell, 2e-15, tol, None), (cell, 2e-15, tol, 1e-3 * tol)]
    fem_rows = []
    for cell, dt_pulse, tol, newton in cases:
        runs = [femmag_fem(seed000_stack(max_cell=cell), args.t_end, dt_pulse=dt_pulse,
                           dt_max=0.2e-12 if tol is None else 2e-12, max_cell=cell,
                           times=times, tolerance=tol, newton_tolerance=newton)
                for _ in range(1 if tol is None else 3)]
        fem_run = min(runs, key=lambda run: run["wall_s"])
        t_steps = fem_run["step_times"]  # [s]
        e_free = np.max(np.abs(fem_run["free_steps"] - np.interp(t_steps, dense, free_dense)))
        e_ref = np.max(np.abs(fem_run["ref_steps"] - np.interp(t_steps, dense, ref_dense)))
        label = (f"FEM {cell * 1e9:g} nm dt {dt_pulse * 1e15:g} fs" if tol is None else
                 f"FEM {cell * 1e9:g} nm tol {tol:g} K" +
                 ("" if newton is None else f" newton {newton:g} K"))
        fem_rows.append((label, fem_run["wall_s"], e_free))
        print(f"{label:>36} {fem_run['wall_s']:9.3f} {e_free:18.3e} {e_ref:17.3e} "
              f"{fem_run['setup_s']:10.3f} {fem_run['loop_s']:9.3f} {fem_run['steps']:6d} "
              f"{fem_run['energy_error']:8.1e}")
    # Matched accuracy: scipy's wall time at the FEM run's error, interpolated log-log between
    # the two scipy runs that bracket it (flagged when it has to extrapolate).
    errors = np.log([row[2] for row in scipy_rows])
    walls = np.log([row[1] for row in scipy_rows])
    order = np.argsort(errors)
    print(f"\n{'FEM run':>36} {'wall [s]':>9} {'err [K]':>8} {'scipy at that error [s]':>23}")
    for label, wall, error in fem_rows[1:]:
        log_error = np.log(error)
        inside = errors.min() <= log_error <= errors.max()
        if inside:
            s_wall = float(np.exp(np.interp(log_error, errors[order], walls[order])))
        else:  # linear extrapolation from the two nearest runs
            near = order[:2] if log_error < errors.min() else order[-2:]
            slope = (walls[near[1]] - walls[near[0]]) / (errors[near[1]] - errors[near[0]])
            s_wall = float(np.exp(walls[near[0]] + slope * (log_error - errors[near[0]])))
        verdict = (f"FEM {s_wall / wall:4.2f}× faster" if wall < s_wall else
                   f"FEM {wall / s_wall:4.2f}× slower")
        print(f"{label:>36} {wall:9.3f} {error:8.2f} {s_wall:23.3f}   {verdict}"
              f"{'' if inside else ' (scipy extrapolated)'}")


if __name__ == "__main__":
    main()
