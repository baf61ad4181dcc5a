"""Bad input fails early with a message that says what, where and how to fix it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import femmag  # noqa: F401

from mpi4py import MPI

from femmag.case import CaseError, load_case
from femmag.geometry import Layer, Stack
from femmag.studies.seed003 import seed003_film
from femmag.kernels.llb import LLBParameters, LLBStepError, llb_advance
from femmag.pulse import Pulse
from femmag.simulation import Simulation, TimeStepping
from femmag.solvers import SolverDivergedError
from femmag.units import UnitError, to_si


def test_fluence_without_unit():
    with pytest.raises(UnitError, match=r"Pulse.fluence = 2.6 has no unit.*mJ/cm\^2"):
        Pulse(2.6, "140 fs", "10 um")


def test_fluence_with_wrong_unit():
    with pytest.raises(UnitError, match=r"wrong unit.*not a fluence"):
        Pulse("2.6 mJ", "140 fs", "10 um")


def test_unit_typo_did_you_mean():
    with pytest.raises(UnitError, match="Did you mean"):
        to_si("2.6 mJ/cmm^2", "fluence")


def test_negative_thickness():
    with pytest.raises(ValueError, match=r"thickness.*positive"):
        Stack([Layer("film", "CoPt_S003A", "-5 nm")])


def test_unknown_material_did_you_mean():
    with pytest.raises(Exception, match=r"(?i)did you mean 'Co'"):
        Stack([Layer("film", "Coo", "5 nm")])


def test_time_stepping_too_coarse():
    with pytest.raises(ValueError, match="too coarse"):
        TimeStepping(dt_pulse="50 fs")


def test_llb_step_refused():
    params = LLBParameters(curie_temperature=550.0, atomic_moment=1.2 * 9.274e-24, coupling=0.045)
    m = np.array([[0.0, 0.0, 0.5]])
    with pytest.raises(LLBStepError, match=r"(?i)reduce dt"):
        llb_advance(m, np.zeros((1, 3)), np.array([1200.0]), 1e-9, params)


def test_newton_divergence_reason_in_words():
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", magnetization=False, verbose=False,
                     heat_options={"newton_max_it": 1, "newton_tolerance": "1e-30 K"})
    sim.setup()
    with pytest.raises(SolverDivergedError, match=r"DIVERGED_MAX_IT.*smaller time step"):
        sim.heat.step(0.1e-12, 2e-15)


def test_failed_run_keeps_its_traces_and_says_failed(tmp_path):
    from femmag.io.rundir import read_manifest
    from femmag.io.traces import read_trace

    out = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0)) / "run"
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.2 ps")
    sim = Simulation(seed003_film(), pulse, mesh="1d", verbose=False)
    sim.setup()

    def broken_field(points, t):
        if t > 0.05e-12:
            raise RuntimeError("field provider failed")
        return np.zeros((len(points), 3))

    sim.magnetization.add_field("broken", broken_field)
    with pytest.raises(RuntimeError, match="field provider failed"):
        sim.run("1 ps", out=out, field_times=["0.02 ps"])
    MPI.COMM_WORLD.Barrier()
    manifest = read_manifest(out)
    assert manifest["status"] == "failed"
    assert "field provider failed" in manifest["reason"]
    # the last committed step, before the provider failed at 0.05 ps (error-controlled steps
    # by default on 1D meshes: 0.042 ps; the fixed 2 fs steps of accuracy=None: 0.05 ps)
    assert manifest["last_time_ps"] == pytest.approx(sim.t * 1e12, rel=1e-9)
    assert 0.03 < manifest["last_time_ps"] <= 0.05 + 1e-9
    # every committed step is in traces.csv, up to the last committed time
    time_ps = read_trace(out / "traces.csv")["time [ps]"]
    assert time_ps[-1] == pytest.approx(manifest["last_time_ps"], rel=1e-9)
    assert len(time_ps) == len(sim.traces.rows)


def test_case_unknown_key(tmp_path):
    path = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0)) / "case.toml"
    if MPI.COMM_WORLD.rank == 0:
        path.write_text('[stack]\nlayers = []\n[pulse]\nfluenc = "1 mJ/cm^2"\n[time]\nend="1 ps"\n')
    MPI.COMM_WORLD.Barrier()
    with pytest.raises(CaseError, match=r"unknown key 'fluenc' in \[pulse\]; did you mean 'fluence'"):
        load_case(path)


def test_missing_mesh_group():
    from femmag.geometry import build_1d

    domain = build_1d(seed003_film(), MPI.COMM_WORLD)
    with pytest.raises(LookupError, match=r"no region 'Cu'"):
        domain.require("Cu")


def test_infinite_thickness_is_refused():
    from femmag.geometry import Layer
    from femmag.geometry.stack import StackError

    with pytest.raises(StackError, match="must be finite"):
        Layer("film", "Co", "inf nm")


def test_unit_slip_in_thickness_is_refused_before_allocating():
    from femmag.geometry import Layer, Stack, build_1d
    from femmag.geometry.gmsh_io import MeshBuildError

    stack = Stack([Layer("film", "CoPt_S003A", "10 m")],
                  substrate=Layer("substrate", "fused_silica", "5 um"))
    with pytest.raises(MeshBuildError, match=r"1e\+10 cells across.*check the layer thicknesses"):
        build_1d(stack, MPI.COMM_WORLD)


def test_metal_without_heat_properties_is_an_error():
    from femmag.geometry import Layer, Stack, build_1d
    from femmag.materials import Library
    from femmag.physics.heat.module import HeatSetupError, TwoTemperatureModel

    stack = Stack([Layer("film", "CoPt_S003A", "10 nm"), Layer("ni", "Ni", "5 nm")],
                  substrate=Layer("substrate", "fused_silica", "5 um"))
    with pytest.raises(HeatSetupError, match=r"'ni' \(material 'Ni'.*is a metal but has no "
                                             r"electron_phonon_coupling"):
        TwoTemperatureModel(build_1d(stack, MPI.COMM_WORLD), Library.default())


def test_the_cell_count_guard_can_be_forced():
    from femmag.geometry import Layer, Stack
    from femmag.geometry.builders import MAX_CELLS_ACROSS, thickness_grid
    from femmag.geometry.gmsh_io import MeshBuildError

    stack = Stack([Layer("film", "CoPt_S003A", "0.3 mm")],
                  substrate=Layer("substrate", "fused_silica", "5 um"))
    with pytest.raises(MeshBuildError, match="force=True"):
        thickness_grid(stack)
    grid = thickness_grid(stack, force=True)  # 3e5 cells across: allowed when asked for
    assert len(grid.z) - 1 > MAX_CELLS_ACROSS
