"""femmag.kernels: pure, vectorized pointwise physics (numpy, optional numba); no dolfinx import.

Arrays are shaped (n_points, 3) for vectors and (n_points,) for scalars; SI units.

- :mod:`femmag.kernels.llb`: classical LLB (Langevin mean field m_e, χ̃_∥, damping, H_int, dm/dt)
  and the stiff-safe point integrator :func:`~femmag.kernels.llb.llb_advance`.
- :mod:`femmag.kernels.ode`: fused numba point loops used by the integrators (compiled once,
  cached on disk; ``FEMMAG_NO_NUMBA=1`` forces the numpy paths).

Submodules are imported on demand (``from femmag.kernels.llb import llb_advance``) so that
importing one kernel does not pay for the others (numba is loaded only by ``kernels.ode``).
"""
