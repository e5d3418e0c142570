# Production image: the layout of miniprogram_api/serving.py in one container — nginx on :8000 in front of the
# HTTP pool (granian, WSGI) and the websocket pool (uvicorn, channels) — plus the outbox sender and the
# scheduler, all supervised by `manage.py serve_prod`. Build: docker build -t shixun .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=backend.settings

# WenQuanYi Micro Hei draws the Chinese text on labels and certificates; nginx routes /ws/ to the
# websocket pool and the rest to the HTTP pool (it runs unprivileged, its files under a temporary prefix).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei nginx-light \
    && rm -rf /var/lib/apt/lists/*

RUN useradd --create-home --uid 10001 shixun
WORKDIR /app

COPY . .
RUN pip install . \
    && SECRET_KEY=collectstatic-only DEBUG=0 python manage.py collectstatic --noinput \
    && mkdir -p /app/var/media && chown -R shixun:shixun /app/var

USER shixun
EXPOSE 8000
VOLUME ["/app/var/media"]
# WEB_CONCURRENCY: HTTP workers (default one per core); WS_CONCURRENCY: websocket workers.
ENV WS_CONCURRENCY=2 FORWARDED_ALLOW_IPS=127.0.0.1
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
# serve_prod refuses to start with unapplied migrations: run `python manage.py migrate` first (compose does).
CMD ["python", "manage.py", "serve_prod", "--host", "0.0.0.0", "--port", "8000"]
