"""femmag.geometry."""
