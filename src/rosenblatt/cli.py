"""The ``rosenblatt`` command (also ``python -m rosenblatt``).

::

    rosenblatt train [RECIPE.toml] [--out DIR] [--epochs N] [--quiet]
    rosenblatt train --resume RUN_DIR [--epochs N]
    rosenblatt evaluate MODEL --data CSV [--target COLUMN]
    rosenblatt predict MODEL --data CSV [--out CSV] [--proba] [--id COLUMN]
    rosenblatt export MODEL --onnx FILE [--input-shape C,H,W]
    rosenblatt demo NAME [--out DIR]   (rosenblatt demo --list: the demos and pictures)
    rosenblatt playground [--port N] [--host 127.0.0.1] [--no-browser]
    rosenblatt --help | --version

``train`` without a recipe runs the built-in default (an MLP on the digits). A run writes
``runs/NAME-TIMESTAMP/`` (or ``--out DIR``): model.safetensors (weights, architecture,
preprocessing and class labels), history.csv, metrics.json, recipe.toml, loss_curve.png
and, for classifiers, confusion_matrix.png (roc_curve.png for two classes,
decision_boundary.png for two features); COMPLETE is written last. While it trains, the
folder holds a lock (.lock: a second process is refused), the training state of the last
finished epoch (.backup/) and what ``--resume`` needs (recipe.toml, .run.json): a run that
was interrupted or killed continues where it stopped and ends bit-identical to one that
was not. On a full disk the trained model is kept in the temporary (or home) folder.

Exit codes: 0 success; 1 internal error (a bug: the traceback is shown); 2 usage or bad
input (a recipe, CSV or model file that cannot be used: one line ``rosenblatt: error: ...``
on stderr, no traceback); 130 interrupted by Ctrl-C (during training the run is still
saved, with the best weights so far).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import sys
import time
import traceback
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .train.callbacks import Callback, EarlyStopping

__all__ = ["UsageError", "build_parser", "main"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return text


@contextmanager
def bad_input(what: str = "") -> Iterator[None]:
    """Turn ValueError / OSError / MemoryError raised inside the block into a UsageError
    (exit 2)."""
    try:
        yield
    except (ValueError, OSError, MemoryError) as e:
        prefix = f"{what}: " if what else ""
        raise UsageError(prefix + _problem(e)) from e


def _problem(e: BaseException) -> str:
    """One line for an exception: its message; what ran out for an empty MemoryError."""
    if isinstance(e, MemoryError):
        return (
            "out of memory"
            + (f" ({_one_line(e)})" if str(e) else "")
            + ("; use a smaller model, batch or data set")
        )
    if isinstance(e, OSError) and e.strerror and e.filename:
        return f"{e.filename}: {e.strerror}"
    return _one_line(e)


# ============================================================================ train
def _recipe_help() -> str:
    from .recipe import KEYS, OPTIMIZERS, SCHEDULES

    lines = ["recipe format (TOML; every key optional except data.source):"]
    for section, keys in KEYS.items():
        if section:
            lines.append(f"  [{section}] {', '.join(keys)}")
    for name, (_, hyper) in OPTIMIZERS.items():
        lines.append(f"    optimizer {name!r}: {', '.join(hyper)}")
    lines.append("  [optimizer.schedule] name + keys:")
    for name, (_, schedule_keys, _) in SCHEDULES.items():
        lines.append(f"    {name!r}: {', '.join(schedule_keys)}")
    lines.append("print the default recipe with: rosenblatt train --print-recipe")
    return "\n".join(lines)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "run"


def _run_dir(out: str | None, name: str) -> tuple[Path, bool]:
    """``--out DIR`` as given, else runs/NAME-YYYYmmdd-HHMMSS (with -2, -3 ... if taken);
    and whether this call created the folder."""
    if out is not None:
        path = Path(out)
        created = not path.exists()
        path.mkdir(parents=True, exist_ok=True)
        return path, created
    stem = Path("runs") / f"{_slug(name)}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, i = stem, 1
    while True:
        try:
            path.mkdir(parents=True, exist_ok=False)
            return path, True
        except FileExistsError:
            i += 1
            path = stem.with_name(f"{stem.name}-{i}")


class _Started(Callback):
    """Remembers whether ``rb.fit`` got past its checks of the data (on_train_begin): a
    ValueError before that is bad input (exit 2), after it a bug (exit 1). Then (rank 0)
    writes what ``--resume`` needs into the run folder: recipe.toml and .run.json."""

    started = False

    def __init__(self, folder: Path | None = None, recipe: Any = None) -> None:
        self.folder, self.recipe = folder, recipe

    def on_train_begin(self, logs: Any = None) -> None:
        self.started = True
        if self.folder is not None:
            from . import io

            r = self.recipe
            resume = {"name": r.name, "base_dir": str(Path(r.base_dir).resolve()),
                      "epochs": r.training["epochs"]}  # fmt: skip
            io.atomic_write(self.folder / "recipe.toml", r.text)
            io.atomic_write(self.folder / RESUME_FILE, json.dumps(resume, indent=2) + "\n")


RESUME_FILE = ".run.json"  # the recipe's folder and epochs, for --resume
COMPLETE_FILE = "COMPLETE"  # written last: every file of the run is there
BACKUP_DIR = ".backup"  # BackupAndRestore's training state, until the run is complete


class _FolderLock:
    """An exclusive lock on a run folder (``.lock``, flock): a second process training into
    the same folder is refused instead of interleaving its rows with ours. The kernel drops
    the lock of a killed process; the file is removed when the run ends."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / ".lock"
        self.fd: int | None = None

    def acquire(self) -> None:
        import os

        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                other = os.read(fd, 32).decode(errors="replace").strip() or "?"
                os.close(fd)
                raise UsageError(
                    f"{self.path.parent} is being written by another 'rosenblatt train' (pid "
                    f"{other}); wait for it to finish or choose another --out"
                ) from None
            try:  # the file may have been removed by its last holder meanwhile
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd

    def release(self) -> None:
        import os

        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        os.close(self.fd)
        self.fd = None


def _architecture(model: Any) -> str:
    from . import nn

    linears = [m for m in model if isinstance(m, nn.Linear)]
    sizes = [linears[0].in_features, *(m.out_features for m in linears)]
    acts = [
        type(m).__name__
        for m in model
        if not isinstance(m, (nn.Linear, nn.Dropout, nn.BatchNorm1d))
    ]
    n_params = sum(p._data.size for p in model.parameters())
    act = "/".join(dict.fromkeys(acts)) or "linear"
    extras = [type(m).__name__ for m in model if isinstance(m, (nn.Dropout, nn.BatchNorm1d))]
    extra = f" + {'/'.join(dict.fromkeys(extras))}" if extras else ""
    return f"{'-'.join(map(str, sizes))} {act}{extra} ({n_params:,} parameters)"


def _confusion_text(cm: Sequence[Sequence[int]], classes: Sequence[Any]) -> list[str]:
    names = [str(c) for c in classes]
    width = max(max(len(n) for n in names), max(len(str(v)) for row in cm for v in row), 3)
    lines = ["confusion matrix (rows: true class, columns: predicted class)"]
    lines.append(" " * (width + 2) + " ".join(n.rjust(width) for n in names))
    for name, row in zip(names, cm):
        lines.append(name.rjust(width) + "  " + " ".join(str(v).rjust(width) for v in row))
    return lines


def metric_lines(metrics: dict[str, Any], split: str = "test") -> list[str]:
    """The printed summary of ``recipe.score``'s metrics."""
    if "accuracy" in metrics:
        lines = [
            f"{split} accuracy: {metrics['accuracy']:.4f} "
            f"({metrics['n_correct']}/{metrics['n_samples']})"
        ]
        if "precision" in metrics:
            pos = metrics["classes"][1]
            extra = f", ROC AUC {metrics['roc_auc']:.4f}" if "roc_auc" in metrics else ""
            lines.append(
                f"class {pos!r}: precision {metrics['precision']:.4f}, recall "
                f"{metrics['recall']:.4f}, F1 {metrics['f1']:.4f}{extra}"
            )
        return lines + _confusion_text(metrics["confusion_matrix"], metrics["classes"])
    return [
        f"{split} R²: {metrics['r2']:.4f}   MSE: {metrics['mse']:.6g}   MAE: {metrics['mae']:.6g}"
        f"   ({metrics['n_samples']} samples)"
    ]


_MAX_PLOTTED_CLASSES = 30  # confusion_matrix.png up to this many classes (metrics.json: all)


def _write_plots(run: Any, folder: Path) -> list[str]:
    from . import viz

    written = []
    if run.history.history.get("loss"):
        viz.plot_loss_curve(run.history, folder / "loss_curve.png", title=run.recipe.name)
        written.append("loss_curve.png")
    m = run.metrics
    if "confusion_matrix" in m:
        if len(m["classes"]) <= _MAX_PLOTTED_CLASSES:  # more: unreadable, and seconds to draw
            viz.plot_confusion_matrix(
                m["confusion_matrix"], m["classes"], folder / "confusion_matrix.png"
            )
            written.append("confusion_matrix.png")
        X_tr, X_te, y_tr, y_te = run.split
        X, y = (X_te, y_te) if len(X_te) else (X_tr, y_tr)
        if "roc_auc" in m:
            from .recipe import predict_scores

            positive = np.asarray(y) == m["classes"][1]
            scores = predict_scores(run.model, X, run.preprocessing)[:, 1]
            viz.plot_roc_curve(positive, scores, folder / "roc_curve.png")
            written.append("roc_curve.png")
        if X.shape[1] == 2 and run.preprocessing.encoder is None:
            viz.plot_decision_boundary(
                run.model, X_tr, y_tr, folder / "decision_boundary.png",
                preprocessing=run.preprocessing,
            )  # fmt: skip
            written.append("decision_boundary.png")
    return written


def _save_run(run: Any, folder: Path, diverged: str | None) -> dict[str, Any]:
    from . import io

    history = run.history
    stopped = history.stopped_epoch is not None and not history.interrupted
    summary = {
        "recipe": run.recipe.name,
        "data": run.data.description,
        "task": run.data.task,
        "loss": run.data.loss,
        "n_train": len(run.split[0]),
        "n_test": len(run.split[1]),
        "n_features": int(run.data.X.shape[1]),
        "epochs_run": len(history.epoch),
        "epochs": run.recipe.training["epochs"],
        "stopped_early": bool(stopped),
        "interrupted": bool(history.interrupted),
        "diverged": diverged,
        "training_time_s": round(run.training_time, 4),
        run.metrics["split"]: {k: v for k, v in run.metrics.items() if k != "split"},
    }
    pre = run.preprocessing
    metadata = {
        "recipe": run.recipe.to_dict(),
        "task": run.data.task,
        "loss": run.data.loss,
        "target": run.data.target,
        "metrics": summary[run.metrics["split"]],
    }
    classes = None if pre.classes_ is None else pre.classes_.tolist()
    path = folder / "model.safetensors"

    def save(target: Path) -> None:
        io.save(run.model, target, preprocessing=pre, classes=classes, metadata=metadata)

    try:
        save(path)
    except OSError as e:  # a full disk, a folder that went away: keep the model elsewhere
        raise UsageError(
            f"cannot write {path}: {e.strerror or e}; {_keep_elsewhere(save, run.recipe.name)}"
        ) from e
    try:
        io.atomic_write(folder / "metrics.json", json.dumps(summary, indent=2) + "\n")
        io.atomic_write(folder / "recipe.toml", run.recipe.text)
        summary["plots"] = _write_plots(run, folder)
        summary["files"] = ["model.safetensors", "metrics.json", "recipe.toml", "history.csv",
                            *summary["plots"]]  # fmt: skip
    except OSError as e:
        raise UsageError(
            f"cannot write the run folder {folder}: {_problem(e)}; the model is saved in {path}"
        ) from e
    return summary


def _keep_elsewhere(save: Callable[[Path], None], name: str) -> str:
    """Save with ``save(path)`` where there is room -- the temporary folder, else the home
    folder -- and say where; or say that it could not be kept."""
    import os
    import tempfile

    file = f"rosenblatt-{_slug(name)}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.safetensors"
    tried = []
    for folder in (Path(tempfile.gettempdir()), Path.home()):
        try:
            save(folder / file)
            return f"the trained model is kept in {folder / file}"
        except OSError as e:
            tried.append(f"{folder}: {e.strerror or e}")
    return f"the trained model could not be kept elsewhere either ({'; '.join(tried)})"


def _print_summary(run: Any, summary: dict[str, Any], folder: Path, quiet: bool) -> None:
    r, d = run.recipe, run.data
    tr = r.training
    epochs = summary["epochs_run"]
    notes = []
    if summary["interrupted"]:
        notes.append(f"interrupted by Ctrl-C after {epochs} finished epochs")
    elif summary["stopped_early"]:
        notes.append(f"stopped at epoch {epochs} of {tr['epochs']}")
    if tr["restore_best_weights"] and epochs:
        stopper = next((c for c in run.callbacks if isinstance(c, EarlyStopping)), None)
        if stopper is not None and stopper.best_weights is not None:
            notes.append(f"best weights: epoch {stopper.best_epoch + 1}")
    note = f" ({'; '.join(notes)})" if notes else ""
    split = run.metrics["split"]
    if quiet:
        print(metric_lines(run.metrics, split)[0] + note)
        print(f"run saved in {folder}")
        return
    n_classes = (
        f", {len(run.preprocessing.classes_)} classes"
        if run.preprocessing.classes_ is not None
        else ""
    )
    batch = "full batch" if tr["batch_size"] == "full" else f"batch {tr['batch_size']}"
    opt = r.optimizer
    lr = f" lr={opt['lr']:g}" if "lr" in opt else ""
    print(f"recipe:   {r.name}" + (f" -- {r.description}" if r.description else ""))
    print(
        f"data:     {d.description}: {len(d.X)} samples, {d.X.shape[1]} features{n_classes}; "
        f"train {summary['n_train']}, test {summary['n_test']}; scaling {r.data['scaling']}"
    )
    print(f"model:    {_architecture(run.model)}; loss {d.loss}; {opt['name']}{lr}, {batch}")
    print(f"training: {epochs} epochs in {run.training_time:.2f} s{note}")
    for line in metric_lines(run.metrics, split):
        print(line)
    print(f"run saved in {folder}")


def _resumed_recipe(folder: Path, epochs: int | None) -> Any:
    """The recipe of an interrupted run folder, as it was started (its CSV paths resolved
    against the original recipe's folder); ``--epochs`` may extend it."""
    from . import recipe as rcp

    if not folder.is_dir():
        raise UsageError(f"--resume: no such run folder: {str(folder)!r}")
    if (folder / COMPLETE_FILE).exists():
        return None
    if not (folder / RESUME_FILE).is_file() or not (folder / "recipe.toml").is_file():
        raise UsageError(
            f"--resume: {folder} holds no interrupted run (no recipe.toml and {RESUME_FILE}: "
            "it stopped before training began; start it again)"
        )
    with bad_input(f"--resume: {folder}"):
        info = json.loads((folder / RESUME_FILE).read_text())
        if not isinstance(info, dict) or not {"name", "base_dir", "epochs"} <= set(info):
            raise ValueError(f"{RESUME_FILE} is damaged; start the run again")
        text = (folder / "recipe.toml").read_text(encoding="utf-8")
        recipe = rcp.parse_recipe(text, base_dir=info["base_dir"], name=info["name"])
        return recipe.with_epochs(info["epochs"] if epochs is None else epochs)


def _clean_complete(folder: Path) -> None:
    """Remove what only an unfinished run needs: the backup, .run.json, killed writes."""
    from . import io

    shutil.rmtree(folder / BACKUP_DIR, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (folder / RESUME_FILE).unlink()
    io.remove_stale_temporaries(folder)


def cmd_train(args: argparse.Namespace) -> int:
    from . import recipe as rcp
    from .train.callbacks import BackupError
    from .train.data_parallel import from_rank0, main_process

    resume = args.resume is not None
    if resume and (args.recipe is not None or args.out is not None or args.print_recipe):
        raise UsageError("--resume RUN_DIR continues that run: give no recipe and no --out")
    if resume:
        recipe = _resumed_recipe(Path(args.resume), args.epochs)
        if recipe is None:  # complete: only what a kill during the last clean-up left
            _clean_complete(Path(args.resume))
            print(f"nothing to resume: the run in {args.resume} is complete")
            return EXIT_OK
    else:
        with bad_input():
            recipe = rcp.default_recipe() if args.recipe is None else rcp.load_recipe(args.recipe)
            if args.epochs is not None:
                recipe = recipe.with_epochs(args.epochs)
    if args.print_recipe:
        sys.stdout.write(recipe.text)
        return EXIT_OK
    main = main_process()  # under mpiexec: rank 0 makes the run folder, prints and saves
    if resume:
        folder, created = Path(args.resume), False
    else:
        with bad_input("cannot create the run folder"):
            folder, created = from_rank0(lambda: _run_dir(args.out, recipe.name))
    created = created and main
    lock = _FolderLock(folder)
    if main:
        with bad_input(f"cannot lock the run folder {folder}"):
            lock.acquire()
    try:
        if main and not resume:  # a new run in this folder: no earlier run to continue
            shutil.rmtree(folder / BACKUP_DIR, ignore_errors=True)
            with contextlib.suppress(FileNotFoundError):
                (folder / COMPLETE_FILE).unlink()
        return _train_in(recipe, folder, created, main, args)
    except BackupError as e:
        raise UsageError(
            f"{_one_line(e)} (the backup is {folder / BACKUP_DIR}; without it the run starts over)"
        ) from e
    finally:
        lock.release()
        if created and folder.is_dir() and not any(folder.iterdir()):  # nothing was trained
            folder.rmdir()


def _train_in(recipe: Any, folder: Path, created: bool, main: bool, args: Any) -> int:
    """Train ``recipe`` into ``folder``: history.csv grows one row per epoch, the training
    state is backed up after every epoch (so --resume continues a killed run exactly), and
    COMPLETE is written after the last file."""
    from . import recipe as rcp
    from .train.callbacks import BackupAndRestore, BackupError, CSVLogger, TerminateOnNaN

    started = _Started(folder if main else None, recipe)
    extra = [
        started,
        CSVLogger(folder / "history.csv", append=True),
        TerminateOnNaN(),
        BackupAndRestore(folder / BACKUP_DIR, delete_checkpoint=False),
    ]
    verbose = 0 if args.quiet or not main else (1 if sys.stderr.isatty() else 2)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "training diverged", RuntimeWarning)
            run = rcp.train(recipe, verbose=verbose, callbacks=extra)
    except BackupError:
        raise
    except (ValueError, OSError, MemoryError, KeyboardInterrupt) as e:
        if started.started and isinstance(e, ValueError):  # the data were accepted: a bug
            raise
        if started.started:  # no room on the disk or in memory: keep the weights so far

            def save(target: Path) -> None:
                from . import io

                io.save(started.model, target, metadata={"recipe": recipe.to_dict()})

            kept = _keep_elsewhere(save, recipe.name).replace("trained", "partly trained")
            raise UsageError(f"training stopped: {_problem(e)}; {kept}") from e
        if isinstance(e, KeyboardInterrupt):
            raise
        raise UsageError(_problem(e)) from e
    diverged = None if run.history.diverged is None else _one_line(run.history.diverged)
    if not main:
        return EXIT_USAGE if diverged else EXIT_INTERRUPTED if run.interrupted else EXIT_OK
    summary = _save_run(run, folder, diverged)
    if not run.interrupted:  # finished (or diverged): nothing left to resume
        from . import io

        io.atomic_write(folder / COMPLETE_FILE, json.dumps(summary["files"]) + "\n")
        _clean_complete(folder)
    _print_summary(run, summary, folder, args.quiet)
    if diverged:
        raise UsageError(f"{diverged} The run (last good weights) is saved in {folder}")
    if run.interrupted:
        print(f"interrupted: continue with 'rosenblatt train --resume {folder}'")
    return EXIT_INTERRUPTED if run.interrupted else EXIT_OK


# ============================================================================ evaluate / predict
def _load_model(path: str) -> Any:
    """The model of a file, refused (exit 2) unless it maps features to outputs."""
    from . import io
    from .nn.loss import _Loss

    with bad_input():
        if not Path(path).is_file():
            raise FileNotFoundError(f"no such model file: {path!r}")
        model = io.load_model(path)  # a state_dict or checkpoint dict is not a model
    losses = [type(m).__name__ for m in model.modules() if isinstance(m, _Loss)]
    if losses:
        raise UsageError(
            f"{path} holds a loss function ({losses[0]}) among its layers; a model for "
            "evaluate/predict maps features to outputs"
        )
    target = getattr(model, "metadata", {}).get("target")
    if target is not None and not isinstance(target, str):
        raise UsageError(
            f"{path}: metadata.target must be a column name (a string), got {target!r}"
        )
    return model


def _features_of(model: Any) -> list[str] | None:
    pre = model.preprocessing
    return None if pre is None else pre.feature_names


def _read(path: str, model: Any, target: str | None) -> tuple[Any, Any]:
    """The CSV's feature columns as the model's preprocessing takes them (raw, with text
    and gaps, when it encodes columns) and the target column (None: not read)."""
    from .data import load_csv

    pre = model.preprocessing
    raw = pre is not None and pre.encoder is not None
    X, y, _ = load_csv(path, target=target, features=_features_of(model), raw=raw)
    return X, y


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .recipe import score

    model = _load_model(args.model)
    if model.preprocessing is None:
        raise UsageError(
            f"{args.model} stores no preprocessing (task, classes, scaling); evaluate needs a "
            "model written by 'rosenblatt train' or rb.save(..., preprocessing=...)"
        )
    target = args.target or model.metadata.get("target")
    if target is None:
        raise UsageError(
            f"{args.model} does not record its target column (it was trained on a built-in "
            "data set); name it with --target COLUMN"
        )
    with bad_input():
        X, y = _read(args.data, model, target)
        metrics = score(model, X, y, model.preprocessing)
    print(f"model: {args.model}; data: {args.data} ({len(X)} rows, target {target!r})")
    for line in metric_lines(metrics, "evaluation"):
        print(line)
    return EXIT_OK


def cmd_predict(args: argparse.Namespace) -> int:
    import pandas as pd

    from .data import check_n_features
    from .recipe import predict, predict_scores

    model = _load_model(args.model)
    pre = model.preprocessing
    classifier = pre is not None and pre.task == "classification" and pre.classes_ is not None
    if args.proba and not classifier:
        raise UsageError(
            f"--proba writes class probabilities; {args.model} is not a classifier with "
            "class labels (a regressor, or a model saved without preprocessing)"
        )
    with bad_input():
        X, _ = _read(args.data, model, None)
        ids = _id_column(args.data, args.id) if args.id else None
        if pre is None:
            first = next((m for m in model.modules() if hasattr(m, "in_features")), None)
            if first is not None:
                check_n_features(X, first.in_features, f"the model's first layer {first!r}")
        labels = predict(model, X, pre)
        scores = predict_scores(model, X, pre) if args.proba else None
    if labels.ndim == 2:  # a model saved without preprocessing: its raw outputs
        frame = pd.DataFrame(labels, columns=[f"output_{i}" for i in range(labels.shape[1])])
    else:
        frame = pd.DataFrame({model.metadata.get("target") or "prediction": labels})
    if scores is not None:
        for i, c in enumerate(pre.classes_.tolist()):
            frame[f"proba_{c}"] = scores[:, i]
    if ids is not None:
        frame.insert(0, args.id, ids)
    if args.out is None:
        frame.to_csv(sys.stdout, index=False)
    else:
        with bad_input(f"cannot write {args.out}"):
            frame.to_csv(args.out, index=False)
        print(f"wrote {len(frame)} predictions to {args.out}")
    return EXIT_OK


def _id_column(path: str, column: str) -> Any:
    """The values of ``column`` of the CSV, carried through to the predictions."""
    import pandas as pd

    from .data.files import _did_you_mean

    columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    if column not in columns:
        raise ValueError(
            f"--id: no column {column!r} in {path}{_did_you_mean(column, columns)}; the columns "
            f"are {columns}"
        )
    return pd.read_csv(path, usecols=[column], dtype=object)[column].to_numpy()


# ============================================================================ export
def _example_input(model: Any, shape: str | None) -> np.ndarray:
    """Eight inputs to export and check with: of ``--input-shape`` (the input's shape
    after its first, batch dimension), else of the width the preprocessing or a first
    Linear layer takes, spread like the training features when the scaler knows them."""
    rng = np.random.default_rng(0)
    pre = model.preprocessing
    if shape is not None:
        try:
            dims = tuple(int(d) for d in shape.replace("x", ",").split(","))
        except ValueError:
            dims = ()
        if not dims or min(dims) < 1:
            raise UsageError(
                f"--input-shape must be positive integers such as 3,28,28, got {shape!r}"
            )
        return rng.normal(size=(8, *dims)).astype(np.float32)
    if pre is not None and pre.n_features_in_ is not None:
        X = rng.normal(size=(8, pre.n_features_in_))
        scaler = pre.scaler_
        if type(scaler).__name__ == "StandardScaler" and scaler.scale_ is not None:
            X = X * scaler.scale_ + (0 if scaler.mean_ is None else scaler.mean_)
        elif type(scaler).__name__ == "MinMaxScaler":
            X = scaler.data_min_ + (X * 0.25 + 0.5) * scaler.data_range_
        return X.astype(np.float32)
    leaves = (m for m in model.modules() if not any(True for _ in m.children()))
    first = next((m for m in leaves if any(True for _ in m.parameters())), None)
    if not hasattr(first, "in_features"):
        raise UsageError(
            "the input shape of this model is not recorded; give one sample's shape with "
            "--input-shape (e.g. 3,28,28)"
        )
    return rng.normal(size=(8, first.in_features)).astype(np.float32)  # type: ignore[union-attr]


def cmd_export(args: argparse.Namespace) -> int:
    model = _load_model(args.model)
    X = _example_input(model, args.input_shape)
    try:
        from . import onnx as rb_onnx

        rb_onnx._require_onnx()
    except ImportError as e:
        raise UsageError(_one_line(e)) from e
    with bad_input(f"cannot export {args.model}"):
        rb_onnx.export(model, X, args.onnx)
    outputs = "label, probabilities" if model.preprocessing is not None else "output"
    if model.preprocessing is not None and model.preprocessing.task == "regression":
        outputs = "prediction"
    print(f"wrote {args.onnx}: input 'input' (batch, {', '.join(map(str, X.shape[1:]))}), "
          f"outputs {outputs}")  # fmt: skip
    return EXIT_OK


# ============================================================================ demos
XOR_RECIPE = """\
name = "xor"
description = "XOR with a 2-4-1 tanh network: not linearly separable, one hidden layer solves it"

[data]
source = "xor"
scaling = "none"
test_split = 0.0          # four samples: train and score on the truth table
seed = 0

[model]
layers = [4]
activation = "tanh"
init = "xavier_uniform"

[loss]
name = "binary_cross_entropy"   # one logit, sigmoid implied

[optimizer]
name = "adam"
lr = 0.05

[training]
epochs = 300
batch_size = "full"       # batch gradient descent
convergence_tol = 1e-4    # the decks' convergence test: stop when J falls by less than this
restore_best_weights = false
"""


def _demo_xor(out_dir: Path, verbose: int) -> None:
    from . import viz
    from .recipe import parse_recipe, predict_scores, train

    recipe = parse_recipe(XOR_RECIPE)
    print("XOR is not linearly separable: a perceptron cannot learn it, one hidden layer can.")
    print("network: 2-4-1 tanh, binary cross-entropy, Adam lr=0.05, full-batch epochs until")
    print("J falls by less than 1e-4 in one epoch (the decks' convergence test)")
    run = train(recipe, verbose=0)
    X, y = run.data.X, run.data.y
    p = predict_scores(run.model, X, run.preprocessing)[:, 1]
    print(f"loss: {run.history.history['loss'][0]:.4f} (epoch 1) -> "
          f"{run.history.history['loss'][-1]:.4f} (epoch {len(run.history.epoch)})")  # fmt: skip
    print(" x1  x2  target  P(y=1)  predicted")
    for (a, b), t, prob in zip(X, y, p):
        print(f"{a:3.0f} {b:3.0f}  {t:6d}  {prob:6.3f}  {int(prob > 0.5):9d}")
    print(f"accuracy: {run.metrics['accuracy']:.2f}")
    out_dir.mkdir(parents=True, exist_ok=True)
    viz.plot_decision_boundary(run.model, X, y, out_dir / "decision_boundary.png",
                               preprocessing=run.preprocessing, title="XOR")  # fmt: skip
    viz.plot_loss_curve(run.history, out_dir / "loss_curve.png", title="XOR", log_scale=True)
    print(f"figures: {out_dir / 'decision_boundary.png'}, {out_dir / 'loss_curve.png'}")


def _demo_digits(out_dir: Path, verbose: int) -> None:
    from . import viz
    from .recipe import default_recipe, train

    recipe = default_recipe()
    print("The built-in default recipe: a 64-128-64-10 ReLU MLP on scikit-learn's 8x8 digits.")
    run = train(recipe, verbose=verbose)
    print(f"training: {len(run.history.epoch)} epochs in {run.training_time:.2f} s")
    for line in metric_lines(run.metrics, run.metrics["split"]):
        print(line)
    out_dir.mkdir(parents=True, exist_ok=True)
    viz.plot_loss_curve(run.history, out_dir / "loss_curve.png", title="digits")
    m = run.metrics
    viz.plot_confusion_matrix(m["confusion_matrix"], m["classes"], out_dir / "confusion_matrix.png")
    X_tr, _, y_tr, _ = run.split
    from . import nn

    Xs = run.preprocessing.transform(X_tr[:256])
    t = run.preprocessing.transform_labels(y_tr[:256])
    viz.plot_gradient_histograms(run.model, Xs, t, nn.CrossEntropyLoss(),
                                 out_dir / "gradients.png")  # fmt: skip
    print(f"figures in {out_dir}: loss_curve.png, confusion_matrix.png, gradients.png")


def _demo_universal(out_dir: Path, verbose: int) -> None:
    from . import nn, optim, viz
    from .random import manual_seed
    from .train import fit

    manual_seed(0)
    x = np.linspace(-np.pi, np.pi, 200, dtype=np.float32).reshape(-1, 1)
    y = np.sin(2 * x) + 0.3 * x
    print("Universal approximation: one hidden layer of 32 tanh units fits y = sin(2x) + 0.3x")
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    h = fit(model, x, y, loss=nn.MSELoss(), optimizer=opt, epochs=2000, batch_size=None,
            verbose=0)  # fmt: skip
    print(f"MSE {h.history['mse'][-1]:.5f}, R² {h.history['r2'][-1]:.5f} after 2000 epochs")
    out_dir.mkdir(parents=True, exist_ok=True)
    viz.plot_function_fit(x, y, model, out_dir / "function_fit.png",
                          target=lambda g: np.sin(2 * g) + 0.3 * g)  # fmt: skip
    print(f"figure: {out_dir / 'function_fit.png'}")


def _not_available(name: str) -> None:
    print(f"demo {name!r}: not yet available in this version of rosenblatt")


def _demo_perceptron_or(out_dir: Path, verbose: int) -> None:
    try:
        from .models import perceptron_or_demo
    except ImportError:
        _not_available("perceptron-or")
        return
    perceptron_or_demo()


def _demo_optimizers(out_dir: Path, verbose: int) -> None:
    try:
        from .demos import optimizers_demo  # type: ignore[attr-defined]
    except ImportError:
        try:
            from .demos.optimizers import optimizers_demo
        except ImportError:
            _not_available("optimizers")
            return
    optimizers_demo(out_dir)


def _picture(name: str) -> Callable[[Path, int], None]:
    def demo(out_dir: Path, verbose: int) -> None:
        from .demos.pictures import draw

        print(f"figure: {draw(name, out_dir)}")

    return demo


def _demos() -> dict[str, tuple[Callable[[Path, int], None], str]]:
    from .demos.pictures import PICTURES

    return {
        "perceptron-or": (_demo_perceptron_or, "Rosenblatt's perceptron learning OR (the deck)"),
        "xor": (_demo_xor, "XOR with one hidden layer; decision boundary"),
        "digits": (_demo_digits, "the default recipe: MLP on the digits; gradients"),
        "optimizers": (_demo_optimizers, "GD, momentum, RMSProp, Adam, L-BFGS, Newton, GA"),
        "universal-approximation": (_demo_universal, "a one-hidden-layer fit of a 1-D function"),
        **{name: (_picture(name), doc) for name, (_, doc) in PICTURES.items()},
    }


DEMOS = _demos()


def cmd_demo(args: argparse.Namespace) -> int:
    if args.list or args.name is None:
        width = max(map(len, DEMOS))
        print("\n".join(f"{k:<{width}}  {doc}" for k, (_, doc) in DEMOS.items()))
        return EXIT_OK
    fn, _ = DEMOS[args.name]
    out_dir = Path(args.out) if args.out else Path(f"{args.name}-demo")
    fn(out_dir, 0 if args.quiet else (1 if sys.stderr.isatty() else 0))
    return EXIT_OK


# ============================================================================ playground
def cmd_playground(args: argparse.Namespace) -> int:
    from .playground import make_server, run_server

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be in [0, 65535], got {args.port}")
    with bad_input(f"cannot listen on {args.host}:{args.port}"):
        server = make_server(args.host, args.port)
    return run_server(server, open_browser=not args.no_browser)


# ============================================================================ parser
class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error message (``rosenblatt: error: ...``), exit status 2,
    and no abbreviated options (``--epoch`` is an error, not ``--epochs``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> Any:
        self.exit(EXIT_USAGE, f"rosenblatt: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``rosenblatt`` command."""
    from . import __version__

    parser = _Parser(
        prog="rosenblatt",
        description="Neural networks from first principles: train, evaluate and predict "
        "from a TOML recipe; run the course's demos.",
        epilog="exit status: 0 success, 1 internal error, 2 usage or bad input, "
        "130 interrupted (Ctrl-C; a training run is still saved)",
    )
    parser.add_argument("--version", action="version", version=f"rosenblatt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "train",
        help="train from a recipe (default: an MLP on the digits)",
        description="Train the model a TOML recipe describes and write a run folder: "
        "model.safetensors, history.csv, metrics.json, recipe.toml, plots.",
        epilog=_recipe_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("recipe", nargs="?", help="recipe file (default: the built-in digits MLP)")
    p.add_argument("--out", metavar="DIR", help="run folder (default: runs/NAME-TIMESTAMP)")
    p.add_argument("--epochs", type=int, metavar="N", help="override training.epochs")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress, one-line summary")
    p.add_argument("--print-recipe", action="store_true", help="print the recipe and exit")
    p.add_argument(
        "--resume", metavar="RUN_DIR",
        help="continue an interrupted run (killed, Ctrl-C) from its last finished epoch; "
        "the result equals an uninterrupted run",
    )  # fmt: skip
    p.set_defaults(func=cmd_train)

    p = sub.add_parser(
        "evaluate",
        help="metrics of a saved model on a labelled CSV file",
        description="Apply the model's stored preprocessing to the CSV's feature columns and "
        "print accuracy and confusion matrix (classifiers) or R², MSE, MAE (regressors).",
    )
    p.add_argument("model", help="model.safetensors written by 'rosenblatt train'")
    p.add_argument("--data", required=True, metavar="CSV", help="CSV file with a header row")
    p.add_argument("--target", metavar="COLUMN", help="target column (default: the trained one)")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser(
        "predict",
        help="predictions of a saved model for a CSV file",
        description="Apply the stored preprocessing and write one prediction per row: the "
        "original class label, or the regression target in its original units.",
    )
    p.add_argument("model", help="model.safetensors written by 'rosenblatt train'")
    p.add_argument("--data", required=True, metavar="CSV", help="CSV file with a header row")
    p.add_argument("--out", metavar="CSV", help="output file (default: standard output)")
    p.add_argument(
        "--proba", action="store_true",
        help="also write each class's probability (columns proba_<class>)",
    )  # fmt: skip
    p.add_argument("--id", metavar="COLUMN", help="carry this column (e.g. an id) through")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser(
        "export",
        help="write a saved model as an ONNX file",
        description="Write the model (with its feature scaling, class labels and "
        "probabilities when it has a preprocessing) as an ONNX file for onnxruntime and "
        "other runtimes; the file is checked against the model before it is written.",
    )
    p.add_argument("model", help="model.safetensors written by 'rosenblatt train' or rb.save")
    p.add_argument("--onnx", required=True, metavar="FILE", help="the ONNX file to write")
    p.add_argument(
        "--input-shape", metavar="C,H,W", help="one sample's shape, for models without a Linear"
        " first layer or recorded features (e.g. a CNN: 1,28,28)",
    )  # fmt: skip
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "demo",
        help="run a demonstration",
        description="\n".join(f"{k}: {doc}" for k, (_, doc) in DEMOS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", choices=list(DEMOS), metavar="NAME", help=", ".join(DEMOS))
    p.add_argument("--list", action="store_true", help="list the demos and what they show")
    p.add_argument("--out", metavar="DIR", help="folder for its figures (default: NAME-demo)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "playground",
        help="train networks in the browser (a local TensorFlow-Playground-like page)",
        description="Serve the playground page on a local web server and open it: data sets, "
        "features, layers, activations, optimizers, live heatmaps; export the model or the "
        "recipe. Ctrl-C stops it.",
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(func=cmd_playground)
    return parser


def _one_line_warnings() -> None:
    """Inside ``warnings.catch_warnings()``: each warning is one line on stderr,
    ``rosenblatt: warning: ...`` (no source line); NumPy's floating-point warnings
    ("overflow encountered in exp") are left out -- what they lead to, a NaN loss or a
    non-finite input, is reported by the checks that see it."""
    warnings.filterwarnings("ignore", ".* encountered in ", RuntimeWarning)

    def show(message: Any, category: Any, filename: str, lineno: int, *rest: Any) -> None:
        print(f"rosenblatt: warning: {_one_line(Warning(str(message)))}", file=sys.stderr)

    warnings.showwarning = show  # type: ignore[assignment]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with warnings.catch_warnings():
            _one_line_warnings()
            return int(args.func(args))
    except UsageError as e:
        print(f"rosenblatt: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rosenblatt: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `rosenblatt predict ... | head`
        return EXIT_OK
    except Exception:
        traceback.print_exc()
        print(
            "rosenblatt: internal error (a bug in rosenblatt, not in your input); please "
            "report it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
