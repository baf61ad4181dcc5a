"""Failures of a time step, shared by the solvers and the physics modules.

A :class:`StepFailure` means "this Δt cannot be done" (Newton divergence, an LLB/s-d integration
that cannot meet its accuracy, a failed linear solve): :func:`femmag.step.advance` rolls every
module back on every rank and the step is retried with half Δt. Every other exception is a bug or
bad input and ends the run.
"""

from __future__ import annotations


class StepFailure(RuntimeError):
    """A module could not compute its trial state for this Δt (the step is retried smaller)."""
