# Production image: gunicorn web, Celery worker and beat share it (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends gettext fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY fund_center ./fund_center
COPY core ./core
COPY ledger ./ledger
COPY accounts ./accounts
COPY deposits ./deposits
COPY withdrawals ./withdrawals
COPY loans ./loans
COPY judicial ./judicial
COPY documents ./documents
COPY portal ./portal
RUN pip install .
COPY . .
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && SECRET_KEY=build-only python manage.py compilemessages --ignore=.venv

RUN useradd --system --uid 1000 fund && chown -R fund /app \
 && mkdir -p /var/lib/fund-center/media && chown fund /var/lib/fund-center/media  # the media volume's mount point
USER fund
EXPOSE 8000
CMD ["gunicorn", "fund_center.wsgi:application", "--config", "gunicorn.conf.py", "--bind", "0.0.0.0:8000"]
