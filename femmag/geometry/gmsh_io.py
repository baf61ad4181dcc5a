"""gmsh plumbing shared by the mesh builders and :meth:`~femmag.geometry.domain.Domain.from_msh`.

gmsh is imported on first use only, so importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterator
from typing import Any


class MeshBuildError(RuntimeError):
    """gmsh or the mesh distribution failed (the message carries the reason from rank 0)."""


_model_counter = itertools.count()


@contextlib.contextmanager
def gmsh_session(name: str = "femmag") -> Iterator[Any]:
    """A fresh gmsh model; initialises gmsh if needed and finalises only what it initialised.

    Yields:
        the ``gmsh`` module, with a new current model.
    """
    import gmsh

    owner = not gmsh.isInitialized()
    if owner:
        gmsh.initialize(interruptible=False)
    terminal = gmsh.option.getNumber("General.Terminal")
    gmsh.option.setNumber("General.Terminal", 0)
    previous = None if owner else gmsh.model.getCurrent()
    model_name = f"{name}_{next(_model_counter)}"
    gmsh.model.add(model_name)
    try:
        yield gmsh
    finally:
        with contextlib.suppress(Exception):
            gmsh.model.setCurrent(model_name)
            gmsh.model.remove()
        if owner:
            gmsh.finalize()
        else:
            gmsh.option.setNumber("General.Terminal", terminal)
            with contextlib.suppress(Exception):
                gmsh.model.setCurrent(previous)
