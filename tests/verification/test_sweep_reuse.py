"""Sweeps reuse the induction: with the magnetization source and Joule heating off, the induced
field is B_i = h κ F · U(r, t) with a unit response U fixed by the beam, pulse, film, box, mesh and
probe radii, so the points that share those share one U (``femmag.physics.induction.module``).

Checked here: a point run with the reused response gives the outcomes of the point that solves its
induction, and its beam-centre B_i trace within 1e-3 of the peak (measured 1.5e-4: the solved
run's own BDF2 step error at 4 fs steps); a small r-z map gives the same dataset either way, with
one response solved per diameter; the cache key changes with every parameter the response depends
on and with none of those it scales with; on 2 ranks, groups of 1 and 2 ranks give the same map.
Also the cheap refusals of the sweep: a ``ranks_per_run`` that does not divide the rank count and
a bad ``magnetization.*`` value, before any run.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from mpi4py import MPI

import femmag  # noqa: F401  (before dolfinx)
from femmag.case import case_from_dict
from femmag.physics.induction.module import (FilmInduction, InductionResponseCache,
                                             reuse_induction_responses)
from femmag.pulse import Pulse, PulseTrain
from femmag.study import Sweep, SweepError, compute_outcomes

WORLD = MPI.COMM_WORLD
END = "1.5 ps"


def _case(fluence: str = "2.6 mJ/cm^2", diameter: str = "10 um") -> dict:
    return {
        "stack": {"layers": [{"name": "CoPt", "material": "CoPt_S003A", "thickness": "10 nm"}],
                  "substrate": {"material": "fused_silica", "thickness": "5 um"}},
        "mesh": {"kind": "rz", "cells_per_beam_radius": 4},
        "pulse": {"fluence": fluence, "duration": "140 fs", "diameter": diameter,
                  "helicity": "sigma-", "arrival": "0.2 ps"},
        "magnetization": {"initial": "+z"},
        "induction": {"ife_coefficient": "1 T/(mJ/cm^2)", "cells_per_radius": 5},
        "time": {"end": END, "dt_pulse": "4 fs", "dt_max": "100 fs"},
    }


def _run(data: dict, cache: InductionResponseCache | None):
    sim = case_from_dict(data, Path("<test>")).simulation(comm=WORLD, verbose=False)
    if cache is None:
        sim.run(END, progress=False)
    else:
        with reuse_induction_responses(cache):
            sim.run(END, progress=False)
    return sim


@pytest.fixture(scope="module")
def pair():
    """One point solved, the same point and another fluence with a reused response."""
    cache = InductionResponseCache()
    solved = _run(_case(), None)
    reused = _run(_case(), cache)
    other = _run(_case(fluence="2 mJ/cm^2"), cache)
    return solved, reused, other, cache


def test_reused_response_gives_the_solved_field_and_outcomes(pair):
    solved, reused, other, cache = pair
    assert solved.induction.response is None
    assert reused.induction.response is not None and other.induction.response is not None
    assert (cache.misses, cache.hits) == (1, 1)  # the second fluence hit the first's response
    B0 = solved.traces.column("induced_field_centre")
    B1 = reused.traces.column("induced_field_centre")
    assert len(B0) == len(B1)  # the same steps
    peak = np.abs(B0).max()
    assert peak > 1.0  # ~0.5 B_IFE at 2.6 mJ/cm² (the eddy currents delay and halve it)
    assert np.abs(B1 - B0).max() <= 1e-3 * peak
    o0, o1 = compute_outcomes(solved), compute_outcomes(reused)
    assert o1["outcome"] == o0["outcome"]
    assert o1["induced_field_peak"] == pytest.approx(o0["induced_field_peak"], rel=1e-3)
    assert o1["induced_field_delay"] == pytest.approx(o0["induced_field_delay"], abs=0.01)
    for name in ("final_centre_mz", "electron_temperature_max", "min_magnetization_norm"):
        assert o1[name] == pytest.approx(o0[name], rel=1e-3, abs=1e-4), name
    # linear in the source: the other fluence's field is the same response scaled
    B2 = other.traces.column("induced_field_centre")
    assert np.allclose(B2 * 2.6 / 2.0, B1, rtol=1e-12, atol=1e-12 * peak)


def test_the_key_holds_every_parameter_the_response_depends_on():
    from femmag.geometry import builders
    from femmag.studies.seed003 import seed003_film

    stack = seed003_film()
    domain = builders.build_1d(stack, MPI.COMM_SELF)
    thin = builders.build_1d(seed003_film(thickness="8 nm"), MPI.COMM_SELF)
    pulse = Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-", arrival="0.2 ps")
    radii = np.array([0.0, 1e-6, 2e-6])

    def key(domain=domain, pulse=pulse, box=1e-4, radii=radii, **options):
        options.setdefault("end_time", "30 ps")
        return FilmInduction(domain, pulse, **options).response_key(box, radii)

    base = key()
    same = [key(pulse=Pulse("1 mJ/cm^2", "140 fs", "10 um", helicity="sigma-",
                            arrival="0.2 ps")),
            key(pulse=Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma+",
                            arrival="0.2 ps")),
            key(ife_coefficient="3 T/(mJ/cm^2)")]
    assert all(k == base for k in same)  # the response scales with h κ F
    changed = {
        "beam radius": key(pulse=Pulse("2.6 mJ/cm^2", "140 fs", "12 um", helicity="sigma-",
                                       arrival="0.2 ps")),
        "duration": key(pulse=Pulse("2.6 mJ/cm^2", "100 fs", "10 um", helicity="sigma-",
                                    arrival="0.2 ps")),
        "arrival": key(pulse=Pulse("2.6 mJ/cm^2", "140 fs", "10 um", helicity="sigma-",
                                   arrival="0.3 ps")),
        "pulse train": key(pulse=PulseTrain(pulse, 2, "3 ps")),
        "conductivity": key(conductivity="5e6 S/m"),
        "thickness": key(domain=thin),
        "box": key(box=2e-4),
        "representation": key(representation="resolved"),
        "mesh": key(cells_per_radius=8),
        "end time": key(end_time="20 ps"),
        "probe radii": key(radii=np.array([0.0, 1e-6, 2.5e-6])),
    }
    for what, k in changed.items():
        assert k != base, what
    cache = InductionResponseCache()
    assert cache.get(base) is None and all(cache.get(k) is None for k in changed.values())
    assert cache.misses == 1 + len(changed)
    # a magnetization source or Joule heating makes the field nonlinear: never reused
    assert not FilmInduction(domain, pulse, end_time="30 ps",
                             magnetization_source=True).reuses_response
    assert not FilmInduction(domain, pulse, end_time="30 ps",
                             joule_heating=True).reuses_response
    assert not FilmInduction(domain, pulse).reuses_response  # no end time: no fixed grid


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    """A 2 × 2 fluence × diameter map, solved and reused (and on 2 ranks: groups of 2)."""
    root = Path(WORLD.bcast(str(tmp_path_factory.mktemp("reuse")) if WORLD.rank == 0 else None))
    sweep = Sweep(_case(), axes={"pulse.fluence": ["2 mJ/cm^2", "2.6 mJ/cm^2"],
                                 "pulse.diameter": ["6 um", "10 um"]})
    result = {"root": root,
              "solved": sweep.run(root / "solved", early_stop=False, quiet=True,
                                  reuse_induction=False),
              "reused": sweep.run(root / "reused", early_stop=False, quiet=True)}
    if WORLD.size == 2:
        result["pair"] = sweep.run(root / "pair", early_stop=False, quiet=True,
                                   ranks_per_run=2)
    return result


def test_a_map_with_reused_responses_equals_the_solved_map(maps):
    solved, reused = maps["solved"], maps["reused"]
    assert np.array_equal(reused["outcome"].values, solved["outcome"].values)
    peak = np.abs(solved["induced_field_peak"].values)
    assert np.all(np.abs(reused["induced_field_peak"].values
                         - solved["induced_field_peak"].values) <= 1e-3 * peak)
    assert np.allclose(reused["electron_temperature_max"].values,
                       solved["electron_temperature_max"].values, rtol=1e-12)
    records = [tomllib.loads(p.read_text())
               for p in sorted((maps["root"] / "reused" / "points").glob("*.toml"))]
    assert [r["induction"] for r in records] == ["reused response"] * 4
    # one response per diameter and group, its solve recorded on the point that needed it; the
    # first fluence meets both diameters first
    solves = [r["seconds"]["induction_response"] > 0 for r in records]
    assert solves[:2] == [True, True]
    assert sum(solves) == 2 if WORLD.size == 1 else 2 <= sum(solves) <= 4
    assert all(r["induction"] == "solved" for r in
               (tomllib.loads(p.read_text())
                for p in (maps["root"] / "solved" / "points").glob("*.toml")))


@pytest.mark.skipif(WORLD.size != 2, reason="groups of 1 and 2 ranks need 2 ranks")
def test_groups_of_one_and_two_ranks_give_the_same_reused_map(maps):
    one, two = maps["reused"], maps["pair"]
    assert np.array_equal(one["outcome"].values, two["outcome"].values)
    for name in ("induced_field_peak", "electron_temperature_max", "final_centre_mz"):
        assert np.allclose(one[name].values, two[name].values, rtol=1e-6, atol=1e-9), name


def test_ranks_per_run_must_divide_the_rank_count(tmp_path_factory):
    root = Path(WORLD.bcast(str(tmp_path_factory.mktemp("bad")) if WORLD.rank == 0 else None))
    sweep = Sweep(_case(), axes={"pulse.fluence": ["2 mJ/cm^2"]})
    for bad in (WORLD.size + 1, 0, 1.5, True):
        with pytest.raises(ValueError, match="use a divisor of"):
            sweep.run(root / "out", ranks_per_run=bad, quiet=True)
    assert not (root / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("key, values, message", [
    ("magnetization.initial", ["+z", "sideways"], "sideways"),
    ("magnetization.max_substeps", [0, 4], "max_substeps"),
    ("magnetization.damping", ["0.01", "0.05"], "unknown key .damping."),
    ("magnetization.model", ["llb", "llb-stochastic"], "seed"),
])
def test_a_bad_magnetization_value_is_refused_before_any_run(key, values, message):
    with pytest.raises(SweepError, match=message):
        Sweep(_case(), axes={key: values})
