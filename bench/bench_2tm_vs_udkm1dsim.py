"""Benchmark: femmag's 1D two-temperature model against udkm1Dsim 2.5, same problem, one process.

Problem (issue 12): Pt 4 / Co 1 / Cu 80 / Co 1 / Pt 1 nm on 200 nm glass (the packaged library's
Pt, Co, Cu, glass), two-temperature model with C_e = γT_e, κ_e = κ_e0 T_e/T_l, constant C_l, κ_l,
G; transfer-matrix absorption at 800 nm; a 100 fs pump (FWHM) of 5 mJ/cm² peaking at 0.3 ps;
0-20 ps; T0 = 300 K, bottom of the glass held at 300 K.

Error of a run: max over its output times of |T − T_ref| / (peak rise of T_ref), the worst of T_e
and T_l at the surface (z = 0) and averaged over the top Co layer. The reference is a femmag run
far tighter than any row (``--reference`` settings), confirmed by a finer one (printed) and by
udkm1Dsim at 0.0625 nm, rtol 1e-6.

udkm1Dsim gets exactly the same equations: the same material numbers (densities 1 kg/m³, so its
J/(kg K) are our J/(m³ K)), a glass whose electron sub-system is inert (κ = 0, no coupling), and
femmag's transfer-matrix absorption profile q/I_inc(ζ) (its own multilayer absorption uses other
conventions for the substrate; the heat equations are what is compared here). Its grid: units of
``fine`` nm in the thin layers and within 2 nm of every Cu interface, ``coarse`` nm elsewhere in
Cu, the glass graded ×1.2 from ``fine``; its solver: scipy ``solve_ivp`` (BDF/Radau) with the
sparsity pattern, max step 10 fs (its own rule: pulse width / 10).

Wall: setup + time loop (femmag: mesh, forms, solver, run; udkm1Dsim: structure, Heat,
get_temp_map), median of 3 after a warm-up; CPU: the process's CPU time of the same runs (median),
which a shared machine's load hardly changes. Memory: growth of the peak resident set of one run
in a fresh process, after the imports (and femmag's JIT cache on disk).

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_2tm_vs_udkm1dsim.py [--fast]``
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

NM = 1e-9
T0 = 300.0
FLUENCE = "5 mJ/cm^2"
DURATION = 100e-15
ARRIVAL = 0.3e-12
T_END = 20e-12
#: (layer name, material, thickness [nm]), top → bottom
LAYERS = (("Pt_top", "Pt", 4.0), ("Co_top", "Co", 1.0), ("Cu", "Cu", 80.0),
          ("Co_bottom", "Co", 1.0), ("Pt_bottom", "Pt", 1.0))
SUBSTRATE = ("glass", 200.0)
QUANTITIES = ("Te_surface", "Tl_surface", "Te_Co", "Tl_Co")


# -- memory ------------------------------------------------------------------------------------
def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
    return 0


def measured(run: Callable[[], Any], repeats: int = 3) -> tuple[Any, float, float, float]:
    """Run once to warm up, then ``repeats`` times: (last result, median wall [s], peak RSS
    growth of one run [MB], median CPU time of the process [s]: on a shared machine the wall
    time follows the load, the CPU time what the run costs)."""
    run()
    walls, cpus, growth = [], [], 0.0
    result = None
    for _ in range(repeats):
        gc.collect()
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # reset VmHWM to the current RSS
            base = _status_kib("VmRSS")
        except OSError:  # pragma: no cover - not Linux
            base = _status_kib("VmHWM")
        start, cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        growth = max(growth, (_status_kib("VmHWM") - base) / 1024)
    return result, statistics.median(walls), growth, statistics.median(cpus)


# -- the problem -------------------------------------------------------------------------------
def stack():
    from femmag.geometry import Layer, Stack

    return Stack([Layer(name, material, f"{d} nm") for name, material, d in LAYERS],
                 substrate=Layer("substrate", SUBSTRATE[0], f"{SUBSTRATE[1]} nm"))


def pulse():
    from femmag.pulse import Pulse

    return Pulse(FLUENCE, f"{DURATION} s", "10 um", arrival=f"{ARRIVAL} s")


def femmag_run(**options: Any) -> dict[str, np.ndarray]:
    """One femmag run (1D, one rank); ``options`` go to ``Simulation`` (mesh_options,
    heat_options, time_stepping, accuracy, ...). Returns the time traces of QUANTITIES [s, K]."""
    from femmag.simulation import Simulation

    sim = Simulation(stack(), pulse(), mesh="1d", magnetization=False, comm=MPI.COMM_SELF,
                     verbose=False, **options)
    sim.setup()
    heat = sim.heat
    V = heat.electron_temperature.function_space
    surface = int(np.argmax(V.tabulate_dof_coordinates()[:, 0]))  # z = 0 (z ≤ 0 below)
    Te, Tl = heat.electron_temperature.x.array, heat.lattice_temperature.x.array
    sim.traces.add("Te_surface", "K", lambda: Te[surface])
    sim.traces.add("Tl_surface", "K", lambda: Tl[surface])
    sim.traces.add("Te_Co", "K", lambda: heat.average_temperatures("Co_top")[0])
    sim.traces.add("Tl_Co", "K", lambda: heat.average_temperatures("Co_top")[1])
    sim.run(f"{T_END} s")
    out = {"time": sim.traces.column("time") * 1e-12,
           **{q: np.asarray(sim.traces.column(q)) for q in QUANTITIES}}
    out["steps"] = sim.timings["steps"]
    out["nodes"] = V.dofmap.index_map.size_global
    return out


# -- udkm1Dsim -----------------------------------------------------------------------------------
def _udkm_units(fine: float, coarse: float) -> list[tuple[str, str, float]]:
    """(layer name, material, unit thickness [nm]) for every unit, top → bottom."""
    units = []
    for name, material, d in LAYERS:
        if d <= 5.0:
            n = max(1, round(d / fine))
            units += [(name, material, d / n)] * n
        else:  # Cu: fine within 2 nm of both interfaces, coarse inside
            edge = max(1, round(2.0 / fine))
            inner = max(1, round((d - 2 * edge * fine) / coarse))
            units += [(name, material, fine)] * edge
            units += [(name, material, (d - 2 * edge * fine) / inner)] * inner
            units += [(name, material, fine)] * edge
    total, h = 0.0, fine
    while total < SUBSTRATE[1] - 1e-9:
        h = min(h, SUBSTRATE[1] - total)
        units.append(("substrate", SUBSTRATE[0], h))
        total += h
        h = min(h * 1.2, 10.0)
    return units


def udkm_run(fine: float = 0.125, coarse: float = 0.5, rtol: float = 1e-4,
             method: str = "BDF") -> dict[str, np.ndarray]:
    """udkm1Dsim on the same problem; returns the traces of QUANTITIES at its delays."""
    import udkm1Dsim as ud

    from femmag.materials import Library
    from femmag.physics.optics.module import stack_optics

    u = ud.u
    library = Library.default()
    s = stack()
    profile = stack_optics(s, 800e-9, library).absorbed_power_density  # ζ [m] → q/I_inc [1/m]

    def layer(material: str, thickness: float, key: str):
        mat = library.get(material)
        if mat.has("electron_phonon_coupling"):
            g = mat.prop("electron_heat_capacity_coefficient").value
            G = mat.prop("electron_phonon_coupling").value
            cap = [f"{g!r}*T", f"{mat.prop('lattice_heat_capacity').value!r}"]
            cond = [f"{mat.prop('electron_thermal_conductivity').value!r}*T_0/T_1",
                    f"{mat.prop('lattice_thermal_conductivity').value!r}"]
            coupling = [f"-{G!r}*(T_0-T_1)", f"{G!r}*(T_0-T_1)"]
        else:  # dielectric: the electron sub-system is inert
            C = mat.prop("lattice_heat_capacity").value
            cap = [f"{C!r}", f"{C!r}"]
            cond = ["0", f"{mat.prop('lattice_thermal_conductivity').value!r}"]
            coupling = ["0*T_0", "0*T_1"]
        return ud.AmorphousLayer(key, key, thickness * u.nm, 1 * u.kg / u.m**3,
                                 heat_capacity=cap, therm_cond=cond, sub_system_coupling=coupling)

    class Heat(ud.Heat):
        def get_absorption_profile(self, distances=(), backside=False):
            depth = np.asarray(distances, dtype=float)
            inside = depth < s.z_interfaces()[0] - s.z_interfaces()[-2]  # the metal layers
            return np.where(inside, profile(depth), 0.0)

    units = _udkm_units(fine, coarse)
    structure = ud.Structure("benchmark")
    cache: dict[tuple[str, float], Any] = {}
    for name, material, h in units:
        key = (material, round(h, 9))
        if key not in cache:
            cache[key] = layer(material, h, f"{material}_{len(cache)}")
        structure.add_sub_structure(cache[key], 1)
    heat = Heat(structure, True, save_data=False, disp_messages=False, progress_bar=False,
                heat_diffusion=True)
    heat.excitation = {"fluence": [float(FLUENCE.split()[0])] * u.mJ / u.cm**2,
                       "delay_pump": [ARRIVAL] * u.s, "pulse_width": [DURATION] * u.s,
                       "multilayer_absorption": True, "wavelength": 800 * u.nm}
    heat.boundary_conditions = {"top_type": "isolator", "bottom_type": "temperature",
                                "bottom_value": np.array([T0, T0]) * u.K}
    heat.ode_options = {"method": method, "rtol": rtol, "atol": rtol * 1e-2 * T0}
    thickness = np.array([h for _, _, h in units]) * NM
    starts = np.concatenate([[0.0], np.cumsum(thickness)[:-1]])
    heat.distances = (starts + 0.5 * thickness) * u.m
    delays = np.concatenate([np.linspace(0.0, 2e-12, 401), np.linspace(2e-12, T_END, 181)[1:]])
    temp_map, _ = heat.get_temp_map(delays * u.s, T0 * u.K)
    co = np.array([name == "Co_top" for name, _, _ in units])
    w = thickness[co] / thickness[co].sum()
    return {"time": delays, "Te_surface": temp_map[:, 0, 0], "Tl_surface": temp_map[:, 0, 1],
            "Te_Co": temp_map[:, co, 0] @ w, "Tl_Co": temp_map[:, co, 1] @ w,
            "nodes": len(units)}


# -- error ---------------------------------------------------------------------------------------
def errors(run: dict, reference: dict) -> dict[str, float]:
    """max_t |T − T_ref| / peak rise of T_ref, per quantity (reference interpolated in time)."""
    out = {}
    for q in QUANTITIES:
        ref = np.interp(run["time"], reference["time"], reference[q])
        rise = np.max(reference[q]) - T0
        out[q] = float(np.max(np.abs(run[q] - ref)) / rise)
    return out


def worst(err: dict[str, float]) -> tuple[str, float]:
    q = max(err, key=err.get)
    return q, err[q]


def _row(label: str, wall: float, cpu: float, memory: float, err: dict[str, float],
         extra: str = "") -> str:
    q, e = worst(err)
    return (f"| {label} | {wall:.3f} s | {cpu:.3f} s | {memory:.0f} MB | {100 * e:.3f} % ({q}) "
            f"| {extra} |")


def femmag_cases(fast: bool) -> list[tuple[str, dict]]:
    from femmag.simulation import TimeStepping

    cases = [("femmag defaults (`mesh=\"1d\"`: `accuracy=\"0.1 %\"`)", {}),
             ("femmag `accuracy=None` (the defaults before issue 12)", {"accuracy": None})]
    if not fast:
        cases += [("femmag `accuracy=\"1 %\"`", {"accuracy": "1 %"}),
                  ("femmag `accuracy=\"0.01 %\"`", {"accuracy": "0.01 %"}),
                  ("femmag `accuracy=None` + `tolerance=\"0.1 K\"` (backward Euler)",
                   {"accuracy": None, "time_stepping": TimeStepping(tolerance="0.1 K")})]
    return cases


def reference_run(accuracy: float = 2.5e-6) -> dict:
    """The femmag reference: graded cells and error-controlled steps far below any row."""
    return femmag_run(accuracy=accuracy)


def fresh_process_memory(kind: str, spec: str) -> float:
    """Peak RSS growth [MB] of one run in a fresh process (after its imports): the memory a
    user's run costs, which a warm process hides (freed memory is reused)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, __file__, "--memory", kind, spec], check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def _memory_child(kind: str, spec: str) -> None:
    import json

    import udkm1Dsim  # noqa: F401  (imports are not the run's memory)
    from femmag.simulation import Simulation  # noqa: F401

    base = _status_kib("VmRSS")
    if kind == "femmag":
        femmag_run(**json.loads(spec))
    else:
        udkm_run(*json.loads(spec))
    print((_status_kib("VmHWM") - base) / 1024)


def main() -> None:
    import json

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fast", action="store_true", help="fewer rows")
    parser.add_argument("--memory", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        _memory_child(*args.memory)
        return

    start = time.perf_counter()
    reference = reference_run()
    looser = reference_run(1e-5)
    print(f"reference: accuracy 2.5e-6, {reference['nodes']} nodes, {reference['steps']} steps "
          f"({time.perf_counter() - start:.0f} s with the check); a run 4× looser (1e-5) is "
          f"within {100 * worst(errors(looser, reference))[1]:.4f} % of it")
    peaks = {q: np.max(reference[q]) for q in QUANTITIES}
    print("peaks: " + ", ".join(f"{q} {v:.1f} K" for q, v in peaks.items()))
    print("\n| run | wall | CPU | peak memory growth | worst error | grid, steps |")
    print("|---|---|---|---|---|---|")
    for label, options in femmag_cases(args.fast):
        run, wall, _, cpu = measured(lambda o=options: femmag_run(**o))
        memory = (fresh_process_memory("femmag", json.dumps(options))
                  if "time_stepping" not in options else float("nan"))
        print(_row(label, wall, cpu, memory, errors(run, reference),
                   f"{run['nodes']} nodes, {run['steps']} steps"), flush=True)
    udkm_reference = udkm_run(0.0625, 0.25, 1e-6, "BDF")
    print(f"udkm1Dsim 0.0625/0.25 nm, BDF rtol 1e-6 vs the reference: "
          f"{100 * worst(errors(udkm_reference, reference))[1]:.3f} %")
    udkm_cases = [(0.125, 0.5, 1e-4, "BDF"), (0.0625, 0.25, 1e-4, "BDF")]
    if not args.fast:
        udkm_cases += [(0.25, 1.0, 1e-4, "BDF"), (0.125, 0.5, 1e-3, "BDF"),
                       (0.0625, 0.5, 1e-4, "BDF"), (0.0625, 0.25, 1e-3, "BDF")]
    for fine, coarse, rtol, method in udkm_cases:
        run, wall, _, cpu = measured(lambda a=(fine, coarse, rtol, method): udkm_run(*a))
        memory = fresh_process_memory("udkm", json.dumps([fine, coarse, rtol, method]))
        print(_row(f"udkm1Dsim 2.5, units {fine:g}/{coarse:g} nm, {method} rtol {rtol:g}", wall,
                   cpu, memory, errors(run, reference), f"{run['nodes']} points"), flush=True)


if __name__ == "__main__":
    main()
