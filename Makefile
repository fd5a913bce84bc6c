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

# Real clients: the built site in headless Chromium (Debian's `chromium`), JupyterLab driven by it, and a
# venv with Colab's pinned packages (Python 3.13 through pyenv). `make test` runs each when it can.
CHROMIUM   ?= $(shell command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null)
PY313      ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))

.PHONY: install book test unit notebooks check-build student bench mutation lab sync-notebooks clean help \
        check-site check-lab check-colab-env colab autograder lint-workflows real-clients vendor \
        published-grid

help:
	@echo "make book | make test | make student | make colab | make autograder | make bench | make mutation"
	@echo "make lab | make check-site | make check-lab | make check-colab-env | make sync-notebooks | make clean"
	@echo "make published-grid (download the paper's published runs; see README, Sweeps)"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -e ".[book,test,sweep]"
	@touch $(STAMP)

install: $(STAMP)

# The JavaScript the site serves itself, so that it works offline: MathJax, require.js and the ipywidgets
# embedder, pinned in tools/vendor/package-lock.json, installed with npm and copied into _build/vendor
# (served as _static/mathjax and _static/widgets; see html_static_path in _config.yml).
VENDOR       := _build/vendor
VENDOR_STAMP := $(VENDOR)/.vendored
NODE_MODULES := tools/vendor/node_modules

$(VENDOR_STAMP): tools/vendor/package.json tools/vendor/package-lock.json tools/vendor/widgets-config.js
	@command -v npm >/dev/null || { echo "make: npm is needed to serve MathJax from the site (apt install npm)"; exit 1; }
	npm ci --prefix tools/vendor --no-audit --no-fund --ignore-scripts --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/mathjax/output $(VENDOR)/widgets
	cd $(NODE_MODULES)/mathjax/es5 && cp -r tex-mml-chtml.js input a11y sre ui $(CURDIR)/$(VENDOR)/mathjax/
	cp -r $(NODE_MODULES)/mathjax/es5/output/chtml $(NODE_MODULES)/mathjax/es5/output/chtml.js $(VENDOR)/mathjax/output/
	cp $(NODE_MODULES)/requirejs/require.js $(VENDOR)/widgets/
	cp tools/vendor/widgets-config.js $(VENDOR)/widgets/config.js
	cd $(NODE_MODULES)/@jupyter-widgets/html-manager/dist && \
	  cp embed-amd.js *.woff2 *.woff *.ttf *.eot *.svg $(CURDIR)/$(VENDOR)/widgets/
	@touch $@

vendor: $(VENDOR_STAMP)

book: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/jupyter-book build . $(JB_FLAGS)
	$(BIN)/python tests/check_html.py _build/html
	@echo "Book built: open _build/html/index.html"

# Unit tests, notebook hygiene and every notebook (nbval, lax: any exception fails) in one pytest run,
# so tests/conftest.py times each notebook against its budget; then the structural -W build.
test: $(STAMP) $(VENDOR_STAMP)
	$(BIN)/python -m pytest tests book --nbval-lax --nbval-current-env
	$(MAKE) check-build
	$(MAKE) lint-workflows
	$(MAKE) real-clients

# The real-client checks, each run when its client is on the machine (CI installs Chromium first).
real-clients: $(STAMP)
	@if [ -n "$(CHROMIUM)" ]; then $(MAKE) check-site check-lab; \
	 else echo "SKIPPED check-site and check-lab: no chromium on PATH (apt install chromium)"; fi
	@if [ -n "$(PY313)" ] && "$(PY313)" --version >/dev/null 2>&1; then $(MAKE) check-colab-env; \
	 else echo "SKIPPED check-colab-env: no python3.13 (pyenv install 3.13)"; fi

unit: $(STAMP)
	$(BIN)/python -m pytest tests

notebooks: $(STAMP)
	$(BIN)/python -m pytest tests book --nbval-lax --nbval-current-env -k "ipynb or notebook"

# Structure, cross-references, citations, exercises: a warnings-as-errors build with execution off.
# Without execution there are no glued numbers to paste, so only glue warnings are silenced here
# (tests/test_prose_conventions.py checks that every pasted key is glued; `make book` pastes them).
check-build: $(STAMP) $(VENDOR_STAMP)
	@mkdir -p _build
	sed -e 's/^\( *execute_notebooks:\).*/\1 "off"/' \
	    -e 's/^\( *suppress_warnings: \[\)/\1"mystnb.glue", /' \
	    -e 's#^\(    [a-z_]*: *\)book/_ext#\1../book/_ext#' _config.yml > _build/config-check.yml
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
	$(BIN)/python benchmarks/bench_sweep.py

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

# JupyterLab on a scratch copy of the chapters (_build/lab), so that autosave never writes outputs into book/.
lab: $(STAMP)
	$(BIN)/python tools/lab.py $(LAB_ARGS)

# Every built page in headless Chromium, offline: math, images, console, links, Colab links; screenshots.
check-site: book
	$(BIN)/python tools/check_site.py _build/html --chromium "$(CHROMIUM)"

# JupyterLab from the venv on 127.0.0.1 (scratch copy), two chapters run in headless Chromium.
check-lab: $(STAMP)
	$(BIN)/python tools/check_lab.py --chromium "$(CHROMIUM)"

# A Python 3.13 venv (_build/colab-env, reused while the pins are unchanged) with Colab's pins
# (tools/colab-constraints.txt); amtools installed as the install cell does must keep every pin; then the
# explorer tests and every Colab edition under nbval there. First run: ~2.6 GB of downloads (torch).
check-colab-env: colab
	$(BIN)/python tools/check_colab_env.py --python "$(PY313)"

# The Colab editions: _build/colab/book/*.ipynb, MyST turned into Markdown and LaTeX Colab renders,
# solutions folded, links to the online book; published on the `repository.branch` of _config.yml.
colab: $(STAMP)
	rm -rf _build/colab
	$(BIN)/python tools/colab_edition.py --out _build/colab

# The autograder export (otter-grader): _build/autograder/<chapter>/, from the exercise tags.
autograder: $(STAMP)
	$(BIN)/python tools/otter_export.py --out _build/autograder

# The paper's published runs (facebookresearch/pal finer_dim/all.jsonl.gz, CC BY-NC 4.0, not redistributed),
# for readers who want the run-by-run comparison (amtools.paper_grid.read_published_runs): downloaded once
# into data/published/ (git-ignored), sha256 pinned (tools/extract_published_grid.py). Needs the network.
published-grid: $(STAMP)
	$(BIN)/python tools/fetch_published_grid.py

# GitHub Actions workflows, checked by a maintained linter (zizmor) and against the workflow schema.
lint-workflows: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/zizmor --offline --persona pedantic .github/workflows

# Stamp every notebook: the Colab install cell (the tagged release v<amtools.__version__> from
# _config.yml's repository url) and Colab's GPU metadata. Idempotent; `--check` only reports.
sync-notebooks: $(STAMP)
	$(BIN)/python tools/stamp_notebooks.py

clean:
	rm -rf _build .pytest_cache .hypothesis mutants
