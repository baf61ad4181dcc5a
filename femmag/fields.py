"""The field registry: the only state physics modules share.

Every physics module declares the fields it *writes* (name, unit, description) and the fields it
*reads*. :meth:`FieldRegistry.check` verifies before the first step that each read field has exactly
one writer, and :meth:`FieldRegistry.summary` prints the wiring table (rank 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldEntry:
    """One registered field.

    Attributes:
        name: physics name, e.g. ``"electron_temperature"``.
        unit: SI unit string, e.g. ``"K"``.
        description: one line.
        writer: name of the module that writes it.
        value: the object holding the data (a ``dolfinx.fem.Function``, a numpy array over
            quadrature points, or a callable of time).
        readers: names of the modules that read it.
    """

    name: str
    unit: str
    description: str
    writer: str
    value: Any = None
    readers: list[str] = field(default_factory=list)


class WiringError(RuntimeError):
    """A field is read but never written, written twice, or read under a different unit."""


class FieldRegistry:
    """Name → field, with its unit, description, writer and readers."""

    def __init__(self) -> None:
        self._entries: dict[str, FieldEntry] = {}
        self._reads: list[tuple[str, str]] = []

    def declare(self, name: str, unit: str, description: str, writer: str, value: Any) -> None:
        """Register a field written by ``writer``. Writing a field twice is an error."""
        if name in self._entries:
            other = self._entries[name].writer
            raise WiringError(f"field '{name}' is written by both '{other}' and '{writer}': "
                              f"exactly one module may write a field")
        self._entries[name] = FieldEntry(name, unit, description, writer, value)

    def read(self, name: str, reader: str) -> None:
        """Note that ``reader`` reads ``name`` (checked by :meth:`check`)."""
        self._reads.append((name, reader))
        if name in self._entries and reader not in self._entries[name].readers:
            self._entries[name].readers.append(reader)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def __getitem__(self, name: str) -> Any:
        try:
            return self._entries[name].value
        except KeyError:
            raise WiringError(f"no module writes field '{name}'; written fields: "
                              f"{sorted(self._entries)}") from None

    def entry(self, name: str) -> FieldEntry:
        return self._entries[name]

    def names(self) -> list[str]:
        return list(self._entries)

    def check(self) -> None:
        """Raise :class:`WiringError` if some read field has no writer."""
        missing = [(n, r) for n, r in self._reads if n not in self._entries]
        if missing:
            lines = ", ".join(f"'{n}' (read by {r})" for n, r in missing)
            raise WiringError(f"fields read but written by no module: {lines}. Enable the physics "
                              f"that writes them or remove the reader.")
        for n, r in self._reads:
            if r not in self._entries[n].readers:
                self._entries[n].readers.append(r)

    def summary(self) -> str:
        """A table of fields: name, unit, writer, readers, description."""
        rows = [("field", "unit", "written by", "read by", "description")]
        for e in self._entries.values():
            rows.append((e.name, e.unit, e.writer, ", ".join(e.readers) or "-", e.description))
        widths = [max(len(r[i]) for r in rows) for i in range(5)]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                         for r in rows)
