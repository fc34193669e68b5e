# Two commands for a fresh machine (Python 3.11): `make run` and `make test`.
# Everything else here is what they need: virtualenvs from the pinned lock files, the Rasa
# model (retrained only when the training data changed), migrations.

PYTHON ?= python3.11
VENV := .venv
RASA_VENV := .venv-rasa
AUDIT_VENV := .venv-audit
BOT_PY := $(VENV)/bin/python
RASA_VERSION := 3.6.21
RASA_SDK_IN_RASA := 3.6.2
PYTEST_ARGS ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install model migrate lint pytest rasa-check eval-nlu eval-conversations \
	eval-distress lock clean help browser audit

help:
	@echo "make run   — installe si besoin, entraîne si besoin, migre, lance Rasa et le bot"
	@echo "make test  — installe si besoin, lance ruff, mypy et pytest (avec le vrai Rasa)"

run: install model migrate
	$(BOT_PY) -m bot serve

test: install model lint audit rasa-check browser pytest

install: $(VENV)/.installed $(RASA_VENV)/.installed

# The bot's environment. The stamp depends on the lock file: a changed lock reinstalls.
$(VENV)/.installed: requirements/bot.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 requis"'
	test -x $(BOT_PY) || $(PYTHON) -m venv $(VENV)
	$(BOT_PY) -m pip install --quiet --upgrade pip
	$(BOT_PY) -m pip install --quiet -r requirements/bot.lock
	touch $@

# Rasa's own environment (see docs: Rasa 3.6.21 on Python 3.11 needs pinned dependencies and
# --no-deps for rasa itself, which declares Python < 3.11).
$(RASA_VENV)/.installed: requirements/rasa.lock
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 requis"'
	test -x $(RASA_VENV)/bin/python || $(PYTHON) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RASA_VENV)/bin/python -m pip install --quiet -r requirements/rasa.lock
	$(RASA_VENV)/bin/python -m pip install --quiet --no-deps --ignore-requires-python \
		rasa==$(RASA_VERSION) rasa-sdk==$(RASA_SDK_IN_RASA)
	touch $@

# The browser tests drive Debian's Chromium (Playwright cannot download its own here): installed
# with apt when missing and run as root (CI); otherwise the command to run is printed.
browser:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get install -y --no-install-recommends chromium \
		|| (apt-get update && apt-get install -y --no-install-recommends chromium); \
	else \
		echo "Chromium manque pour les tests dans le navigateur : sudo apt-get install chromium" >&2; \
		if [ -n "$$CI" ]; then exit 1; fi; \
	fi

# Supply chain (#12): every pin of both lock files against a vulnerability database; a flaw not
# justified in requirements/audit-ignore.toml fails. Without access to the database it says
# « NON VÉRIFIÉ » and passes, unless AUDIT_STRICT=1 (set it where CI has network access).
$(AUDIT_VENV)/.installed: requirements/audit.lock
	test -x $(AUDIT_VENV)/bin/python || $(PYTHON) -m venv $(AUDIT_VENV)
	$(AUDIT_VENV)/bin/python -m pip install --quiet -r requirements/audit.lock
	touch $@

audit: $(AUDIT_VENV)/.installed
	$(AUDIT_VENV)/bin/python requirements/audit.py

# Trains only when config.yml, domain.yml or nlu/ changed (content hash in the model's name).
model: install
	$(BOT_PY) -m bot.rasa.model

migrate: install
	$(BOT_PY) -m bot migrate

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

# Rasa's own checks: the training data is consistent (warnings fail), and the test stories in
# tests/stories/ are predicted exactly by the current model.
rasa-check: model
	$(RASA_VENV)/bin/rasa data validate --fail-on-warnings --domain domain.yml --config config.yml \
		--data $$($(BOT_PY) -m bot.rasa.model --data-files)
	$(RASA_VENV)/bin/rasa test core --model $$($(BOT_PY) -m bot.rasa.model 2>/dev/null) \
		--stories tests/stories --fail-on-prediction-errors --out results/stories --no-plot

# Intent accuracy, macro-F1 and confusions on the held-out data (nlu/heldout/, never trained on).
# CONFIG=bench/nlu/rasa_default_config.yml compares with Rasa's default pipeline.
CONFIG ?= config.yml
eval-nlu: install
	$(BOT_PY) -m bench.eval_nlu --config $(CONFIG)

# Plays the conversation sets bench/conversations/{dev,heldout}/ end to end (web chat, real Rasa,
# throwaway database) and prints turn accuracy, conversation success, distress recall, false
# crisis alerts and the failed turns. Options: EVAL_ARGS="--set dev --failures 20 --json out.json".
EVAL_ARGS ?=
eval-conversations: install model
	$(BOT_PY) -m bench.eval_conversations $(EVAL_ARGS)

# Distress detection: recall and false alarms of the keyword net, then of the net or Rasa's NLU,
# on bench/distress/heldout.yml and the NLU examples. Options: EVAL_ARGS="--show 50".
eval-distress: install model
	$(BOT_PY) -m bench.eval_distress $(EVAL_ARGS)

# pytest exits 5 when it collected no test: that is a broken suite, never a pass.
pytest: install
	$(VENV)/bin/pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest n'a trouvé aucun test : échec" >&2; exit 1; fi; \
	exit $$status

# Re-resolve the bot's pins from requirements/bot.in (needs the package index).
lock:
	rm -rf /tmp/cm-lock-venv && $(PYTHON) -m venv /tmp/cm-lock-venv
	/tmp/cm-lock-venv/bin/pip install --quiet -r requirements/bot.in
	/tmp/cm-lock-venv/bin/pip freeze --exclude-editable > requirements/bot.lock

clean:
	rm -rf $(VENV) $(RASA_VENV) $(AUDIT_VENV) models .rasa .mypy_cache .ruff_cache .pytest_cache
