"""The TOML recipe: checking (errors name the dotted key and the allowed values), the
builders against PyTorch, and whole runs (reproducibility, Ctrl-C keeps the best weights)."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn import metrics as skm

import rosenblatt as rb
from rosenblatt import nn
from rosenblatt import recipe as R
from rosenblatt.train.callbacks import Callback, ConvergenceTest, EarlyStopping

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def parse(text: str, **kw) -> R.Recipe:
    return R.parse_recipe(text, **kw)


XOR = '[data]\nsource = "xor"\ntest_split = 0.0\nscaling = "none"\n'


# ============================================================================ checking
def test_default_recipe_has_every_key_filled():
    r = R.default_recipe()
    assert r.name == "digits-mlp"
    for section, keys in R.KEYS.items():
        if section:
            assert set(keys) <= set(getattr(r, section)), section
    assert r.model["layers"] == [128, 64]
    assert r.optimizer == {"name": "adam", "lr": 0.001, "schedule": None}


def test_defaults_when_sections_are_missing():
    r = parse('[data]\nsource = "iris"')
    # the network of the default recipe (issue 15: [data] alone trains what `train` does)
    assert r.model["activation"] == "relu" and r.model["layers"] == [128, 64]
    assert r.training["epochs"] == 30 and r.training["batch_size"] == 32
    assert r.data["scaling"] == "standard" and r.data["test_split"] == 0.2
    assert r.name == "recipe"
    assert parse('[data]\nsource = "iris"', name="stem").name == "stem"


@pytest.mark.parametrize(
    "section, key",
    [
        ("data", "sauce"),
        ("model", "activations"),
        ("loss", "reduction"),
        ("training", "epoch"),
        ("optimizer", "momentum_"),
    ],
)
def test_unknown_key_names_the_dotted_key_and_the_allowed_ones(section, key):
    text = '[data]\nsource = "iris"\n' if section != "data" else "[data]\nsource = 'iris'\n"
    if section == "data":
        text += f"{key} = 1\n"
    else:
        text += f"[{section}]\n{key} = 1\n"
    with pytest.raises(R.RecipeError) as e:
        parse(text)
    msg = str(e.value)
    assert f"'{section}.{key}'" in msg
    allowed = {"optimizer": ["lr", "betas"]}.get(section, list(R.KEYS[section])[:3])
    for k in allowed:
        assert k in msg
    assert "\n" not in msg


def test_unknown_section_and_top_level_key():
    with pytest.raises(R.RecipeError, match=r"unknown section or key 'trainig'.*\[training\]"):
        parse('[data]\nsource = "iris"\n[trainig]\nepochs = 3\n')
    with pytest.raises(R.RecipeError, match="unknown section or key 'seed'"):
        parse('seed = 3\n[data]\nsource = "iris"\n')


@pytest.mark.parametrize(
    "line, key, expected",
    [
        ('[training]\nepochs = "ten"', "training.epochs", "an integer >= 1"),
        ("[training]\nepochs = 0", "training.epochs", "an integer >= 1"),
        ("[training]\nepochs = 2.5", "training.epochs", "an integer >= 1"),
        ("[training]\nbatch_size = 0", "training.batch_size", 'an integer >= 1 or "full"'),
        ('[training]\nbatch_size = "half"', "training.batch_size", '"full"'),
        ("[training]\nvalidation_split = 1.0", "training.validation_split", "in [0, 1)"),
        ("[training]\nl2 = -1", "training.l2", ">= 0"),
        ("[training]\nshuffle = 1", "training.shuffle", "true or false"),
        ("[model]\nlayers = [0]", "model.layers[0]", "an integer >= 1"),
        ("[model]\nlayers = 8", "model.layers", "a list of integers >= 1"),
        ("[model]\ndropout = 1.0", "model.dropout", "in [0, 1)"),
        ('[model]\nbatch_norm = "yes"', "model.batch_norm", "true or false"),
        ('[model]\nactivation = "rleu"', "model.activation", "'relu', 'leaky_relu'"),
        ('[model]\nactivation = ["relu", 3]', "model.activation[1]", "'tanh'"),
        ('[model]\ninit = "glorious"', "model.init", "'xavier_uniform'"),
        ('[data]\nscaling = "zscore"', "data.scaling", "'standard', 'minmax', 'none'"),
        ("[data]\ntest_split = 1", "data.test_split", "in [0, 1)"),
        ("[data]\nseed = -1", "data.seed", "an integer >= 0"),
        ("[data]\nsource = 3", "data.source", "a non-empty string"),
        ('[loss]\nname = "hinge"', "loss.name", "'cross_entropy'"),
        ("[optimizer]\nlr = -0.1", "optimizer.lr", "a number > 0"),
        ('[optimizer]\nlr = "fast"', "optimizer.lr", "a number > 0"),
        ("[optimizer]\nbetas = [0.9]", "optimizer.betas", "a list of 2 numbers in [0, 1)"),
        ('[optimizer]\nname = "adamax"', "optimizer.name", "'sgd', 'adam'"),
        ("[optimizer]\nlr = nan", "optimizer.lr", "a number > 0"),
    ],
)
def test_wrong_types_and_values_name_the_key_and_what_is_allowed(line, key, expected):
    section = line.split("]")[0] + "]"
    body = line.split("\n", 1)[1]
    if section == "[data]":
        text = f'[data]\nsource = "iris"\n{body}\n'
        if body.startswith("source"):
            text = f"[data]\n{body}\n"
    else:
        text = f'[data]\nsource = "iris"\n{line}\n'
    with pytest.raises(R.RecipeError) as e:
        parse(text)
    msg = str(e.value)
    assert key in msg and expected in msg, msg


def test_invalid_toml_reports_line_and_column():
    with pytest.raises(R.RecipeError, match=r"not valid TOML.*line 1"):
        parse("[data\nsource = 'iris'")


def test_missing_data_section_or_source():
    with pytest.raises(R.RecipeError, match=r"missing section \[data\]"):
        parse("[model]\nlayers = [3]\n")
    with pytest.raises(R.RecipeError, match="missing key 'data.source'"):
        parse('[data]\nscaling = "none"\n')


def test_activation_per_layer_must_match_the_layers():
    r = parse('[data]\nsource = "iris"\n[model]\nlayers = [4, 3]\nactivation = ["tanh", "relu"]')
    assert r.model["activation"] == ["tanh", "relu"]
    with pytest.raises(R.RecipeError, match=r"model.activation lists 1 activations for 2"):
        parse('[data]\nsource = "iris"\n[model]\nlayers = [4, 3]\nactivation = ["tanh"]')


def test_optimizer_keys_depend_on_the_optimizer():
    r = parse('[data]\nsource = "iris"\n[optimizer]\nname = "sgd"\nmomentum = 0.9\nnesterov = true')
    assert r.optimizer == {"name": "sgd", "momentum": 0.9, "nesterov": True, "schedule": None}
    with pytest.raises(R.RecipeError, match=r"'optimizer.betas'.*momentum.*for optimizer 'sgd'"):
        parse('[data]\nsource = "iris"\n[optimizer]\nname = "sgd"\nbetas = [0.9, 0.99]')


def test_schedule_is_checked_against_its_name():
    base = '[data]\nsource = "iris"\n[optimizer]\nname = "adam"\n[optimizer.schedule]\n'
    r = parse(base + 'name = "step"\nstep_size = 5\ngamma = 0.5')
    assert r.optimizer["schedule"] == {"name": "step", "step_size": 5, "gamma": 0.5}
    with pytest.raises(R.RecipeError, match=r"missing key 'optimizer.schedule.step_size'"):
        parse(base + 'name = "step"')
    with pytest.raises(
        R.RecipeError, match=r"optimizer.schedule.name = 'linear' is not allowed.*'cosine'"
    ):
        parse(base + 'name = "linear"')
    with pytest.raises(R.RecipeError, match=r"unknown key 'optimizer.schedule.step_size'.*T_max"):
        parse(base + 'name = "cosine"\nstep_size = 3')
    with pytest.raises(R.RecipeError, match="missing key 'optimizer.schedule.name'"):
        parse(base + "T_max = 3")


def test_rules_between_keys():
    with pytest.raises(
        R.RecipeError, match=r"read as a CSV file and data.target \(the target column\) is required"
    ):
        parse('[data]\nsource = "table.csv"\n')
    with pytest.raises(R.RecipeError, match="data.target applies to CSV sources only"):
        parse('[data]\nsource = "iris"\ntarget = "species"\n')
    with pytest.raises(R.RecipeError, match="data.path is required for data.source = 'creditcard'"):
        parse('[data]\nsource = "creditcard"\n')
    with pytest.raises(R.RecipeError, match="data.path applies to"):
        parse('[data]\nsource = "iris"\npath = "x.csv"\n')
    with pytest.raises(R.RecipeError, match="loss.pos_weight applies to"):
        parse('[data]\nsource = "iris"\n[loss]\nname = "cross_entropy"\npos_weight = 3.0\n')
    with pytest.raises(R.RecipeError, match="data.target_scaling applies to regression"):
        parse('[data]\nsource = "iris"\ntarget_scaling = "standard"\n')


def test_with_epochs_overrides_and_checks():
    r = R.default_recipe().with_epochs(3)
    assert r.training["epochs"] == 3 and R.default_recipe().training["epochs"] == 40
    with pytest.raises(R.RecipeError, match="--epochs must be an integer >= 1"):
        R.default_recipe().with_epochs(0)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_recipes_parse(path):
    r = R.load_recipe(path)
    assert r.name and r.text == path.read_text()


def test_load_recipe_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such recipe file"):
        R.load_recipe(tmp_path / "nope.toml")


# ============================================================================ builders
def _torch_mlp(model: nn.Sequential) -> torch.nn.Sequential:
    names = {"Linear": None, "ReLU": torch.nn.ReLU, "Tanh": torch.nn.Tanh}
    layers = []
    for m in model:
        kind = type(m).__name__
        if kind == "Linear":
            layers.append(torch.nn.Linear(m.in_features, m.out_features))
        elif kind == "BatchNorm1d":
            layers.append(torch.nn.BatchNorm1d(m.num_features))
        elif kind == "Dropout":
            layers.append(torch.nn.Dropout(m.p))
        else:
            layers.append(names[kind]())
    tm = torch.nn.Sequential(*layers).double()
    tm.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in model.state_dict().items()})
    return tm


def test_build_model_layer_order_and_outputs_match_torch():
    r = parse(
        '[data]\nsource = "iris"\n[model]\nlayers = [5, 3]\nactivation = ["tanh", "relu"]\n'
        'batch_norm = true\ndropout = 0.25\ndtype = "float64"'
    )
    model = R.build_model(r, 4, 3)
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "BatchNorm1d", "Tanh", "Dropout"] + [
        "Linear", "BatchNorm1d", "ReLU", "Dropout", "Linear",
    ]  # fmt: skip
    assert [p.numpy().dtype for p in model.parameters()] == [np.float64] * 10
    model.eval()
    tm = _torch_mlp(model).eval()
    X = np.random.default_rng(0).normal(size=(7, 4))
    with rb.no_grad():
        ours = model(rb.tensor(X, dtype=np.float64)).numpy()
    np.testing.assert_allclose(ours, tm(torch.tensor(X)).detach().numpy(), rtol=1e-12)


def test_build_model_without_hidden_layers_is_linear():
    model = R.build_model(parse('[data]\nsource = "iris"\n[model]\nlayers = []'), 4, 3)
    assert len(model) == 1 and isinstance(model[0], nn.Linear)


@pytest.mark.parametrize(
    "init, check",
    [
        ("xavier_uniform", lambda w, fi, fo: np.abs(w).max() <= math.sqrt(6 / (fi + fo))),
        ("glorot_uniform", lambda w, fi, fo: np.abs(w).max() <= math.sqrt(6 / (fi + fo))),
        ("he_uniform", lambda w, fi, fo: np.abs(w).max() <= math.sqrt(6 / fi)),
        ("kaiming_normal", lambda w, fi, fo: abs(w.std() / math.sqrt(2 / fi) - 1) < 0.03),
        ("xavier_normal", lambda w, fi, fo: abs(w.std() / math.sqrt(2 / (fi + fo)) - 1) < 0.03),
        ("lecun_normal", lambda w, fi, fo: abs(w.std() / math.sqrt(1 / fi) - 1) < 0.03),
        ("zeros", lambda w, fi, fo: not w.any()),
    ],
)
def test_init_follows_the_named_formula_and_zeroes_biases(init, check):
    r = parse(f'[data]\nsource = "iris"\n[model]\nlayers = [300]\ninit = "{init}"')
    model = R.build_model(r, 200, 100)
    for lin in (model[0], model[2]):
        w = lin.weight.numpy().astype(np.float64)
        assert check(w, lin.in_features, lin.out_features), (init, w.std())
        assert not lin.bias.numpy().any()
    if init.endswith("uniform"):  # the bound is reached, not just respected
        w = model[0].weight.numpy()
        bound = math.sqrt(6 / 200) if init == "he_uniform" else math.sqrt(6 / 500)
        assert np.abs(w).max() > 0.99 * bound


def test_default_init_is_pytorch_linear_init():
    model = R.build_model(parse('[data]\nsource = "iris"\n[model]\nlayers = [50]'), 40, 3)
    bound = 1 / math.sqrt(40)  # kaiming_uniform(a=sqrt(5)) and the bias: U(+-1/sqrt(fan_in))
    assert np.abs(model[0].weight.numpy()).max() <= bound
    assert np.abs(model[0].bias.numpy()).max() <= bound and model[0].bias.numpy().any()


@pytest.mark.parametrize(
    "text, torch_opt",
    [
        ('name = "adam"\nlr = 0.01\nbetas = [0.8, 0.95]\nweight_decay = 0.1\namsgrad = true',
         lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.95), weight_decay=0.1, amsgrad=True)),
        ('name = "sgd"\nlr = 0.1\nmomentum = 0.9\nnesterov = true',
         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
        ('name = "rmsprop"\nalpha = 0.9\ncentered = true',
         lambda p: torch.optim.RMSprop(p, alpha=0.9, centered=True)),
        ('name = "adagrad"\nlr = 0.05\nlr_decay = 0.01',
         lambda p: torch.optim.Adagrad(p, lr=0.05, lr_decay=0.01)),
        ('name = "adamw"', lambda p: torch.optim.AdamW(p)),
    ],
)  # fmt: skip
def test_build_optimizer_steps_like_torch_with_the_same_hyperparameters(text, torch_opt):
    r = parse(f'[data]\nsource = "iris"\n[optimizer]\n{text}\n')
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4))
    X = rng.normal(size=(6, 4))
    ours = rb.tensor(w0, dtype=np.float64, requires_grad=True)
    theirs = torch.tensor(w0, requires_grad=True)
    opt, topt = R.build_optimizer(r, [ours]), torch_opt([theirs])
    for _ in range(4):
        opt.zero_grad()
        ((rb.tensor(X, dtype=np.float64) @ ours.T) ** 2).sum().backward()
        opt.step()
        topt.zero_grad()
        ((torch.tensor(X) @ theirs.T) ** 2).sum().backward()
        topt.step()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_build_scheduler_cosine_defaults_to_the_epochs_and_matches_torch():
    r = parse(
        '[data]\nsource = "iris"\n[optimizer]\nlr = 0.1\n[optimizer.schedule]\nname = "cosine"\n'
        "eta_min = 0.001\n[training]\nepochs = 7"
    )
    p = rb.tensor(np.zeros(2), requires_grad=True)
    opt = R.build_optimizer(r, [p])
    sched = R.build_scheduler(r, opt)
    assert sched.T_max == 7
    tp = torch.zeros(2, requires_grad=True)
    topt = torch.optim.Adam([tp], lr=0.1)
    tsched = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=7, eta_min=0.001)
    for _ in range(10):
        assert opt.param_groups[0]["lr"] == pytest.approx(topt.param_groups[0]["lr"], rel=1e-12)
        sched.step()
        topt.step()
        tsched.step()
    assert R.build_scheduler(parse('[data]\nsource = "iris"'), opt) is None


def test_build_callbacks_from_training_keys():
    r = parse(
        '[data]\nsource = "iris"\n[training]\nvalidation_split = 0.2\npatience = 4\n'
        "min_delta = 0.01\nconvergence_tol = 1e-4"
    )
    es, ct = R.build_callbacks(r)
    assert isinstance(es, EarlyStopping) and isinstance(ct, ConvergenceTest)
    assert (es.monitor, es.patience, es.min_delta, es.restore_best_weights) == (
        "val_loss", 4, 0.01, True,
    )  # fmt: skip
    assert ct.tol == 1e-4 and ct.monitor == "loss"
    (keeper,) = R.build_callbacks(parse('[data]\nsource = "iris"\n[training]\nepochs = 9'))
    assert keeper.monitor == "loss" and keeper.patience == 9 and keeper.restore_best_weights
    off = '[data]\nsource = "iris"\n[training]\nrestore_best_weights = false'
    assert R.build_callbacks(parse(off)) == []


def test_build_loss():
    r = parse('[data]\nsource = "iris"\n[loss]\nname = "binary_cross_entropy"\npos_weight = 3.0')
    loss = R.build_loss(r)
    assert isinstance(loss, nn.BCEWithLogitsLoss)
    z, t = np.array([[0.3], [-1.0]]), np.array([[1.0], [0.0]])
    expected = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))(
        torch.tensor(z), torch.tensor(t)
    )
    assert float(loss(rb.tensor(z), rb.tensor(t)).item()) == pytest.approx(expected.item(), 1e-6)
    assert isinstance(R.build_loss(r, "l1"), nn.L1Loss)
    assert isinstance(R.build_loss(r, "mse"), nn.MSELoss)


# ============================================================================ data and runs
def test_csv_source_is_relative_to_the_recipe_file(tmp_path, monkeypatch):
    sub = tmp_path / "project"
    sub.mkdir()
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(40, 2)), columns=["u", "v"])
    df["kind"] = np.where(df.u > 0, "pos", "neg")
    df["noise"] = rng.normal(size=40)
    df.to_csv(sub / "t.csv", index=False)
    (sub / "r.toml").write_text('[data]\nsource = "t.csv"\ntarget = "kind"\nfeatures = ["v", "u"]')
    monkeypatch.chdir(tmp_path)
    data = R.load_data(R.load_recipe("project/r.toml"))
    assert data.feature_names == ["v", "u"] and data.task == "multiclass"
    np.testing.assert_array_equal(data.X, df[["v", "u"]].to_numpy(np.float32))
    assert set(data.y) == {"pos", "neg"}


def test_csv_float_target_means_regression(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0, 3.0], "y": [0.5, 1.5, 2.5]}).to_csv(tmp_path / "r.csv")
    r = parse('[data]\nsource = "r.csv"\ntarget = "y"', base_dir=tmp_path)
    assert R.load_data(r).task == "regression" and R.load_data(r).loss == "mse"


def test_builtin_options_are_passed_to_the_loader():
    r = parse('[data]\nsource = "moons"\noptions = { n_samples = 60, noise = 0.1 }')
    rb.manual_seed(0)
    assert R.load_data(r).X.shape == (60, 2)
    with pytest.raises(R.RecipeError, match="data.options: .*bogus"):
        R.load_data(parse('[data]\nsource = "moons"\noptions = { bogus = 1 }'))


def test_xor_recipe_learns_the_truth_table():
    run = R.train(R.load_recipe(EXAMPLES / "xor.toml"), verbose=0)
    assert run.metrics["accuracy"] == 1.0 and run.metrics["split"] == "train"
    np.testing.assert_array_equal(R.predict(run.model, run.data.X, run.preprocessing), [0, 1, 1, 0])
    # the convergence test stopped it before the 300 epochs
    assert run.history.stopped_epoch is not None and len(run.history.epoch) < 300
    loss = run.history.history["loss"]
    assert loss[-2] - loss[-1] < 1e-4  # the first epoch that improved J by less than tol
    assert all(a - b >= 1e-4 for a, b in zip(loss[:-2], loss[1:-1]))


def test_same_seed_gives_bit_identical_weights_and_another_seed_does_not():
    text = (
        '[data]\nsource = "iris"\nseed = 3\n[model]\nlayers = [8]\ndropout = 0.2\n'
        "[training]\nepochs = 4\nbatch_size = 16\nvalidation_split = 0.2"
    )
    a = R.train(parse(text), verbose=0).model.state_dict()
    rb.manual_seed(123)  # the global state before the run does not matter
    b = R.train(parse(text), verbose=0).model.state_dict()
    c = R.train(parse(text.replace("seed = 3", "seed = 4")), verbose=0).model.state_dict()
    for k in a:
        assert np.array_equal(a[k], b[k]), k
    assert not all(np.array_equal(a[k], c[k]) for k in a)


def test_binary_classifier_scores_match_sklearn():
    text = (
        '[data]\nsource = "breast_cancer"\n[model]\nlayers = [8]\n'
        '[loss]\nname = "binary_cross_entropy"\n[training]\nepochs = 5'
    )
    run = R.train(parse(text), verbose=0)
    assert run.model[-1].out_features == 1
    _, X_te, _, y_te = run.split
    p = R.predict_scores(run.model, X_te, run.preprocessing)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    pred = R.predict(run.model, X_te, run.preprocessing)
    m = run.metrics
    assert m["accuracy"] == pytest.approx(skm.accuracy_score(y_te, pred))
    assert m["roc_auc"] == pytest.approx(skm.roc_auc_score(y_te, p[:, 1]))
    assert m["f1"] == pytest.approx(skm.f1_score(y_te, pred))
    assert m["confusion_matrix"] == skm.confusion_matrix(y_te, pred).tolist()


def test_binary_cross_entropy_needs_two_classes():
    with pytest.raises(R.RecipeError, match="needs two classes, the data have 3"):
        R.train(parse('[data]\nsource = "iris"\n[loss]\nname = "binary_cross_entropy"'), verbose=0)


def test_regression_reports_metrics_in_target_units():
    text = (
        '[data]\nsource = "diabetes"\ntarget_scaling = "standard"\n[model]\nlayers = [8]\n'
        '[loss]\nname = "mse"\n[training]\nepochs = 20'
    )
    run = R.train(parse(text), verbose=0)
    _, X_te, _, y_te = run.split
    pred = R.predict(run.model, X_te, run.preprocessing)
    assert pred.shape == y_te.shape and 100 < pred.mean() < 200  # units of the target
    assert run.metrics["r2"] == pytest.approx(skm.r2_score(y_te, pred), rel=1e-6)
    assert run.metrics["mae"] == pytest.approx(skm.mean_absolute_error(y_te, pred), rel=1e-6)
    assert run.metrics["r2"] > 0.2


class _InterruptAt(Callback):
    """Records the weights after every epoch, then raises KeyboardInterrupt (Ctrl-C)."""

    def __init__(self, epoch: int) -> None:
        self.stop_at, self.weights = epoch, []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append({k: v.clone() for k, v in self.model.state_dict().items()})
        if epoch == self.stop_at:
            raise KeyboardInterrupt


def test_ctrl_c_stops_cleanly_and_keeps_the_best_weights():
    text = (
        '[data]\nsource = "iris"\n[model]\nlayers = [16]\n[optimizer]\nlr = 0.05\n'
        "[training]\nepochs = 100\nvalidation_split = 0.3\nbatch_size = 8"
    )
    probe = _InterruptAt(12)
    run = R.train(parse(text), verbose=0, callbacks=[probe])
    assert run.interrupted and len(probe.weights) == 13
    val = run.history.history["val_loss"]
    assert len(val) == 12  # the interrupted epoch is not recorded
    best = int(np.argmin(val))
    assert best < 11  # otherwise the test shows nothing
    for k, v in run.model.state_dict().items():
        np.testing.assert_array_equal(v, probe.weights[best][k])


def test_creditcard_example_runs_on_a_file_of_that_schema(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame(rng.normal(size=(n, 28)), columns=[f"V{i}" for i in range(1, 29)])
    df.insert(0, "Time", np.arange(n, dtype=float) * 10)
    df["Amount"] = rng.exponential(50, size=n)
    df["Class"] = (df.V1 + df.V2 > 1.8).astype(int)
    df.to_csv(tmp_path / "creditcard.csv", index=False)
    shutil.copy(EXAMPLES / "creditcard.toml", tmp_path)
    r = R.load_recipe(tmp_path / "creditcard.toml").with_epochs(3)
    run = R.train(r, verbose=0)
    assert run.data.feature_names[0] == "Time" and run.data.X.shape == (n, 30)
    assert {"precision", "recall", "f1", "roc_auc"} <= set(run.metrics)
    df.drop(columns="Amount").to_csv(tmp_path / "creditcard.csv", index=False)
    with pytest.raises(ValueError, match=r"missing columns \['Amount'\]"):
        R.load_data(r)


def test_the_readme_recipe_parses():
    import re

    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Training from the shell", 1)[1]
    text = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    r = R.parse_recipe(text)
    assert r.optimizer["schedule"] == {"name": "cosine"} and r.training["patience"] == 10


def test_regression_loss_on_a_text_target_is_refused(tmp_path):
    pd.DataFrame({"a": [1.0, 2.0], "kind": ["x", "y"]}).to_csv(tmp_path / "t.csv", index=False)
    r = parse('[data]\nsource = "t.csv"\ntarget = "kind"\n[loss]\nname = "mse"', base_dir=tmp_path)
    with pytest.raises(R.RecipeError, match=r"'mse' needs numeric targets.*'kind' holds object"):
        R.load_data(r)
