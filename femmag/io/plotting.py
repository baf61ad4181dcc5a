"""Figures: matplotlib time traces and pyvista pictures of fields (off screen, rank 0 writes the
PNGs from the gathered mesh, see :class:`femmag.io.writers.FieldWriter`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mpi4py import MPI


@dataclass
class FieldView:
    """One scalar field of a gathered mesh, ready for a picture.

    Attributes:
        grid: pyvista ``UnstructuredGrid`` in metres, r-z coordinates (r, z, 0).
        name: the point- or cell-data array pictured.
        component: index of the pictured component of a vector array (``None``: scalar).
        label: colour-bar title with the unit, e.g. ``"electron temperature T_e [K]"``.
        title: picture title.
        zlim: (bottom, top) z range shown [m] (``None``: the whole mesh).
        beam_radius: 1/e intensity radius of the pump [m], marked on the pictures (``None``: not).
    """

    grid: Any
    name: str
    label: str
    title: str = ""
    component: int | None = None
    cmap: str = "inferno"
    clim: tuple[float, float] | None = None
    zlim: tuple[float, float] | None = None
    beam_radius: float | None = None

    @classmethod
    def from_output(cls, output: Any, grid: Any, t: float, thickness: float,
                    field_data: Any) -> FieldView:
        """The view of a registered :class:`~femmag.physics.base.OutputField` with its picture
        options (``title`` is the colour-bar label; ``depth`` in stack thicknesses, ``top`` in
        nm)."""
        pic = output.picture or {}
        return cls.from_options(grid, output.name, output.unit, output.description, pic, t,
                                thickness, field_data)

    @classmethod
    def from_options(cls, grid: Any, name: str, unit: str, description: str, pic: dict,
                     t: float, thickness: float | None, field_data: Any) -> FieldView:
        component = pic.get("component")
        label = pic.get("title") or quantity_label(description or name, unit, component)
        zlim = None
        if thickness is not None:
            zlim = (-pic.get("depth", 1.0) * thickness, pic.get("top", 0.0) * 1e-9)
        beam = float(field_data["beam_radius"][0]) if "beam_radius" in field_data else None
        clim = tuple(pic["clim"]) if "clim" in pic else None
        return cls(grid=grid, name=name, label=label, component=component,
                   title=f"{description or name}, t = {t * 1e12:.4g} ps",
                   cmap=pic.get("cmap", "inferno"), clim=clim, zlim=zlim, beam_radius=beam)

    def scalars(self, grid: Any) -> np.ndarray:
        data = grid.point_data if self.name in grid.point_data else grid.cell_data
        values = np.asarray(data[self.name])
        return values if self.component is None else values[:, self.component]

    def clipped(self) -> Any:
        """The grid cut to ``zlim``, the pictured scalars as its active array ``"_shown"``."""
        grid = self.grid.copy(deep=False)
        values = self.scalars(grid)
        if self.name in grid.point_data:
            grid.point_data["_shown"] = values
        else:
            grid.cell_data["_shown"] = values
        if self.zlim is not None:
            lo, hi = self.zlim
            x0, x1, y0, y1, _, _ = grid.bounds
            lo, hi = max(lo, y0), min(hi, y1)
            if hi > lo:
                grid = grid.clip_box((x0, x1, lo, hi, -1.0, 1.0), invert=False, crinkle=False)
        return grid


def quantity_label(description: str, unit: str, component: int | None = None) -> str:
    """Colour-bar title: ``"electron temperature T_e [K]"`` (no brackets for unit 1)."""
    label = description if component is None else f"{description}: {'xyz'[component]} component"
    return label if unit in ("1", "") else f"{label} [{unit}]"


def _plotter(window_size: tuple[int, int]) -> Any:
    os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")
    import pyvista

    pyvista.OFF_SCREEN = True
    return pyvista.Plotter(off_screen=True, window_size=window_size)


def _scalar_bar(view: FieldView) -> dict:
    return dict(title=view.label, vertical=False, position_x=0.2, position_y=0.04, width=0.6,
                height=0.08, title_font_size=16, label_font_size=13, fmt="%.4g")


def rz_map_picture(view: FieldView, path: str | Path, *,
                   window_size: tuple[int, int] = (1100, 560)) -> None:
    """r-z map of a field: r in µm, z in nm, stretched vertically so that a film of nanometres and a
    beam of micrometres both fill the picture; the beam's 1/e radius is the dashed line."""
    import pyvista

    grid = view.clipped()
    x0, x1, z0, z1, _, _ = grid.bounds
    r_um, z_nm = (x0 * 1e6, x1 * 1e6), (z0 * 1e9, z1 * 1e9)
    # drawn in µm both ways, z stretched so that its range is 0.3 of the r range
    stretch = 0.3 * (x1 - x0) / max(z1 - z0, 1e-30)
    grid.points = grid.points * np.array([1e6, 1e6 * stretch, 1.0])
    plotter = _plotter(window_size)
    plotter.add_mesh(grid, scalars="_shown", cmap=view.cmap, clim=view.clim, lighting=False,
                     scalar_bar_args=_scalar_bar(view))
    if view.beam_radius is not None and x0 <= view.beam_radius <= x1:
        r = view.beam_radius * 1e6
        ys = (z0 * 1e6 * stretch, z1 * 1e6 * stretch)
        plotter.add_mesh(pyvista.Line((r, ys[0], 0.01), (r, ys[1], 0.01)), color="cyan",
                         line_width=3)
        plotter.add_text("cyan: beam 1/e radius", position="upper_right", font_size=9,
                         color="darkcyan")
    plotter.show_bounds(axes_ranges=[*r_um, *z_nm, 0.0, 0.0], xtitle="r [um]",
                        ytitle="z [nm]", location="front", ticks="outside", font_size=12,
                        grid=False, show_zaxis=False, show_zlabels=False, n_xlabels=5,
                        n_ylabels=4)
    plotter.add_title(view.title, font_size=11)
    plotter.view_xy()
    plotter.camera.zoom(1.35)
    plotter.screenshot(str(path))
    plotter.close()


def revolved_picture(view: FieldView, path: str | Path, *, angle: float = 270.0,
                     window_size: tuple[int, int] = (1000, 750)) -> None:
    """The r-z section revolved about the axis into a cut-away 3D view of the film (thickness
    exaggerated, the factor in the title), with the beam's 1/e radius as a circle on the top."""
    import pyvista

    grid = view.clipped()
    x0, x1, y0, y1, _, _ = grid.bounds
    exaggeration = 0.15 * (x1 - x0) / max(y1 - y0, 1e-30)
    section = grid.extract_surface(algorithm=None).triangulate()
    r, z = section.points[:, 0] * 1e6, section.points[:, 1] * 1e6 * exaggeration
    section.points = np.column_stack([r, np.zeros_like(r), z])
    body = section.extrude_rotate(resolution=max(int(angle / 3), 24), angle=angle, capping=True,
                                  rotation_axis=(0, 0, 1))
    plotter = _plotter(window_size)
    plotter.add_mesh(body, scalars="_shown", cmap=view.cmap, clim=view.clim,
                     scalar_bar_args=_scalar_bar(view))
    if view.beam_radius is not None:
        top = y1 * 1e6 * exaggeration
        spot = pyvista.Circle(radius=view.beam_radius * 1e6, resolution=120)
        spot = spot.extract_feature_edges(boundary_edges=True, feature_edges=False,
                                          manifold_edges=False, non_manifold_edges=False)
        spot.points[:, 2] = top + 0.002 * (x1 - x0) * 1e6
        plotter.add_mesh(spot, color="cyan", line_width=3)
        plotter.add_text("cyan: beam 1/e radius", position="upper_right", font_size=9,
                         color="darkcyan")
    plotter.add_title(f"{view.title}\n(r in µm, thickness x{exaggeration:.3g})", font_size=10)
    plotter.camera_position = [(1.6 * x1 * 1e6, -1.9 * x1 * 1e6, 1.4 * x1 * 1e6), (0, 0, 0),
                               (0, 0, 1)]
    plotter.reset_camera()
    plotter.camera.zoom(1.25)
    plotter.screenshot(str(path))
    plotter.close()


def mesh_picture(view: FieldView, path: str | Path, *,
                 window_size: tuple[int, int] = (1000, 750)) -> None:
    """A field on an x-z or 3D mesh (coordinates in µm), isometric for 3D meshes."""
    grid = view.clipped()
    grid.points = grid.points * 1e6
    plotter = _plotter(window_size)
    plotter.add_mesh(grid, scalars="_shown", cmap=view.cmap, clim=view.clim,
                     scalar_bar_args=_scalar_bar(view))
    plotter.add_title(f"{view.title} (lengths in µm)", font_size=10)
    if grid.bounds[5] - grid.bounds[4] > 0:
        plotter.view_isometric()
    else:
        plotter.view_xy()
    plotter.screenshot(str(path))
    plotter.close()


def profile_picture(view: FieldView, path: str | Path) -> None:
    """A field on a 1D (depth) mesh against depth z [nm] (matplotlib: a line, not a map)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grid = view.grid
    values = view.scalars(grid)
    if view.name in grid.point_data:
        z = grid.points[:, 0]
        order = np.argsort(z)
        z, values = z[order], values[order]
    else:  # cell values as steps over each cell
        cells = grid.cells.reshape(-1, 3)[:, 1:]
        ends = grid.points[cells, 0]
        order = np.argsort(ends.min(axis=1))
        z = np.sort(ends[order], axis=1).ravel()
        values = np.repeat(values[order], 2)
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(z * 1e9, values, color="C3")
    if view.zlim is not None:
        ax.set_xlim(view.zlim[0] * 1e9, max(view.zlim[1], z.min()) * 1e9)
    if view.clim is not None:
        ax.set_ylim(*view.clim)
    ax.set_xlabel("z [nm] (0: top surface)")
    ax.set_ylabel(view.label)
    ax.set_title(view.title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_result(result: Any, field: str, time: float | None, out: str | Path, *,
                component: int | None = None) -> list[Path]:
    """Pictures of ``field`` of a :class:`~femmag.io.fields_io.Result` at the field time nearest
    ``time`` [s] (default: the last): on r-z meshes the r-z map (``out``) and the revolved 3D view
    (``out`` with ``_3d``); on 1D meshes a depth profile; elsewhere one view. Returns the files
    written."""
    import difflib

    if field not in result.units:
        close = difflib.get_close_matches(field, result.fields, n=1, cutoff=0.5)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise LookupError(f"no field '{field}' in {result.path}{hint} (fields: "
                          f"{', '.join(result.fields)})")
    step = len(result.times) - 1 if time is None else result.step_of(time)
    t = float(result.times[step])
    if time is not None and abs(t - time) > 1e-3 * max(abs(time), 1e-15):
        raise ValueError(f"no field time {time * 1e12:.6g} ps in {result.path}; field times [ps]: "
                         f"{', '.join(f'{x * 1e12:.6g}' for x in result.times)}")
    grid = result.read_step(step)  # in metres: the pictures choose their own units
    options = dict(result.pictures.get(field, {}))
    if component is not None:
        options["component"] = component
    elif "component" not in options:
        data = grid.point_data if field in grid.point_data else grid.cell_data
        if np.asarray(data[field]).ndim == 2:
            options["component"] = np.asarray(data[field]).shape[1] - 1  # z of a vector
    if component is not None and options.get("component") != result.pictures.get(
            field, {}).get("component"):
        options.pop("title", None)  # its label names another component
    view = FieldView.from_options(grid, field, result.units[field],
                                  result.descriptions.get(field, field), options, t,
                                  result.stack_thickness if result.geometry in ("rz", "1d")
                                  else None, grid.field_data)
    out = Path(out)
    if result.geometry == "1d":
        profile_picture(view, out)
        return [out]
    if result.geometry != "rz":
        mesh_picture(view, out)
        return [out]
    revolved = out.with_name(f"{out.stem}_3d{out.suffix or '.png'}")
    rz_map_picture(view, out)
    revolved_picture(view, revolved)
    return [out, revolved]


def trace_figure(traces: dict[str, tuple[np.ndarray, np.ndarray, str]], path: str | Path, *,
                 title: str = "", xlabel: str = "time [ps]", xlog: bool = False) -> None:
    """Stacked panels of time traces: ``{label: (t, y, axis_label)}``; rank 0 only."""
    if MPI.COMM_WORLD.rank != 0:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {}
    for label, (t, y, axis) in traces.items():
        groups.setdefault(axis, []).append((label, t, y))
    fig, axes = plt.subplots(len(groups), 1, figsize=(7, 2.3 * len(groups)), sharex=True)
    axes = np.atleast_1d(axes)
    for ax, (axis, items) in zip(axes, groups.items(), strict=True):
        for label, t, y in items:
            ax.plot(t, y, label=label)
        ax.set_ylabel(axis)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        if xlog:
            ax.set_xscale("symlog", linthresh=1.0)
    axes[-1].set_xlabel(xlabel)
    axes[0].set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
