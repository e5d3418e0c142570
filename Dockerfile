# Production image: uvicorn workers serving HTTP and websockets. Build: docker build -t shixun .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=backend.settings

# WenQuanYi Micro Hei draws the Chinese text on labels and certificates.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
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
ENV WEB_CONCURRENCY=4
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import sys,urllib.request; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["sh", "-c", "exec uvicorn backend.asgi:application --host 0.0.0.0 --port 8000 --workers ${WEB_CONCURRENCY} --proxy-headers --forwarded-allow-ips '*' --no-access-log"]
