"""One playground session: the data, the network and its training, on rosenblatt's engine.

A session turns the page's settings into the recipe that ``rosenblatt train`` would run --
the same TOML text that "download as recipe" gives -- and builds everything from it with
the recipe's own functions: the data are a CSV file (the page's "download data") read by
``recipe.load_data``; split, scaling, network, loss and optimizer come from the recipe's
``_prepare``, after ``rb.manual_seed(data.seed)`` as in ``recipe.train``. A training step
is one epoch of ``rb.fit`` -- THE training loop -- so after N steps the weights are those
that ``rosenblatt train`` of the exported recipe (``training.epochs = N``) ends with.

Randomness: rosenblatt has one global generator. Each session keeps its own state of it
and puts it in place (under a lock) while it builds or trains, so two browser tabs never
draw from each other's stream.

The loss curves hold the data loss (without the L1/L2 penalty) of the training and the
test split at the end of each epoch, in eval mode (dropout off, batch-norm running
statistics): the numbers a user compares.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import no_grad
from ..data import load_csv
from ..io import save as save_model
from ..random import get_rng
from ..recipe import ACTIVATIONS, Recipe, load_data, parse_recipe, predict_scores
from ..recipe import _prepare as prepare_run
from ..recipe import _split as split_run
from ..tensor import from_numpy
from ..train import fit
from ..train.fit import TrainingDiverged
from ..train.inputs import loss_task, prepare
from .config import DEFAULTS, SOFT_FIELDS, ConfigError, check_config, integer, number
from .datasets import CLASSIFICATION, FEATURES, RADIUS, features, generate

__all__ = ["DATA_FILE", "MAX_UPLOAD_BYTES", "MAX_UPLOAD_ROWS", "Session"]

DATA_FILE = "playground-data.csv"
MAX_UPLOAD_BYTES = 1024 * 1024
MAX_UPLOAD_ROWS = 5000
MAX_CLASSES = 10
COLUMNS = [name for name, _ in FEATURES.values()]
_ACTIVATION_TYPES = tuple(t for t in ACTIVATIONS.values() if isinstance(t, type))
_OPTIMIZER_SECTIONS: dict[str, dict[str, Any]] = {
    "sgd": {"name": "sgd"},
    "momentum": {"name": "sgd", "momentum": 0.9},
    "rmsprop": {"name": "rmsprop"},
    "adam": {"name": "adam"},
    "adagrad": {"name": "adagrad"},
}


class _SessionGenerator:
    """rosenblatt's global generator, set to a session's state for the length of a block.

    ``state`` holds the session's state after the block; the global state is put back.
    """

    _lock = threading.Lock()

    def __init__(self, state: Any) -> None:
        self.state = state

    def __enter__(self) -> _SessionGenerator:
        self._lock.acquire()
        rng = get_rng()
        self._saved = rng.bit_generator.state
        rng.bit_generator.state = self.state
        return self

    def __exit__(self, *exc: object) -> None:
        rng = get_rng()
        self.state = rng.bit_generator.state
        rng.bit_generator.state = self._saved
        self._lock.release()


@dataclass
class Upload:
    """A CSV file the user uploaded: its two feature columns and the label column."""

    name: str
    points: np.ndarray  # (n, 2) float64
    labels: np.ndarray  # class labels or float targets
    axes: list[str]  # the two feature columns' names
    task: str  # "classification" or "regression"


def _toml(value: Any) -> str:
    """A TOML value: bool, int, float, string or a list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON's escapes are TOML's basic-string escapes
    return "[" + ", ".join(_toml(v) for v in value) + "]"


def _finite(v: float) -> float | None:
    return float(v) if np.isfinite(v) else None


class Session:
    """The state of one browser tab: settings, data, network, optimizer, loss history.

    Parameters
    ----------
    workdir : Path
        A private folder for the data CSV and exported files.

    Raises
    ------
    ConfigError
        From :meth:`configure`, :meth:`upload_csv`, :meth:`set_parameter`: a bad value,
        naming the field.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = Path(workdir)
        self.lock = threading.RLock()
        self.upload: Upload | None = None
        self.config: dict[str, Any] = dict(DEFAULTS)
        self._rebuild()

    # ------------------------------------------------------------------ settings
    def configure(self, raw: Any) -> None:
        """Apply (partial) settings. Learning rate, regularization and batch size keep the
        trained weights; any other change rebuilds data and network (epoch 0)."""
        new = check_config(raw, self.config)
        if new["dataset"] == "upload" and self.upload is None:
            raise ConfigError(
                "dataset",
                "a generated data set until a CSV file is uploaded",
                "upload",
                "dataset 'upload' needs a CSV file: upload one first",
            )
        changed = [k for k in new if new[k] != self.config[k]]
        if not changed:
            return
        if self.epoch > 0 and all(k in SOFT_FIELDS for k in changed):
            self.config = new
            self.recipe = self._parse_recipe()
            for group in self.optimizer.param_groups:
                group["lr"] = new["lr"]
            self.altered.append(f"{', '.join(changed)} changed at epoch {self.epoch}")
            return
        self._rebuild_or_keep(new)

    def reset(self) -> None:
        """Back to epoch 0: the initial weights of the seed, the loss history cleared."""
        self._rebuild()

    def _rebuild_or_keep(self, new: dict[str, Any], upload: Upload | None = None) -> None:
        """Rebuild with new settings (and upload); on failure keep the old ones."""
        old, old_upload = self.config, self.upload
        self.config = new
        if upload is not None:
            self.upload = upload
        try:
            self._rebuild()
        except ValueError as e:
            self.config, self.upload = old, old_upload
            self._rebuild()
            if isinstance(e, ConfigError):
                raise
            raise ConfigError(
                "dataset", "data the settings can split and train on", None, str(e)
            ) from e

    # ------------------------------------------------------------------ data and recipe
    def _points(self) -> tuple[np.ndarray, np.ndarray]:
        c = self.config
        if c["dataset"] == "upload":
            assert self.upload is not None
            return self.upload.points, self.upload.labels
        return generate(c["dataset"], c["n_samples"], c["noise"], c["classes"], c["seed"])

    def _data_csv(self, points: np.ndarray, labels: np.ndarray) -> str:
        table = features(points, list(FEATURES))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([*COLUMNS, "label"])
        for row, label in zip(table, labels.tolist()):
            cells = [f"{v:.9g}" for v in row]
            writer.writerow([*cells, f"{label:.9g}" if isinstance(label, float) else label])
        return out.getvalue()

    @property
    def task(self) -> str:
        """ "classification" or "regression"."""
        c = self.config
        if c["dataset"] == "upload":
            assert self.upload is not None
            return self.upload.task
        return "classification" if c["dataset"] in CLASSIFICATION else "regression"

    def recipe_sections(self, epochs: int) -> dict[str, dict[str, Any]]:
        """The recipe's sections ("" is the top level) for the current settings."""
        c = self.config
        if self.task == "regression":
            loss = "mse"
        else:
            loss = "binary_cross_entropy" if self.n_classes == 2 else "cross_entropy"
        penalty = {"l1": 0.0, "l2": 0.0}
        if c["regularization"] != "none":
            penalty[c["regularization"]] = c["reg_rate"]
        where = self.upload.name if c["dataset"] == "upload" and self.upload else c["dataset"]
        return {
            "": {
                "name": f"playground-{c['dataset']}",
                "description": f"rosenblatt playground: {where}, {len(c['layers'])} hidden layers",
            },
            "data": {
                "source": DATA_FILE,
                "target": "label",
                "features": [FEATURES[f][0] for f in c["features"]],
                "scaling": c["scaling"],
                "test_split": (100 - c["train_ratio"]) / 100,
                "seed": c["seed"],
            },
            "model": {
                "layers": c["layers"],
                "activation": c["activation"],
                "init": c["init"],
                "dropout": c["dropout"],
                "batch_norm": c["batch_norm"],
            },
            "loss": {"name": loss},
            "optimizer": {**_OPTIMIZER_SECTIONS[c["optimizer"]], "lr": c["lr"]},
            "training": {
                "epochs": epochs,
                "batch_size": c["batch_size"],
                "shuffle": True,
                **penalty,
                "restore_best_weights": False,  # the last epoch's weights, as on the page
            },
        }

    def recipe_text(self, epochs: int | None = None) -> str:
        """The TOML recipe that ``rosenblatt train`` runs to this network.

        ``epochs`` defaults to the epochs trained so far (at least 1).
        """
        lines = [
            "# rosenblatt playground: `rosenblatt train <this file>` builds and trains the same",
            "# network on the same data, split and seed, and ends with the same weights. It",
            f"# reads the data from {DATA_FILE} (the page's 'download data') in this folder.",
        ]
        for note in self.altered:
            lines.append(f"# note: {note} in the playground; this recipe trains with the final")
            lines.append("#   settings from the start, so its weights differ from the page's.")
        sections = self.recipe_sections(max(1, self.epoch if epochs is None else epochs))
        for section, keys in sections.items():
            if section:
                lines += ["", f"[{section}]"]
            lines += [f"{k} = {_toml(v)}" for k, v in keys.items()]
        return "\n".join(lines) + "\n"

    def _parse_recipe(self) -> Recipe:
        return parse_recipe(self.recipe_text(epochs=1), base_dir=self.workdir)

    # ------------------------------------------------------------------ build
    def _rebuild(self) -> None:
        """Data CSV -> recipe -> ``load_data`` and ``_prepare`` as ``recipe.train`` does."""
        self.epoch = 0
        self.altered: list[str] = []
        points, labels = self._points()
        self.points = points
        self.csv = self._data_csv(points, labels)
        (self.workdir / DATA_FILE).write_text(self.csv, encoding="utf-8")
        self.n_classes = len(np.unique(labels)) if self.task == "classification" else 0
        recipe = self._parse_recipe()
        data = load_data(recipe)
        seeded = np.random.default_rng(recipe.data["seed"]).bit_generator.state
        with _SessionGenerator(seeded) as generator:  # rb.manual_seed(data.seed)
            split, pre, X, t, model, loss, optimizer = prepare_run(recipe, data)
        self.rng_state = generator.state
        self.recipe, self.data, self.pre = recipe, data, pre
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.X_train, self.t_train = X, t
        _, X_test, _, y_test = split
        kind = loss_task(loss)
        classify = data.task != "regression"
        t_test = pre.transform_labels(y_test) if classify else pre.transform_targets(y_test)
        self.eval_sets = (
            prepare(model, X, t, kind),
            prepare(model, pre.transform(X_test), t_test, kind),
        )
        rows = dataclasses.replace(data, X=np.arange(len(data.X))[:, None])
        index_train, index_test, _, _ = split_run(recipe, rows)
        self.index = (index_train[:, 0], index_test[:, 0])
        self.history: dict[str, list[float | None]] = {"train": [], "test": []}
        self._record_losses()

    # ------------------------------------------------------------------ training
    def _loss_on(self, X: np.ndarray, y: np.ndarray) -> float | None:
        self.model.eval()
        try:
            with no_grad():
                value = self.loss(self.model(from_numpy(X)), from_numpy(y))
            return _finite(float(np.asarray(value)))
        finally:
            self.model.train()

    def _record_losses(self) -> None:
        (X, y), (X_test, y_test) = self.eval_sets
        self.history["train"].append(self._loss_on(X, y))
        self.history["test"].append(self._loss_on(X_test, y_test))

    def step(self, epochs: int = 1) -> str | None:
        """Train ``epochs`` epochs with ``rb.fit``; returns None, or why training stopped
        (the loss diverged: the weights of the last good epoch are kept)."""
        tr = self.recipe.training
        stopped = None
        with _SessionGenerator(self.rng_state) as generator:
            try:
                for _ in range(epochs):
                    fit(
                        self.model,
                        self.X_train,
                        self.t_train,
                        loss=self.loss,
                        optimizer=self.optimizer,
                        epochs=1,
                        batch_size=tr["batch_size"],
                        shuffle=tr["shuffle"],
                        l1=tr["l1"],
                        l2=tr["l2"],
                        verbose=0,
                    )
                    self.epoch += 1
                    self._record_losses()
            except TrainingDiverged:
                stopped = (
                    f"training diverged in epoch {self.epoch + 1} (the loss or a weight became "
                    f"NaN/inf); the weights of epoch {self.epoch} are kept. Lower the learning "
                    "rate (or the regularization rate) and press play again."
                )
        self.rng_state = generator.state
        return stopped

    # ------------------------------------------------------------------ the network
    @property
    def linears(self) -> list[Any]:
        return [m for m in self.model if hasattr(m, "in_features")]

    def set_parameter(self, layer: Any, row: Any, col: Any, value: Any) -> None:
        """Set weight [row, col] (``col`` an integer) or bias [row] (``col`` = "bias") of the
        ``layer``-th Linear layer (0 = the first, PyTorch's (out, in) layout)."""
        linears = self.linears
        i = integer(0, len(linears) - 1)(layer, "layer")
        w = np.asarray(linears[i].weight)
        r = integer(0, w.shape[0] - 1)(row, "row")
        v = number(-100, 100)(value, "value")
        if col == "bias":
            np.asarray(linears[i].bias)[r] = v
            what = f"bias {r} of layer {i}"
        else:
            j = integer(0, w.shape[1] - 1)(col, "col")
            w[r, j] = v
            what = f"weight [{r}, {j}] of layer {i}"
        self.altered.append(f"{what} set to {v:g} at epoch {self.epoch}")
        self.history["train"][-1], self.history["test"][-1] = (
            self._loss_on(*self.eval_sets[0]),
            self._loss_on(*self.eval_sets[1]),
        )

    def network(self) -> dict[str, Any]:
        """Weights (out, in), biases and activation of every layer."""
        layers = []
        acts = self.config["activation"] + [None]
        for linear, act in zip(self.linears, acts):
            layers.append(
                {
                    "weight": np.round(np.asarray(linear.weight, dtype=np.float64), 5).tolist(),
                    "bias": np.round(np.asarray(linear.bias, dtype=np.float64), 5).tolist(),
                    "activation": act,
                }
            )
        return {"inputs": list(self.config["features"]), "layers": layers}

    # ------------------------------------------------------------------ pictures
    def domain(self) -> tuple[list[float], list[float]]:
        """The plotted plane: [-6, 6]^2, or the uploaded points' box plus 10 %."""
        if self.config["dataset"] != "upload":
            return [-RADIUS, RADIUS], [-RADIUS, RADIUS]
        box = []
        for a in self.points.T:
            lo, hi = float(a.min()), float(a.max())
            pad = 0.1 * (hi - lo) or 1.0
            box.append([lo - pad, hi + pad])
        return box[0], box[1]

    def grid(self, resolution: int) -> np.ndarray:
        """Grid points (resolution^2, 2), row by row from the top (largest x2) down, each
        row from the smallest x1 to the largest: point [i * resolution + j] is pixel (i, j)."""
        (x0, x1), (y0, y1) = self.domain()
        a, b = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y1, y0, resolution))
        return np.stack([a.ravel(), b.ravel()], axis=1)

    def _scores(self, points: np.ndarray) -> np.ndarray:
        """What the output shows per point: P(second class) (two classes), the class
        probabilities (n, k) (more), the predicted value (regression)."""
        scores = predict_scores(self.model, features(points, self.config["features"]), self.pre)
        if self.task == "regression":
            return scores[:, 0]
        return scores[:, 1] if scores.shape[1] == 2 else scores

    def heatmap(self, resolution: int = 50, neuron_resolution: int = 0) -> dict[str, Any]:
        """The output over the grid, and (``neuron_resolution`` > 0) every unit's output.

        ``output``: grid rows of P(second class) for two classes, one such grid per class
        for more, predicted values for regression. ``features[id]``: each of the seven
        input features, divided by its largest magnitude on the grid; ``hidden[l][u]``:
        unit u of hidden layer l after its activation; ``outputs[u]``: what the output
        shows, per output unit.
        """
        r = resolution
        scores = self._scores(self.grid(r))
        grids = scores.T.reshape(-1, r, r)
        out: dict[str, Any] = {
            "resolution": r,
            "output": np.round(grids[0] if scores.ndim == 1 else grids, 6).tolist(),
        }
        if neuron_resolution:
            out.update(self._units(neuron_resolution))
        return out

    def _units(self, r: int) -> dict[str, Any]:
        points = self.grid(r)
        dtype = np.asarray(self.linears[0].weight).dtype
        Z = np.ascontiguousarray(
            self.pre.transform(features(points, self.config["features"])), dtype=dtype
        )
        hidden = []
        self.model.eval()
        try:
            with no_grad():
                h = from_numpy(Z)
                for module in self.model:
                    h = module(h)
                    if isinstance(module, _ACTIVATION_TYPES):
                        hidden.append(np.asarray(h).T.reshape(-1, r, r))
        finally:
            self.model.train()
        scores = self._scores(points)
        table = features(points, list(FEATURES))
        table = table / np.maximum(np.abs(table).max(axis=0), 1e-12)
        return {
            "neuron_resolution": r,
            "features": dict(zip(FEATURES, np.round(table.T.reshape(-1, r, r), 3).tolist())),
            "hidden": [np.round(g, 3).tolist() for g in hidden],
            "outputs": np.round(scores.T.reshape(-1, r, r), 3).tolist(),
        }

    # ------------------------------------------------------------------ state and exports
    def _point_rows(self, index: np.ndarray) -> list[list[float]]:
        if self.task == "regression":
            labels = np.asarray(self.data.y, dtype=np.float64)
        else:
            labels = self.pre.transform_labels(self.data.y)
        return [
            [
                round(float(a), 4),
                round(float(b), 4),
                (float if self.task == "regression" else int)(labels[i]),
            ]
            for i, (a, b) in zip(index, self.points[index])
        ]

    def summary(self) -> dict[str, Any]:
        """Epoch, latest losses, network: what changes at every step."""
        return {
            "epoch": self.epoch,
            "train_loss": self.history["train"][-1],
            "test_loss": self.history["test"][-1],
            "network": self.network(),
            "altered": list(self.altered),
        }

    def state(self) -> dict[str, Any]:
        """Everything the page draws: settings, task, classes, points, losses, network."""
        x_range, y_range = self.domain()
        classes = self.pre.classes_
        y = np.asarray(self.data.y)
        return {
            **self.summary(),
            "config": dict(self.config),
            "task": self.task,
            "loss_name": self.recipe.loss["name"],
            "classes": None if classes is None else [str(c) for c in classes.tolist()],
            "loss": dict(self.history),
            "points": {
                "train": self._point_rows(self.index[0]),
                "test": self._point_rows(self.index[1]),
            },
            "domain": {"x": x_range, "y": y_range},
            "axes": self.upload.axes
            if self.config["dataset"] == "upload" and self.upload
            else ["x1", "x2"],
            "upload": None if self.upload is None else self.upload.name,
            "target_range": [float(y.min()), float(y.max())] if self.task == "regression" else None,
            "n_parameters": int(sum(np.asarray(p).size for p in self.model.parameters())),
        }

    def model_bytes(self) -> bytes:
        """The network as one safetensors file (``rb.save``): ``rb.load`` rebuilds it, with
        the scaling, class labels and the recipe in its metadata."""
        path = self.workdir / "model.safetensors"
        metadata = {
            "recipe": self.recipe.to_dict(),
            "task": self.data.task,
            "loss": self.data.loss,
            "target": "label",
            "playground": {"config": self.config, "epoch": self.epoch},
        }
        save_model(self.model, path, preprocessing=self.pre, metadata=metadata)
        return path.read_bytes()

    # ------------------------------------------------------------------ upload
    def upload_csv(self, name: Any, text: Any) -> None:
        """Use an uploaded CSV file (see :func:`read_upload`); switches to "upload"."""
        upload = read_upload(name, text, self.workdir)
        self._rebuild_or_keep({**self.config, "dataset": "upload"}, upload)


def read_upload(name: Any, text: Any, folder: Path) -> Upload:
    """Check and read an uploaded CSV file: a header row, two numeric feature columns, then
    the label column -- class labels (2 to 10), or numbers with fractions for regression.

    Raises
    ------
    ConfigError
        Field "csv": not text, over 1 MiB (status 413), not 3 columns, what
        ``rb.data.load_csv`` finds (a malformed row, non-numeric features, NaN), fewer than
        10 or more than 5000 rows, fewer than 2 or more than 10 classes.
    """
    if not isinstance(text, str):
        raise ConfigError("csv", "the CSV file's text", type(text).__name__)
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise ConfigError(
            "csv",
            f"at most {MAX_UPLOAD_BYTES} bytes",
            None,
            f"the CSV file is {len(text.encode('utf-8'))} bytes; the limit is 1 MiB",
            status=413,
        )
    name = name if isinstance(name, str) and name else "upload.csv"
    header = next(csv.reader(io.StringIO(text)), [])
    if len(header) != 3:
        raise ConfigError(
            "csv",
            "3 columns: two numeric features and a label",
            header,
            f"{name}: expected a header row and 3 columns (two numeric features, then the "
            f"label), got {len(header)} columns: {header[:10]}",
        )
    path = folder / "upload.csv"
    path.write_text(text, encoding="utf-8")
    try:
        X, y, _ = load_csv(path, target=header[2], features=header[:2])
    except ValueError as e:
        raise ConfigError(
            "csv",
            "two numeric features and a label",
            None,
            f"{name}: {str(e).split(': ', 1)[-1]}",
        ) from e
    assert y is not None
    if not 10 <= len(X) <= MAX_UPLOAD_ROWS:
        raise ConfigError(
            "csv",
            f"10 to {MAX_UPLOAD_ROWS} rows",
            len(X),
            f"{name}: {len(X)} data rows; the playground takes 10 to {MAX_UPLOAD_ROWS}",
        )
    values = np.unique(y)
    task = "classification"
    if y.dtype.kind == "f":
        if len(values) <= MAX_CLASSES and np.all(values == np.round(values)):
            y = y.astype(np.int64)
        else:
            task = "regression"
    if task == "classification" and not 2 <= len(values) <= MAX_CLASSES:
        raise ConfigError(
            "csv",
            f"2 to {MAX_CLASSES} classes in the label column",
            len(values),
            f"{name}: the label column {header[2]!r} holds {len(values)} different "
            f"values; a classification needs 2 to {MAX_CLASSES} (a numeric label with "
            "fractions is a regression target)",
        )
    return Upload(name, X.astype(np.float64), y, header[:2], task)
