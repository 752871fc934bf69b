# Two commands on a fresh machine: `make run` and `make test`. Only Python 3.11 is needed.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
# Local development defaults; a real deployment sets these in its environment.
export DEBUG ?= 1

.PHONY: run test test-dates worker install messages makemessages assets migrate demo clean bench-load bench-pg-restart

# Re-install only when the requirement files change.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Compile .po -> .mo with Babel, so no GNU gettext is needed on the machine.
messages: install
	$(VENV)/bin/pybabel compile --domain django --directory portal/locale --statistics

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py seed_demo

run: messages demo
	$(PY) manage.py runserver $(HOST)

# Two processes (pytest-xdist, one test database each) on the embedded run; the run against a
# real Redis stays in one process, because its worker tests share Redis's queues.
TEST_WORKERS ?= $(if $(REDIS_URL),0,2)

test: messages
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The same suite with branch coverage of the five apps (.coveragerc). Not part of `make test`:
# coverage.py's tracer makes a run on Python 3.11 1.5 to 1.8 times as slow.
.PHONY: coverage
coverage: messages
	$(PY) -m pytest --cov --cov-report=term:skip-covered $(PYTEST_ARGS)

# The date-dependent tests (marked `clock`, see tests/conftest.py) once more with the clock on
# other days: 1 August of next school year and 29 February 2028 (or TEST_DATES="YYYY-MM-DD ...").
test-dates: messages
	@dates="$(TEST_DATES)"; \
	if [ -z "$$dates" ]; then \
	  year=$$(date +%Y); [ $$(date +%-m) -ge 8 ] && year=$$((year + 1)); dates="$$year-08-01 2028-02-29"; \
	fi; \
	for day in $$dates; do \
	  echo "--- clock on $$day"; \
	  LEERROUTE_TEST_TODAY=$$day $(PY) -m pytest -n $(TEST_WORKERS) -q -m "clock and not browser" $(PYTEST_ARGS) || exit 1; \
	done

worker: install
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0 make worker"; exit 2)
	$(VENV)/bin/celery --app portal worker --beat --loglevel INFO

# Maintainers: refresh the translation catalogues (needs GNU gettext) ...
makemessages: install
	$(PY) manage.py makemessages --locale nl --locale en --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*' --no-obsolete

# ... and the vendored Bootstrap/Chart.js from the npm registry (needs npm; output is committed).
assets: install
	$(PY) manage.py vendor_assets

# Benchmarks (bench/, run by hand). The load test's generator, locust, lives in a virtualenv
# of its own so that the app's dependencies stay lean.
LOCUST_VENV := bench/out/locust-venv
$(LOCUST_VENV)/.installed: bench/requirements.txt
	test -x $(LOCUST_VENV)/bin/python || $(PYTHON) -m venv $(LOCUST_VENV) || python3 -m venv $(LOCUST_VENV)
	$(LOCUST_VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

# e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute_loadbench make bench-load BENCH_ARGS="--duration 60"
bench-load: install $(LOCUST_VENV)/.installed
	$(PY) bench/load_week_grid.py $(BENCH_ARGS)

# A throwaway PostgreSQL cluster of its own (initdb/pg_ctl), restarted under load.
bench-pg-restart: install
	$(PY) bench/pg_restart.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles
