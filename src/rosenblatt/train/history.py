"""History: what ``rb.fit`` returns, one value per epoch for every logged quantity."""

from __future__ import annotations

from typing import Any

from .callbacks import Callback

__all__ = ["History"]


class History(Callback):
    """The record of a training run, as Keras's: ``history.history["loss"][e]`` is the loss of
    epoch e.

    Attributes
    ----------
    history : dict of str -> list of float
        "loss" and every metric ("accuracy", "mse", ...), their "val_" counterparts when
        there is validation data, and "learning_rate" when a schedule runs; one value per
        finished epoch.
    epoch : list of int
        The indices (from 0) of the finished epochs.
    params : dict
        epochs, steps (batches per epoch), batch_size, samples, verbose, metrics.
    interrupted : bool
        True when the run was stopped by Ctrl-C (KeyboardInterrupt).
    diverged : TrainingDiverged or None
        The error, when the loss turned NaN/inf and a ``TerminateOnNaN`` callback asked for a
        quiet stop instead of the exception.
    stopped_epoch : int or None
        The last epoch run when a callback (EarlyStopping, ConvergenceTest) stopped training.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.interrupted = False
        self.diverged: Any = None
        self.stopped_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, float] | None = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)

    def state_dict(self) -> dict[str, Any]:
        return {"history": {k: list(v) for k, v in self.history.items()}, "epoch": list(self.epoch)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.history = {k: list(v) for k, v in state["history"].items()}
        self.epoch = list(state["epoch"])

    def __repr__(self) -> str:
        keys = ", ".join(self.history)
        return f"History(epochs={len(self.epoch)}, keys=[{keys}])"
