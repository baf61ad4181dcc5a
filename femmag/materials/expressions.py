"""Safe evaluation of property expressions in ``T_e``, ``T_l`` [K], with numpy or UFL.

An expression is parsed once (cached) and checked against a small grammar: numbers, the
temperature variables, ``pi``, ``+ - * / **`` and a fixed list of functions. Nothing else of Python
is reachable from a library file.
"""

from __future__ import annotations

import ast
import functools
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from femmag.materials.errors import MaterialError, did_you_mean
from femmag.materials.schema import TEMPERATURE_VARIABLES

__all__ = ["evaluate", "numpy_functions", "parse_expression", "ufl_functions"]

_BINARY_OPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow,
}
_UNARY_OPS: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_FUNCTION_NAMES = ("exp", "log", "ln", "sqrt", "tanh", "sinh", "cosh", "sin", "cos", "tan",
                   "atan", "erf", "abs", "min", "max")
_CONSTANTS = {"pi": math.pi}


def numpy_functions() -> dict[str, Callable[..., Any]]:
    """The allowed functions, for numpy arrays."""
    from scipy.special import erf

    return {"exp": np.exp, "log": np.log, "ln": np.log, "sqrt": np.sqrt, "tanh": np.tanh,
            "sinh": np.sinh, "cosh": np.cosh, "sin": np.sin, "cos": np.cos, "tan": np.tan,
            "atan": np.arctan, "erf": erf, "abs": np.abs, "min": np.minimum, "max": np.maximum}


def ufl_functions() -> dict[str, Callable[..., Any]]:
    """The allowed functions, for UFL expressions (imports ufl only when called)."""
    import ufl

    return {"exp": ufl.exp, "log": ufl.ln, "ln": ufl.ln, "sqrt": ufl.sqrt, "tanh": ufl.tanh,
            "sinh": ufl.sinh, "cosh": ufl.cosh, "sin": ufl.sin, "cos": ufl.cos, "tan": ufl.tan,
            "atan": ufl.atan, "erf": ufl.erf, "abs": abs, "min": ufl.min_value,
            "max": ufl.max_value}


@functools.lru_cache(maxsize=256)
def parse_expression(text: str) -> tuple[ast.Expression, frozenset[str]]:
    """Parse and check an expression; return the tree and the temperature variables it uses.

    Raises:
        ValueError: syntax error or a name/construct outside the allowed set (message without
            location; the caller adds file, material and key).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        raise ValueError(f"cannot parse expression {text!r} ({err.msg})") from None
    used: set[str] = set()
    # names in call position are checked by the Call branch; elsewhere only variables/constants
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.Load) or id(node) in callees:
            continue
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise ValueError(f"expression {text!r}: only numbers are allowed as constants, "
                                 f"not {node.value!r}")
        elif isinstance(node, ast.Name):
            if node.id in TEMPERATURE_VARIABLES:
                used.add(node.id)
            elif node.id not in _CONSTANTS:
                hint = did_you_mean(node.id, (*TEMPERATURE_VARIABLES, *_CONSTANTS))
                raise ValueError(
                    f"expression {text!r}: unknown name '{node.id}'.{hint} "
                    f"Allowed: variables {', '.join(TEMPERATURE_VARIABLES)} [K], constant pi, "
                    f"functions {', '.join(_FUNCTION_NAMES)}")
        elif isinstance(node, ast.Call):
            if (not isinstance(node.func, ast.Name) or node.func.id not in _FUNCTION_NAMES
                    or node.keywords):
                called = ast.unparse(node.func)
                raise ValueError(f"expression {text!r}: '{called}(...)' is not an allowed "
                                 f"function; use one of {', '.join(_FUNCTION_NAMES)}")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY_OPS:
                hint = " (use ** for powers)" if isinstance(node.op, ast.BitXor) else ""
                raise ValueError(f"expression {text!r}: operator "
                                 f"{type(node.op).__name__} is not allowed{hint}")
        elif isinstance(node, ast.UnaryOp):
            if type(node.op) not in _UNARY_OPS:
                raise ValueError(f"expression {text!r}: operator "
                                 f"{type(node.op).__name__} is not allowed")
        elif not isinstance(node, ast.operator | ast.unaryop):
            raise ValueError(f"expression {text!r}: '{ast.unparse(node)}' "
                             f"({type(node).__name__}) is not allowed; use numbers, T_e, T_l, "
                             f"+ - * / ** and the functions {', '.join(_FUNCTION_NAMES)}")
    return tree, frozenset(used)


def evaluate(node: ast.AST, names: Mapping[str, Any], functions: Mapping[str, Callable]) -> Any:
    """Evaluate a checked expression tree with the given variables and function set."""
    if isinstance(node, ast.Expression):
        return evaluate(node.body, names, functions)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return _CONSTANTS[node.id] if node.id in _CONSTANTS else names[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY_OPS[type(node.op)](evaluate(node.left, names, functions),
                                          evaluate(node.right, names, functions))
    if isinstance(node, ast.UnaryOp):
        return _UNARY_OPS[type(node.op)](evaluate(node.operand, names, functions))
    if isinstance(node, ast.Call):
        args = [evaluate(a, names, functions) for a in node.args]
        return functions[node.func.id](*args)  # type: ignore[attr-defined]
    raise MaterialError(f"unexpected expression node {type(node).__name__}")  # pragma: no cover


