"""Real CSVs from the shell (issue 15, item 7): text columns one-hot encoded and gaps filled
through scikit-learn's ColumnTransformer / OneHotEncoder / SimpleImputer, stored in the
model file as JSON so evaluate and predict take the raw CSV; the closest column for a typo;
``predict --proba`` and ``--id``; a recipe with only [data] trains the default network.
Oracles: scikit-learn's own transformers, and the model file loaded in Python."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import rosenblatt as rb
from rosenblatt import cli
from rosenblatt import recipe as R
from rosenblatt.preprocessing import ColumnEncoder, Preprocessor
from rosenblatt.recipe import predict, predict_scores


def _table(n: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "id": [f"c{seed}-{i}" for i in range(n)],
        "age": rng.normal(40, 10, n).round(1),
        "city": rng.choice(["paris", "lyon", "nice"], n),
        "plan": rng.choice([1, 2, 3], n),  # integer codes: a category only when listed
        "income": rng.normal(3000, 500, n).round(0),
    })  # fmt: skip
    df["bought"] = np.where((df.city == "paris") ^ (df.age > 40), "yes", "no")
    df.loc[rng.choice(n, 25, replace=False), "age"] = np.nan
    df.loc[rng.choice(n, 12, replace=False), "city"] = np.nan
    df.loc[rng.choice(n, 7, replace=False), "income"] = np.nan
    return df


RECIPE = (
    '[data]\nsource = "train.csv"\ntarget = "bought"\nfeatures = ["age", "city", "plan", '
    '"income"]\ncategorical = "onehot"\ncategorical_columns = ["plan"]\nimpute = "median"\n'
    "[model]\nlayers = [16]\n[training]\nepochs = 40\n"
)


def main(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def trained(tmp_path, monkeypatch, capsys) -> Path:
    monkeypatch.chdir(tmp_path)
    _table().to_csv("train.csv", index=False)
    (tmp_path / "r.toml").write_text(RECIPE)
    code, out, err = main(capsys, "train", "r.toml", "--out", "run", "-q")
    assert code == 0, err
    return tmp_path / "run" / "model.safetensors"


def test_the_encoding_is_scikit_learns(trained) -> None:
    """The oracle: ColumnTransformer(SimpleImputer(median) | SimpleImputer(most_frequent) +
    OneHotEncoder) and StandardScaler fitted by scikit-learn on the same training split."""
    model = rb.load(trained)
    pre = model.preprocessing
    assert pre.encoder is not None and pre.encoder.categorical == ["city", "plan"]
    run = R.train(R.parse_recipe(RECIPE, base_dir=trained.parent.parent), verbose=0)
    X_tr = pd.DataFrame(run.split[0], columns=["age", "city", "plan", "income"])
    X_tr["plan"] = X_tr["plan"].astype(str)
    for c in ("age", "income"):
        X_tr[c] = X_tr[c].astype(float)
    cat = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(
        handle_unknown="ignore", sparse_output=False))  # fmt: skip
    sk = make_pipeline(
        ColumnTransformer([("age", SimpleImputer(strategy="median"), ["age"]),
                           ("city", cat, ["city"]), ("plan", cat, ["plan"]),
                           ("income", SimpleImputer(strategy="median"), ["income"])]),
        StandardScaler(),
    ).fit(X_tr)  # fmt: skip
    X_all = _table().astype({"plan": str})[["age", "city", "plan", "income"]]
    np.testing.assert_allclose(pre.transform(X_all.to_numpy(dtype=object)), sk.transform(X_all),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    assert pre.encoder.output_names() == [
        "age", "city=lyon", "city=nice", "city=paris", "plan=1", "plan=2", "plan=3", "income"
    ]  # fmt: skip


def test_stored_as_json_and_evaluate_predict_take_the_raw_csv(trained, tmp_path, capsys) -> None:
    raw = trained.read_bytes()
    n = struct.unpack("<Q", raw[:8])[0]
    stored = json.loads(json.loads(raw[8 : 8 + n])["__metadata__"]["rosenblatt.preprocessing"])
    assert stored["encoder"]["categories"]["city"] == ["lyon", "nice", "paris"]
    assert stored["encoder"]["fill"]["city"] in ("lyon", "nice", "paris")
    new = _table(80, seed=3)
    new.loc[0, "city"] = "marseille"  # a category never seen: all zeros, still a prediction
    new.to_csv("new.csv", index=False)
    code, out, err = main(capsys, "evaluate", trained, "--data", "new.csv")
    assert code == 0, err and "evaluation accuracy" in out
    code, out, err = main(capsys, "predict", trained, "--data", "new.csv", "--proba", "--id", "id")
    assert code == 0, err
    got = pd.read_csv(io.StringIO(out))
    assert list(got.columns) == ["id", "bought", "proba_no", "proba_yes"]
    assert got["id"].tolist() == new["id"].tolist()
    model = rb.load(trained)
    X = new[["age", "city", "plan", "income"]].to_numpy(dtype=object)
    assert got["bought"].tolist() == predict(model, X, model.preprocessing).tolist()
    np.testing.assert_allclose(got[["proba_no", "proba_yes"]], predict_scores(
        model, X, model.preprocessing), rtol=1e-9)  # fmt: skip
    np.testing.assert_allclose(got[["proba_no", "proba_yes"]].sum(axis=1), 1.0)


def test_what_the_recipe_must_say(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    _table().to_csv("train.csv", index=False)

    def bad(recipe: str) -> str:
        (tmp_path / "r.toml").write_text(recipe)
        code, _, err = main(capsys, "train", "r.toml", "--out", "run", "-q")
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        return err

    base = '[data]\nsource = "train.csv"\ntarget = "bought"\nfeatures = ["age", "city"]\n'
    assert "data.categorical = 'onehot'" in bad(base)
    err = bad(base + 'categorical = "onehot"\n')
    assert "missing values in columns ['age', 'city']" in err and "data.impute" in err
    err = bad(base.replace('"bought"', '"bougth"'))
    assert "no target column 'bougth' (did you mean 'bought'?)" in err
    err = bad(base.replace('"age"', '"Age"'))
    assert "missing feature column ['Age'] (did you mean 'age'?)" in err
    assert not (tmp_path / "run").exists()


def test_an_identifier_column_is_not_a_category() -> None:
    X = np.array([[f"row{i}", float(i)] for i in range(1500)], dtype=object)
    with pytest.raises(ValueError, match="'name' has 1,500 distinct values, more than 1000"):
        ColumnEncoder(["name", "x"], ["name"]).fit(X)


def test_the_encoder_round_trips_through_json() -> None:
    df = _table(50)
    X = df[["age", "city", "plan"]].to_numpy(dtype=object)
    pre = Preprocessor(encoder=ColumnEncoder(["age", "city", "plan"], ["city", "plan"],
                                             "mean")).fit(X, df["bought"])  # fmt: skip
    again = Preprocessor.from_json(pre.to_json())
    np.testing.assert_array_equal(again.transform(X), pre.transform(X))
    d = json.loads(pre.to_json())
    d["encoder"]["categories"]["city"].append("lyon")  # a duplicate category
    with pytest.raises(ValueError, match="distinct text categories"):
        Preprocessor.from_dict(d)


def test_a_recipe_with_only_data_trains_the_default_network() -> None:
    only = R.parse_recipe('[data]\nsource = "digits"\n')
    assert repr(R.build_model(only, 64, 10)) == repr(R.build_model(R.default_recipe(), 64, 10))
    sizes = [m.out_features for m in R.build_model(only, 64, 10) if hasattr(m, "out_features")]
    assert sizes == [128, 64, 10]
