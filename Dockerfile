# Image of the Missions Locales chatbot: the bot service, Rasa 3.6.21 in its own virtualenv and a
# Rasa model trained at build time. One image, two uses:
#   - alone (RASA_MANAGED=1, the default): the bot starts Rasa as a child process, SQLite under var/
#       docker run -p 8080:8080 -v cm-var:/app/var <image>
#   - docker-compose.yml: one container runs the bot (RASA_MANAGED=0), another runs `rasa run`.
# Linux x86_64 only (TensorFlow 2.12 wheels): on another CPU, build with --platform linux/amd64.
# Same paths as the Makefile (/app/.venv, /app/.venv-rasa, /app/models), so every relative path in
# the code and in the Rasa command lines works unchanged.

# The interpreter the lock files were resolved and tested with (3.11.7); any 3.11 slim tag works.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm
ARG PIP_VERSION=26.3

# ---- base: interpreter and environment shared by every stage ------------------------------------
FROM ${PYTHON_IMAGE} AS base
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2
WORKDIR /app

# ---- bot-venv: the bot's pinned dependencies in /app/.venv (all wheels, no compiler needed) -----
FROM base AS bot-venv
ARG PIP_VERSION
COPY requirements/bot.lock requirements/bot.lock
RUN python -m venv .venv \
 && .venv/bin/python -m pip install --upgrade "pip==${PIP_VERSION}" \
 && .venv/bin/python -m pip install -r requirements/bot.lock

# ---- rasa-venv: Rasa 3.6.21 in /app/.venv-rasa, the Makefile's recipe ---------------------------
# (shared/docs/rasa-on-python-3.11.md: pinned dependencies first, then rasa and rasa-sdk with
# --no-deps, because Rasa declares Python < 3.11). multidict 5.2.0, pinned through Rasa's aiohttp,
# has no Python 3.11 wheel and is compiled here; the compiler never reaches the final image.
FROM base AS rasa-venv
ARG PIP_VERSION
RUN apt-get update \
 && apt-get install --yes --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/rasa.lock requirements/rasa.lock
RUN python -m venv .venv-rasa \
 && .venv-rasa/bin/python -m pip install --upgrade "pip==${PIP_VERSION}" \
 && .venv-rasa/bin/python -m pip install -r requirements/rasa.lock \
 && .venv-rasa/bin/python -m pip install --no-deps --ignore-requires-python \
        rasa==3.6.21 rasa-sdk==3.6.2

# ---- model: train the Rasa model into /app/models with `python -m bot.rasa.model` ---------------
# Only the training inputs are copied, so this layer is rebuilt only when config.yml, domain.yml,
# nlu/ or bot/rasa/ change (the model's name is a hash of those inputs and of the Rasa version).
FROM rasa-venv AS model
COPY --from=bot-venv /app/.venv /app/.venv
COPY config.yml domain.yml ./
COPY nlu/ nlu/
COPY bot/__init__.py bot/__init__.py
COPY bot/rasa/ bot/rasa/
RUN .venv/bin/python -m bot.rasa.model

# ---- runtime: virtualenvs, model and source; no compiler, runs as a non-root user ---------------
FROM base AS runtime
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /home/app --create-home \
        --shell /usr/sbin/nologin app
# From the least to the most often changed, for layer caching.
COPY --from=rasa-venv /app/.venv-rasa /app/.venv-rasa
COPY --from=bot-venv /app/.venv /app/.venv
COPY --from=model /app/models /app/models
COPY alembic.ini pyproject.toml config.yml domain.yml endpoints.yml credentials.yml \
     rasa_logging.yml ./
COPY nlu/ nlu/
COPY migrations/ migrations/
COPY actions/ actions/
COPY bot/ bot/
# Source and venvs stay root-owned (read-only for the service); only var/ is writable: the SQLite
# databases and var/log/rasa.log when the bot runs Rasa itself. Bytecode is compiled now because
# the service cannot write it at run time.
RUN .venv/bin/python -m compileall -q bot actions migrations \
 && mkdir -p var/log \
 && chown -R app:app var
ENV HOME=/home/app \
    PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PROJECT_DIR=/app \
    HOST=0.0.0.0 \
    PORT=8080
USER 10001:10001
# Declared after the chown: a new named volume starts with var/ owned by the service user.
VOLUME ["/app/var"]
EXPOSE 8080
# Liveness only (/readyz also needs the database and Rasa); slim has no curl, Python does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '8080') + '/healthz', timeout=4)"]
# Migrations first (idempotent), then the service as PID 1's direct replacement (gets SIGTERM).
CMD ["sh", "-c", ".venv/bin/python -m bot migrate && exec .venv/bin/python -m bot serve"]
