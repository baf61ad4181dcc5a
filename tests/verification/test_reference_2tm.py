"""The independent 1D finite-volume two-temperature reference (femmag.models.two_temperature_1d):
the seed-003 S003-A table (physics-spec §4.5), energy conservation, the 0D relaxation rate, time
and cell convergence, the Jacobian pattern and input errors."""

import numpy as np
import pytest

from femmag.models.two_temperature_1d import (
    build_grid,
    solve_two_temperature_1d,
    two_temperature_system,
)
from femmag.studies.seed003 import seed003_film_layers

CURIE_TEMPERATURE = 550.0  # K, seed 003
MJ_PER_CM2 = 10.0  # J/m²


def copt_film(cells=10):
    """S003-A film: CoPt 10 nm (physics-spec §4.4/§4.5, values from the materials library)."""
    return seed003_film_layers(film_cells=cells)[0][0]


def silica(cells=60, thickness=4e-6, **extra):
    """Fused-silica substrate (S003-A), geometrically graded from the film cell width."""
    return {**seed003_film_layers(substrate_cells=cells)[1], "thickness": thickness, **extra}


# (F0 [mJ/cm²], T_e,max/T_c, T_e < T_c from [ps after the pulse peak], T_l,max/T_c, T_e(20 ps) [K])
S003A_TABLE = [
    (1.0, 1.42, 0.24, 0.75, 395.0),
    (2.0, 2.03, 0.57, 0.95, 488.0),
    (2.6, 2.34, 15.2, 1.06, 544.0),
    (3.2, 2.63, np.inf, 1.18, 598.0),
]


@pytest.mark.parametrize(("fluence", "peak_ratio", "below", "lattice_ratio", "final"),
                         S003A_TABLE)
def test_s003a_table(fluence, peak_ratio, below, lattice_ratio, final):
    run = solve_two_temperature_1d([copt_film()], silica(), fluence=fluence * MJ_PER_CM2,
                                   duration=140e-15, arrival=0.0, t_end=40e-12)
    assert run.optics.A == pytest.approx(0.3725, abs=5e-5)
    assert np.sum(run.absorbed_fraction) == pytest.approx(run.optics.A, abs=1e-12)
    electron_max, peak_time = run.peak("electron", "CoPt")
    assert electron_max / CURIE_TEMPERATURE == pytest.approx(peak_ratio, abs=0.006)
    assert 60e-15 < peak_time < 90e-15  # T_e peaks +67..+81 fs after the pulse (§4.5)
    lattice_max, _ = run.peak("lattice", "CoPt")
    assert lattice_max / CURIE_TEMPERATURE == pytest.approx(lattice_ratio, abs=0.006)
    at_20ps = np.interp(20e-12, run.times, run.average("electron", "CoPt"))
    assert at_20ps == pytest.approx(final, abs=1.0)
    crossing = run.time_below(CURIE_TEMPERATURE)
    if np.isinf(below):
        assert np.isinf(crossing)
    elif below < 1:
        assert crossing * 1e12 == pytest.approx(below, abs=0.015)
    else:
        # near threshold T_e creeps down along T_c: the crossing moves with the substrate grid
        # (15.4 ps on this grid, 14.6 ps converged) -> loose tolerance
        assert crossing * 1e12 == pytest.approx(below, abs=0.6)


@pytest.mark.parametrize(("kapitza", "below_ps"), [(1e9, 23.0), (3e8, 39.0)])
def test_kapitza_delays_cooling(kapitza, below_ps):
    # physics-spec §4.2: at 2.6 mJ/cm² T_e < T_c after 23 ps (h_K = 1e9), 39 ps (3e8 W/m²K)
    run = solve_two_temperature_1d([copt_film()], silica(), fluence=2.6 * MJ_PER_CM2,
                                   duration=140e-15, t_end=45e-12, kapitza=kapitza)
    assert run.time_below(CURIE_TEMPERATURE) * 1e12 == pytest.approx(below_ps, abs=0.6)


def test_energy_conservation_adiabatic_bottom():
    run = solve_two_temperature_1d([copt_film()], silica(cells=40, thickness=1e-6),
                                   fluence=2.6 * MJ_PER_CM2, duration=140e-15, t_end=5e-12,
                                   bottom="adiabatic", rtol=1e-9, atol=1e-9)
    gained = run.internal_energy() - run.internal_energy()[0]
    absorbed = run.absorbed_energy()
    assert absorbed[-1] == pytest.approx(0.3725 * 26.0, rel=1e-3)
    assert np.max(np.abs(gained - absorbed)) / absorbed[-1] < 1e-6


def test_energy_conservation_multilayer_with_kapitza():
    metal_b = {"name": "Cu", "thickness": 20e-9, "cells": 10, "n": 0.25 + 5.01j,
               "gamma_e": 97.7, "G": 1e17, "C_l": 3.45e6, "kappa_e0": 245.0, "kappa_l": 5.0}
    oxide = {"name": "oxide", "thickness": 3e-9, "cells": 3, "n": 1.9 + 0.01j, "C": 2e6,
             "kappa": 1.0}
    run = solve_two_temperature_1d([copt_film(5), metal_b, oxide, copt_film(5)],
                                   silica(cells=30, thickness=0.5e-6),
                                   fluence=1.0 * MJ_PER_CM2, duration=100e-15, t_end=3e-12,
                                   bottom="adiabatic", kapitza=3e8, rtol=1e-9, atol=1e-9)
    gained = run.internal_energy()[-1] - run.internal_energy()[0]
    assert gained == pytest.approx(run.absorbed_energy()[-1], rel=1e-6)
    # the oxide absorbs a little into its single temperature bath
    assert np.sum(run.absorbed_fraction[run.grid.cells_of("oxide")]) > 0


def test_zero_dimensional_relaxation_rate():
    # one cell, constant C_e, no source: T_e - T_l = ΔT0 exp(-G (1/C_e + 1/C_l) t)
    metal = {"name": "metal", "thickness": 10e-9, "cells": 1, "gamma_e": 700.0, "C_e": 2e5,
             "G": 3e18, "C_l": 3e6, "kappa_e0": 30.0, "kappa_l": 2.0}
    times = np.linspace(0.0, 0.5e-12, 6)
    run = solve_two_temperature_1d([metal], None, fluence=0.0, duration=100e-15, t_start=0.0,
                                   t_end=times[-1], t_eval=times, absorbed_fraction=[0.0],
                                   initial_electron_temperature=400.0, bottom="adiabatic",
                                   rtol=1e-12, atol=1e-12)
    difference = run.electron_temperature[:, 0] - run.lattice_temperature[:, 0]
    rate = -np.diff(np.log(difference)) / np.diff(times)
    expected = 3e18 * (1 / 2e5 + 1 / 3e6)
    np.testing.assert_allclose(rate, expected, rtol=1e-6)
    # energy is conserved exactly in this closed cell
    assert np.ptp(run.internal_energy()) / run.internal_energy()[0] < 1e-12


def test_time_convergence():
    times = np.linspace(-0.3e-12, 10e-12, 120)

    def state(rtol):
        run = solve_two_temperature_1d([copt_film()], silica(), fluence=26.0, duration=140e-15,
                                       t_start=-0.3e-12, t_end=10e-12, t_eval=times, rtol=rtol,
                                       atol=100 * rtol)
        return np.concatenate((run.electron_temperature[:, :10], run.lattice_temperature), 1)

    reference = state(1e-10)
    errors = [np.max(np.abs(state(rtol) - reference)) for rtol in (1e-5, 1e-7, 1e-9)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[1] < 5e-3  # K
    assert errors[2] < 1e-4


def test_cell_convergence_is_second_order():
    # refine film cells, substrate cells and the first substrate cell together
    values = []
    for level in (1, 2, 4):
        run = solve_two_temperature_1d(
            [copt_film(10 * level)], silica(cells=60 * level, first_cell=1e-9 / level),
            fluence=26.0, duration=140e-15, t_start=-0.3e-12, t_end=20e-12,
            t_eval=[-0.3e-12, 1e-12, 20e-12], rtol=1e-10, atol=1e-8)
        values.append(run.average("electron", "CoPt")[1:])
    values = np.array(values)
    differences = np.abs(np.diff(values, axis=0))
    orders = np.log2(differences[0] / differences[1])
    assert np.all(orders > 1.8), orders
    assert np.all(differences[1] < 0.3)  # K, level 2 → 4


def test_jacobian_pattern_is_exact():
    metal_b = {"name": "b", "thickness": 2e-9, "cells": 2, "gamma_e": 100.0, "G": 1e17,
               "C_l": 3e6, "kappa_e0": 300.0, "kappa_l": 5.0}
    oxide = {"name": "ox", "thickness": 2e-9, "cells": 2, "C": 2e6, "kappa": 1.0}
    grid = build_grid([copt_film(3), metal_b, oxide, copt_film(2)],
                      silica(cells=5, thickness=50e-9))
    rhs, pattern = two_temperature_system(grid, np.full(grid.n_cells, 0.01), fluence=10.0,
                                          duration=1e-13, arrival=0.0, kapitza=1e9)
    state = 300.0 + 500.0 * np.random.default_rng(0).random(pattern.shape[0])
    base = rhs(0.0, state)
    jacobian = np.column_stack([(rhs(0.0, state + 1e-3 * unit) - base) / 1e-3
                                for unit in np.eye(state.size)])
    assert np.array_equal(jacobian != 0, pattern.toarray() != 0)


def test_graded_substrate_grid():
    grid = build_grid([copt_film()], silica())
    substrate = grid.widths[grid.cells_of("silica")]
    assert np.sum(substrate) == pytest.approx(4e-6, rel=1e-12)
    assert substrate[0] == pytest.approx(1e-9, rel=1e-6)
    ratios = substrate[1:] / substrate[:-1]
    assert np.ptp(ratios) < 1e-9 and ratios[0] > 1


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        ([{"thickness": 1e-8, "cells": 2, "gamma_e": 700, "G": 3e18, "C_l": 3e6,
           "kappa_e0": 30.0}], r"missing \['kappa_l'\]"),
        ([{**copt_film(), "kapa_l": 2.0}], "unknown key 'kapa_l'. Did you mean 'kappa_l'"),
        ([{**copt_film(), "G": -1.0}], "G must be positive"),
        ([{**copt_film(), "cells": 0}], "cells must be an integer"),
        ([], "at least one layer"),
    ],
)
def test_bad_layer_input(layers, message):
    with pytest.raises(ValueError, match=message):
        solve_two_temperature_1d(layers, silica(), fluence=10.0, duration=1e-13, t_end=1e-12)


def test_missing_optical_index_message():
    film = copt_film()
    del film["n"]
    with pytest.raises(ValueError, match="have no optical index 'n'"):
        solve_two_temperature_1d([film], silica(), fluence=10.0, duration=1e-13, t_end=1e-12)
    run = solve_two_temperature_1d([copt_film()], silica(cells=10), fluence=10.0,
                                   duration=1e-13, t_end=0.5e-12)
    with pytest.raises(KeyError, match="Did you mean 'CoPt'"):
        run.average("electron", "CoPT")
    with pytest.raises(ValueError, match="no electron bath"):
        run.average("electron", "silica")
