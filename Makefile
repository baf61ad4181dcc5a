# femmag: `make demo` sets everything up (.venv with Python >= 3.12) and runs the main demo;
# `make test` sets up the same and runs the test suite serially and on 2 MPI ranks.
SHELL := /bin/bash
VENV  ?= .venv
PY    := $(VENV)/bin/python
MPIEXEC := $(VENV)/bin/mpiexec
NP    ?= 2
OUT   ?= out
export PYVISTA_OFF_SCREEN := true
export OMP_NUM_THREADS ?= 1
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: setup demo demos test test-serial test-mpi bench meshes lint clean info

$(VENV)/.installed: pyproject.toml
	@if [ ! -x $(PY) ]; then \
	    base=$$(tools/find_python.sh) || exit 1; \
	    echo "creating $(VENV) with $$base"; \
	    "$$base" -m venv $(VENV) || exit 1; \
	fi
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test,demo]"
	@touch $@

# Compile the numba kernels now (in parallel, one process per kernel module) so that the first
# run loads them from the on-disk cache; again whenever a kernel source changes.
NUMBA_KERNELS := femmag/kernels/ode.py femmag/kernels/stochastic.py femmag/kernels/sd.py \
                 femmag/kernels/mean_field.py femmag/kernels/warmup.py
$(VENV)/.kernels: $(VENV)/.installed $(NUMBA_KERNELS)
	$(PY) -m femmag.kernels.warmup
	@touch $@

setup: $(VENV)/.kernels

info: setup
	$(PY) -m femmag

demo: setup
	$(PY) demos/demo_film_heating.py --out $(OUT)/demo_film_heating --overwrite

demos: setup
	for d in demos/demo_*.py; do $(PY) $$d --out $(OUT)/$$(basename $$d .py) --overwrite || exit 1; done

test: test-serial test-mpi

test-serial: setup
	$(PY) -m pytest -q -x -p no:cacheprovider --doctest-modules femmag
	$(PY) -m pytest -q -x tests demos

test-mpi: setup
	$(MPIEXEC) -n $(NP) $(PY) -m mpi4py -m pytest -q -x -p no:cacheprovider tests demos

bench: setup
	$(PY) bench/bench_step.py
	$(PY) bench/bench_llb.py
	$(PY) bench/bench_2tm_1d.py

meshes: setup
	$(PY) meshes/film.py && $(PY) meshes/spin_valve.py

lint: setup
	$(PY) -m ruff check femmag tests demos bench

clean:
	rm -rf $(OUT) .pytest_cache

# The documentation: user guide (README), the literate demos as pages (converted by jupytext,
# not run) and the API reference from the docstrings; warnings are errors → docs/_build/html.
.PHONY: docs
$(VENV)/.docs: $(VENV)/.installed
	$(PY) -m pip install -q -e ".[docs]"
	@touch $@

docs: $(VENV)/.docs
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html
