"""One settings object: defaults for the embedded mode, a TOML file, then GOVAUDIT_<NAME> variables (they win).

`DATABASE_URL` and `REDIS_URL` without the prefix are honoured too, as deployments commonly set them.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from auditor import __version__
from auditor.services import DEFAULT_SERVICES


class ConfigError(ValueError):
    """A setting could not be read; the message names the setting."""


@dataclass
class Settings:
    # Storage: SQLite file and a local evidence folder by default (the embedded mode).
    database_url: str = "sqlite:///govaudit-data/govaudit.db"
    redis_url: str | None = None
    evidence_dir: str = "govaudit-data/evidence"
    # Browser budgets (seconds) and caps.
    nav_timeout: float = 20.0
    page_budget: float = 60.0
    load_grace: float = 5.0
    max_page_bytes: int = 20_000_000
    max_dom_nodes: int = 200_000
    max_screenshot_height: int = 16_000
    concurrency: int = 2
    # Pages one browser tab serves (one host, reset to a clean state between pages) before it is replaced; it
    # keeps the renderer's compiled scripts warm (browsers/fetcher.py). 0 or 1: a fresh context for every page.
    tab_reuse: int = 50
    user_agent: str = f"Mozilla/5.0 (X11; Linux x86_64) Chrome/156 govsite-auditor/{__version__}"
    viewport_width: int = 1366
    viewport_height: int = 900
    # Network policy: private/loopback targets are refused unless allowed.
    allow_private: bool = False
    private_allowlist: list[str] = field(default_factory=list)
    dns_server: str | None = None
    # Browser host mapping (tests and the demo): {"www.shifan.gov.cn": "127.0.0.1:8080"}.
    host_map: dict[str, str] = field(default_factory=dict)
    # Tests: make every unmapped lookup fail inside the browser so nothing leaves the machine.
    isolate_network: bool = False
    # Answer the national services (conac, 找错) from local stand-ins (no internet: tests and demo).
    standins: bool = False
    # The national services probed once per run (auditor/services.py): a verdict resting on one the auditor could
    # not reach is not_assessable (auditor/fault.py).
    national_services: list[str] = field(default_factory=lambda: list(DEFAULT_SERVICES))
    # OCR of the header band when the DOM cannot prove the site name.
    ocr: bool = True
    engine: str = "playwright"
    # Site audits: page budget, sampling per URL template, politeness per host.
    max_pages: int = 100
    per_template: int = 5
    per_host: int = 2
    crawl_delay: float = 0.2
    # Link availability checks.
    link_timeout: float = 10.0
    link_retries: int = 2
    # IPv6 (二级/三级链接 IPv6 支持率 target, content similarity v4 vs v6, 支持度 score target); see auditor/ipv6.py.
    ipv6_link_target: float = 0.85
    ipv6_fail_similarity: float = 0.9
    ipv6_support_target: float = 90.0
    ipv6: bool = True
    # 无障碍: axe-core on every page; crops per violated rule; 无障碍/适老化 entry activation and the 适老化
    # machine checks on the home page ("home"), on every page ("all") or never ("off").
    a11y: bool = True
    a11y_node_cap: int = 5
    elderly: str = "home"
    elderly_budget: float = 40.0
    # Selenium engine (engine = "selenium"): a remote Selenium Grid URL; empty = local /usr/bin/chromedriver.
    selenium_grid_url: str | None = None
    # Browser binary on the Grid's nodes (None: the node's default); the local driver always uses Debian's Chromium.
    selenium_binary: str | None = None

    # Service mode (RQ on Redis, workers/jobs.py): queue name (also the prefix of the run keys), job timeouts
    # (seconds), retries with backoff for transient failures, worker heartbeat and registry clean-up periods.
    rq_queue: str = "govaudit"
    job_timeout: int = 300
    finish_timeout: int = 3600
    job_retries: int = 3
    retry_backoff: list[int] = field(default_factory=lambda: [5, 30, 120])
    worker_heartbeat: int = 15
    worker_maintenance: int = 60
    result_ttl: int = 86400

    # Content rules (auditor/rules/content_wording.py, content_pii.py): extra wording files (a province's own
    # 固定表述 list, same format as auditor/data/wording.tsv); same-site attachments (PDF/DOCX/XLSX/XLS) fetched
    # per page, each at most attachment_max_bytes, within attachment_budget seconds per page (downloads), parsed
    # in a subprocess with a time and memory limit; the salt
    # of the hashes of personal data (unset: generated once and kept in <data folder>/pii_salt).
    wording_files: list[str] = field(default_factory=list)
    attachments: bool = True
    attachment_max_bytes: int = 20_000_000
    attachment_max_count: int = 10
    attachment_timeout: float = 30.0
    attachment_parse_timeout: float = 30.0
    attachment_parse_memory: int = 1_500_000_000
    attachment_budget: float = 90.0
    pii_salt: str | None = None

    # Web UI (web/): the session-signing key (unset: generated once and kept in <data folder>/secret_key, the
    # data folder being the parent of evidence_dir); Secure cookies when served over HTTPS.
    secret_key: str | None = None
    cookie_secure: bool = False

    def __post_init__(self) -> None:
        if self.engine not in ("playwright", "selenium"):
            raise ConfigError(f"设置 engine 的值无效: {self.engine!r}（可选 playwright、selenium）")
        if self.elderly not in ("home", "all", "off"):
            raise ConfigError(f"设置 elderly 的值无效: {self.elderly!r}（可选 home、all、off）")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, raw: Any) -> Any:
    """Turn a TOML value or an environment string into the field's type, with a clear error."""
    f = _FIELDS[name]
    kind = str(f.type)
    if not isinstance(raw, str):
        return raw
    try:
        if kind.startswith("bool"):
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind.startswith("int"):
            return int(raw)
        if kind.startswith("float"):
            return float(raw)
        if kind.startswith("list"):
            raw = raw.strip()
            return json.loads(raw) if raw.startswith("[") else [p.strip() for p in raw.split(",") if p.strip()]
        if kind.startswith("dict"):
            raw = raw.strip()
            if raw.startswith("{"):
                return json.loads(raw)
            pairs = [p.split("=", 1) for p in raw.split(",") if p.strip()]
            return {k.strip(): v.strip() for k, v in pairs}
        if "None" in kind and raw.strip() == "":
            return None
        return raw
    except (ValueError, json.JSONDecodeError) as exc:
        raise ConfigError(f"设置 {name} 的值无效: {raw!r} ({f.type})") from exc


def load_settings(path: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file (``path`` or $GOVAUDIT_CONFIG), then the environment, then overrides."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = path or env.get("GOVAUDIT_CONFIG")
    if path:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"找不到配置文件: {p}")
        try:
            data = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"配置文件 {p} 不是有效的 TOML: {exc}") from exc
        data = data.get("govaudit", data)
        for key, raw in data.items():
            if key not in _FIELDS:
                raise ConfigError(f"配置文件 {p} 中有未知设置: {key}")
            values[key] = _coerce(key, raw)
    for bare in ("DATABASE_URL", "REDIS_URL"):
        if env.get(bare):
            values[bare.lower()] = env[bare]
    for name in _FIELDS:
        var = f"GOVAUDIT_{name.upper()}"
        if var in env:
            values[name] = _coerce(name, env[var])
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Settings(**values)
