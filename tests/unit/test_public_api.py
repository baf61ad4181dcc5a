"""The curated public API: the names a script uses exist, are documented, and stay light to import.

- ``femmag`` exports the problem objects (Simulation, Stack, Layer, Pulse, PulseTrain,
  TimeStepping, Library, load_case) and ``femmag.io.load``;
- one guide module per solver (``femmag.optics``, ``heat``, ``spin``, ``induction``,
  ``magnetization``) re-exports the documented entries of ``femmag.physics.<x>`` (the same
  objects), has a module docstring with a runnable example (run by ``pytest --doctest-modules
  femmag`` in ``make test``), and every public entry and public method has a docstring;
- ``import femmag`` loads no DOLFINx and no solver (the names are loaded on first use).
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import femmag

ROOT = Path(__file__).resolve().parents[2]

TOP_LEVEL = ["Simulation", "Stack", "Layer", "Pulse", "PulseTrain", "TimeStepping", "Library",
             "load_case", "io", "optics", "heat", "spin", "induction", "magnetization"]

#: guide module → (names it must export, the physics package whose objects they are)
SOLVER_MODULES = {
    "femmag.optics": (["PlanarOptics", "depth_profile_from_stack", "tmm_stack", "KerrSynthesizer",
                       "PulsedAbsorption", "IFEField"], "femmag.physics.optics"),
    "femmag.heat": (["TwoTemperatureModel", "solve_two_temperature_1d"], "femmag.physics.heat"),
    "femmag.spin": (["SpinLayer", "SpinDiffusion1D", "SpinDiffusionRZ", "SpinTransport",
                     "spin_transport"], "femmag.physics.spin"),
    "femmag.induction": (["AxisymmetricInduction", "GaussianImpressedFlux", "Induction3D",
                          "FilmInduction", "rz_film_mesh"], "femmag.physics.induction"),
    "femmag.magnetization": (["Magnetization", "llb_advance", "LLBParameters", "m3tm_advance"],
                             "femmag.physics.magnetization"),
}


def _documented(obj) -> bool:
    return bool((inspect.getdoc(obj) or "").strip())


def _undocumented_entries(module_name: str) -> list[str]:
    """Public classes/functions of ``__all__`` (and their public methods and properties) that
    have no docstring."""
    module = importlib.import_module(module_name)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or inspect.isroutine(obj)):
            continue  # constants (MODELS, __version__) and submodules: documented where defined
        if not _documented(obj):
            missing.append(f"{module_name}.{name}")
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_"):
                    continue
                func = value.fget if isinstance(value, property) else \
                    getattr(value, "__func__", value)
                if inspect.isfunction(func) and not _documented(getattr(obj, attr)):
                    missing.append(f"{module_name}.{name}.{attr}")
    return missing


def test_top_level_names_exist_and_are_listed():
    for name in TOP_LEVEL:
        assert name in femmag.__all__, name
        assert getattr(femmag, name) is not None
    from femmag.case import load_case
    from femmag.geometry import Layer, Stack
    from femmag.io import load
    from femmag.pulse import Pulse, PulseTrain
    from femmag.simulation import Simulation

    assert (femmag.Stack, femmag.Layer, femmag.Pulse, femmag.PulseTrain) == \
        (Stack, Layer, Pulse, PulseTrain)
    assert femmag.Simulation is Simulation and femmag.load_case is load_case
    assert femmag.io.load is load
    assert set(TOP_LEVEL) <= set(dir(femmag))


def test_unknown_top_level_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Simualtion'"):
        femmag.Simualtion
    assert not hasattr(femmag, "physics_engine")


@pytest.mark.parametrize("module_name", sorted(SOLVER_MODULES))
def test_solver_module_reexports_the_physics_objects(module_name):
    module = importlib.import_module(module_name)
    required, package = SOLVER_MODULES[module_name]
    assert set(required) <= set(module.__all__)
    assert sorted(module.__all__) == sorted(set(module.__all__)), "duplicates in __all__"
    for name in module.__all__:
        obj = getattr(module, name)
        # a re-export, not a copy: the object is defined in femmag (mostly the physics package)
        assert getattr(obj, "__module__", "femmag").startswith("femmag"), name
    defined_in = {getattr(module, n).__module__ for n in required
                  if hasattr(getattr(module, n), "__module__")}
    assert any(m.startswith(package) for m in defined_in), (module_name, defined_in)


@pytest.mark.parametrize("module_name", sorted(SOLVER_MODULES))
def test_solver_module_is_a_guide_with_an_example(module_name):
    doc = importlib.import_module(module_name).__doc__ or ""
    assert len(doc.splitlines()) > 10, f"{module_name}: the module docstring is the guide"
    assert ">>> " in doc, f"{module_name}: the guide needs a runnable example (doctest)"


@pytest.mark.parametrize("module_name", ["femmag", "femmag.io", *sorted(SOLVER_MODULES)])
def test_every_public_entry_has_a_docstring(module_name):
    missing = _undocumented_entries(module_name)
    # pint's Quantity class (femmag.Q) carries no docstring of its own: documented by pint
    missing = [m for m in missing if m != "femmag.Q"]
    assert not missing, missing


PROBE = """
import json, sys, time
t0 = time.perf_counter()
import femmag
elapsed = time.perf_counter() - t0
heavy = sorted(m for m in ("dolfinx", "ufl", "basix", "petsc4py", "numba", "pyvista", "gmsh",
                           "femmag.simulation", "femmag.optics", "femmag.physics")
               if m in sys.modules)
femmag.Stack, femmag.Layer, femmag.Pulse, femmag.PulseTrain, femmag.TimeStepping
femmag.Library, femmag.load_case, femmag.io.load
light = sorted(m for m in ("dolfinx", "femmag.simulation", "femmag.physics") if m in sys.modules)
print(json.dumps({"heavy": heavy, "light": light, "seconds": elapsed}))
"""


@pytest.mark.skip_in_parallel  # starts a fresh interpreter; one is enough
def test_import_femmag_builds_nothing_and_loads_no_solver():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, check=True)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["heavy"] == [], f"import femmag loaded {report['heavy']}"
    # the problem objects and femmag.io need no DOLFINx either; only Simulation and the solvers do
    assert report["light"] == [], f"the light names loaded {report['light']}"
    assert proc.stderr == "", proc.stderr
