"""Outputs: point probes, CSV traces, field files (VTKHDF and XDMF), pictures and figures (PNG).

:func:`load` reads a run directory's ``fields.vtkhdf`` back as pyvista meshes.
"""

from femmag.io.fields_io import Result, load

__all__ = ["Result", "load"]
