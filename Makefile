# Two commands on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi
# `make run` is development: the built-in secret key and plain-HTTP cookies are accepted
run db: export CASEWORK_ENV := development
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install translations db run test test-postgres extract-messages clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# an install includes the compiled catalogues: without them every page says lang="vi" and is in
# English (the app refuses to start so in production)
install: translations

# compiled catalogues (.mo) are build output, not committed; a failed compile stops the build
translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d casework/translations -f --statistics

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -k N_plural:1,2 --ignore-dirs '.*' -o casework/translations/messages.pot .
	$(BIN)/pybabel update -i casework/translations/messages.pot -d casework/translations

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed reference
	$(BIN)/flask seed targets
	$(BIN)/flask demo seed --if-empty

run: translations db
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: translations
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) instance .pytest_cache
