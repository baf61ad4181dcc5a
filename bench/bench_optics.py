"""Bench: 1D finite-element optics vs the `tmm` transfer-matrix package, same 20-layer stack.

Run: ``OMP_NUM_THREADS=1 .venv/bin/python bench/bench_optics.py [--repeats 20]``.
Prints one table (rank 0): time to R, T, A and per-layer absorption, and time to evaluate the
absorption profile q(ζ) at 10⁴ depths, with the largest differences between the two codes; then
the accuracy of the planar FEM against the transfer matrix on random stacks at 0-80° for s and p
(the defaults of every route and the former PlanarOptics/depth_profile_from_stack defaults); then
the 2D stripe grating and the 2D film edge under a Gaussian beam at three resolutions each.
"""

from __future__ import annotations

import argparse
import time

import femmag  # noqa: F401  (dolfinx_solver before dolfinx)

from mpi4py import MPI

import numpy as np
import tmm

from femmag.physics.optics.planar import PlanarOptics
from femmag.physics.optics.patterned import PatternedFilmOptics2D

LAM = 800e-9
INDEX = {"Co": 2.49 + 4.80j, "Pt": 2.85 + 4.96j, "Cu": 0.25 + 5.01j, "Ta": 1.11 + 3.48j,
         "SiO2": 1.4533, "MgO": 1.73}
N_GLASS = 1.5108


def stack_20() -> list[tuple[str, complex, float]]:
    """Ta/Pt cap, ten Co/Pt repeats, a Cu spacer, an MgO/SiO2 bottom (20 layers, 1 nm .. 200 nm)."""
    layers = [("Ta", 3.0), ("Pt", 2.0)]
    layers += [(m, d) for _ in range(7) for m, d in (("Co", 0.6), ("Pt", 1.0))]
    layers += [("Cu", 20.0), ("MgO", 100.0), ("SiO2", 200.0), ("Ta", 5.0)]
    assert len(layers) == 20
    return [(name, INDEX[name], d * 1e-9) for name, d in layers]


def timed(fn, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--polarization", default="TE", help="2D edge bench: TE or TM")
    args = parser.parse_args()
    layers = stack_20()
    PlanarOptics.from_si(layers, LAM, 1.0, N_GLASS)  # JIT compilation of the forms, once

    def fem_solve():
        optics = PlanarOptics.from_si(layers, LAM, 1.0, N_GLASS)
        return optics, optics.layer_absorption

    n_list = [1.0] + [n for _, n, _ in layers] + [N_GLASS]
    d_list = [np.inf] + [d * 1e9 for _, _, d in layers] + [np.inf]

    def tmm_solve():
        data = tmm.coh_tmm("s", n_list, d_list, 0.0, LAM * 1e9)
        return data, tmm.absorp_in_each_layer(data)

    t_fem, (optics, a_fem) = timed(fem_solve, args.repeats)
    t_tmm, (data, a_tmm) = timed(tmm_solve, args.repeats)

    zeta = (np.arange(10_000) + 0.5) * optics.thickness / 10_000  # no point on an interface
    t_qfem, q_fem = timed(lambda: optics.absorbed_power_density(zeta), args.repeats)
    tops = np.concatenate([[0.0], np.cumsum([d for _, _, d in layers])])

    def tmm_profile():
        layer = np.clip(np.searchsorted(tops, zeta, side="right"), 1, len(layers))
        depth = np.minimum((zeta - tops[layer - 1]) * 1e9, np.asarray(d_list)[layer])
        # tmm.position_resolved takes one scalar depth at a time: its API, not ours.
        q = [tmm.position_resolved(int(j), float(s), data)["absor"] for j, s in zip(layer, depth)]
        return np.array(q) * 1e9  # 1/nm → 1/m

    t_qtmm, q_tmm = timed(tmm_profile, 2)
    if MPI.COMM_WORLD.rank == 0:
        print(f"20-layer stack at {LAM * 1e9:.0f} nm: P{optics.degree} FEM with "
              f"{optics.num_dofs} dofs "
              f"({optics.mesh_vertices.size - 1} cells), best of {args.repeats}")
        print(f"{'task':<42}{'FEM [ms]':>10}{'tmm [ms]':>10}{'max |diff|':>12}")
        print(f"{'R, T, A and per-layer absorption':<42}{t_fem * 1e3:>10.2f}{t_tmm * 1e3:>10.3f}"
              f"{max(abs(optics.R - data['R']), np.abs(a_fem - a_tmm[1:-1]).max()):>12.2e}")
        print(f"{'q(ζ) at 10^4 depths':<42}{t_qfem * 1e3:>10.2f}{t_qtmm * 1e3:>10.3f}"
              f"{np.abs(q_fem - q_tmm).max() / np.abs(q_tmm).max():>12.2e}")
        print(f"R = {optics.R:.6f} (tmm {data['R']:.6f}), T = {optics.T:.6f} "
              f"(tmm {data['T']:.6f}), A = {optics.A:.6f}")
    bench_oblique()
    bench_2d()
    bench_2d_edge(args.polarization)
    bench_pml()


def random_stack(seed: int) -> tuple[list[tuple[str, complex, float]], complex]:
    """1-8 layers of metals and dielectrics, 1 nm .. 1 µm (as tests/verification/
    test_optics_oblique.py)."""
    rng = np.random.default_rng(seed)
    index = {**INDEX, "Au": 0.18 + 5.1j, "TiO2": 2.52}
    names = list(index)
    layers = []
    for _ in range(rng.integers(1, 9)):
        name = names[rng.integers(len(names))]
        layers.append((name, index[name], 10 ** rng.uniform(-9, -6)))
    return layers, [1.4533, 1.5108, 1.73, 2.0 + 0.01j][seed % 4]


def bench_oblique(seeds: int = 8) -> None:
    """Planar FEM vs transfer matrix on random stacks, 0-80°, s and p: worst differences.

    R, T and A per layer absolute; q(ζ) relative to its maximum over the stack (41 depths per
    layer). The default (P3, 32 cells per skin depth, 80 per wavelength) is that of every route.
    """
    from femmag.physics.optics.transfer_matrix import tmm_stack_si

    settings = {"default (P3, 32/δ, 80/λ)": {},
                "P2, 32/δ, 80/λ (former profile default)": {"degree": 2},
                "P2, 8/δ, 40/λ (former PlanarOptics)": {"degree": 2, "cells_per_skin_depth": 8,
                                                         "cells_per_wavelength": 40}}
    rows = []
    for label, options in settings.items():
        for pol in ("s", "p"):
            worst = np.zeros(3)
            t0, solves = time.perf_counter(), 0
            for seed in range(seeds):
                layers, ns = random_stack(seed)
                for angle in (0.0, 20.0, 45.0, 60.0, 80.0):
                    theta = np.radians(angle)
                    fem = PlanarOptics.from_si(layers, LAM, 1.0, ns, angle=theta,
                                               polarization=pol, **options)
                    solves += 1
                    ref = tmm_stack_si([n for _, n, _ in layers], [d for *_, d in layers], LAM,
                                       1.0, ns, angle=theta, polarization=pol)
                    zeta = np.concatenate([lay.top + lay.thickness * np.linspace(0.001, 0.999, 41)
                                           for lay in fem.layers])
                    q_ref = ref.absorbed_power_density(zeta)
                    errors = [max(abs(fem.R - ref.R), abs(fem.T - ref.T)),
                              np.abs(fem.layer_absorption - ref.layer_absorption).max(),
                              np.abs(fem.absorbed_power_density(zeta) - q_ref).max()
                              / q_ref.max()]
                    worst = np.maximum(worst, errors)
            rows.append((label, pol, *worst, (time.perf_counter() - t0) / solves))
    if MPI.COMM_WORLD.rank == 0:
        print(f"\nPlanar FEM vs transfer matrix, {seeds} random stacks x 0/20/45/60/80 deg")
        print(f"{'discretisation':<42}{'pol':>4}{'R, T':>10}{'A_layer':>10}{'q/max q':>10}"
              f"{'ms/solve':>10}")
        for label, pol, rt, a, q, t in rows:
            print(f"{label:<42}{pol:>4}{rt:>10.1e}{a:>10.1e}{q:>10.1e}{t * 1e3:>10.1f}")


def bench_pml() -> None:
    """PML reflection: uniform seed-003 film under a plane wave, 2D against the 1D solution.

    The whole film response is the scattered field, which must leave through the top and bottom
    PMLs; |R_2D − R_1D| and the field error at the centre measure what the PMLs reflect (plus the
    discretization error, ~2e-5 at the default resolution).
    """
    film = [("CoPt", 2.673 + 4.883j, 10e-9)]
    planar = PlanarOptics.from_si(film, LAM, 1.0, 1.4533)
    zeta = np.array([-150e-9, 1e-9, 5e-9, 9e-9, 200e-9])
    rows = []
    for strength in (3.0, 6.0, 12.0, 24.0):
        for thickness in (0.5, 1.0):
            optics = PatternedFilmOptics2D.from_si(film, LAM, 1.0, 1.4533, pattern="uniform",
                                                   pml_strength=strength, pml_wavelengths=thickness)
            error = np.abs(optics.field(0.0, zeta) - planar.field(zeta)).max()
            rows.append((strength, thickness, abs(optics.R - planar.R), error))
    if MPI.COMM_WORLD.rank == 0:
        print("\nPML reflection (uniform CoPt film, plane wave, TE; default σ_max = 6, 1 λ)")
        print(f"{'σ_max':>7}{'d/λ':>6}{'|R2D-R1D|':>12}{'max|E2D-E1D|':>14}")
        for strength, thickness, dr, de in rows:
            print(f"{strength:>7.0f}{thickness:>6.1f}{dr:>12.2e}{de:>14.2e}")


def bench_2d_edge(polarization: str = "TE") -> None:
    """Film edge (10 nm CoPt on silica, ends at x = 0) under a Gaussian beam (w0 = 1 µm).

    Three resolutions (cells per wavelength 7.5/15/30, per skin depth 2/4/8, lateral cells per
    skin depth at the edge 0.5/1/2); the mesh is distributed over COMM_WORLD (run under mpiexec).
    Prints dofs, the wall time of the whole solve (gmsh mesh, assembly, MUMPS LU, fluxes), the
    absorptance, its change from the previous level and the energy balance.
    """
    comm = MPI.COMM_WORLD
    film = [("CoPt", 2.673 + 4.883j, 10e-9)]
    PatternedFilmOptics2D.from_si(film, LAM, 1.0, 1.4533, beam_waist=1e-6,
                                  polarization=polarization, cells_per_wavelength=5)  # JIT, once
    rows = []
    for level in (1, 2, 4):
        comm.barrier()
        t0 = time.perf_counter()
        edge = PatternedFilmOptics2D.from_si(film, LAM, 1.0, 1.4533, pattern="edge", edge=0.0,
                                             beam_waist=1e-6, polarization=polarization,
                                             cells_per_wavelength=7.5 * level,
                                             cells_per_skin_depth=2.0 * level,
                                             edge_cells_per_skin_depth=0.5 * level)
        elapsed = comm.allreduce(time.perf_counter() - t0, op=MPI.MAX)
        rows.append((level, edge.num_dofs, elapsed, edge.A, edge.R, edge.energy_balance_error,
                     edge.timings))
    if comm.rank == 0:
        print(f"\n2D film edge, {polarization}, Gaussian beam w0 = 1 µm, Q2, MUMPS, "
              f"{comm.size} rank(s)")
        print(f"{'level':>6}{'dofs':>9}{'time [s]':>10}{'A':>11}{'|ΔA|':>10}{'R':>10}"
              f"{'|R+T+A+lat-1|':>15}   time split (rank 0) [s]")
        previous = None
        for level, dofs, t, A, R, err, split in rows:
            change = f"{abs(A - previous):>10.2e}" if previous is not None else f"{'':>10}"
            parts = " ".join(f"{k} {v:.2f}" for k, v in split.items())
            print(f"{level:>6}{dofs:>9}{t:>10.2f}{A:>11.6f}{change}{R:>10.5f}{err:>15.2e}   "
                  f"{parts}")
            previous = A


def bench_2d() -> None:
    """2D stripe grating (10 nm CoPt on silica, P = 1.2 µm, fill 0.5) at three resolutions
    (level 2: the default mesh)."""
    film = [("CoPt", 2.673 + 4.883j, 10e-9)]
    PatternedFilmOptics2D.from_si(film, LAM, 1.0, 1.4533, pattern="grating", period=1.2e-6,
                                  stripe_width=0.6e-6)  # JIT, once
    rows = []
    for level in (1, 2, 4):
        t0 = time.perf_counter()
        grating = PatternedFilmOptics2D.from_si(film, LAM, 1.0, 1.4533, pattern="grating",
                                                period=1.2e-6, stripe_width=0.6e-6,
                                                cells_per_skin_depth=2.0 * level,
                                                cells_per_wavelength=7.5 * level)
        rows.append((level, grating.num_dofs, time.perf_counter() - t0, grating.R, grating.A,
                     grating.energy_balance_error))
    if MPI.COMM_WORLD.rank == 0:
        print("\n2D TE stripe grating (CoPt 10 nm, P = 1.2 µm, fill 0.5), P2, LU")
        print(f"{'level':>6}{'dofs':>9}{'time [s]':>10}{'R':>10}{'A':>10}{'|R+T+A-1|':>12}")
        for level, dofs, t, R, A, err in rows:
            print(f"{level:>6}{dofs:>9}{t:>10.2f}{R:>10.5f}{A:>10.5f}{err:>12.2e}")


if __name__ == "__main__":
    main()
