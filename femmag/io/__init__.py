"""Outputs: point probes, CSV traces, field files (XDMF) and figures (PNG)."""
