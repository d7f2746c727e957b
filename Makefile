# `make demo` and `make test` bootstrap .venv from nothing (Python >= 3.10 on PATH).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-all lint format bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev,mpi]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rosenblatt train

test: $(STAMP)
	$(BIN)/python -m pytest

test-all: $(STAMP)
	$(BIN)/python -m pytest -m ""

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks examples
	$(BIN)/ruff format src tests benchmarks examples

bench: $(STAMP)  # the tables of benchmarks/RESULTS.md (a few minutes; run on an idle machine)
	$(BIN)/python benchmarks/bench_core.py --repeats 5
	$(BIN)/python benchmarks/bench_w3_lenet.py
	$(BIN)/python benchmarks/bench_w4_lstm.py
	$(BIN)/python benchmarks/bench_mlp_sklearn.py --repeats 3

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
