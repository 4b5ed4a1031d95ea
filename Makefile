# Every target creates .venv when missing, so a fresh clone needs nothing else.
# requirements.txt is the one list of exact versions: uv installs it in seconds (uv's own
# version is pinned here, installed from the registry into the venv like any package); pip
# installs the same file where uv cannot be had. Dask workers install the same file too.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
# uv reads none of pip's configuration: hand it pip's local wheel folders and index, where set.
UV_FLAGS := $(foreach d,$(PIP_FIND_LINKS),--find-links $(d)) $(if $(PIP_INDEX_URL),--default-index $(PIP_INDEX_URL))

.PHONY: report test test-fast durations lint lab clean-venv

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@if $(PY) -m pip install -q --disable-pip-version-check uv==$(UV_VERSION); then \
	    echo "installing requirements.txt with uv $(UV_VERSION)"; \
	    $(VENV)/bin/uv pip install -q --python $(PY) --compile-bytecode $(UV_FLAGS) -r requirements.txt && \
	    $(VENV)/bin/uv pip install -q --python $(PY) --no-deps --no-build-isolation -e .; \
	else \
	    echo "uv could not be installed; installing requirements.txt with pip (a few minutes)"; \
	    $(PY) -m pip install -q pip==26.3 && \
	    $(PY) -m pip install -q -r requirements.txt && \
	    $(PY) -m pip install -q --no-deps --no-build-isolation -e .; \
	fi
	# The project's own kernel, named explicitly by the runner and by `make lab`.
	$(PY) -m ipykernel install --sys-prefix --name talentkit --display-name "Python (talentkit)" >/dev/null
	touch $(STAMP)

report: $(STAMP)  ## run the default batch on the built-in dataset
	$(VENV)/bin/talentkit run params/default.yaml --new

test: $(STAMP)  ## the whole suite: unit, bad-input, notebook and browser tests, on every core
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=15

lint: $(STAMP)  ## ruff (style, imports, blind excepts) and mypy (the package's annotations), as CI runs them
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

test-fast: $(STAMP)  ## the quick loop: every test not marked slow (no notebook runs)
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder -m "not slow"

durations: $(STAMP)  ## the whole suite, then tests/slow_tests.txt anew: the tests of 1.5 s or more, left out of test-fast
	$(PY) -m pytest -q -n auto --dist loadfile --no-loadscope-reorder -p no:cacheprovider --durations=0 --durations-min=0 | tee .durations.txt
	$(PY) tests/slow_list.py .durations.txt

# `make lab PORT=8890 NO_BROWSER=1`: another port, and no browser (a server, a container). As root (the
# usual user in a container or a cloud machine) JupyterLab refuses to start without --allow-root.
PORT ?= 8888
NO_BROWSER ?=
LAB_FLAGS = --port=$(PORT) $(if $(NO_BROWSER),--no-browser) $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)  ## JupyterLab on notebooks/ with the project's kernel
	$(VENV)/bin/jupyter lab notebooks/ $(LAB_FLAGS)

clean-venv:
	rm -rf $(VENV)
