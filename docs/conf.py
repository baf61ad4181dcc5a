"""Sphinx configuration: the femmag user guide, the literate demos and the API reference.

Build with ``make docs`` (warnings are errors). The demos in ``demos/`` are jupytext "light"
scripts; they are converted to markdown pages under ``docs/_generated/`` at every build (not
committed, not executed: running them takes minutes).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # document this checkout's femmag, not an installed one
os.environ.setdefault("PYVISTA_OFF_SCREEN", "true")

import femmag  # noqa: E402  (before anything imports dolfinx)

project = "femmag"
author = "the femmag developers"
copyright = "the femmag developers"
release = version = femmag.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"

# MyST: $...$ / $$...$$ math in the README and the demos; headings as link targets
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
# The README's sections are included as pages below a page title, so their ### headings sit
# under an #: not an error of the text.
suppress_warnings = ["myst.header"]

# Google-style docstrings (the code's convention)
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_attr_annotations = True
napoleon_use_ivar = True  # "Attributes:" as fields: NamedTuple fields are not described twice
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
autoclass_content = "class"

# ----------------------------------------------------------------------------------------------
# Docstrings are written for the terminal (help(), IDEs) first: |E|² is an absolute value and
# F_+ a subscript, which reStructuredText would read as a substitution and a link. Escape them
# outside literals, roles and code, at build time (the sources stay as they read best).
# ----------------------------------------------------------------------------------------------
import re  # noqa: E402

_CODE_SPAN = re.compile(r"(:[\w:+-]+:`[^`]*`|``[^`]*``|`[^`]*`)")
_TRAILING_UNDERSCORE = re.compile(r"(?<=\w)_(?=[\s+\-−,.;:)\]}'\"]|$)")


def _escape_plain_text(line: str) -> str:
    parts = _CODE_SPAN.split(line)
    for i in range(0, len(parts), 2):  # even parts are outside code spans and roles
        parts[i] = _TRAILING_UNDERSCORE.sub(r"\_", parts[i].replace("|", r"\|"))
    return "".join(parts)


def escape_terminal_notation(app, what, name, obj, options, lines) -> None:
    block_indent = None  # inside an indented literal block (after "::") or a directive
    in_doctest = False  # inside a doctest (ends at a blank line)
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if in_doctest:
            in_doctest = bool(stripped)
            continue
        if block_indent is not None:
            if not stripped or indent > block_indent:
                continue
            block_indent = None
        if stripped.startswith(">>>"):
            in_doctest = True
            continue
        if stripped.startswith(".. "):
            block_indent = indent
            continue
        lines[i] = _escape_plain_text(line)
        if stripped.endswith("::"):
            block_indent = indent


def setup(app):
    # after napoleon (priority 500), which has turned the Google sections into reST by then
    app.connect("autodoc-process-docstring", escape_terminal_notation, priority=600)


html_theme = "furo"
html_title = f"femmag {release}"
html_static_path: list[str] = []


# ----------------------------------------------------------------------------------------------
# The literate demos as pages
# ----------------------------------------------------------------------------------------------
GENERATED = DOCS / "_generated" / "demos"

DEMO_NOTE = """
:::{{note}}
This page is the script `demos/{name}.py` rendered as text (not run while building the docs).
Run it with `python demos/{name}.py --out out/{name}` (`--fast` for the short mode of the tests;
`mpiexec -n 4 python -m mpi4py demos/{name}.py` in parallel), or open it as a notebook:
`jupytext --to notebook demos/{name}.py` writes `demos/{name}.ipynb` (with jupytext's Jupyter
extension, the `.py` file opens as a notebook directly).
:::
"""


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5:].lstrip("\n")
    return text


def convert_demos() -> list[str]:
    """demos/demo_*.py (jupytext light format) → _generated/demos/demo_*.md (plain markdown:
    markdown cells as text, code cells as ```python blocks). Rewrites only changed pages, so
    incremental builds stay incremental."""
    import jupytext

    GENERATED.mkdir(parents=True, exist_ok=True)
    names = []
    for script in sorted((ROOT / "demos").glob("demo_*.py")):
        notebook = jupytext.read(script)
        body = _strip_front_matter(jupytext.writes(notebook, fmt="md"))
        lines = body.splitlines()
        # the note goes after the title (the first markdown heading of the demo)
        at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
        note = DEMO_NOTE.format(name=script.stem)
        text = "\n".join([*lines[:at], note, *lines[at:]]) + "\n"
        page = GENERATED / f"{script.stem}.md"
        if not page.exists() or page.read_text() != text:
            page.write_text(text)
        names.append(script.stem)
    for stale in GENERATED.glob("demo_*.md"):  # a demo that was removed or renamed
        if stale.stem not in names:
            stale.unlink()
    return names


convert_demos()
