"""Named point probes, field-output selection, irregular pulse trains and the fields of an
early-stopped run, through Python and through case files.

Under ``mpiexec -n 2`` the probes of a 2-rank run are compared with a 1-rank run in the same
process (a probe point then lies on another rank than some of the others).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

import femmag  # noqa: F401  (before dolfinx)

from mpi4py import MPI

from femmag.case import CaseError, case_from_dict
from femmag.geometry import Layer, Stack
from femmag.io.traces import read_trace
from femmag.pulse import Pulse, PulseTrain
from femmag.simulation import Simulation, TimeStepping

ROOT = Path(__file__).resolve().parents[2]

FILM = {"layers": [{"name": "CoPt", "material": "CoPt_S003A", "thickness": "10 nm"}],
        "substrate": {"material": "fused_silica", "thickness": "5 um"}}
STEPS = {"dt_pulse": "4 fs", "dt_max": "50 fs"}
PROBES = {"surface": {"field": "electron_temperature", "at": "0 nm"},
          "film_mz": {"field": "magnetization_z", "at": ["-5 nm"]},
          "film_norm": {"field": "magnetization", "component": "norm", "at": ["-5 nm"]},
          "substrate": {"field": "lattice_temperature", "at": ["-20 nm"]}}


def film():
    return Stack([Layer("CoPt", "CoPt_S003A", "10 nm")],
                 substrate=Layer("substrate", "fused_silica", "5 um"))


def train():
    first = Pulse("2 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.3 ps")
    return PulseTrain(first, arrivals=["0.3 ps", "0.8 ps"], fluences=["2 mJ/cm^2", "1 mJ/cm^2"],
                      helicities=["sigma-", "sigma+"])


def gathered(u):
    """(coordinates, values) of every owned dof of ``u`` on every rank."""
    V = u.function_space
    n = V.dofmap.index_map.size_local
    bs = V.dofmap.index_map_bs
    x = np.concatenate(MPI.COMM_WORLD.allgather(V.tabulate_dof_coordinates()[:n]))
    v = np.concatenate(MPI.COMM_WORLD.allgather(u.x.array.reshape(-1, bs)[:n]))
    return x, v


# -- probes ----------------------------------------------------------------------------------------
def test_probe_values_equal_direct_evaluation():
    """P1 temperatures: linear interpolation of the nodal values at the point; the magnetization:
    the volume-weighted average of its quadrature state over the cell that holds the point."""
    sim = Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps"),
                     mesh="1d", time_stepping=TimeStepping(**STEPS), accuracy=None,
                     probes=PROBES, verbose=False)
    tr = sim.run("0.6 ps")
    assert "surface [K]" in tr.header() and "film_mz [1]" in tr.header()
    z, Te = gathered(sim.heat.electron_temperature)
    order = np.argsort(z[:, 0])
    assert tr.column("surface")[-1] == pytest.approx(Te[order][-1, 0], rel=1e-12)
    z, Tl = gathered(sim.heat.lattice_temperature)
    order = np.argsort(z[:, 0])
    direct = np.interp(-20e-9, z[order, 0], Tl[order, 0])
    assert tr.column("substrate")[-1] == pytest.approx(direct, rel=1e-12)
    assert tr.column("substrate")[-1] > 300.0 + 1e-6  # heat has reached it: a real test
    # the DG0 cell average of m over the cell around -5 nm
    nodes = np.sort(np.unique(z[:, 0]))
    lo, hi = nodes[nodes <= -5e-9].max(), nodes[nodes > -5e-9].min()
    mag = sim.magnetization
    own = mag._owned & (mag.points[:, 0] > lo) & (mag.points[:, 0] < hi)
    w = mag.volume_weights[own]
    sums = MPI.COMM_WORLD.allreduce(np.concatenate([(w[:, None] * mag.m[own]).sum(axis=0),
                                                    [w.sum()]]), op=MPI.SUM)
    m_cell = sums[:3] / sums[3]
    assert tr.column("film_mz")[-1] == pytest.approx(m_cell[2], rel=1e-12)
    assert tr.column("film_norm")[-1] == pytest.approx(np.linalg.norm(m_cell), rel=1e-12)
    assert tr.column("film_mz")[-1] < 0.99 * tr.column("film_mz")[0]  # demagnetized


def test_induced_field_probe_is_the_centre_field():
    """A field provider (the induced field of a 1D run) probed at the beam centre."""
    sim = Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-",
                                   arrival="0.3 ps"), mesh="1d",
                     induction={"ife_coefficient": "0.03 T/(mJ/cm^2)"},
                     time_stepping=TimeStepping(**STEPS), accuracy=None, verbose=False,
                     probes={"B_i": {"field": "induced_field", "at": ["-5 nm"]}})
    tr = sim.run("0.5 ps")
    assert "B_i [T]" in tr.header()
    np.testing.assert_array_equal(tr.column("B_i"), tr.column("induced_field_centre"))
    assert np.abs(tr.column("B_i")).max() > 1e-3


def rz_probe_traces(comm):
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
    probes = {"centre": {"field": "electron_temperature", "at": ["0 um", "0 nm"]},
              "edge": {"field": "electron_temperature", "at": ["15 um", "-3 nm"]},
              "ring_mz": {"field": "magnetization", "component": "z", "at": ["4 um", "-5 nm"]},
              "deep": {"field": "lattice_temperature", "at": ["2 um", "-40 nm"]},
              "bottom": {"field": "lattice_temperature", "at": ["0 um", "-4.5 um"]},
              "far": {"field": "electron_temperature", "at": ["19.5 um", "0 nm"]}}
    sim = Simulation(film(), pulse, mesh="rz", comm=comm, probes=probes, verbose=False,
                     mesh_options={"radius": "20 um", "cells_per_beam_radius": 6,
                                   "max_cell_size": "2.5 nm"},
                     time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="100 fs"))
    tr = sim.run("0.8 ps")
    owners = {p.owner for p in sim._located_probes.values()}
    return np.array([tr.column(n) for n in probes]), owners


def test_probe_traces_same_on_one_and_all_ranks():
    """The probe columns of a run on every rank equal those of a 1-rank run; under 2 ranks
    the points are owned by different ranks."""
    everywhere, owners = rz_probe_traces(MPI.COMM_WORLD)
    alone, _ = rz_probe_traces(MPI.COMM_SELF)
    if MPI.COMM_WORLD.size > 1:
        assert len(owners) > 1, "all probe points on one rank: the test would not test"
    np.testing.assert_allclose(everywhere, alone, rtol=1e-9, atol=1e-12)
    assert everywhere[0].max() > 400.0 and everywhere[1].max() < everywhere[0].max()


@pytest.mark.parametrize("probes, message", [
    ({"p": {"field": "electron_temprature", "at": "0 nm"}}, "no field 'electron_temprature'"),
    ({"p": {"field": "electron_temperature", "at": ["0 um", "0 nm"]}}, "a '1d' mesh takes 1"),
    ({"p": {"field": "electron_temperature", "at": "0"}}, "has no unit"),
    ({"p": {"field": "electron_temperature", "where": "0 nm"}}, "unknown key 'where'"),
    ({"p": {"field": "magnetization", "component": "w", "at": "0 nm"}}, "component = 'w'"),
    ({"bad name": {"field": "electron_temperature", "at": "0 nm"}}, "must be a word"),
    ({"p": {"field": "induced_field", "at": "0 nm"}}, "no field 'induced_field'"),
])
def test_bad_probes_are_refused_in_the_constructor(probes, message):
    with pytest.raises(ValueError, match=message):
        Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um"), mesh="1d", probes=probes,
                   verbose=False)


def test_probe_outside_the_mesh_is_refused_before_the_physics():
    sim = Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um"), mesh="1d", verbose=False,
                     probes={"above": {"field": "electron_temperature", "at": "5 nm"}})
    with pytest.raises(ValueError, match=r"probe 'above'.*outside the mesh; the mesh spans z "
                                         r"from -5010 to 0 nm"):
        sim.setup()
    assert not hasattr(sim, "heat")  # nothing but the mesh was built
    sim = Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um"), mesh="1d", verbose=False,
                     probes={"T": {"field": "electron_temperature", "component": "z",
                                   "at": "0 nm"}})
    with pytest.raises(ValueError, match="is a scalar field; leave out component"):
        sim.setup()


# -- field outputs and early stops -----------------------------------------------------------------
@pytest.mark.parametrize("outputs, message", [
    ({"fields": ["electron_temprature"]}, r"\['electron_temprature'\] not written"),
    ({"times": ["1 ps"], "every": "1 ps"}, "'times' or 'every', not both"),
    ({"every": "0 ps"}, "must be > 0"),
    ({"when": "1 ps"}, r"outputs options \['when'\] unknown"),
    ({"times": ["1"]}, "has no unit"),
])
def test_bad_outputs_are_refused_in_the_constructor(outputs, message):
    with pytest.raises(ValueError, match=message):
        Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um"), mesh="1d", outputs=outputs,
                   verbose=False)


def test_field_times_given_twice_are_refused():
    sim = Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um"), mesh="1d", verbose=False,
                     outputs={"every": "0.1 ps"})
    with pytest.raises(ValueError, match="field times given twice"):
        sim.run("0.3 ps", field_times=["0.1 ps"])


def shared(tmp_path):
    """Rank 0's temporary directory on every rank (a run directory is collective)."""
    return Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0))


def read_fields(directory):
    from femmag.io import load

    return load(directory, length_unit="nm")


def test_selected_fields_every_and_the_fields_at_an_early_stop(tmp_path):
    """outputs: only T_e, every 0.25 ps; the run stops early at 0.6 ps: the fields at 0.6 ps are
    written too, equal the final state, and run.toml says so."""
    out = shared(tmp_path) / "run"

    def past_half_a_picosecond(sim):
        return sim.t >= 0.6e-12 * (1 - 1e-9)

    past_half_a_picosecond.description = "t >= 0.6 ps"
    sim = Simulation(film(), Pulse("2.6 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps"),
                     mesh="1d", time_stepping=TimeStepping(dt_pulse="4 fs", dt_max="100 fs"),
                     accuracy=None, verbose=False,
                     outputs={"fields": ["electron_temperature"], "every": "0.25 ps"})
    sim.run("2 ps", out=out, stop_when=past_half_a_picosecond)
    assert sim.stopped_early and sim.t == pytest.approx(0.6e-12, rel=1e-9)
    result = read_fields(out)
    assert result.fields == ["electron_temperature"]
    np.testing.assert_allclose(result.times * 1e12, [0.0, 0.25, 0.5, 0.6], rtol=1e-9)
    _, Te = gathered(sim.heat.electron_temperature)
    written = result.mesh(result.times[-1]).point_data["electron_temperature"]
    assert np.sort(written) == pytest.approx(np.sort(Te[:, 0]), rel=1e-12)
    if MPI.COMM_WORLD.rank == 0:
        manifest = tomllib.loads((out / "run.toml").read_text())
        assert manifest["status"] == "complete" and manifest["stopped_early"] is True
        assert manifest["fields_at_stop_time"] == "0.6 ps"
        assert manifest["field_times_written"] == ["0 ps", "0.25 ps", "0.5 ps", "0.6 ps"]
        assert manifest["case"]["outputs"] == {"fields": ["electron_temperature"],
                                               "every": "0.25 ps"}


# -- irregular pulse trains ------------------------------------------------------------------------
def test_irregular_train_absorbs_each_pulse_fluence():
    """Two pulses of 2 and 1 mJ/cm² at 0.3 and 0.8 ps: the absorbed energy at the centre is
    A (F1 + F2), and after the first pulse only A F1."""
    sim = Simulation(film(), train(), mesh="1d", magnetization=False, verbose=False,
                     time_stepping=TimeStepping(**STEPS), accuracy=None)
    tr = sim.run("1.2 ps")
    A = sim.optics.absorptance()
    t, absorbed = tr.column("time"), tr.column("absorbed_energy")
    assert absorbed[-1] == pytest.approx(A * 30.0, rel=1e-6)  # 3 mJ/cm² = 30 J/m²
    assert np.interp(0.55, t, absorbed) == pytest.approx(A * 20.0, rel=1e-5)
    assert tr.column("internal_energy_change")[-1] == pytest.approx(absorbed[-1], rel=1e-4)


def test_pulse_train_validation():
    first = Pulse("2 mJ/cm^2", "140 fs", "10 um", arrival="0.3 ps")
    assert train().fluence_weights.tolist() == [1.0, 0.5]
    assert train().helicities.tolist() == [-1, 1] and not train().uniform
    assert PulseTrain(first, 3, "1 ps").uniform
    np.testing.assert_allclose(PulseTrain(first, 3, "1 ps").arrivals,
                               PulseTrain(first, arrivals=["0.3 ps", "1.3 ps", "2.3 ps"]).arrivals)
    for kwargs, message in [
        ({"arrivals": ["1 ps", "0.5 ps"]}, "must be finite and increasing"),
        ({"arrivals": ["1 ps"], "fluences": ["1 mJ/cm^2", "1 mJ/cm^2"]}, "one value per pulse"),
        ({"arrivals": ["1 ps"], "fluences": ["0 mJ/cm^2"]}, "must be finite and > 0"),
        ({"arrivals": ["0.05 ps"]}, "first pulse .*% of the pulse arrives before"),
        ({"arrivals": ["1 ps"], "helicities": ["left"]}, "is not a helicity"),
        ({"arrivals": ["1 ps"], "count": 2}, "not both"),
        ({}, "give count and period"),
    ]:
        with pytest.raises(ValueError, match=message):
            PulseTrain(first, **kwargs)


def test_induction_refuses_a_train_of_unequal_pulses():
    with pytest.raises(ValueError, match="differ in fluence or helicity"):
        Simulation(film(), train(), mesh="1d", induction={}, verbose=False)


# -- the same through case files -------------------------------------------------------------------
CASE = {
    "stack": FILM,
    "mesh": {"kind": "1d"},
    "pulse": [{"fluence": "2 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
               "helicity": "sigma-", "arrival": "0.3 ps"},
              {"fluence": "1 mJ/cm^2", "helicity": "sigma+", "arrival": "0.8 ps"}],
    "time": {"end": "1 ps", **STEPS},
    "heat": {},
    "probes": PROBES,
    "outputs": {"fields": ["electron_temperature", "magnetization"], "times": ["0.5 ps"]},
}


def test_case_with_probes_outputs_and_a_train_equals_the_script(tmp_path):
    tmp_path = shared(tmp_path)
    case = case_from_dict(CASE, ROOT / "cases" / "test.toml")
    from_case = case.simulation(verbose=False)
    assert repr(from_case.pulse) == repr(train())
    script = Simulation(film(), train(), mesh="1d", time_stepping=TimeStepping(**STEPS),
                        probes=PROBES, outputs=CASE["outputs"], verbose=False)
    a = from_case.run(case.run_options["t_end"], out=tmp_path / "case")
    b = script.run("1 ps", out=tmp_path / "script")
    assert a.header() == b.header()
    np.testing.assert_array_equal(np.array(a.rows), np.array(b.rows))
    if MPI.COMM_WORLD.rank == 0:
        on_disk = read_trace(tmp_path / "case" / "traces.csv")
        assert on_disk["surface [K]"][-1] == pytest.approx(a.column("surface")[-1], rel=1e-9)
    assert read_fields(tmp_path / "case").fields == ["electron_temperature", "magnetization"]


def test_the_two_ways_of_writing_a_train_in_a_case_agree():
    tables = case_from_dict(CASE, "t.toml").pulse()
    arrays = case_from_dict({**CASE, "pulse": {
        "fluence": "2 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
        "arrivals": ["0.3 ps", "0.8 ps"], "fluences": ["2 mJ/cm^2", "1 mJ/cm^2"],
        "helicities": ["sigma-", "sigma+"]}}, "t.toml").pulse()
    assert repr(tables) == repr(arrays) == repr(train())


@pytest.mark.parametrize("change, message", [
    ({"probes": {"p": {"field": "electron_temperature", "point": "0 nm"}}},
     r"unknown key 'point' in \[probes.p\]"),
    ({"probes": {"p": "electron_temperature"}}, r"\[probes\] p must be a table"),
    ({"outputs": {"feilds": ["magnetization"]}}, "unknown key 'feilds' in \\[outputs\\]"),
    ({"output": {"field_times": ["1 ps"]}}, "field times given twice"),
    ({"pulse": [{"fluence": "2 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
                 "arrival": "0.3 ps"}, {"fluence": "1 mJ/cm^2", "duration": "100 fs",
                                        "arrival": "1 ps"}]}, "share duration"),
    ({"pulse": [{"fluence": "2 mJ/cm^2", "duration": "140 fs", "diameter": "10 um",
                 "arrival": "0.3 ps"}, {"fluence": "1 mJ/cm^2", "delay": "1 ps"}]},
     r"unknown key 'delay' in \[\[pulse\]\] 1"),
])
def test_bad_case_tables_are_clear_errors(change, message):
    with pytest.raises(CaseError, match=message):
        case = case_from_dict({**CASE, **change}, "t.toml")
        case.pulse()
