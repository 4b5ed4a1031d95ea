# Every target creates .venv when missing, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: report test lab clean-venv

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==26.3
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	# The project's own kernel, named explicitly by the runner and by `make lab`.
	$(PY) -m ipykernel install --sys-prefix --name talentkit --display-name "Python (talentkit)" >/dev/null
	touch $(STAMP)

report: $(STAMP)  ## run the default batch on the built-in dataset
	$(VENV)/bin/talentkit run params/default.yaml --new

test: $(STAMP)  ## unit, bad-input and notebook tests
	$(PY) -m pytest -q

lab: $(STAMP)  ## JupyterLab on notebooks/ with the project's kernel
	$(VENV)/bin/jupyter lab notebooks/

clean-venv:
	rm -rf $(VENV)
