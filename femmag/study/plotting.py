"""Phase diagrams of a sweep (``DIR/results.nc``) in the style of seed 003 Figs. 5-6: the outcome
regions coloured (switched blue, not switched red, demagnetized green, failed grey, not run white),
the thresholds drawn as the boundaries between them, axes labelled with the coordinates' units.

- two swept axes: one map; one axis: the outcome along it (with the final centre m_z);
- more axes: one panel per value of the extra axes (at most :data:`MAX_PANELS`);
- an axis ``initial`` (key ``magnetization.initial``) with the values ``+z`` and ``-z`` is the
  seed's pair of runs and is combined into one outcome per point (:func:`phase_outcome`).

``femmag plot DIR`` calls :func:`plot_sweep` when DIR holds a ``results.nc``.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np

from femmag.study.outcomes import OUTCOMES

__all__ = ["MAX_PANELS", "PhasePlotError", "phase_outcome", "plot_sweep"]

#: the most panels one figure gets (more: select values with xarray first)
MAX_PANELS = 16
#: colours of the outcome codes (index = code in OUTCOMES), then "not run" (code -1 → last)
COLORS = {"switched": "tab:blue", "not_switched": "tab:red", "demagnetized": "tab:green",
          "failed": "0.55", "not_run": "white"}
LABELS = {"switched": "switched", "not_switched": "not switched", "demagnetized": "demagnetized",
          "failed": "failed", "not_run": "not run"}
#: the coordinate of the seed's pair of runs (see :func:`phase_outcome`)
PAIR_AXIS = "initial"


class PhasePlotError(ValueError):
    """The dataset cannot be drawn as a phase diagram (says why and what to do)."""


def _codes(outcome: np.ndarray) -> np.ndarray:
    """Outcome strings → codes (index in OUTCOMES; not run: len(OUTCOMES))."""
    table = {name: i for i, name in enumerate(OUTCOMES)}
    return np.vectorize(lambda s: table.get(str(s), len(OUTCOMES)), otypes=[int])(outcome)


def phase_outcome(ds: Any):
    """The outcome per point as an integer DataArray (codes: index in ``OUTCOMES``, not run =
    ``len(OUTCOMES)``), with the seed's pair of runs combined.

    When the dataset has an axis ``initial`` holding ``+z`` and ``-z`` (a σ− pulse with a small
    field B0 along +z, as in ``cases/seed003_fig5_map.toml``), the two starts are the seed's two
    runs mirrored (z → −z turns "σ+ from M+ with B0 towards the flip" into "σ− from M− with
    B0 = +B0"): *demagnetized* if the −z start is flipped (σ+ flips M+: the final state is set by
    the disturbance, not the helicity) or either run ends demagnetized, *switched* if only the +z
    start is flipped (σ− flips M+, σ+ does not), *not switched* otherwise, *failed* if either
    failed. Without that axis: ``outcome`` as it is.
    """
    import xarray as xr

    codes = xr.DataArray(_codes(ds["outcome"].values), dims=ds["outcome"].dims,
                         coords=ds["outcome"].coords)
    values = [str(v) for v in ds[PAIR_AXIS].values] if PAIR_AXIS in ds.dims else []
    if sorted(values) != ["+z", "-z"]:
        return codes
    up, down = (codes.sel({PAIR_AXIS: s}, drop=True) for s in ("+z", "-z"))
    S, N, D, F = (OUTCOMES.index(n) for n in ("switched", "not_switched", "demagnetized",
                                              "failed"))
    not_run = len(OUTCOMES)
    combined = xr.where((up == F) | (down == F), F,
                        xr.where((up == not_run) | (down == not_run), not_run,
                                 xr.where((down == S) | (up == D) | (down == D), D,
                                          xr.where(up == S, S, N))))
    return combined.astype(int)


def _label(ds: Any, dim: str) -> str:
    unit = ds[dim].attrs.get("unit", "")
    return f"{dim} [{unit}]" if unit not in ("", "none", "1") else dim


def _numeric(ds: Any, dim: str) -> bool:
    return np.issubdtype(ds[dim].values.dtype, np.number)


def _positions(ds: Any, dim: str) -> tuple[np.ndarray, bool]:
    """Plot positions of a coordinate and whether its axis is logarithmic (geometric values)."""
    if not _numeric(ds, dim):
        return np.arange(ds.sizes[dim], dtype=float), False
    x = np.asarray(ds[dim].values, dtype=float)
    log = (len(x) > 2 and np.all(x > 0)
           and np.allclose(np.diff(np.log(x)), np.log(x[1] / x[0]), rtol=1e-6)
           and not np.allclose(np.diff(x), x[1] - x[0], rtol=1e-6))
    return x, log


def _legend(ax: Any, present: set[int]) -> None:
    from matplotlib.patches import Patch

    names = [*OUTCOMES, "not_run"]
    handles = [Patch(facecolor=COLORS[names[c]], edgecolor="k", lw=0.5, label=LABELS[names[c]])
               for c in sorted(present)]
    ax.legend(handles=handles, fontsize=7, loc="best", framealpha=0.8)


def _edges(x: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around the points ``x`` (midpoints; geometric on a log axis)."""
    if len(x) == 1:
        return np.array([x[0] - 0.5, x[0] + 0.5]) if not log else x[0] * np.array([0.8, 1.25])
    if log:
        mid = np.sqrt(x[1:] * x[:-1])
        return np.concatenate([[x[0] ** 2 / mid[0]], mid, [x[-1] ** 2 / mid[-1]]])
    mid = 0.5 * (x[1:] + x[:-1])
    return np.concatenate([[2 * x[0] - mid[0]], mid, [2 * x[-1] - mid[-1]]])


def _boundaries(ax: Any, z: np.ndarray, xe: np.ndarray, ye: np.ndarray) -> None:
    """The thresholds: a line on every cell edge between two different outcomes (z[j, i]: y, x)."""
    from matplotlib.collections import LineCollection

    segments = []
    for j, i in zip(*np.nonzero(z[:, 1:] != z[:, :-1]), strict=True):  # vertical edges
        segments.append([(xe[i + 1], ye[j]), (xe[i + 1], ye[j + 1])])
    for j, i in zip(*np.nonzero(z[1:, :] != z[:-1, :]), strict=True):  # horizontal edges
        segments.append([(xe[i], ye[j + 1]), (xe[i + 1], ye[j + 1])])
    if segments:
        ax.add_collection(LineCollection(segments, colors="k", linewidths=1.4))


def _map(ax: Any, ds: Any, code: Any, xdim: str, ydim: str) -> set[int]:
    """One phase map: colour per outcome, boundaries between the regions."""
    from matplotlib.colors import ListedColormap

    names = [*OUTCOMES, "not_run"]
    cmap = ListedColormap([COLORS[n] for n in names])
    z = code.transpose(ydim, xdim).values
    x, xlog = _positions(ds, xdim)
    y, ylog = _positions(ds, ydim)
    ax.pcolormesh(x, y, z, cmap=cmap, vmin=-0.5, vmax=len(names) - 0.5, shading="nearest",
                  edgecolors="none")
    _boundaries(ax, z, _edges(x, xlog), _edges(y, ylog))
    if xlog:
        ax.set_xscale("log")
    if ylog:
        ax.set_yscale("log")
    for dim, pos, setter in ((xdim, x, ax.set_xticks), (ydim, y, ax.set_yticks)):
        if not _numeric(ds, dim):
            setter(pos, [str(v) for v in ds[dim].values])
    ax.set(xlabel=_label(ds, xdim), ylabel=_label(ds, ydim))
    return {int(c) for c in np.unique(z)}


def _line(ax: Any, ds: Any, code: Any, xdim: str, sel: dict) -> set[int]:
    """Outcome along one axis: coloured bands and the final centre m_z."""
    x, xlog = _positions(ds, xdim)
    z = code.values
    names = [*OUTCOMES, "not_run"]
    edges = np.concatenate([[x[0] - 0.5 * (x[1] - x[0]) if len(x) > 1 else x[0] - 0.5],
                            0.5 * (x[1:] + x[:-1]),
                            [x[-1] + 0.5 * (x[-1] - x[-2]) if len(x) > 1 else x[0] + 0.5]])
    for i, c in enumerate(z):
        ax.axvspan(edges[i], edges[i + 1], color=COLORS[names[c]], alpha=0.35, lw=0)
    for i in np.flatnonzero(np.diff(z) != 0):  # thresholds
        ax.axvline(0.5 * (x[i] + x[i + 1]), color="k", lw=1.2)
    if "final_centre_mz" in ds:
        mz = ds["final_centre_mz"]
        if PAIR_AXIS in mz.dims and PAIR_AXIS not in sel:
            for start, style in zip(ds[PAIR_AXIS].values, ("o-", "s--"), strict=False):
                ax.plot(x, mz.sel({PAIR_AXIS: start, **sel}).values, style, color="k", ms=4,
                        label=f"final centre m_z, start {start}")
            ax.legend(fontsize=7, loc="lower left")
        else:
            ax.plot(x, mz.sel(sel).values, "o-", color="k", ms=4)
        ax.axhline(0.0, color="k", lw=0.5)
        ax.set_ylabel("final centre m_z")
    if xlog:
        ax.set_xscale("log")
    if not _numeric(ds, xdim):
        ax.set_xticks(x, [str(v) for v in ds[xdim].values])
    ax.set_xlabel(_label(ds, xdim))
    return {int(c) for c in np.unique(z)}


def plot_sweep(source: str | Path | Any, out: str | Path | None = None, *,
               axes: tuple[str, str] | None = None, title: str | None = None) -> list[Path]:
    """Draw the phase diagram of a sweep.

    Args:
        source: a sweep directory (holding ``results.nc``), a ``.nc`` file, or a dataset.
        out: the PNG file (default ``DIR/phase_diagram.png``).
        axes: the (x, y) coordinates of the maps (default: the first two numeric swept axes
            besides the pair axis ``initial``, in sweep order: a D × F sweep draws D across and
            F up, as seed 003 Fig. 5).
        title: figure title (default: the dataset's ``title`` attribute).

    Returns:
        The files written.

    Raises:
        PhasePlotError: no ``results.nc``, no swept axis left, or more than :data:`MAX_PANELS`
            panels.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import xarray as xr

    if isinstance(source, xr.Dataset):
        ds, folder = source, Path(".")
    else:
        path = Path(source)
        nc = path / "results.nc" if path.is_dir() else path
        if not nc.is_file():
            raise PhasePlotError(f"'{source}' holds no results.nc: run `femmag sweep CASE --out "
                                 f"{source}` first (or give a run directory with --field)")
        with xr.open_dataset(nc) as opened:
            ds = opened.load()
        folder = nc.parent
    code = phase_outcome(ds)
    dims = list(code.dims)
    if not dims:
        raise PhasePlotError("the sweep has no axis left to draw (one point only)")
    if axes is None:
        numeric = [d for d in dims if _numeric(ds, d) and ds.sizes[d] > 1]
        rest = [d for d in dims if d not in numeric and ds.sizes[d] > 1]
        order = numeric + rest
        if not order:
            order = dims
        plotted = order[:2] if len(order) >= 2 else order[:1]
    else:
        missing = [a for a in axes if a not in dims]
        if missing:
            raise PhasePlotError(f"axes {missing} are not among the sweep's axes {dims}")
        plotted = list(axes)
    extra = [d for d in dims if d not in plotted]
    combos = list(itertools.product(*(range(ds.sizes[d]) for d in extra)))
    if len(combos) > MAX_PANELS:
        raise PhasePlotError(
            f"{len(combos)} panels ({' × '.join(f'{d}[{ds.sizes[d]}]' for d in extra)} beside "
            f"the plotted axes {plotted}): at most {MAX_PANELS}; select values first, e.g. "
            f"plot_sweep(xarray.open_dataset(...).isel({extra[0]}=[0, -1]))")
    n = len(combos)
    ncol = min(n, 3)
    nrow = -(-n // ncol)
    fig, axs = plt.subplots(nrow, ncol, figsize=(4.8 * ncol, 3.9 * nrow), squeeze=False)
    present: set[int] = set()
    for ax, combo in zip(axs.flat, combos, strict=False):
        sel = {d: ds[d].values[i] for d, i in zip(extra, combo, strict=True)}
        panel = code.isel({d: i for d, i in zip(extra, combo, strict=True)})
        if len(plotted) == 2:
            present |= _map(ax, ds, panel, plotted[0], plotted[1])
        else:
            present |= _line(ax, ds, panel, plotted[0], sel)
        if sel:
            ax.set_title(", ".join(f"{d} = {_value(ds, d, v)}" for d, v in sel.items()),
                         fontsize=9)
    for ax in list(axs.flat)[n:]:
        ax.axis("off")
    _legend(axs.flat[0], present)
    paired = PAIR_AXIS in ds.dims and PAIR_AXIS not in dims
    note = " (σ−/σ+ pair combined)" if paired or (PAIR_AXIS in ds.dims and code.ndim
                                                   < ds["outcome"].ndim) else ""
    fig.suptitle((title or ds.attrs.get("title", "femmag sweep")) + note, fontsize=10)
    fig.tight_layout()
    target = Path(out) if out is not None else folder / "phase_diagram.png"
    fig.savefig(target, dpi=120)
    plt.close(fig)
    return [target]


def _value(ds: Any, dim: str, value: Any) -> str:
    unit = ds[dim].attrs.get("unit", "")
    text = f"{value:g}" if isinstance(value, float | np.floating) else str(value)
    return f"{text} {unit}" if unit not in ("", "none", "1") else text
