# Two entry points: `make run` and `make test`. Everything else is what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test venv install browser pdf-deps frontend postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv install: $(STAMP) frontend

# The designer's BPMN modeler (bpmn-js) comes from the npm registry at build time and is served by the app
# from web/static/vendor/ (not committed); npm ci installs exactly web/frontend/package-lock.json.
VENDOR := web/static/vendor/bpmn-js/bpmn-modeler.production.min.js
$(VENDOR): web/frontend/package.json web/frontend/package-lock.json web/frontend/build.mjs
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) \
	      || echo "WARNING: could not install npm; the designer's BPMN modeler will not load"; \
	  else echo "WARNING: npm missing and not root; run 'sudo apt-get install nodejs npm' for the BPMN modeler"; fi; }
	@if command -v npm >/dev/null 2>&1; then (cd web/frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build) \
	  || echo "WARNING: npm ci failed; the designer's BPMN modeler will not load and its browser test will be SKIPPED"; fi

frontend: $(VENDOR)

run: $(STAMP) frontend pdf-deps
	$(BIN)/motcua init
	$(BIN)/motcua demo
	$(BIN)/motcua serve --host 127.0.0.1 --port 5000

# The browser tests drive Debian's Chromium (Playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-core >/dev/null) \
	      || echo "WARNING: could not install chromium; the browser tests will be SKIPPED"; \
	  else echo "WARNING: chromium missing and not root; run 'sudo apt-get install chromium' or the browser tests will be SKIPPED"; fi; }

# PDF forms: WeasyPrint needs Debian's Pango; the forms embed Noto Serif (DejaVu Serif as fallback), served by
# the app itself; the tests read the PDFs back with pypdfium2 (from PyPI).
PDF_FONT := /usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf
pdf-deps:
	@{ ldconfig -p | grep -q 'libpangoft2-1.0.so.0' && [ -f $(PDF_FONT) ]; } || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	      fonts-noto-core fonts-dejavu-core >/dev/null) \
	      || echo "WARNING: could not install Pango and the forms' font; PDF forms and their tests will FAIL or be SKIPPED"; \
	  else echo "WARNING: run 'sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core' for PDF forms"; fi; }

# The suite runs on SQLite and on PostgreSQL: the tests start a throwaway server from the machine's own
# binaries (/usr/lib/postgresql/*/bin, Debian's postgresql package). TEST_DB=sqlite skips the second run.
TEST_DB ?= both
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
	      || echo "WARNING: could not install postgresql; the PostgreSQL tests will be SKIPPED"; \
	  else echo "WARNING: PostgreSQL server binaries missing and not root; run 'sudo apt-get install postgresql' or the PostgreSQL tests will be SKIPPED"; fi; }

test: $(STAMP) frontend browser pdf-deps postgres
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest --db=$(TEST_DB) $(PYTEST_ARGS)

# The benchmark (bench/RESULTS.md); BENCH_ARGS="--scale 0.01" for a quick run.
bench: $(STAMP) postgres
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis web/frontend/node_modules web/static/vendor
