# Two commands for a fresh machine:  `make serve`  and  `make test`.
# Both create the virtual environment on first use; nothing has to be installed by hand.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: serve test lint bench mutate clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/koppelbox serve $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py $(ARGS)

# Mutation testing of rules/ and validator/ (docs/testing.md): a score per module and every survivor.
# Niced, incremental in ./mutants (git-ignored); src/ is never changed. ARGS: mutant globs, --sample ...
mutate: $(STAMP)
	$(BIN)/python -m tests.mutation $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
