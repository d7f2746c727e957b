"""``rb.callbacks``: Keras's callbacks for ``rb.fit`` (defined in ``rosenblatt.train.callbacks``).

Callback, EarlyStopping, ModelCheckpoint, BackupAndRestore, ConvergenceTest,
LearningRateScheduler, CSVLogger, TerminateOnNaN, ProgressBar; History is ``rb.History``.
NoImprovement is scikit-learn's stopping rule (n_iter_no_change), which its estimators use.
"""

from .train.callbacks import (
    BackupAndRestore,
    Callback,
    CallbackList,
    ConvergenceTest,
    CSVLogger,
    EarlyStopping,
    LearningRateScheduler,
    ModelCheckpoint,
    NoImprovement,
    ProgressBar,
    TerminateOnNaN,
)
from .train.history import History

__all__ = [
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "ConvergenceTest",
    "EarlyStopping",
    "History",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "NoImprovement",
    "ProgressBar",
    "TerminateOnNaN",
]
