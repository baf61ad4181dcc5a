"""femmag.reference."""
