"""femmag.io."""
