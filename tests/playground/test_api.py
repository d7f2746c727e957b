"""The playground's JSON API: every parameter validated, training on the engine, pictures
equal to the model's own outputs, exports that reproduce the network."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rosenblatt as rb
from rosenblatt.playground.config import DEFAULTS, FIELDS

# ----------------------------------------------------------------------------- validation
# every control: values it must refuse, as (field in the error, settings sent)
BAD_SETTINGS = [
    ("dataset", {"dataset": "moons"}),
    ("dataset", {"dataset": 3}),
    ("classes", {"classes": 1}),
    ("classes", {"classes": 7}),
    ("classes", {"classes": 2.5}),
    ("classes", {"dataset": "xor", "classes": 3}),
    ("n_samples", {"n_samples": 49}),
    ("n_samples", {"n_samples": 2001}),
    ("n_samples", {"n_samples": True}),
    ("noise", {"noise": -1}),
    ("noise", {"noise": 51}),
    ("noise", {"noise": "5"}),
    ("noise", {"noise": math.nan}),
    ("train_ratio", {"train_ratio": 5}),
    ("train_ratio", {"train_ratio": 95}),
    ("train_ratio", {"train_ratio": 50.5}),
    ("seed", {"seed": -1}),
    ("seed", {"seed": 2**31}),
    ("seed", {"seed": 1.5}),
    ("features", {"features": []}),
    ("features", {"features": ["x3"]}),
    ("features", {"features": ["x1", "x1"]}),
    ("features", {"features": "x1"}),
    ("layers", {"layers": [0]}),
    ("layers", {"layers": [33]}),
    ("layers", {"layers": [2] * 11}),
    ("layers", {"layers": "4"}),
    ("activation", {"activation": ["swish", "tanh"]}),
    ("activation", {"layers": [4, 2], "activation": ["tanh"]}),
    ("activation", {"activation": 1}),
    ("lr", {"lr": 0}),
    ("lr", {"lr": -0.1}),
    ("lr", {"lr": 11}),
    ("lr", {"lr": "0.1"}),
    ("lr", {"lr": math.inf}),
    ("optimizer", {"optimizer": "lbfgs"}),
    ("init", {"init": "ones"}),
    ("regularization", {"regularization": "l3"}),
    ("reg_rate", {"reg_rate": -1}),
    ("reg_rate", {"reg_rate": 11}),
    ("batch_size", {"batch_size": 0}),
    ("batch_size", {"batch_size": 1001}),
    ("dropout", {"dropout": 0.95}),
    ("dropout", {"dropout": -0.1}),
    ("batch_norm", {"batch_norm": 1}),
    ("scaling", {"scaling": "robust"}),
    ("momentum", {"momentum": 0.9}),  # not a setting
    ("dataset", {"dataset": "upload"}),  # no CSV uploaded yet
]


def test_every_setting_has_bad_values_tested():
    assert {field for field, _ in BAD_SETTINGS} >= set(FIELDS)


@pytest.mark.parametrize(
    ("field", "settings"),
    BAD_SETTINGS,
    ids=[f"{f}={list(s.values())[-1]!r}" for f, s in BAD_SETTINGS],
)
def test_bad_setting_is_refused_naming_the_field(client, field, settings):
    before = client.ok("GET", "/api/state")["config"]
    status, err = client.post("/api/config", config=settings)
    assert status == 400
    assert err["field"].split("[")[0] == field
    assert field in err["error"]
    assert err["expected"]
    sent = settings.get(field)
    if isinstance(sent, (int, str)) and not isinstance(sent, bool):
        assert str(sent) in err["error"]  # the message shows what was sent
    assert client.ok("GET", "/api/state")["config"] == before  # nothing changed


def test_size_caps_explain_themselves(client):
    status, err = client.post("/api/config", config={"layers": [64]})
    assert status == 400 and "at most 32 neurons" in err["error"]
    assert "rosenblatt train" in err["error"]
    status, err = client.post("/api/config", config={"layers": [2] * 11})
    assert status == 400 and "at most 10 allowed" in err["error"]
    assert client.config(layers=[32] * 10)["n_parameters"] > 9000  # the cap itself is fine


@pytest.mark.parametrize(
    ("path", "fields", "field"),
    [
        ("/api/step", {"epochs": 0}, "epochs"),
        ("/api/step", {"epochs": 101}, "epochs"),
        ("/api/step", {"epochs": "1"}, "epochs"),
        ("/api/step", {"epochs": 1, "lr": 0.1}, "lr"),
        ("/api/config", {"config": [1]}, "config"),
        ("/api/weight", {"layer": 3, "row": 0, "col": 0, "value": 1.0}, "layer"),
        ("/api/weight", {"layer": 0, "row": 4, "col": 0, "value": 1.0}, "row"),
        ("/api/weight", {"layer": 0, "row": 0, "col": 2, "value": 1.0}, "col"),
        ("/api/weight", {"layer": 0, "row": 0, "col": "b", "value": 1.0}, "col"),
        ("/api/weight", {"layer": 0, "row": 0, "col": 0, "value": 1e9}, "value"),
        ("/api/weight", {"layer": 0, "row": 0, "col": 0, "value": "1"}, "value"),
        ("/api/upload", {"name": "a.csv", "csv": 5}, "csv"),
    ],
)
def test_bad_post_field_is_refused(client, path, fields, field):
    status, err = client.post(path, **fields)
    assert status == 400
    assert err["field"] == field and field in err["error"] and err["expected"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"resolution": 5}, "resolution"),
        ({"resolution": 201}, "resolution"),
        ({"resolution": "abc"}, "resolution"),
        ({"neurons": 41}, "neurons"),
    ],
)
def test_bad_heatmap_query_is_refused(client, query, field):
    status, err = client.get("/api/heatmap", **query)
    assert status == 400 and err["field"] == field and str(query[field]) in err["error"]


def test_bad_session_token_is_refused(client):
    client.session = "x"
    status, err = client.get("/api/state")
    assert status == 400 and err["field"] == "session"
    status, err = client.post("/api/step", epochs=1)
    assert status == 400 and err["field"] == "session"


def test_malformed_requests(client):
    status, _, raw = client.request("POST", "/api/step", b"{not json", {})
    assert status == 400 and "not JSON" in json.loads(raw)["error"]
    status, _, raw = client.request("POST", "/api/step", b"[1, 2]", {})
    assert status == 400 and "JSON object" in json.loads(raw)["error"]
    status, _, raw = client.request("GET", "/api/nothing")
    assert status == 404
    status, _, raw = client.request("GET", "/api/step")
    assert status == 405 and "POST" in json.loads(raw)["error"]
    status, _, raw = client.request("DELETE", "/api/state")
    assert status == 405
    status, _, raw = client.request("GET", "/static/../server.py")
    assert status == 404


def test_oversized_body_is_refused_with_the_limit(client):
    body = json.dumps({"session": client.session, "csv": "x" * (3 * 1024 * 1024)}).encode()
    status, _, raw = client.request("POST", "/api/upload", body)
    assert status == 413
    assert "limit is 2 MiB" in json.loads(raw)["error"]


def test_requests_from_other_sites_are_refused(client):
    status, _, raw = client.request("GET", "/api/options", headers={"Host": "evil.example"})
    assert status == 403 and "not this playground" in json.loads(raw)["error"]
    body = json.dumps({"session": client.session, "epochs": 1}).encode()
    status, _, raw = client.request("POST", "/api/step", body, {"Origin": "http://evil.example"})
    assert status == 403 and "another site" in json.loads(raw)["error"]
    assert client.ok("GET", "/api/state")["epoch"] == 0  # nothing was trained


def test_the_page_is_served_self_contained(client):
    status, headers, html = client.request("GET", "/")
    assert status == 200 and b"/static/app.js" in html
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    static = Path(rb.__file__).parent / "playground" / "static"
    for name in ("index.html", "app.js", "style.css"):
        text = (static / name).read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
        assert "https://" not in text  # no CDN: works offline
        assert client.request("GET", f"/static/{name}")[0] == 200


# ----------------------------------------------------------------------------- training
def test_options_list_the_controls(client):
    opts = client.ok("GET", "/api/options")
    assert opts["defaults"] == json.loads(json.dumps(DEFAULTS))
    assert opts["datasets"]["classification"] == ["circle", "xor", "gaussian", "spiral"]
    assert opts["datasets"]["regression"] == ["plane", "multigaussian"]
    assert set(opts["optimizers"]) >= {"sgd", "momentum", "rmsprop", "adam"}
    assert len(opts["features"]) == 7


def test_a_training_step_lowers_the_loss(client):
    state = client.config(lr=0.1)
    assert state["epoch"] == 0 and len(state["loss"]["test"]) == 1
    out = client.step(30)
    assert out["epoch"] == 30 and len(out["loss"]["test"]) == 30
    assert out["test_loss"] < 0.5 * state["test_loss"]
    assert out["train_loss"] < 0.5 * state["train_loss"]
    state = client.ok("GET", "/api/state")
    assert len(state["loss"]["train"]) == 31 and state["loss"]["test"][-1] == out["test_loss"]


def test_settings_build_the_network_they_describe(client):
    state = client.config(
        dataset="spiral",
        classes=3,
        features=["x1", "x2", "sinx1"],
        layers=[5, 3],
        activation=["relu", "sigmoid"],
        train_ratio=70,
        n_samples=200,
    )
    layers = state["network"]["layers"]
    assert [np.shape(layer["weight"]) for layer in layers] == [(5, 3), (3, 5), (3, 3)]
    assert [layer["activation"] for layer in layers] == ["relu", "sigmoid", None]
    assert state["classes"] == ["0", "1", "2"] and state["loss_name"] == "cross_entropy"
    assert len(state["points"]["train"]) == 140 and len(state["points"]["test"]) == 60
    state = client.config(dataset="plane")
    assert state["task"] == "regression" and state["loss_name"] == "mse"


def test_soft_settings_keep_the_weights_others_reset(client):
    client.step(5)
    before = client.ok("GET", "/api/state")["network"]
    state = client.config(lr=0.3, batch_size=20, regularization="l2", reg_rate=0.001)
    assert state["epoch"] == 5 and state["network"] == before
    assert any("lr" in note for note in state["altered"])
    assert client.config(layers=[3])["epoch"] == 0


def test_reset_and_seed_reproduce_the_same_start(client):
    first = client.ok("GET", "/api/state")
    client.step(3)
    again = client.ok("POST", "/api/reset")
    assert again["epoch"] == 0 and again["network"] == first["network"]
    other = client.config(seed=7)
    assert other["network"] != first["network"] and other["points"] != first["points"]


def test_sessions_do_not_share_random_numbers(make_client):
    """Two tabs training in turns end where one tab training alone ends (dropout and
    shuffling draw random numbers every epoch), and the process's generator is untouched."""
    settings = {"dropout": 0.3, "lr": 0.1, "seed": 3}
    a, b, alone = make_client(), make_client(), make_client()
    for c in (a, b, alone):
        c.config(**settings)
    outside = rb.get_rng().bit_generator.state
    for _ in range(3):
        a.step(2)
        b.step(2)
    alone.step(6)
    assert rb.get_rng().bit_generator.state == outside
    networks = [c.ok("GET", "/api/state")["network"] for c in (a, b, alone)]
    assert networks[0] == networks[1] == networks[2]


# ----------------------------------------------------------------------------- oracles
def _features(points: np.ndarray, ids: list[str]) -> np.ndarray:
    """The seven input features, written out here independently of the playground."""
    a, b = points[:, 0], points[:, 1]
    table = {
        "x1": a,
        "x2": b,
        "x1sq": a**2,
        "x2sq": b**2,
        "x1x2": a * b,
        "sinx1": np.sin(a),
        "sinx2": np.sin(b),
    }
    return np.stack([table[f] for f in ids], axis=1)


def _grid(state: dict, r: int) -> np.ndarray:
    (x0, x1), (y0, y1) = state["domain"]["x"], state["domain"]["y"]
    xs, ys = np.linspace(x0, x1, r), np.linspace(y1, y0, r)  # rows from the top
    return np.array([(x, y) for y in ys for x in xs])


def _download_model(client, tmp_path: Path, name: str = "model.safetensors"):
    status, body = client.get("/api/model")
    assert status == 200
    path = tmp_path / name
    path.write_bytes(body)
    return rb.load(path)


@pytest.mark.parametrize(
    "settings",
    [
        {"dataset": "circle", "features": ["x1", "x2", "x1sq"], "lr": 0.1},
        {
            "dataset": "spiral",
            "classes": 3,
            "layers": [6, 4],
            "activation": ["relu", "tanh"],
            "features": ["x1", "x2", "sinx1", "sinx2"],
            "optimizer": "adam",
            "batch_norm": True,
        },
        {"dataset": "multigaussian", "layers": [8], "activation": "elu", "scaling": "minmax"},
    ],
    ids=["binary", "multiclass", "regression"],
)
def test_heatmaps_equal_the_models_own_outputs(client, tmp_path, settings):
    state = client.config(**settings)
    client.step(5)
    r, nr = 30, 12
    heat = client.ok("GET", "/api/heatmap", resolution=r, neurons=nr)
    model = _download_model(client, tmp_path)
    pre = model.preprocessing

    def run(points):
        X = pre.transform(
            _features(points, settings["features"] if "features" in settings else ["x1", "x2"])
        ).astype(np.float32)
        hidden, h = [], rb.tensor(X)
        with rb.no_grad():
            for m in model:
                h = m(h)
                if type(m).__name__ in ("ReLU", "Tanh", "ELU", "Sigmoid"):
                    hidden.append(h.numpy().copy())
        return h.numpy().astype(np.float64), hidden

    out, _ = run(_grid(state, r))
    if state["task"] == "regression":
        expected = out[:, 0].reshape(r, r)
    elif out.shape[1] == 1:  # P(second class) = sigmoid(logit)
        expected = (1 / (1 + np.exp(-out[:, 0]))).reshape(r, r)
    else:  # softmax, one grid per class
        e = np.exp(out - out.max(axis=1, keepdims=True))
        expected = (e / e.sum(axis=1, keepdims=True)).T.reshape(-1, r, r)
    np.testing.assert_allclose(heat["output"], expected, atol=2e-6)

    _, hidden = run(_grid(state, nr))
    assert len(heat["hidden"]) == len(hidden) == len(state["config"]["layers"])
    for got, units in zip(heat["hidden"], hidden):
        np.testing.assert_allclose(got, units.T.reshape(-1, nr, nr), atol=1e-3)


def test_editing_a_weight_changes_the_model_and_the_heatmap(client, tmp_path):
    client.step(2)
    before = client.ok("GET", "/api/heatmap", resolution=20)["output"]
    out = client.ok("POST", "/api/weight", layer=2, row=0, col=1, value=-3.5)
    assert out["network"]["layers"][2]["weight"][0][1] == -3.5
    out = client.ok("POST", "/api/weight", layer=0, row=2, col="bias", value=1.25)
    assert out["network"]["layers"][0]["bias"][2] == 1.25
    assert any("weight [0, 1] of layer 2" in note for note in out["altered"])
    model = _download_model(client, tmp_path)
    assert model[4].weight.numpy()[0, 1] == -3.5 and model[0].bias.numpy()[2] == 1.25
    assert client.ok("GET", "/api/heatmap", resolution=20)["output"] != before
    assert "# note: weight [0, 1] of layer 2" in client.get("/api/recipe")[1].decode()


def _export(client, folder: Path) -> Path:
    folder.mkdir()
    status, recipe = client.get("/api/recipe")
    assert status == 200
    status, data = client.get("/api/data")
    assert status == 200
    (folder / "playground-recipe.toml").write_bytes(recipe)
    (folder / "playground-data.csv").write_bytes(data)
    return folder / "playground-recipe.toml"


@pytest.mark.parametrize(
    "settings",
    [
        {
            "dataset": "gaussian",
            "noise": 20,
            "features": ["x1", "x2", "x1x2"],
            "layers": [5, 3],
            "activation": ["relu", "tanh"],
            "optimizer": "momentum",
            "dropout": 0.2,
            "batch_norm": True,
            "regularization": "l2",
            "reg_rate": 0.001,
            "batch_size": 16,
        },
        {
            "dataset": "xor",
            "classes": 4,
            "optimizer": "rmsprop",
            "lr": 0.01,
            "init": "he_normal",
            "regularization": "l1",
            "reg_rate": 0.0001,
            "seed": 42,
        },
    ],
    ids=["binary", "multiclass"],
)
def test_rosenblatt_train_of_the_recipe_gives_the_same_weights(client, tmp_path, settings):
    client.config(**settings)
    client.step(6)
    model = _download_model(client, tmp_path)
    recipe = _export(client, tmp_path / "export")
    run = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "rosenblatt", "train", str(recipe), "--out", str(run), "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    trained = rb.load(run / "model.safetensors")
    assert trained.metadata["recipe"]["training"]["epochs"] == 6
    mine, theirs = model.state_dict(), trained.state_dict()
    assert list(mine) == list(theirs)
    for key in mine:
        np.testing.assert_array_equal(np.asarray(mine[key]), np.asarray(theirs[key]), err_msg=key)
    assert model.metadata["playground"]["config"]["dataset"] == settings["dataset"]


# ----------------------------------------------------------------------------- upload
def _csv(rows: int, classes: list, seed: int = 0, header: str = "height,weight,kind") -> str:
    rng = np.random.default_rng(seed)
    lines = [header]
    for i in range(rows):
        k = i % len(classes)
        a, b = rng.normal(loc=3 * k, size=2)
        lines.append(f"{a:.4f},{b:.4f},{classes[k]}")
    return "\n".join(lines) + "\n"


def test_uploaded_csv_becomes_the_data(client, tmp_path):
    state = client.ok(
        "POST", "/api/upload", name="animals.csv", csv=_csv(90, ["cat", "dog", "eel"])
    )
    assert state["config"]["dataset"] == "upload" and state["upload"] == "animals.csv"
    assert state["classes"] == ["cat", "dog", "eel"] and state["axes"] == ["height", "weight"]
    assert len(state["points"]["train"]) + len(state["points"]["test"]) == 90
    client.step(3)
    model = _download_model(client, tmp_path)
    assert model.classes == ["cat", "dog", "eel"]
    recipe = _export(client, tmp_path / "export")
    assert "animals.csv" in recipe.read_text()
    state = client.config(dataset="circle")  # back to generated data, the upload is kept
    assert client.config(dataset="upload")["classes"] == ["cat", "dog", "eel"]


def test_uploaded_csv_with_fractional_labels_is_a_regression(client):
    rng = np.random.default_rng(0)
    rows = "\n".join(f"{a:.3f},{b:.3f},{a * b:.5f}" for a, b in rng.normal(size=(60, 2)))
    state = client.ok("POST", "/api/upload", name="r.csv", csv="u,v,y\n" + rows + "\n")
    assert state["task"] == "regression" and state["loss_name"] == "mse"


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("a,b\n1,2\n", 400, "3 columns"),
        ("a,b,c,d\n1,2,3,4\n", 400, "3 columns"),
        ("a,b,c\n" + "1,2,0\n" * 10 + "1,2,3,4\n", 400, "Expected 3 fields in line 12"),
        ("a,b,c\n" + "x,1,0\ny,2,1\n" * 10, 400, "'a'"),
        ("a,b,c\n1,2,0\n", 400, "10 to 5000"),
        (_csv(5001, [0, 1]), 400, "10 to 5000"),
        (_csv(30, [0]), 400, "2 to 10"),
        (_csv(30, list(range(11))), 400, "2 to 10"),
        ("a,b,c\n" + "1,,0\n" * 12, 400, "NaN"),
        ("a,b,c\n" + "1,2,0\n" * 200_000, 413, "limit is 1 MiB"),
    ],
    ids=[
        "2-columns",
        "4-columns",
        "ragged",
        "text-feature",
        "1-row",
        "5001-rows",
        "1-class",
        "11-classes",
        "missing",
        "too-big",
    ],
)
def test_bad_csv_gets_a_clear_error(client, text, status, message):
    before = client.ok("GET", "/api/state")
    got, err = client.post("/api/upload", name="bad.csv", csv=text)
    assert got == status, err
    assert err["field"] == "csv" and message in err["error"], err["error"]
    after = client.ok("GET", "/api/state")
    assert after["config"] == before["config"] and after["upload"] is None


# ----------------------------------------------------------------------------- the command
def test_playground_command_starts_and_stops_on_ctrl_c(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "rosenblatt", "playground", "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("rosenblatt playground: http://127.0.0.1:")
        import urllib.request

        url = line.split()[2]
        with urllib.request.urlopen(url + "api/options", timeout=30) as r:
            assert r.status == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "playground stopped" in out


def test_playground_command_refuses_a_taken_port(server):
    port = server.server_port
    done = subprocess.run(
        [sys.executable, "-m", "rosenblatt", "playground", "--no-browser", "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "BROWSER": "true"},
    )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "rosenblatt", "playground", "--port", "70000"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--port must be in [0, 65535]" in done.stderr
