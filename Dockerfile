# syntax=docker/dockerfile:1
# govsite-auditor: one image for the web UI (`govaudit serve`), the workers (`govaudit worker`) and the
# scheduler (`govaudit schedule`). Debian 12 with Debian's Chromium (driven by Playwright through
# /usr/lib/chromium/chromium, see browsers/launch.py) and the Noto CJK fonts, so Chinese pages render as a
# visitor sees them. Runs as an unprivileged user; data (SQLite when used, evidence files, the web secret key)
# lives under /data, a volume shared by web and workers in compose.yaml.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# chromium + chromium-driver: the browser (Playwright and the Selenium engine); fonts-noto-cjk: 中文 glyphs in
# screenshots; libgl1/libglib2.0-0: OpenCV under the header OCR; tzdata: TZ=Asia/Shanghai (inspection dates,
# cron times); tini: reaps Chromium's children as PID 1; squid: the egress proxy (browsers/egress.py: started by
# each process, or compose's egress service).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      chromium chromium-driver fonts-noto-cjk libgl1 libglib2.0-0 ca-certificates tzdata tini squid \
 && rm -rf /var/lib/apt/lists/* \
 && test -x /usr/lib/chromium/chromium

RUN groupadd --system --gid 10001 govaudit \
 && useradd --system --uid 10001 --gid govaudit --create-home --home-dir /home/govaudit --shell /usr/sbin/nologin govaudit

WORKDIR /opt/govaudit
COPY pyproject.toml README.md ./
COPY auditor ./auditor
COPY browsers ./browsers
COPY workers ./workers
COPY web ./web
RUN pip install . \
 && mkdir -p /data/evidence \
 && chown -R govaudit:govaudit /data

ENV DATABASE_URL=sqlite:////data/govaudit.db \
    GOVAUDIT_EVIDENCE_DIR=/data/evidence \
    GOVAUDIT_CHROMIUM_PATH=/usr/lib/chromium/chromium \
    TZ=Asia/Shanghai \
    HOME=/home/govaudit

USER govaudit
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000

# `docker run IMAGE` starts a worker; `docker run IMAGE serve --host 0.0.0.0` the web UI; any govaudit command works.
ENTRYPOINT ["/usr/bin/tini", "--", "govaudit"]
CMD ["worker"]
