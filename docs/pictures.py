"""Render the README's pictures into docs/pictures/ (run: python docs/pictures.py).

Each is a figure of ``rosenblatt.viz`` on an example of the decks, drawn by
``rosenblatt.demos.pictures`` (also ``rosenblatt demo NAME``); the notebooks in notebooks/
draw the same ones and assert the numbers behind them.
"""

from __future__ import annotations

from pathlib import Path

from rosenblatt.demos.pictures import PICTURES, draw

OUT = Path(__file__).resolve().parent / "pictures"


def main() -> None:
    for name in PICTURES:
        draw(name, OUT)
    print(f"wrote {len(list(OUT.glob('*.png')))} pictures to {OUT}")


if __name__ == "__main__":
    main()
