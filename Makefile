# Two commands on a fresh machine (each creates .venv and installs what it needs):
#   make compare  # the main job: expert iteration vs PPO vs BC on Connect Four, scored against perfect play and rated by Elo
#   make test     # lint, the test suite, and the wheel check
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WHEEL_DIR := build/wheel-check

.PHONY: compare demo test lint pytest slow test-ray wheel-check bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned to the CPU build on this disk; the project's range accepts it.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[test,bench,solvers,ray]"
	touch $(STAMP)

compare: $(STAMP)
	$(VENV)/bin/boardzoo compare connect_four

demo: $(STAMP)
	$(VENV)/bin/boardzoo demo

test: lint pytest wheel-check

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# loadgroup: tests marked with one xdist_group (the Ray tests) share a worker.
pytest: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup -q

slow: $(STAMP)
	$(PY) -m pytest -q -m slow

# The Ray tests alone (they are in the default suite too; `make` installs the ray extra).
test-ray: $(STAMP)
	$(PY) -m pytest -q tests/agents/test_ray.py

# Build the wheel and import boardzoo.envs from it, outside the repo (catches packages missing
# from pyproject's `packages`, which an editable install hides).
wheel-check: $(STAMP)
	rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	$(PY) -m pip wheel --quiet --no-deps -w $(WHEEL_DIR) .
	$(PY) -m pip install --quiet --no-deps --target $(WHEEL_DIR)/site $(WHEEL_DIR)/boardzoo-*.whl
	cd /tmp && PYTHONPATH=$(CURDIR)/$(WHEEL_DIR)/site $(CURDIR)/$(PY) -c "import boardzoo.envs, boardzoo.wrappers, boardzoo.agents, boardzoo.agents.players, boardzoo.wrappers.gymnasium; \
	  assert boardzoo.envs.__file__.startswith('$(CURDIR)/$(WHEEL_DIR)/site'), boardzoo.envs.__file__; \
	  g = boardzoo.envs.make('hex', board_size=5); boardzoo.envs.api_test(g); \
	  import boardzoo.agents.players.loading as l; [l.load_player(name) for name in l.PRETRAINED]; print('wheel ok:', boardzoo.envs.__file__)"

bench: $(STAMP)
	$(PY) benchmarks/throughput.py
	$(PY) benchmarks/search.py
	$(PY) benchmarks/selfplay.py
	$(PY) benchmarks/ppo_throughput.py

clean:
	rm -rf $(VENV) build dist *.egg-info
