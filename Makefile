# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test coverage lint install migrate demo format clean bench load audit vendor-leaflet lighthouse

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): requirements-dev.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements-dev.lock
	touch $(STAMP)

# axe-core (accessibility checks in the browser tests) and Lighthouse (make lighthouse), when npm
# is on the machine.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --ignore-scripts --silent && touch $(NODE_STAMP); else echo "npm not found: the accessibility checks will be skipped"; fi

install: $(STAMP)

# Leaflet (the public map) is pinned in package-lock.json and its dist files are committed under
# frontend/static/frontend/vendor/leaflet/ (docs/map.md says why: the production image has no
# npm). After changing its version in package.json: `npm install`, then `make vendor-leaflet`;
# tests/frontend/test_vendored_leaflet.py fails while the two differ.
LEAFLET_DIST := node_modules/leaflet/dist
LEAFLET_VENDOR := frontend/static/frontend/vendor/leaflet
vendor-leaflet: $(NODE_STAMP)
	rm -rf $(LEAFLET_VENDOR)
	mkdir -p $(LEAFLET_VENDOR)/images
	cp $(LEAFLET_DIST)/leaflet.js $(LEAFLET_DIST)/leaflet.js.map $(LEAFLET_DIST)/leaflet.css $(LEAFLET_VENDOR)/
	cp $(LEAFLET_DIST)/images/*.png $(LEAFLET_VENDOR)/images/
	cp node_modules/leaflet/LICENSE $(LEAFLET_VENDOR)/LICENSE

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_guides_demo
	$(BIN)/python manage.py load_resources_demo
	$(BIN)/python manage.py ensure_admin

run: demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving on http://127.0.0.1:$(PORT)/  (API docs: http://127.0.0.1:$(PORT)/api/docs/)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install $(NODE_STAMP)
	$(BIN)/python -m pytest

# The suite under branch coverage, then the report; fails below the floor in pyproject.toml
# ([tool.coverage.report] fail_under).
coverage: install $(NODE_STAMP)
	$(BIN)/python -m coverage erase
	$(BIN)/python -m coverage run -m pytest
	$(BIN)/python -m coverage report

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null

# Speed as ratios against bare baselines, in one run (needs PostgreSQL and Redis on loopback).
bench: install
	$(BIN)/python -m bench.run

# Two minutes of mixed traffic by 64 clients, then no 5xx, no oversold departure, money intact.
load: install
	$(BIN)/python -m bench.load

# Lighthouse's mobile preset in Debian's Chromium (CHROME_PATH, /usr/bin/chromium by default) over
# the home page, an itinerary, the booking form and a group's booking page, on the production
# settings (DEBUG=0, collected static files) with the demo data on a temporary SQLite database and
# Redis db 14 (LIGHTHOUSE_REDIS_URL). Writes var/lighthouse/scores.{json,md}; fails below a target.
# Not part of `make test`: about three minutes.
lighthouse: install $(NODE_STAMP)
	$(BIN)/python -m bench.lighthouse

# pip-audit of both lock files against the OSV advisory database. Where OSV cannot be reached
# (this project's build machines cannot), it says so and audits nothing; otherwise any known
# vulnerability fails it.
define OSV_REACHABLE
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen("https://api.osv.dev/", timeout=5)
except urllib.error.HTTPError:
    pass  # an answer, whatever its status: the service is there
except OSError:
    sys.exit(1)
endef
export OSV_REACHABLE

audit: install
	@if $(BIN)/python -c "$$OSV_REACHABLE"; then \
		$(BIN)/pip-audit --vulnerability-service osv --require-hashes --disable-pip \
			--progress-spinner off -r requirements.lock -r requirements-dev.lock; \
	else \
		echo "make audit: NOT RUN, the OSV advisory database (api.osv.dev) cannot be reached"; \
	fi

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var/static
