"""The command line runs a case file end to end and the outputs can be reopened."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import femmag

from mpi4py import MPI

from femmag.case import load_case
from femmag.cli import main
from femmag.io.traces import read_trace
from femmag.materials import Library

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "cases"


def test_run_case(tmp_path, capsys):
    out = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0)) / "case"
    assert main(["run", str(CASES / "seed003_film_1d.toml"), "--out", str(out), "--quiet"]) == 0
    MPI.COMM_WORLD.Barrier()
    data = read_trace(out / "traces.csv")
    Te = data["electron_temperature_centre [K]"]
    assert 1250 < Te.max() < 1320  # ≈ 2.34 T_c at mid-depth (top cell runs ~1.5% hotter)
    assert data["magnetization_z_centre [1]"].min() < 0.05
    assert (out / "fields.xdmf").exists() and (out / "traces.png").exists()
    from dolfinx import io

    with io.XDMFFile(MPI.COMM_WORLD, out / "fields.xdmf", "r") as f:
        mesh = f.read_mesh()
    assert mesh.topology.index_map(0).size_global > 10


def test_info_and_materials(capsys):
    comm = MPI.COMM_WORLD
    assert main(["info"]) == 0
    info = capsys.readouterr().out
    assert main(["materials"]) == 0
    table = capsys.readouterr().out.splitlines()
    if comm.rank != 0:  # rank 0 prints for all
        assert info == "" and table == []
        return
    assert info.startswith(f"femmag      {femmag.__version__}\n")
    assert "scalar type" in info and f"size {comm.size}\n" in info
    assert table[0].split()[:2] == ["material", "kind"]
    names = Library.default().names()
    assert [row.split()[0] for row in table[2:2 + len(names)]] == names
    capability = table[3 + len(names):]  # after a blank line: which physics each can run
    assert capability[0].split() == ["material", "heat", "optics", "LLB", "M3TM", "s-d",
                                     "induction", "spin", "diffusion"]
    assert [row.split()[0] for row in capability[2:2 + len(names)]] == names
    assert "why not:" in capability


@pytest.mark.skip_in_parallel
def test_module_entry_point(tmp_path):
    def femmag_module(*args):
        return subprocess.run([sys.executable, "-m", "femmag", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)

    info = femmag_module()  # no arguments: the environment report
    assert info.returncode == 0, info.stderr
    assert info.stdout.startswith(f"femmag      {femmag.__version__}\n")
    bad = tmp_path / "bad.toml"
    bad.write_text('[stack]\nlayers = []\n[time]\nend = "1 ps"\n')
    result = femmag_module("run", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode != 0
    assert "missing section [pulse]" in result.stderr
    assert not (tmp_path / "out").exists()


def test_case_materials_file_adds_a_material(tmp_path, capsys):
    folder = Path(MPI.COMM_WORLD.bcast(str(tmp_path), root=0))
    if MPI.COMM_WORLD.rank == 0:
        (folder / "film.toml").write_text(
            '[CoPt_weak_coupling]\nbase = "CoPt_S003A"\n'
            'description = "the seed-003 film with a tenth of its electron-phonon coupling"\n'
            '[CoPt_weak_coupling.electron_phonon_coupling]\n'
            'value = 3e17\nunit = "W/(m^3 K)"\nsource = "test"\n')
        case_text = (CASES / "seed003_film_1d.toml").read_text()
        assert 'material = "CoPt_S003A"' in case_text
        (folder / "case.toml").write_text(
            case_text.replace('material = "CoPt_S003A"', 'material = "CoPt_weak_coupling"')
            + '\n[materials]\nfile = "film.toml"\n')
    MPI.COMM_WORLD.Barrier()
    assert main(["mesh", str(folder / "case.toml")]) == 0
    if MPI.COMM_WORLD.rank == 0:
        assert capsys.readouterr().out.startswith("Domain kind=1d")
    sim = load_case(folder / "case.toml").simulation(verbose=False)
    assert sim.stack.layers[0].material == "CoPt_weak_coupling"
    film = sim.library.get("CoPt_weak_coupling")
    assert film.prop("electron_phonon_coupling").value == 3e17
    assert film.prop("curie_temperature").value == 550.0  # from its base, CoPt_S003A
    assert "CoPt_S003A" in sim.library  # the packaged materials stay


@pytest.mark.skip_in_parallel  # the CLI ends every rank on an error under mpiexec (MPI_Abort)
def test_run_refuse_overwrite_show_and_resume(tmp_path, capsys):
    case = tmp_path / "case.toml"
    case.write_text((CASES / "seed003_film_1d.toml").read_text().replace('end = "2 ps"',
                                                                          'end = "1 ps"'))
    out = tmp_path / "run"
    assert main(["run", str(case), "--out", str(out), "--quiet", "--checkpoint-every",
                 "0.4 ps"]) == 0
    # a second run into the same directory is refused (exit 2, one line, no traceback)
    capsys.readouterr()
    assert main(["run", str(case), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("femmag: error: output directory") and "--overwrite" in err
    assert "Traceback" not in err
    # bad input is exit 2 as well
    bad = tmp_path / "bad.toml"
    bad.write_text(case.read_text().replace("material =", "materal ="))
    assert main(["run", str(bad), "--out", str(tmp_path / "bad")]) == 2
    assert "unknown key 'materal' in [stack] layers[0]; did you mean 'material'?" in \
        capsys.readouterr().err
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "status      complete" in shown
    checkpoint = re.search(r"checkpoint at ([0-9.]+) ps", shown)
    assert checkpoint and 0.8 <= float(checkpoint.group(1)) < 0.9
    # resume continues the complete run to a later time, from its last checkpoint
    assert main(["resume", str(out), "--until", "1.5 ps", "--quiet"]) == 0
    assert read_trace(out / "traces.csv")["time [ps]"][-1] == pytest.approx(1.5)
    assert len(list(out.glob("fields_from_0.8*ps.xdmf"))) == 1
    # --overwrite replaces only femmag's files
    (out / "notes.txt").write_text("mine")
    assert main(["run", str(case), "--out", str(out), "--quiet", "--overwrite"]) == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert not (out / "checkpoint.npz").exists()
