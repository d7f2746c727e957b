# `make demo` and `make test` bootstrap .venv from nothing (Python >= 3.10 on PATH).
# `make demo` installs what rosenblatt needs to run (numpy, scipy, scikit-learn, pandas,
# matplotlib, numba, tqdm, safetensors: a few hundred MB); `make test` and the other
# targets add the test, lint, MPI and notebook extras (PyTorch 2.13 CPU as the reference,
# onnx/onnxruntime for the export tests: about 1.5 GB).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-stamp
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test test-all lint format bench clean browser-deps playground-screenshot notebooks

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $(RUNTIME_STAMP)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,dev,mpi,notebooks,onnx]'
	@touch $(STAMP) $(RUNTIME_STAMP)

install: $(STAMP)

demo: $(RUNTIME_STAMP)
	$(BIN)/rosenblatt train

# The engine's tests run twice: with the compiled kernels (default) and with their NumPy
# references (ROSENBLATT_JIT=0); tests/kernels holds each kernel equal to its reference.
JIT_TESTS := tests/ops tests/nn tests/nn_conv tests/optim tests/test_autograd.py \
	tests/test_torch_contract.py

test: $(STAMP)
	$(BIN)/python -m pytest
	ROSENBLATT_JIT=0 $(BIN)/python -m pytest $(JIT_TESTS)

test-all: $(STAMP)
	$(BIN)/python -m pytest -m ""

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples notebooks
	$(BIN)/ruff format --check src tests benchmarks examples notebooks

format: $(STAMP)
	$(BIN)/ruff check --fix src tests benchmarks examples notebooks
	$(BIN)/ruff format src tests benchmarks examples notebooks

notebooks: $(STAMP)  # notebooks/*.ipynb from their jupytext sources notebooks/NN_*.py
	$(BIN)/python notebooks/sync.py

bench: $(STAMP)  # the tables of benchmarks/RESULTS.md (a few minutes; run on an idle machine)
	$(BIN)/python benchmarks/bench_core.py --repeats 5
	$(BIN)/python benchmarks/bench_w3_lenet.py
	$(BIN)/python benchmarks/bench_w4_lstm.py
	$(BIN)/python benchmarks/bench_mlp_sklearn.py --repeats 3
	$(BIN)/python benchmarks/bench_elementwise.py
	$(BIN)/python benchmarks/bench_compile.py
	$(BIN)/python benchmarks/bench_gemm_peak.py

# Debian's headless Chromium and its driver for the playground's browser test
# (tests/playground/test_browser.py, skipped without them); installed only when missing.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	fi

playground-screenshot: browser-deps $(STAMP)  # docs/playground.png, the README's picture
	@mkdir -p docs
	ROSENBLATT_PLAYGROUND_SCREENSHOT=docs/playground.png \
		$(BIN)/python -m pytest tests/playground/test_browser.py -k circle

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .ruff_cache
