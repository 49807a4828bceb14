# Two commands on a fresh machine with Python 3 and make: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q --disable-pip-version-check -c constraints.txt
TMPLKIT := $(VENV)/bin/tmplkit --project sample_templates
DEMO := acme-shop/orders/order-confirmation

.PHONY: demo test test-spark lint engines bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(PIP) -e '.[test]'
	@touch $@

$(VENV)/.bench-installed: $(VENV)/.installed
	$(PIP) -e '.[bench]'
	@touch $@

demo: $(VENV)/.installed
	@mkdir -p build/demo
	@echo "== tmplkit render $(DEMO) (subject and text part) =="
	@$(TMPLKIT) render $(DEMO)
	@$(TMPLKIT) render $(DEMO) --format html > build/demo/order-confirmation.html
	@echo
	@echo "== HTML part: build/demo/order-confirmation.html ($$(wc -c < build/demo/order-confirmation.html) bytes) =="
	@grep -m 3 -o '<h1[^>]*>[^<]*</h1>\|Hi [^<]*,' build/demo/order-confirmation.html
	@echo
	@echo "== localized: the subject, date, item count, a price and the total for fr-FR, pl-PL, ja-JP and ar-EG =="
	@for locale in fr-FR pl-PL ja-JP ar-EG; do \
		echo "-- $$locale"; \
		$(TMPLKIT) render $(DEMO) --locale $$locale --format subject; \
		$(TMPLKIT) render $(DEMO) --locale $$locale --format text | sed -n '9p;11p;14p;18p'; \
		$(TMPLKIT) render $(DEMO) --locale $$locale --format html | grep -m 1 -o '<html[^>]*>'; \
	done
	@$(TMPLKIT) compile $(DEMO) --target jinja -o build/demo/order-confirmation.jinja.html
	@echo
	@echo "== compiled to the jinja target: build/demo/order-confirmation.jinja.html (the order-lines loop) =="
	@grep -A 6 -m 1 '{% for' build/demo/order-confirmation.jinja.html
	@echo
	@echo "== tmplkit sms-report $(DEMO) (the SMS part per locale: encoding, segments) =="
	@$(TMPLKIT) sms-report $(DEMO)

engines:
	bash tests/engines/install.sh

test: $(VENV)/.test-installed engines
	$(PY) -m ruff check src tests
	$(PY) -m mypy
	$(PY) -m pytest

# The PySpark recipe (docs/examples/spark_render.py) against the local engine; needs Java 17.
# Not part of `make test`: pyspark is a 300 MB install, and a run takes half a minute.
test-spark: $(VENV)/.installed
	$(PIP) -e '.[test,spark]'
	$(PY) -m pytest tests/spark -p no:cacheprovider

bench: $(VENV)/.bench-installed
	$(PY) benchmarks/render.py
	$(PY) benchmarks/size.py
	$(PY) benchmarks/import.py
	$(PY) benchmarks/batch.py --n 1000000
	$(PY) benchmarks/foundation.py
	$(PY) benchmarks/serve_load.py --seconds 30
	$(PY) benchmarks/serve_load.py --seconds 30 --workers 2
	$(PY) benchmarks/serve_load.py --seconds 30 --batch 100

lint: $(VENV)/.test-installed
	$(PY) -m ruff check src tests
	$(PY) -m ruff format --check src tests
	$(PY) -m mypy

clean:
	rm -rf $(VENV) build tests/engines/node_modules tests/engines/build
