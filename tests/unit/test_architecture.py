"""The layout's dependency rules, read from the source (README "Architecture").

- ``kernels`` import only numpy/numba/scipy and :mod:`femmag.units`;
- a physics package (``physics/<name>/``) never imports another physics package, ``models``,
  ``studies`` or ``reference``;
- ``models`` (reduced models) may reuse kernels and the physics *solvers*, never the coupled chain
  (``physics/*/module*.py`` adapters, ``simulation``), ``reference`` or ``studies``;
- nothing in femmag outside ``studies`` imports ``studies``; production code never imports
  ``reference`` (the test oracles), and ``reference`` imports nothing from ``physics``;
- ``geometry`` imports no physics;
- no import cycles between femmag modules (imports inside functions included);
- every built-in module of the coupled chain implements :class:`femmag.physics.base.PhysicsModule`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import femmag

ROOT = Path(femmag.__file__).parent


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the nodes inside ``if TYPE_CHECKING:`` blocks (annotations only, never executed)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped |= {id(n) for n in ast.walk(child)}
    return skipped


def _imports(path: Path) -> set[str]:
    """Absolute femmag modules imported anywhere in the file (functions included; imports under
    ``if TYPE_CHECKING:`` are annotations, not dependencies)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else \
        _module_name(path).rpartition(".")[0]
    skipped = _type_checking_only(tree)
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("femmag")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if not mod.startswith("femmag"):
                continue
            found.add(mod)
            for alias in node.names:  # "from femmag.x import y" may import module x.y
                candidate = f"{mod}.{alias.name}"
                if _exists(candidate):
                    found.add(candidate)
    return found


def _exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


SOURCES = {_module_name(p): p for p in ROOT.rglob("*.py")}
GRAPH = {name: _imports(path) for name, path in SOURCES.items()}


def _part(module: str, depth: int) -> str:
    return ".".join(module.split(".")[:depth])


def _violations(selector, forbidden) -> list[str]:
    bad = []
    for name, imports in GRAPH.items():
        if not selector(name):
            continue
        for imported in imports:
            if forbidden(name, imported):
                bad.append(f"{name} imports {imported}")
    return sorted(bad)


def test_kernels_import_only_numpy_and_units():
    allowed = ("femmag.kernels", "femmag.units")
    bad = _violations(lambda n: n.startswith("femmag.kernels"),
                      lambda n, i: i != "femmag" and not i.startswith(allowed))
    assert not bad, bad


def test_physics_packages_do_not_import_each_other():
    def forbidden(name: str, imported: str) -> bool:
        if imported.startswith(("femmag.models", "femmag.studies", "femmag.reference")):
            return True
        if not imported.startswith("femmag.physics.") or imported == "femmag.physics.base":
            return False
        return _part(imported, 3) != _part(name, 3)

    bad = _violations(lambda n: n.startswith("femmag.physics.") and n != "femmag.physics.base",
                      forbidden)
    assert not bad, bad


def test_models_do_not_import_the_chain_reference_or_studies():
    def forbidden(name: str, imported: str) -> bool:
        if imported.startswith(("femmag.reference", "femmag.studies", "femmag.simulation",
                                "femmag.step")):
            return True
        return imported.startswith("femmag.physics.") and \
            imported.rpartition(".")[2].startswith("module")

    bad = _violations(lambda n: n.startswith("femmag.models"), forbidden)
    assert not bad, bad


def test_nothing_imports_studies_or_reference():
    bad = _violations(lambda n: not n.startswith(("femmag.studies", "femmag.reference")),
                      lambda n, i: i.startswith(("femmag.studies", "femmag.reference")))
    assert not bad, bad
    bad = _violations(lambda n: n.startswith("femmag.reference"),
                      lambda n, i: i.startswith("femmag.physics"))
    assert not bad, bad


def test_geometry_imports_no_physics():
    bad = _violations(lambda n: n.startswith("femmag.geometry"),
                      lambda n, i: i.startswith(("femmag.physics", "femmag.models")))
    assert not bad, bad


def test_no_import_cycles():
    # package __init__ re-exports are edges too; a cycle means something lives in the wrong file
    graph = {n: {i for i in deps if i in SOURCES and i != n} for n, deps in GRAPH.items()}
    # a module importing its own package's __init__ is not a cycle of design
    for n in graph:
        graph[n] = {i for i in graph[n] if not n.startswith(i + ".")}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])
    assert not cycles, [" -> ".join(c) for c in cycles]


@pytest.mark.parametrize("qualname", [
    "femmag.physics.optics.module.PulsedAbsorption",
    "femmag.physics.optics.patterned_absorption.PatternedAbsorption",
    "femmag.physics.heat.module.TwoTemperatureModel",
    "femmag.physics.magnetization.module.Magnetization",
    "femmag.physics.induction.module.FilmInduction",
    "femmag.physics.induction.module3d.FilmInduction3D",
    "femmag.physics.spin.module.SpinTransport",
])
def test_chain_modules_implement_the_contract(qualname):
    import importlib

    from femmag.physics.base import PhysicsModule

    module, _, name = qualname.rpartition(".")
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, PhysicsModule)
    assert cls.name and not getattr(cls, "__abstractmethods__", None)


def test_a_plain_object_is_refused_as_a_module():
    from femmag.physics.base import ModuleContractError, check_module

    class NotAModule:
        name = "x"

        def step(self, t, dt):
            pass

    with pytest.raises(ModuleContractError, match="subclass femmag.physics.base.PhysicsModule"):
        check_module(NotAModule())
