"""Studies at scale: parameter sweeps of a case on MPI, with labelled results.

``femmag sweep case.toml --out DIR`` (or :class:`Sweep` from Python) runs the product of the
``[sweep]`` axes of a case (:mod:`femmag.study.sweep`), hands the points to groups of MPI ranks
(:mod:`femmag.study.runner`), computes named outcomes per run (:mod:`femmag.study.outcomes`) and
writes ``DIR/results.nc`` (:mod:`femmag.study.results`). ``femmag.studies`` (plural) holds the
papers' stacks and calibrations.
"""

from femmag.study.outcomes import SettledOutcome, compute_outcomes
from femmag.study.sweep import Axis, Sweep, SweepError

__all__ = ["Axis", "SettledOutcome", "Sweep", "SweepError", "compute_outcomes"]
