# cloudai: the Slack/Discord knowledge bot in a container.
#
#   docker build -t cloudai .
#   docker run --env-file .env -v cloudai-data:/data cloudai                           # every configured platform
#   docker run --env-file .env -v cloudai-data:/data -p 3000:3000 cloudai cloudai run --http   # Slack over HTTP
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A dedicated user; /data (the SQLite state store) belongs to it.
RUN groupadd --system cloudai \
    && useradd --system --gid cloudai --home-dir /data --no-create-home --shell /usr/sbin/nologin cloudai \
    && mkdir /data \
    && chown cloudai:cloudai /data

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir .

# The state store lives in /data; /healthz and /metrics answer on port 3000 in every mode
# (Slack's HTTP mode serves them on $PORT, every other mode on CLOUDAI_HEALTH_PORT).
# Mount your own Markdown and set CLOUDAI_KNOWLEDGE_DIR to answer from it.
ENV CLOUDAI_DATA_DIR=/data \
    CLOUDAI_HEALTH_PORT=3000
VOLUME /data

USER cloudai

# Slack HTTP mode (`cloudai run --http`, `cloudai slack --http`) listens on $PORT (default 3000).
EXPOSE 3000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PORT:-3000}/healthz', timeout=4)" || exit 1

# SIGTERM (docker stop) finishes answers in flight and closes the state store.
CMD ["cloudai", "run"]
