"""Run directories: femmag writes only where it may, never destroys what it did not write, and
records what produced each output.

A run directory holds ``run.toml`` (the manifest: status, the resolved case, versions, times, the
files femmag wrote), ``traces.csv`` (appended as the run goes), the field files and the figures.
Rules, checked on rank 0 before the mesh is built and agreed by every rank:

- ``out`` may be a new path, an empty directory, or a directory holding a previous femmag run (a
  ``run.toml`` written by femmag). A non-empty directory without one is refused.
- A previous run is replaced only with ``overwrite=True`` (``--overwrite``), and even then only the
  files its manifest lists are removed.
- ``/``, the home directory, the current directory or one of its parents, and a path that is a
  file are refused; the parent must be writable and the disk must have room for the estimated
  output.

The manifest's ``status`` is ``running`` while the run goes, ``complete`` only after every file was
closed, and ``failed`` or ``interrupted`` (with the reason and the last committed time) otherwise.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tomllib
from pathlib import Path
from typing import Any

MANIFEST = "run.toml"
SIGNATURE = "femmag run"


class OutputPathError(ValueError):
    """The output path cannot be used (it would destroy data, or cannot be written)."""


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def read_manifest(path: str | Path) -> dict[str, Any] | None:
    """The manifest of a run directory, or ``None`` if it holds no femmag manifest."""
    manifest = Path(path) / MANIFEST
    if not manifest.is_file():
        return None
    try:
        data = tomllib.loads(manifest.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return None
    return data if data.get("kind") == SIGNATURE else None


def _existing_ancestor(path: Path) -> Path:
    p = path
    while not p.exists():
        p = p.parent
    return p


def check_output_path(out: str | Path, *, overwrite: bool = False, resume: bool = False,
                      estimated_bytes: float = 0.0) -> dict[str, Any] | None:
    """Check that ``out`` may receive a femmag run; return the previous run's manifest (if any).

    With ``resume``, ``out`` must hold a femmag run with a checkpoint.

    Raises:
        OutputPathError: with a message that names the path and says what to do.
    """
    path = Path(out).expanduser()
    if resume:
        previous = read_manifest(path)
        if previous is None:
            raise OutputPathError(f"cannot resume: '{out}' holds no femmag run ({MANIFEST})")
        if not (path / "checkpoint.npz").is_file():
            raise OutputPathError(f"cannot resume '{out}': it has no checkpoint (run with "
                                  f"checkpoint_every=..., CLI --checkpoint-every, to write one)")
        return previous
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    forbidden = {Path("/"): "the root directory", Path.home().resolve(): "your home directory",
                 cwd: "the current directory"}
    if resolved in forbidden:
        raise OutputPathError(f"output directory '{out}' is {forbidden[resolved]}: femmag writes a "
                              f"run into a directory of its own; give a new name, e.g. "
                              f"'{Path(out) / 'run1'}'")
    if resolved in cwd.parents:
        raise OutputPathError(f"output directory '{out}' is a parent of the current directory: "
                              f"give a new directory for the run")
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"output path '{out}' is a file, not a directory: femmag will not "
                              f"overwrite it; give a directory name")
    previous = None
    if path.is_dir() and any(path.iterdir()):
        previous = read_manifest(path)
        if previous is None:
            raise OutputPathError(
                f"output directory '{out}' is not empty and holds no femmag run ({MANIFEST}): "
                f"femmag writes only into a new or empty directory or over a previous femmag run; "
                f"choose another directory")
        if not overwrite:
            raise OutputPathError(
                f"output directory '{out}' holds a previous femmag run (status "
                f"'{previous.get('status', '?')}', started {previous.get('started', '?')}): pass "
                f"overwrite=True (CLI: --overwrite) to replace its files, `femmag resume` to "
                f"continue it, or choose another directory")
    anchor = _existing_ancestor(resolved)
    if not os.access(anchor, os.W_OK | os.X_OK):
        raise OutputPathError(f"cannot create or write '{out}': '{anchor}' is not writable")
    free = shutil.disk_usage(anchor).free
    if estimated_bytes > free:
        raise OutputPathError(f"not enough disk space for '{out}': the run writes about "
                              f"{estimated_bytes / 2**20:.0f} MiB, {free / 2**20:.0f} MiB free; "
                              f"write fewer field times or choose another disk")
    return previous


class RunDirectory:
    """The output directory of one run (all ranks hold one; rank 0 writes unless told otherwise).

    Args:
        path: the directory.
        comm: the run's communicator.
        overwrite: replace a previous femmag run in ``path`` (only the files it wrote).
    """

    def __init__(self, path: str | Path, comm: Any, *, overwrite: bool = False,
                 resume: bool = False) -> None:
        self.path = Path(path)
        self.comm = comm
        self.overwrite = overwrite
        self.resume = resume
        self.manifest: dict[str, Any] = {}
        self.files: list[str] = []
        self._previous: dict[str, Any] | None = None

    def check(self, estimated_bytes: float = 0.0) -> None:
        """Check the path on rank 0; raise the same :class:`OutputPathError` on every rank."""
        message = None
        if self.comm.rank == 0:
            try:
                self._previous = check_output_path(self.path, overwrite=self.overwrite,
                                                   resume=self.resume,
                                                   estimated_bytes=estimated_bytes)
            except OutputPathError as err:
                message = str(err)
        message = self.comm.bcast(message, root=0)
        if message is not None:
            raise OutputPathError(message)

    def open(self, manifest: dict[str, Any]) -> None:
        """Create the directory (removing a previous run's own files) and write the manifest with
        status ``running`` (collective)."""
        error = None
        if self.comm.rank == 0:
            try:
                if self.resume:  # keep everything; the manifest goes on
                    self.files = list(self._previous.get("files", []))
                    self.manifest = {**self._previous, **manifest, "status": "running",
                                     "resumed": _now()}
                    for stale in ("reason", "finished", "failed_on_rank"):
                        self.manifest.pop(stale, None)
                    self._write()
                elif self._previous is not None:
                    for name in self._previous.get("files", []) + [MANIFEST]:
                        target = (self.path / name).resolve()
                        if target.parent == self.path.resolve() and target.is_file():
                            target.unlink()
                if not self.resume:
                    self.path.mkdir(parents=True, exist_ok=True)
                    self.manifest = {"kind": SIGNATURE, "status": "running", "started": _now(),
                                     **manifest}
                    self._write()
            except OSError as err:
                error = f"cannot write the run directory '{self.path}': {err}"
        error = self.comm.bcast(error, root=0)
        if error is not None:
            raise OutputPathError(error)

    def add_file(self, name: str) -> None:
        """Record a file femmag wrote (relative to the directory)."""
        if name not in self.files:
            self.files.append(name)

    def update(self, **fields: Any) -> None:
        """Update the manifest (called on rank 0, or by a failing rank on the error path: no
        collective call)."""
        if not self.manifest:  # a rank other than 0: start from what rank 0 wrote
            self.manifest = read_manifest(self.path) or {"kind": SIGNATURE}
        self.manifest.update({k: v for k, v in fields.items() if v is not None})
        self._write()

    def _write(self) -> None:
        import tomli_w

        self.manifest["files"] = sorted(set(self.manifest.get("files", [])) | set(self.files))
        self.manifest["updated"] = _now()
        tmp = self.path / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(tomli_w.dumps(_toml_safe(self.manifest)))
        os.replace(tmp, self.path / MANIFEST)  # atomic: a reader never sees half a manifest


def _toml_safe(value: Any) -> Any:
    """Values TOML can hold (None dropped, tuples as lists, numpy scalars as floats)."""
    if isinstance(value, dict):
        return {str(k): _toml_safe(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_toml_safe(v) for v in value if v is not None]
    if isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def provenance() -> dict[str, Any]:
    """Versions of femmag and its numerical stack, and the git commit of a source checkout."""
    import subprocess

    import femmag

    info: dict[str, Any] = {"femmag": femmag.__version__}
    for module in ("dolfinx", "petsc4py", "numba", "numpy", "mpi4py", "basix", "ufl"):
        try:
            info[module] = __import__(module).__version__
        except Exception:  # pragma: no cover - optional
            pass
    try:
        from petsc4py import PETSc

        info["petsc"] = ".".join(str(v) for v in PETSc.Sys.getVersion())
    except Exception:  # pragma: no cover
        pass
    root = Path(femmag.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5)
        if commit.returncode == 0:
            info["git_commit"] = commit.stdout.strip()
            dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "femmag"],
                                   capture_output=True, text=True, timeout=5)
            info["git_dirty"] = bool(dirty.stdout.strip())
    except (OSError, subprocess.SubprocessError):  # not a checkout, or no git
        pass
    return info
