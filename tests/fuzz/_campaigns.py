"""Fuzz campaigns against what a user hands rosenblatt: model files, recipes, CSV files.

Each campaign generates its cases from a seed (so a failure is reproducible by its seed and
index), runs each one and records its outcome, time and peak memory:

    models   hostile and damaged model files -> ``rb.load``: a clean error (ValueError /
             OSError) or a model equal to what the file holds (the oracle:
             ``safetensors.numpy.load`` of the same file)
    recipes  hostile recipes -> ``rosenblatt train``: exit 0, or exit 2 with one line on
             stderr (never 1, "a bug"; never a traceback or a warning)
    csvs     hostile CSV files -> ``rosenblatt train``, ``evaluate``, ``predict``: likewise

Peak memory is the operating system's (the resident set's high-water mark, VmHWM, reset
before every case through /proc/self/clear_refs), above what the process held before the
case. Run from the shell for a report::

    python tests/fuzz/_campaigns.py models --cases 3000 --seed 0

The tests in ``test_fuzz.py`` run a small sample by default and minutes of it under
``-m slow``, in a fresh process each, and assert on the JSON report.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import struct
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import numpy as np

MiB = 1 << 20


# ============================================================================ measuring
def _status(key: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measured(fn: Any) -> tuple[str, str, float, int]:
    """(outcome, detail, seconds, peak resident bytes above the start) of ``fn()``, whose
    result is the outcome ("ok", "error") and a detail string; any other exception is
    outcome "bug" with its traceback."""
    _reset_peak()
    start_rss = _status("VmRSS")
    start = time.perf_counter()
    try:
        outcome, detail = fn()
    except Exception:
        outcome, detail = "bug", traceback.format_exc()
    seconds = time.perf_counter() - start
    peak = max(_status("VmHWM") - start_rss, 0)
    return outcome, detail, seconds, peak


# ============================================================================ model files
def _header(raw: bytes) -> tuple[dict, bytes]:
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8 : 8 + n]), raw[8 + n :]


def _with_header(header: dict, data: bytes) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def _base_files() -> dict[str, bytes]:
    """Valid files of every kind: a trained MLP with its preprocessing and classes, a CNN
    with batch norm, an LSTM, a checkpoint dict, a training state."""
    import rosenblatt as rb
    from rosenblatt import io as rio
    from rosenblatt import nn, optim
    from rosenblatt.preprocessing import Preprocessor

    rb.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(30, 4)).astype(np.float32)
    y = np.array(["a", "b", "c"])[np.arange(30) % 3]
    pre = Preprocessor().fit(X, y)
    mlp = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Dropout(0.1), nn.Linear(8, 3))
    cnn = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(2 * 3 * 3, 2))  # fmt: skip
    lstm = nn.LSTM(3, 4, num_layers=2)
    opt = optim.Adam(mlp.parameters())
    out: dict[str, bytes] = {}
    for name, obj, kw in [
        ("mlp", mlp, {"preprocessing": pre, "metadata": {"target": "label"}}),
        ("cnn", cnn, {}),
        ("lstm", lstm, {}),
        ("checkpoint", {"epoch": 3, "model": mlp.state_dict(), "optim": opt.state_dict()}, {}),
    ]:
        buffer = io.BytesIO()
        rb.save(obj, buffer, **kw)
        out[name] = buffer.getvalue()
    with tempfile.TemporaryDirectory() as d:
        rio.save_state(Path(d) / "s", {"w": np.ones(3)}, {"epoch": 1, "rng": [1, 2]})
        out["state"] = (Path(d) / "s").read_bytes()
    return out


_TYPES = ["Linear", "Conv2d", "LSTM", "RNN", "BatchNorm1d", "BatchNorm2d", "Embedding",
          "Sequential", "ModuleList", "Identity", "ReLU", "Dropout", "MaxPool2d", "Flatten",
          "LSTMCell", "AvgPool2d", "Softmax", "os.system", "__import__", ""]  # fmt: skip


def _hostile_value(rng: np.random.Generator, depth: int) -> Any:
    kinds = ["int", "hugeint", "negint", "float", "str", "none", "bool", "list", "tuple",
             "dict", "dtype", "module", "nan"]  # fmt: skip
    kind = kinds[rng.integers(len(kinds))] if depth < 6 else "int"
    if kind == "int":
        return int(rng.integers(0, 64))
    if kind == "hugeint":
        return int(rng.choice([30000, 10**6, 2**31, 2**63 - 1, 10**30]))
    if kind == "negint":
        return -int(rng.integers(1, 10))
    if kind == "float":
        return float(rng.choice([0.5, 1e308, -0.0, 1e-300]))
    if kind == "str":
        return str(rng.choice(["x", "same", "valid", "zeros", "\u0000", "a" * 1000]))
    if kind == "none":
        return None
    if kind == "bool":
        return bool(rng.integers(2))
    if kind == "list":
        return [_hostile_value(rng, depth + 1) for _ in range(rng.integers(0, 4))]
    if kind == "tuple":
        return {"__tuple__": [_hostile_value(rng, depth + 1) for _ in range(rng.integers(0, 3))]}
    if kind == "dict":
        return {"__dict__": {"k": _hostile_value(rng, depth + 1)}}
    if kind == "dtype":
        return {"__dtype__": str(rng.choice(["float64", "float16", "object", "int8", "x"]))}
    if kind == "module":
        return {"__module__": _hostile_arch(rng, depth + 1)}
    return float("nan")


def _hostile_arch(rng: np.random.Generator, depth: int = 0) -> dict:
    name = str(rng.choice(_TYPES))
    args = [_hostile_value(rng, depth + 1) for _ in range(rng.integers(0, 4))]
    kwargs = {}
    if rng.random() < 0.3:
        kwargs[str(rng.choice(["bias", "dtype", "hidden_size", "padding", "bogus"]))] = (
            _hostile_value(rng, depth + 1)
        )
    return {"type": name, "args": args, "kwargs": kwargs}


def _mutate_header(rng: np.random.Generator, raw: bytes) -> bytes:
    header, data = _header(raw)
    meta = header.setdefault("__metadata__", {})
    tensors = [k for k in header if k != "__metadata__"]
    choice = rng.integers(9)
    meta.pop("rosenblatt.sha256", None) if rng.random() < 0.7 else None
    if choice == 0 and tensors:  # a tensor's dtype
        header[str(rng.choice(tensors))]["dtype"] = str(rng.choice(["F64", "F16", "I64", "X",
                                                                     "BOOL", "U8"]))  # fmt: skip
    elif choice == 1 and tensors:  # a tensor's shape
        k = str(rng.choice(tensors))
        header[k]["shape"] = [
            int(v) for v in rng.choice([0, 1, 3, 30000, 2**40], rng.integers(0, 4))
        ]
    elif choice == 2 and tensors:  # a tensor's byte range
        k = str(rng.choice(tensors))
        a = int(rng.integers(0, max(len(data), 1) + 10))
        header[k]["data_offsets"] = [a, a + int(rng.integers(0, 100))]
    elif choice == 3 and tensors:  # a tensor removed (its bytes then left over, or not)
        del header[str(rng.choice(tensors))]
    elif choice == 4:  # the architecture replaced by a hostile one
        meta["rosenblatt.kind"] = "model"
        meta["rosenblatt.architecture"] = json.dumps(_hostile_arch(rng))
    elif choice == 5 and isinstance(json.loads(meta.get("rosenblatt.preprocessing", "0")), dict):
        pre = json.loads(meta["rosenblatt.preprocessing"])  # the preprocessing mangled
        key = str(rng.choice(list(pre)))
        pre[key] = _hostile_value(rng, 3) if rng.random() < 0.7 else None
        if isinstance(pre.get("scaler"), dict) and rng.random() < 0.5:
            sub = str(rng.choice(list(pre["scaler"])))
            pre["scaler"][sub] = _hostile_value(rng, 3)
        meta["rosenblatt.preprocessing"] = json.dumps(pre)
    elif choice == 6:  # classes, metadata, kind
        key = str(rng.choice(["rosenblatt.classes", "rosenblatt.metadata", "rosenblatt.kind",
                              "rosenblatt.format_version", "rosenblatt.structure"]))  # fmt: skip
        meta[key] = json.dumps(_hostile_value(rng, 2)) if rng.random() < 0.8 else "{"
    elif choice == 7:  # a structure description mangled
        if "rosenblatt.structure" in meta:
            node = json.loads(meta["rosenblatt.structure"])
            meta["rosenblatt.structure"] = json.dumps(
                {"dict": [["x", node], ["y", _hostile_value(rng, 2)]]}
            )
        else:
            meta["rosenblatt.architecture"] = json.dumps(_hostile_arch(rng))
    else:  # an architecture of a real layer with sizes the file does not hold
        n = int(rng.choice([30000, 10**5, 2**20, 10**8]))
        meta["rosenblatt.kind"] = "model"
        meta["rosenblatt.architecture"] = json.dumps(
            {"type": str(rng.choice(["Linear", "Embedding", "LSTM", "Conv2d", "BatchNorm1d"])),
             "args": [n, n, 3][: int(rng.integers(1, 4))], "kwargs": {}})  # fmt: skip
    return _with_header(header, data)


def model_cases(seed: int, n: int) -> list[tuple[str, bytes]]:
    """``n`` files: damaged bytes, mangled headers, hostile architectures, the issue's two
    (565 bytes asking for 14 GB; 10**6 Identity layers), and things that are not files of
    ours at all."""
    rng = np.random.default_rng(seed)
    bases = _base_files()
    names = list(bases)
    one = '{"__module__": {"type": "Identity", "args": [], "kwargs": {}}}'
    fixed = [
        ("linear-30000-no-weights", _with_header({"__metadata__": {
            "rosenblatt.kind": "model", "rosenblatt.architecture": json.dumps(
                {"type": "Linear", "args": [30000, 30000], "kwargs": {}})}}, b"")),
        ("million-identity", _with_header({"__metadata__": {
            "rosenblatt.kind": "model", "rosenblatt.architecture":
            '{"type": "Sequential", "args": [' + ", ".join([one] * 10**6) + '], "kwargs": {}}'}},
            b"")),
        ("empty", b""), ("pickle", b"\x80\x04\x95" + bytes(20)), ("zip", b"PK\x03\x04" + bytes(30)),
        ("huge-header-length", struct.pack("<Q", 2**63) + b"{}"),
    ]  # fmt: skip
    cases = fixed[: max(0, min(len(fixed), n))]
    while len(cases) < n:
        base_name = names[rng.integers(len(names))]
        raw = bytearray(bases[base_name])
        kind = rng.integers(6)
        if kind == 0:
            for _ in range(rng.integers(1, 4)):
                raw[rng.integers(len(raw))] ^= 1 << int(rng.integers(8))
            label = "bitflip"
        elif kind == 1:
            raw = raw[: rng.integers(len(raw))]
            label = "truncated"
        elif kind == 2:
            raw += bytes(rng.integers(0, 256, rng.integers(1, 64), dtype=np.uint8))
            label = "trailing"
        elif kind == 3:
            raw[:8] = struct.pack("<Q", int(rng.integers(0, 2**62)))
            label = "header-length"
        else:
            raw = bytearray(_mutate_header(rng, bytes(raw)))
            label = "header"
        cases.append((f"{base_name}-{label}-{len(cases)}", bytes(raw)))
    return cases[:n]


def _load_model_file(path: Path) -> tuple[str, str]:
    """rb.load: a clean error, or what the file holds (the oracle: safetensors' reader)."""
    import safetensors.numpy

    import rosenblatt as rb
    from rosenblatt import nn

    try:
        obj = rb.load(path)
    except (ValueError, OSError) as e:
        return "error", f"{type(e).__name__}: {str(e)[:200]}"
    if isinstance(obj, nn.Module):
        held = safetensors.numpy.load(path.read_bytes())
        state = obj.state_dict()
        if set(state) != set(held):
            return "bug", "the model's weights are not the file's tensors"
        for k, v in state.items():
            if not np.array_equal(np.asarray(v), held[k], equal_nan=True):
                return "bug", f"weight {k!r} differs from the file's tensor"
    return "ok", type(obj).__name__


def run_models(seed: int, n: int, workdir: Path) -> list[dict]:
    _load_model_file_warmup(workdir)
    results = []
    for i, (name, raw) in enumerate(model_cases(seed, n)):
        path = workdir / "case.safetensors"
        path.write_bytes(raw)
        outcome, detail, seconds, peak = measured(lambda: _load_model_file(path))
        results.append({"case": i, "name": name, "bytes": len(raw), "outcome": outcome,
                        "detail": detail, "seconds": seconds, "peak": peak})  # fmt: skip
    return results


def _load_model_file_warmup(workdir: Path) -> None:
    """Import what loading imports (scikit-learn for a preprocessing), outside the measure."""
    for name, raw in _base_files().items():
        (workdir / f"warm-{name}").write_bytes(raw)
        _load_model_file(workdir / f"warm-{name}")


# ============================================================================ the command line
def _cli(*argv: str) -> tuple[str, str]:
    """``rosenblatt ARGV`` in this process: "ok" (exit 0), "error" (exit 2 with one line,
    ``rosenblatt: error: ...``, nothing else on stderr) or "bug" (anything else)."""
    from rosenblatt import cli

    err, out = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stderr(err),
        contextlib.redirect_stdout(out),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("default")  # shown (on the redirected stderr), not raised
        try:
            code = cli.main(list(argv))
        except SystemExit as e:  # argparse
            code = e.code
    lines = [x for x in err.getvalue().splitlines() if x.strip()]
    if code == 0:
        noise = [x for x in lines if "Warning" in x or "Traceback" in x]
        return ("bug", "\n".join(noise)) if noise else ("ok", "")
    one = len(lines) == 1 and lines[0].startswith("rosenblatt: error: ")
    if code == 2 and one:
        return "error", lines[0][:240]
    return "bug", f"exit {code}: " + err.getvalue()[-2000:]


_BASE_RECIPE = {
    "name": "fuzz",
    "data": {"source": "data.csv", "target": "label", "test_split": 0.25, "seed": 0},
    "model": {"layers": [8], "activation": "tanh"},
    "optimizer": {"name": "adam", "lr": 0.01},
    "training": {"epochs": 3, "batch_size": 16},
}

_VALUES = [0, -1, 1, 2, 3, 0.5, 1.5, 2**63 - 1, 10**6 + 1, 1e39, -0.0, "x", "full", "", True,
           [], [1, 2], [[]], [0], ["relu"], {"a": 1}, 2**40, "nan", "inf", 1e-300,
           "moons", "iris", "standard", "none", "onehot", "median", "sgd", "cosine"]  # fmt: skip
_KEYS = {
    "": ["name", "description", "bogus"],
    "data": ["source", "target", "features", "scaling", "target_scaling", "test_split",
             "seed", "options", "path", "categorical", "categorical_columns", "impute", "x"],
    "model": ["layers", "activation", "init", "dropout", "batch_norm", "dtype", "units"],
    "loss": ["name", "pos_weight", "label_smoothing", "reduction"],
    "optimizer": ["name", "lr", "momentum", "betas", "eps", "weight_decay", "nesterov"],
    "training": ["epochs", "batch_size", "validation_split", "patience", "convergence_tol",
                 "l1", "l2", "min_delta", "shuffle", "restore_best_weights", "steps"],
}  # fmt: skip


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return {"nan": "nan", "inf": "inf"}.get(str(v), repr(v)) if v == v else "nan"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def _toml(recipe: dict) -> str:
    lines = [f"{k} = {_toml_value(v)}" for k, v in recipe.items() if not isinstance(v, dict)]
    for section, table in recipe.items():
        if isinstance(table, dict) and table is not None:
            lines.append(f"[{section}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def _data_csv(path: Path, rng: np.random.Generator, n: int = 60) -> None:
    import pandas as pd

    X = rng.normal(size=(n, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["label"] = np.where(X[:, 0] > 0, "yes", "no")
    df.to_csv(path, index=False)


_PLAUSIBLE = {  # values a user could mean: these runs should mostly train
    ("data", "scaling"): ["standard", "minmax", "none"],
    ("data", "test_split"): [0.0, 0.1, 0.5, 0.9],
    ("data", "seed"): [0, 1, 12345],
    ("data", "features"): [["a"], ["a", "b"], ["c", "b", "a"]],
    ("data", "categorical"): ["onehot", "error"],
    ("data", "impute"): ["median", "mean", "most_frequent", "none"],
    ("model", "layers"): [[], [1], [2, 2], [32, 16, 8]],
    ("model", "activation"): ["relu", "sigmoid", "gelu", "selu", "identity", "leaky_relu"],
    ("model", "init"): ["zeros", "he_normal", "lecun_normal", "normal"],
    ("model", "dropout"): [0.0, 0.5, 0.99],
    ("model", "batch_norm"): [True, False],
    ("model", "dtype"): ["float64", "float32"],
    ("loss", "name"): ["cross_entropy", "binary_cross_entropy", "mse", "l1"],
    ("loss", "label_smoothing"): [0.0, 0.5],
    ("optimizer", "name"): ["sgd", "adam", "adamw", "rmsprop", "adagrad"],
    ("optimizer", "lr"): [1e-6, 0.1, 10.0, 1e12],
    ("training", "batch_size"): [1, 7, "full", 10**9],
    ("training", "validation_split"): [0.0, 0.1, 0.9],
    ("training", "patience"): [0, 1],
    ("training", "convergence_tol"): [0.0, 10.0],
    ("training", "l1"): [0.0, 1.0],
    ("training", "l2"): [0.0, 100.0],
    ("training", "shuffle"): [True, False],
}


def recipe_cases(seed: int, n: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    fixed = [
        ("deep-arrays", '[data]\nsource = "moons"\n[model]\nlayers = ' + "[" * 3000 + "]" * 3000),
        ("deep-tables", "a = " + "{b = " * 3000 + "1" + "}" * 3000),
        ("epochs-2**63", _toml({**_BASE_RECIPE, "training": {"epochs": 2**63 - 1}})),
        ("layers-beyond-memory", _toml({**_BASE_RECIPE, "model": {"layers": [10**6, 10**6]}})),
        ("n_samples-10**12", '[data]\nsource = "moons"\noptions = {n_samples = 1000000000000}\n'),
        ("not-utf8", "\udcff"),
        ("empty", ""),
    ]
    cases = fixed[:n]
    while len(cases) < n:
        recipe = json.loads(json.dumps(_BASE_RECIPE))
        kind = rng.integers(4)
        plausible = list(_PLAUSIBLE)
        for _ in range(rng.integers(1, 5)):  # settings a user could mean, combined
            section, key = plausible[rng.integers(len(plausible))]
            options = _PLAUSIBLE[(section, key)]
            recipe.setdefault(section, {})[key] = options[rng.integers(len(options))]
        if rng.random() < 0.5:  # plausible only
            cases.append((f"plausible-{len(cases)}", _toml(recipe)))
            continue
        for _ in range(rng.integers(1, 4)):
            section = str(rng.choice(list(_KEYS)))
            key = str(rng.choice(_KEYS[section]))
            value = _VALUES[rng.integers(len(_VALUES))]
            if section == "training" and key == "epochs" and isinstance(value, int):
                value = value if value <= 3 or value > 10**6 else 3  # never a long run
            if section == "model" and key == "layers" and isinstance(value, list):
                value = [v if not isinstance(v, int) or v < 64 or v > 10**9 else 8 for v in value]
            target = recipe if section == "" else recipe.setdefault(section, {})
            if rng.random() < 0.15:
                target.pop(key, None)
            else:
                target[key] = value
        text = _toml(recipe)
        if kind == 0:  # bytes of the text changed
            chars = list(text)
            for _ in range(rng.integers(1, 4)):
                chars[rng.integers(len(chars))] = chr(int(rng.choice([0, 34, 61, 91, 93, 10, 65])))
            text = "".join(chars)
        elif kind == 1 and rng.random() < 0.5:  # a section dropped or doubled
            text += "\n[model]\nlayers = [2]\n"
        cases.append((f"mutated-{len(cases)}", text))
    return cases[:n]


def run_recipes(seed: int, n: int, workdir: Path) -> list[dict]:
    rng = np.random.default_rng(seed + 10**6)
    _data_csv(workdir / "data.csv", rng)
    _cli("train", str(_recipe(workdir, _toml(_BASE_RECIPE))), "--out", str(workdir / "warm"), "-q")
    results = []
    for i, (name, text) in enumerate(recipe_cases(seed, n)):
        path = _recipe(workdir, text)
        out = workdir / f"run{i}"
        outcome, detail, seconds, peak = measured(
            lambda: _cli("train", str(path), "--out", str(out), "-q")  # noqa: B023
        )
        results.append({"case": i, "name": name, "bytes": len(text.encode("utf-8", "replace")),
                        "outcome": outcome, "detail": detail, "seconds": seconds,
                        "peak": peak, "input": text[:300]})  # fmt: skip
    return results


def _recipe(workdir: Path, text: str) -> Path:
    path = workdir / "recipe.toml"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return path


# ============================================================================ CSV files
def csv_cases(seed: int, n: int) -> list[tuple[str, bytes]]:
    import pandas as pd

    rng = np.random.default_rng(seed)
    cases: list[tuple[str, bytes]] = [
        ("empty", b""), ("header-only", b"a,b,c,label\n"), ("binary", bytes(range(256)) * 4),
        ("one-row", b"a,b,c,label\n1,2,3,yes\n"), ("bom", b"\xef\xbb\xbfa,b,c,label\n1,2,3,no\n"),
        ("ragged", b"a,b,c,label\n1,2\n1,2,3,yes,9\n"), ("quote", b'a,b,c,label\n"1,2,3,yes\n'),
    ]  # fmt: skip
    while len(cases) < n:
        m = int(rng.integers(2, 80))
        X = rng.normal(size=(m, 3))
        df = pd.DataFrame(X, columns=["a", "b", "c"])
        df["label"] = np.where(X[:, 0] > 0, "yes", "no")
        df = df.astype(object)
        for _ in range(rng.integers(0, 3)):
            col = str(rng.choice(["a", "b", "c", "label"]))
            row = int(rng.integers(m))
            df.loc[row, col] = rng.choice(
                [
                    np.nan,
                    np.inf,
                    -np.inf,
                    1e39,
                    -1e308,
                    "text",
                    "",
                    "1,5",
                    0,
                    "yes",
                    "maybe",
                    "\u00e9\u00e8",
                    "nan",
                    "None",
                    2**70,
                    "1e400",
                ]  # fmt: skip
            )
        kind = rng.integers(10)
        if kind == 0:  # a constant or single-class target
            df["label"] = "yes"
        elif kind == 1:  # many classes
            df["label"] = [f"id{i}" for i in range(m)]
        elif kind == 2:  # a duplicated or renamed column
            df = df.rename(columns={"b": "a"} if rng.random() < 0.5 else {"label": "Label"})
        elif kind == 3:  # a text feature column
            df["c"] = rng.choice(["x", "y", "z"], m)
        raw = df.to_csv(index=False).encode()
        if rng.random() < 0.2:
            raw = raw[: rng.integers(len(raw))]
        cases.append((f"mutated-{len(cases)}", raw))
    return cases[:n]


_CSV_RECIPES = [
    '[data]\nsource = "case.csv"\ntarget = "label"\ntest_split = 0.25\n[model]\nlayers = [4]\n'
    "[training]\nepochs = 2\n",
    '[data]\nsource = "case.csv"\ntarget = "label"\ncategorical = "onehot"\nimpute = "median"\n'
    "test_split = 0.0\n[model]\nlayers = [4]\n[training]\nepochs = 2\nvalidation_split = 0.3\n",
    '[data]\nsource = "case.csv"\ntarget = "a"\n[loss]\nname = "mse"\n[model]\nlayers = [4]\n'
    "[training]\nepochs = 2\n",
]


def run_csvs(seed: int, n: int, workdir: Path) -> list[dict]:
    rng = np.random.default_rng(seed + 2 * 10**6)
    _data_csv(workdir / "good.csv", rng)
    (workdir / "good.toml").write_text(_CSV_RECIPES[0].replace("case.csv", "good.csv"))
    trained = workdir / "trained"
    assert _cli("train", str(workdir / "good.toml"), "--out", str(trained), "-q")[0] == "ok"
    model = str(trained / "model.safetensors")
    results = []
    for i, (name, raw) in enumerate(csv_cases(seed, n)):
        (workdir / "case.csv").write_bytes(raw)
        recipe = workdir / "case.toml"
        recipe.write_text(_CSV_RECIPES[(i // 3) % len(_CSV_RECIPES)])
        command = [("train", str(recipe), "--out", str(workdir / f"run{i}"), "-q"),
                   ("evaluate", model, "--data", str(workdir / "case.csv")),
                   ("predict", model, "--data", str(workdir / "case.csv"), "--proba")][i % 3]  # fmt: skip
        outcome, detail, seconds, peak = measured(lambda: _cli(*command))  # noqa: B023
        results.append({"case": i, "name": f"{command[0]}-{name}", "bytes": len(raw),
                        "outcome": outcome, "detail": detail, "seconds": seconds,
                        "peak": peak, "input": raw[:300].decode("utf-8", "replace")})  # fmt: skip
    return results


# ============================================================================ report
CAMPAIGNS = {"models": run_models, "recipes": run_recipes, "csvs": run_csvs}


def summary(results: list[dict]) -> dict:
    outcomes: dict[str, int] = {}
    for r in results:
        outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
    worst = max(results, key=lambda r: r["peak"] - 8 * r["bytes"]) if results else None
    return {
        "cases": len(results),
        "outcomes": outcomes,
        "max_seconds": max((r["seconds"] for r in results), default=0.0),
        "slowest": max(results, key=lambda r: r["seconds"])["name"] if results else None,
        "max_peak_MiB": max((r["peak"] for r in results), default=0) / MiB,
        "worst_peak_vs_size": None if worst is None else
        {"name": worst["name"], "bytes": worst["bytes"], "peak_MiB": worst["peak"] / MiB},
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("campaign", choices=list(CAMPAIGNS))
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write every case's result here")
    args = parser.parse_args(argv)
    os.environ.setdefault("COLUMNS", "80")
    with tempfile.TemporaryDirectory() as d:
        results = CAMPAIGNS[args.campaign](args.seed, args.cases, Path(d))
    report = {"summary": summary(results), "results": results}
    if args.json:
        Path(args.json).write_text(json.dumps(report))
    print(json.dumps(report["summary"], indent=2))
    bugs = [r for r in results if r["outcome"] == "bug"]
    for r in bugs[:5]:
        print(f"BUG in case {r['case']} ({r['name']}):\n{r['detail']}", file=sys.stderr)
    return 1 if bugs else 0


if __name__ == "__main__":
    sys.exit(main())
