"""The numba warm-up (``python -m femmag.kernels.warmup``, run by ``make setup``) and the notice
printed when a kernel compiles at first use."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import femmag.kernels as kernels

numba = pytest.importorskip("numba")

ROOT = Path(__file__).resolve().parents[2]

# Runs the given families in a fresh process and reports numba's cache statistics of every
# dispatcher in the compiled kernel modules.
CACHE_STATS = """
import importlib, json, sys
from numba.core.registry import CPUDispatcher
from femmag import kernels
from femmag.kernels.warmup import FAMILIES
for name in sys.argv[1:]:
    FAMILIES[name]()
hits = misses = 0
for module in kernels.NUMBA_MODULES:
    for obj in vars(importlib.import_module(module)).values():
        if isinstance(obj, CPUDispatcher):
            hits += sum(obj.stats.cache_hits.values())
            misses += sum(obj.stats.cache_misses.values())
print(json.dumps({"hits": hits, "misses": misses}))
"""


def _run(args, env=None, timeout=900):
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("FEMMAG_NO_NUMBA", None)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout, check=True)


def _cache_stats(families, env=None):
    proc = _run(["-c", CACHE_STATS, *families], env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


@pytest.mark.skip_in_parallel  # one process per kernel cache: ranks would compile the same one
def test_warmup_then_no_kernel_compiles():
    proc = _run(["-m", "femmag.kernels.warmup"])
    for name in ("ode", "stochastic", "sd"):
        assert f"kernels {name}" in proc.stderr
    stats, stderr = _cache_stats(["ode", "stochastic", "sd"])
    assert stats["misses"] == 0, stats
    assert stats["hits"] >= 6, stats  # entry points of all three modules came from the disk
    assert kernels.COMPILE_NOTICE not in stderr


@pytest.mark.skip_in_parallel
def test_first_use_announces_compile_once(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))  # an empty cache: first use
    cold, stderr = _cache_stats(["sd"], env)
    assert cold["misses"] > 0
    assert stderr.count(kernels.COMPILE_NOTICE) == 1
    warm, stderr = _cache_stats(["sd"], env)
    assert warm == {"hits": warm["hits"], "misses": 0} and warm["hits"] > 0
    assert kernels.COMPILE_NOTICE not in stderr


def test_notice_once_on_rank_zero_for_kernel_modules(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(kernels, "_compile_notice_given", False)
    monkeypatch.setattr(kernels, "_is_rank_zero", lambda: True)
    assert not kernels.announce_compile("some.other.module", out)
    assert kernels.announce_compile("femmag.kernels.ode", out)
    assert not kernels.announce_compile("femmag.kernels.sd", out)
    assert out.getvalue() == kernels.COMPILE_NOTICE + "\n"

    monkeypatch.setattr(kernels, "_compile_notice_given", False)
    monkeypatch.setattr(kernels, "_is_rank_zero", lambda: False)
    assert not kernels.announce_compile("femmag.kernels.sd", out)
    assert out.getvalue() == kernels.COMPILE_NOTICE + "\n"


def test_notice_comes_from_numba_compile_events(monkeypatch, capsys):
    import femmag.kernels.sd  # noqa: F401  (installs the listener)

    def kernel(x):
        return x + 1.0

    kernel.__module__ = "femmag.kernels.sd"
    monkeypatch.setattr(kernels, "_compile_notice_given", False)
    monkeypatch.setattr(kernels, "_is_rank_zero", lambda: True)
    assert numba.njit(kernel)(1.0) == 2.0  # no cache: compiles, numba sends the event
    assert capsys.readouterr().err == kernels.COMPILE_NOTICE + "\n"
    assert numba.njit(kernel)(2.0) == 3.0
    assert capsys.readouterr().err == ""
