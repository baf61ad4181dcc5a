"""Field files for ParaView and pyvista: ``fields.vtkhdf`` (VTKHDF, every field time in one file).

The file is written by VTK's own HDF writer on rank 0 from the gathered mesh (DOLFINx 0.11's
``dolfinx.io.vtkhdf`` writes one unnamed point array, ``u``, and no cell data, so it cannot hold
several named fields). Lengths are in metres in the file; on r-z meshes the point coordinates are
(r, z, 0) with z = 0 at the top surface and z < 0 inside the stack. Each time step carries its
point data (P1 fields) and cell data (DG0 fields, e.g. the magnetization's cell averages) under
the fields' physical names, and field data: ``time`` [s] (exact; VTK's step list is float32),
``field_names`` / ``field_units`` / ``field_descriptions`` / ``field_pictures`` (aligned;
the last holds each field's picture options as JSON), ``geometry`` (``rz``,
``3d``, ...), ``beam_radius`` [m] (1/e intensity radius, when known) and ``stack_thickness`` [m].

Reading back: :func:`load` returns a :class:`Result` whose meshes are pyvista
``UnstructuredGrid`` objects with lengths in ``length_unit`` (default nm).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

LENGTH_UNITS = {"m": 1.0, "um": 1e6, "µm": 1e6, "nm": 1e9}


def _temporal_source(grid: Any, steps: list[tuple[float, dict]]) -> Any:
    """A VTK algorithm that serves ``grid`` with the arrays of each time step."""
    import vtk
    from vtkmodules.util.vtkAlgorithm import VTKPythonAlgorithmBase
    from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as Pipeline

    class Steps(VTKPythonAlgorithmBase):
        def __init__(self) -> None:
            super().__init__(nInputPorts=0, nOutputPorts=1, outputType="vtkUnstructuredGrid")

        def RequestInformation(self, request, in_info, out_info):
            info = out_info.GetInformationObject(0)
            times = [t for t, _ in steps]
            info.Set(Pipeline.TIME_STEPS(), times, len(times))
            info.Set(Pipeline.TIME_RANGE(), [times[0], times[-1]], 2)
            return 1

        def RequestData(self, request, in_info, out_info):
            info = out_info.GetInformationObject(0)
            t = info.Get(Pipeline.UPDATE_TIME_STEP()) if info.Has(
                Pipeline.UPDATE_TIME_STEP()) else steps[0][0]
            i = int(np.argmin([abs(s - t) for s, _ in steps]))
            step = grid.copy(deep=False)
            for kind, arrays in steps[i][1].items():
                target = step.point_data if kind == "point" else step.cell_data
                for name, values in arrays.items():
                    target[name] = values
            step.field_data["time"] = np.array([steps[i][0]])
            vtk.vtkUnstructuredGrid.GetData(out_info).ShallowCopy(step)
            return 1

    return Steps()


def write_vtkhdf(path: str | Path, grid: Any, steps: list[tuple[float, dict]]) -> None:
    """Write ``grid`` (pyvista, field data included) with every step ``(time, {"point": {name:
    values}, "cell": {...}})`` to a VTKHDF file (serial; via a temporary file, so the file on disk
    is always complete)."""
    import vtk

    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    source = _temporal_source(grid, steps)  # held: VTK calls back into it while writing
    writer = vtk.vtkHDFWriter()
    writer.SetInputConnection(source.GetOutputPort())
    writer.SetFileName(str(tmp))
    writer.SetWriteAllTimeSteps(True)
    if not writer.Write():
        raise OSError(f"VTK could not write {tmp}")
    tmp.replace(path)


class Result:
    """The fields of a run directory's ``fields.vtkhdf``, one pyvista mesh per field time.

    Attributes:
        path: the VTKHDF file.
        times: field times [s] (exact, from the file's per-step ``time``).
        length_unit: unit of the meshes' coordinates (``"nm"``, ``"um"`` or ``"m"``).
        units: ``{field name: SI unit}``; descriptions: ``{field name: one line}``; pictures:
            ``{field name: picture options}`` (see :class:`~femmag.physics.base.OutputField`).
        geometry: ``"rz"`` (points (r, z, 0)), ``"3d"``, ...
        beam_radius: 1/e intensity radius of the pump [m] (``None`` when not recorded).
        stack_thickness: total thickness of the stack [m] (``None`` when not recorded).
    """

    def __init__(self, path: str | Path, length_unit: str = "nm") -> None:
        import vtk

        if length_unit not in LENGTH_UNITS:
            raise ValueError(f"length_unit must be one of {sorted(LENGTH_UNITS)}, "
                             f"not '{length_unit}'")
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no field file {self.path}")
        self.length_unit = "um" if length_unit == "µm" else length_unit
        self._reader = vtk.vtkHDFReader()
        self._reader.SetFileName(str(self.path))
        self._reader.UpdateInformation()
        self._steps = int(self._reader.GetNumberOfSteps())
        first = self.read_step(0)
        fd = first.field_data
        names = [str(s) for s in fd["field_names"]] if "field_names" in fd else []
        units = [str(s) for s in fd["field_units"]] if "field_units" in fd else []
        descr = [str(s) for s in fd["field_descriptions"]] if "field_descriptions" in fd else []
        pictures = ([json.loads(str(s)) for s in fd["field_pictures"]] if "field_pictures" in fd
                    else [])
        self.units = dict(zip(names, units, strict=False))
        self.pictures = dict(zip(names, pictures, strict=False))
        self.descriptions = dict(zip(names, descr, strict=False))
        self.geometry = str(fd["geometry"][0]) if "geometry" in fd else "unknown"
        self.beam_radius = float(fd["beam_radius"][0]) if "beam_radius" in fd else None
        self.stack_thickness = (float(fd["stack_thickness"][0]) if "stack_thickness" in fd
                                else None)
        self.times = np.array([float(self.read_step(i).field_data["time"][0])
                               for i in range(self._steps)])

    @property
    def fields(self) -> list[str]:
        """Names of the fields in the file."""
        return list(self.units)

    def read_step(self, step: int) -> Any:
        """The ``pyvista.UnstructuredGrid`` of time step ``step`` as stored (lengths in m)."""
        import pyvista

        self._reader.SetStep(step)
        self._reader.Update()
        return pyvista.wrap(self._reader.GetOutput()).copy()

    def step_of(self, time: float) -> int:
        """Index of the field time nearest ``time`` [s]."""
        if self._steps == 0:
            raise LookupError(f"{self.path} holds no time step")
        return int(np.argmin(np.abs(self.times - time)))

    def mesh(self, time: float | None = None) -> Any:
        """The ``pyvista.UnstructuredGrid`` at the field time nearest ``time`` [s] (default: the
        last), coordinates in ``length_unit``, fields as point/cell data in SI units."""
        step = self._steps - 1 if time is None else self.step_of(time)
        grid = self.read_step(step)
        grid.points = grid.points * LENGTH_UNITS[self.length_unit]
        return grid

    def __repr__(self) -> str:
        return (f"Result({self.path}, times [ps] {np.round(self.times * 1e12, 6).tolist()}, "
                f"fields {self.fields})")


def load(directory: str | Path, length_unit: str = "nm") -> Result:
    """The fields of a run directory (or a ``.vtkhdf`` file) as a :class:`Result`.

    ``Result.times`` are the field times [s]; ``Result.mesh(t)`` is a ``pyvista.UnstructuredGrid``
    with every field at the field time nearest ``t`` (point data: P1 fields; cell data: cell
    averages), coordinates in ``length_unit`` (``"nm"`` default, ``"um"`` or ``"m"``). A resumed run
    directory holds one file per part (``fields.vtkhdf``, ``fields_from_<t>ps.vtkhdf``): pass the
    file itself to read a later part.
    """
    path = Path(directory)
    if path.is_dir():
        path = path / "fields.vtkhdf"
    return Result(path, length_unit=length_unit)
