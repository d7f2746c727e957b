"""`rosenblatt demo NAME` draws the decks' pictures; `rosenblatt demo --list` names them."""

from __future__ import annotations

import matplotlib.image

from rosenblatt.cli import DEMOS, main
from rosenblatt.demos.pictures import PICTURES


def test_demo_list_names_every_demo_and_picture(capsys):
    assert main(["demo", "--list"]) == 0
    out = capsys.readouterr().out
    for name in [*DEMOS, *PICTURES]:
        assert name in out
    assert set(PICTURES) <= set(DEMOS)


def test_demo_writes_the_picture(tmp_path, capsys):
    assert main(["demo", "perceptron-run", "--out", str(tmp_path)]) == 0
    png = tmp_path / "perceptron_or.png"
    assert f"figure: {png}" in capsys.readouterr().out
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 200 and image.shape[1] > 200  # a real figure, not an empty file
    assert image[..., :3].std() > 0.05  # something is drawn on it
