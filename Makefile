# Two commands for readers and CI:
#   make book   create .venv if missing, install, execute every notebook, build the HTML into _build/html
#   make test   unit tests + every notebook through nbval + hygiene tests + a -W Sphinx build (no execution)
# Both work on a fresh clone with nothing installed but Python 3.10+.

PYTHON     ?= python3
VENV       ?= .venv
# torch is installed first and pinned here (not in pyproject.toml): on this machine torch==2.13.0 is a
# local CPU wheel, while a bare `torch` in an empty venv would pull a multi-GB CUDA build.
# Override on other machines, e.g. `make book TORCH_SPEC="torch>=2.3"`.
TORCH_SPEC ?= torch==2.13.0
BIN        := $(VENV)/bin
STAMP      := $(VENV)/.amtools-installed
JB_FLAGS   := -W --keep-going

.PHONY: install book test unit notebooks check-build student bench mutation lab sync-notebooks clean help

help:
	@echo "make book | make test | make student | make bench | make mutation | make lab | make sync-notebooks | make clean"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[book,test]"
	@touch $(STAMP)

install: $(STAMP)

book: $(STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	$(BIN)/python tests/check_html.py _build/html
	@echo "Book built: open _build/html/index.html"

# Unit tests, notebook hygiene and every notebook (nbval, lax: any exception fails) in one pytest run,
# so tests/conftest.py times each notebook against its budget; then the structural -W build.
test: $(STAMP)
	$(BIN)/python -m pytest tests book --nbval-lax --nbval-current-env
	$(MAKE) check-build

unit: $(STAMP)
	$(BIN)/python -m pytest tests

notebooks: $(STAMP)
	$(BIN)/python -m pytest tests book --nbval-lax --nbval-current-env -k "ipynb or notebook"

# Structure, cross-references, citations, exercises: a warnings-as-errors build with execution off.
# Without execution there are no glued numbers to paste, so only glue warnings are silenced here
# (tests/test_prose_conventions.py checks that every pasted key is glued; `make book` pastes them).
check-build: $(STAMP)
	@mkdir -p _build
	sed -e 's/^\( *execute_notebooks:\).*/\1 "off"/' \
	    -e 's/^\( *suppress_warnings: \[\)/\1"mystnb.glue", /' _config.yml > _build/config-check.yml
	grep -q '"mystnb.glue"' _build/config-check.yml
	$(BIN)/jupyter-book build . --config _build/config-check.yml --path-output _build/check --all $(JB_FLAGS)

# The student edition: _build/student/book/*.ipynb with solutions removed, stubs and checks kept.
student: $(STAMP)
	$(BIN)/python tests/student_edition.py

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_core.py
	$(BIN)/python benchmarks/bench_error_grid.py
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_hopfield.py
	$(BIN)/python benchmarks/bench_mosaics.py
	$(BIN)/python benchmarks/bench_models.py

# Mutation testing of the result-computing modules (mutmut, the `dev` extra; not part of `make test`).
# Settings in pyproject.toml [tool.mutmut]; the full log goes to _build/mutation.log, and
# tests/mutation_report.py prints the per-module table, ending in `mutation score: X% (killed/total)`.
mutation: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@mkdir -p _build
	rm -rf mutants
	AMTOOLS_MUTATION=1 $(BIN)/mutmut run --max-children $$(nproc) > _build/mutation.log 2>&1 \
	  || (tail -n 40 _build/mutation.log; exit 1)
	$(BIN)/python tests/mutation_report.py

lab: $(STAMP)
	$(BIN)/jupyter lab book/

# Rewrite every notebook's first (Colab install) cell from _config.yml's repository url and branch.
sync-notebooks: $(STAMP)
	$(BIN)/python tests/notebook_conventions.py --sync

clean:
	rm -rf _build .pytest_cache .hypothesis mutants
