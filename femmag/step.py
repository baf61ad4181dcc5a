"""One time step of the coupled problem: the coupling order is written here and nowhere else.

Lie splitting, each physics solved once per step in the order of the physics chain:

1. ``optics``        q(x, t) = q̂(ζ) I(r, t): explicit in time, nothing to solve per step;
2. ``heat``          two-temperature model at t+Δt (implicit, Newton), driven by q;
3. ``magnetization`` LLB at the quadrature points over [t, t+Δt] with T_e(t+Δt) and the fields at
                     t+Δt; the induced field is that of the committed induction state (one-step lag);
4. ``induction``     eddy currents over [t, t+Δt] driven by the IFE flux and by the trial
                     magnetization at t+Δt (if the magnetization is a source);
5. further modules   (``Simulation(modules=[...])``, e.g. spin transport) in the order given,
                     each seeing the trial states of the modules before it;

then every module commits its trial state. If any module fails (Newton divergence, an LLB step
that cannot be integrated), every module rejects its trial state and the caller retries with a
smaller Δt.
"""

from __future__ import annotations

import time
from typing import Any

from femmag.solvers import SolverDivergedError


class StepRejected(RuntimeError):
    """A module could not complete the step; the state was rolled back to time t."""


def advance(sim: Any, t: float, dt: float) -> dict:
    """Advance every physics of ``sim`` from ``t`` to ``t + dt``; return per-module diagnostics."""
    info: dict = {}
    clock = time.perf_counter
    try:
        t0 = clock()
        sim.optics.step(t, dt)  # explicit q(x, t): nothing to solve
        t1 = clock()
        info["newton_its"] = sim.heat.step(t, dt)  # 2TM, implicit
        t2 = clock()
        if sim.magnetization is not None:
            info["llb_substeps"] = sim.magnetization.step(t, dt)  # LLB with T_e(t+dt)
        t3 = clock()
        if sim.induction is not None:
            sim.induction.step(t, dt)  # loop currents; B_i used by the LLB from the next step
        t4 = clock()
        info["seconds"] = {"optics": t1 - t0, "heat": t2 - t1, "magnetization": t3 - t2,
                           "induction": t4 - t3}
        for module in getattr(sim, "extra_modules", ()):
            t5 = clock()
            module.step(t, dt)
            info["seconds"][module.name] = clock() - t5
        tolerance = getattr(getattr(sim, "time_stepping", None), "tolerance_s", None)
        error = getattr(sim.heat, "error_estimate", None)
        if tolerance is not None and error is not None and error > 4.0 * tolerance:
            raise ArithmeticError(f"temperature error indicator {error:.3g} K > 4 × tolerance "
                                  f"({tolerance:g} K) at t = {(t + dt) * 1e12:.4g} ps")
    except (SolverDivergedError, ArithmeticError, ValueError) as err:
        for module in sim.modules:
            if hasattr(module, "reject"):
                module.reject()
        raise StepRejected(str(err)) from err
    for module in sim.modules:  # every module succeeded: trial state becomes committed state
        module.commit()
    return info
