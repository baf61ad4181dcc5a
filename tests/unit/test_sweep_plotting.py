"""Phase diagrams of sweeps: `femmag plot DIR` on a tiny synthetic results.nc writes a PNG that is
not blank and shows the outcome colours; the seed's pair of starts (+z, −z) combines into the
seed's classes; 1-axis sweeps and extra axes (panels) draw; too many panels is a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.cli import main
from femmag.study.outcomes import OUTCOMES
from femmag.study.plotting import MAX_PANELS, PhasePlotError, phase_outcome, plot_sweep

xr = pytest.importorskip("xarray")
pytestmark = pytest.mark.skipif(MPI.COMM_WORLD.size > 1, reason="serial plotting test")

BLUE, RED, GREEN = (0.12, 0.47, 0.71), (0.84, 0.15, 0.16), (0.17, 0.63, 0.17)  # tab: colours


def _coord(name, values, unit, key):
    return xr.Variable(name, np.asarray(values), attrs={"unit": unit, "key": key})


def synthetic(n_d=4, n_f=5, pair=True, extra=None):
    """A D × F (× initial) map: switched above F = 2.3 for D ≥ 6 µm, demagnetized above 3.0."""
    D = np.linspace(2, 20, n_d)
    F = np.linspace(1.6, 3.4, n_f)
    coords = {"diameter": _coord("diameter", D, "um", "pulse.diameter"),
              "fluence": _coord("fluence", F, "mJ/cm^2", "pulse.fluence")}
    dd, ff = np.meshgrid(D, F, indexing="ij")
    up = np.where((ff > 2.3) & (dd >= 6), "switched", "not_switched").astype(object)
    down = np.where(ff > 3.0, "switched", "not_switched").astype(object)  # −z start flipped
    up[0, 0] = "failed"
    mz_up = np.where(up == "switched", -0.5, 0.6)
    if pair:
        coords["initial"] = _coord("initial", ["+z", "-z"], "none", "magnetization.initial")
        outcome = np.stack([up, down], axis=-1)
        mz = np.stack([mz_up, np.where(down == "switched", 0.5, -0.6)], axis=-1)
        dims = ["diameter", "fluence", "initial"]
    else:
        outcome, mz, dims = up, mz_up, ["diameter", "fluence"]
    if extra is not None:
        name, values = extra
        coords[name] = _coord(name, values, "T/(mJ/cm^2)", f"induction.{name}")
        outcome = np.stack([outcome] * len(values), axis=0)
        mz = np.stack([mz] * len(values), axis=0)
        dims = [name, *dims]
    data = {"outcome": (dims, outcome.astype(str)),
            "final_centre_mz": (dims, mz, {"unit": "1"})}
    return xr.Dataset(data, coords=coords, attrs={"title": "synthetic sweep"})


def _image(path):
    import matplotlib.image as mpimg

    return mpimg.imread(path)[..., :3]


def _has_colour(img, rgb, tol=0.06):
    return bool(np.any(np.all(np.abs(img - np.array(rgb)) < tol, axis=-1)))


def test_pair_of_starts_gives_the_seed_classes():
    ds = synthetic()
    code = phase_outcome(ds)
    assert code.dims == ("diameter", "fluence")
    names = np.array(OUTCOMES)[code.values]
    assert names[0, 0] == "failed"
    assert names[-1, -1] == "demagnetized"  # −z start flipped: σ+ flips M+
    F = ds["fluence"].values
    j = int(np.flatnonzero((F > 2.3) & (F < 3.0))[0])
    assert names[-1, j] == "switched" and names[0, j] == "not_switched"
    assert names[-1, 0] == "not_switched"


def test_femmag_plot_writes_a_phase_diagram(tmp_path):
    synthetic().to_netcdf(tmp_path / "results.nc")
    assert main(["plot", str(tmp_path)]) == 0
    png = tmp_path / "phase_diagram.png"
    assert png.is_file()
    img = _image(png)
    assert img.std() > 0.05  # not blank
    for colour in (BLUE, RED, GREEN):  # switched, not switched, demagnetized regions
        assert _has_colour(img, colour)


def test_one_axis_and_panels(tmp_path):
    line = synthetic(pair=False).isel(diameter=-1)
    out = plot_sweep(line, tmp_path / "line.png")
    assert _has_colour(_image(out[0]), (0.57, 0.74, 0.86), tol=0.1)  # switched band (alpha)
    panels = synthetic(extra=("ife_coefficient", [1.0, 10.0]))
    panels.to_netcdf(tmp_path / "panels.nc")
    assert main(["plot", str(tmp_path / "panels.nc"), "--out", str(tmp_path / "p.png")]) == 0
    assert _image(tmp_path / "p.png").std() > 0.05


def test_too_many_panels_and_missing_results_are_clear_errors(tmp_path, capsys):
    many = synthetic(extra=("ife_coefficient", list(np.arange(MAX_PANELS + 1.0))))
    with pytest.raises(PhasePlotError, match="at most"):
        plot_sweep(many, tmp_path / "x.png", axes=("diameter", "fluence"))
    with pytest.raises(PhasePlotError, match="not among"):
        plot_sweep(synthetic(), tmp_path / "x.png", axes=("fluence", "damping"))
    (tmp_path / "empty").mkdir()
    assert main(["plot", str(tmp_path / "empty"), "--axes", "a", "b"]) == 2
    assert "no results.nc" in capsys.readouterr().err
