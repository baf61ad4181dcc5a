"""One time step of the coupled problem: the coupling order is written here and nowhere else.

Lie splitting, each physics solved once per step in the order of the physics chain
(:data:`CHAIN`):

1. ``optics``         q(x, t) = q̂(ζ) I(r, t): explicit in time, nothing to solve per step;
2. ``heat``           two-temperature model at t+Δt (implicit, Newton), driven by q;
3. ``magnetization``  LLB at the quadrature points over [t, t+Δt] with T_e(t+Δt) and the fields at
                      t+Δt; the induced field is that of the committed induction state (one-step
                      lag);
4. ``induction``      eddy currents over [t, t+Δt] driven by the IFE flux and by the trial
                      magnetization at t+Δt (if the magnetization is a source);
5. further modules    (``Simulation(modules=[...])``, e.g. spin transport) in the order given,
                      each seeing the trial states of the modules before it;

then every module commits its trial state. If any module fails on any rank
(:class:`~femmag.physics.base.StepFailure`: Newton divergence, an LLB step that cannot be
integrated, a failed solve), the ranks agree on it, every module rejects its trial state and the
caller retries with a smaller Δt. Any other exception is a bug or bad input and ends the run.
"""

from __future__ import annotations

import time
from typing import Any

from mpi4py import MPI

from femmag.errors import StepFailure

#: the order of the built-in physics in a step; further modules follow in the order given
CHAIN = ("optics", "heat", "magnetization", "induction")

#: the exception that means "this Δt cannot be done" (a smaller step may succeed); Newton
#: divergence (SolverDivergedError), LLB/s-d refusals and failed induction solves subclass it
STEP_FAILURES = (StepFailure,)


class StepRejected(RuntimeError):
    """A module could not complete the step; the state was rolled back to time t."""


def _anywhere(comm: Any, flag: bool) -> bool:
    """True on every rank if ``flag`` is True on some rank."""
    return comm.allreduce(flag, op=MPI.LOR) if comm.size > 1 else flag


def advance(sim: Any, t: float, dt: float) -> dict:
    """Advance every module of ``sim`` from ``t`` to ``t + dt``; return per-module diagnostics.

    ``sim.modules`` lists the modules in :data:`CHAIN` order followed by the further modules;
    ``sim.controller`` (a :class:`~femmag.timestepping.StepController`) checks the step's error.
    """
    seconds: dict[str, float] = {}
    info: dict[str, Any] = {"seconds": seconds}
    comm = sim.comm
    clock = time.perf_counter
    failure: BaseException | None = None
    failed = False
    for module in sim.modules:
        t0 = clock()
        try:
            info[module.name] = module.step(t, dt)
        except STEP_FAILURES as err:
            failure = err
        seconds[module.name] = clock() - t0
        # every rank learns of a failure anywhere before the next module's collectives
        failed = _anywhere(comm, failure is not None)
        if failed:
            break
    if not failed:
        try:  # the indicator is a global maximum: all ranks decide alike
            sim.controller.check(t, dt)
        except STEP_FAILURES as err:
            failure = err
        failed = _anywhere(comm, failure is not None)
    if failed:
        for module in sim.modules:
            module.reject()
        reason = str(failure) if failure is not None else "a module failed on another rank"
        raise StepRejected(reason) from failure
    for module in sim.modules:  # every module succeeded: trial state becomes committed state
        module.commit()
    return info
