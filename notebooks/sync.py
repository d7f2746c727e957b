"""Generate the notebooks (.ipynb) from their jupytext percent-format sources (.py).

The ``.py`` files are the sources (reviewable diffs); each ``.ipynb`` beside one is made
from it, without outputs and with cell ids derived from the cell's position, so the same
source always gives the same bytes::

    python notebooks/sync.py            # write every .ipynb (``make notebooks``)
    python notebooks/sync.py --check    # exit 1 if any .ipynb differs from its source
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sources(folder: Path = HERE) -> list[Path]:
    """The notebook sources: ``NN_name.py`` files of ``folder``."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.py"))


def render(source: Path) -> str:
    """The .ipynb text generated from a percent-format source."""
    import jupytext
    import nbformat

    notebook = jupytext.reads(source.read_text(encoding="utf-8"), fmt="py:percent")
    notebook.metadata.pop("jupytext", None)
    for i, cell in enumerate(notebook.cells):
        cell["id"] = f"{source.stem[:2]}-{i:03d}"
    return nbformat.writes(notebook) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for source in sources():
        target = source.with_suffix(".ipynb")
        text = render(source)
        if args.check:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target.name)
        else:
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(HERE.parent)}")
    if stale:
        print(f"out of date (run `make notebooks`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
