"""femmag.kernels."""
