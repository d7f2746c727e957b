"""``rosenblatt.train``: the training loop (``fit``), its History, callbacks and metrics.

>>> import rosenblatt as rb
>>> history = rb.fit(model, X, y, epochs=20, validation_split=0.2,   # doctest: +SKIP
...                  callbacks=[rb.callbacks.EarlyStopping(patience=3)])
>>> history.history["val_loss"]                                        # doctest: +SKIP
"""

from . import callbacks, metrics
from .fit import TrainingDiverged, fit
from .history import History

__all__ = ["History", "TrainingDiverged", "callbacks", "fit", "metrics"]
