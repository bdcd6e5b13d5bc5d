"""One settings object, validated with types in one place: defaults for the embedded mode, a TOML file, then
GOVAUDIT_<NAME> environment variables, then flags (later wins).

`DATABASE_URL` and `REDIS_URL` without the prefix are honoured too, as deployments commonly set them.

``Settings`` is a pydantic dataclass: each field's annotation is its schema (type, range, choices), checked
when the object is built and again by ``Settings.replace`` / ``dataclasses.replace``, so TOML values,
environment strings and flags all pass the same checks. It stays a dataclass so ``dataclasses.fields``,
``asdict`` and pickling (RQ job arguments) keep working.

Adding a setting is one line in ``Settings``, e.g. ``egress_proxy: str | None = None``, or with a range
``probe_timeout: PositiveFloat = 15.0`` (see the constrained types below). Nothing else needs changing: the
TOML key, ``GOVAUDIT_EGRESS_PROXY`` and the validation follow from the annotation.
"""
from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import json
import os
import tomllib
import types
import typing
from dataclasses import field
from pathlib import Path
from typing import Annotated, Any, Literal, Mapping

from pydantic import AfterValidator, ConfigDict, Field, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from auditor import __version__
from auditor.services import DEFAULT_SERVICES


class ConfigError(ValueError):
    """A setting could not be read; the message names the setting (and the file or variable it came from)."""


def _secret_long_enough(v: str) -> str:
    if len(v.encode("utf-8")) < 32:
        raise ValueError("会话签名密钥至少 32 字节（可用 python -c 'import secrets; print(secrets.token_hex(32))' 生成）")
    return v


def check_host_target(target: str) -> str:
    """A host map target as Chromium's MAP rule and ``netpolicy.map_target`` read it: ``ip``, ``ip:port``,
    ``[v6]``, ``[v6]:port``, a bare IPv6 address or ``~NOTFOUND``; the port 1-65535."""
    t = target.strip()
    if t == "~NOTFOUND":
        return t
    port: str | None = None
    if t.startswith("["):
        addr, close, rest = t[1:].partition("]")
        if not close or (rest and not rest.startswith(":")):
            raise ValueError(f"主机映射目标格式不正确：{target!r}（应为 IP、IP:端口、[IPv6]:端口 或 ~NOTFOUND）")
        port = rest[1:] if rest else None
    elif t.count(":") == 1:
        addr, _, port = t.partition(":")
    else:
        addr = t
    try:
        ipaddress.ip_address(addr)
    except ValueError:
        raise ValueError(f"主机映射目标 {target!r} 中的 {addr!r} 不是 IP 地址（应为 IP、IP:端口、[IPv6]:端口 或 ~NOTFOUND）") \
            from None
    if port is not None and not (port.isdigit() and 1 <= int(port) <= 65535):
        raise ValueError(f"主机映射目标 {target!r} 中的端口 {port!r} 无效（应为 1-65535 的整数）")
    return t


# Constrained types for the fields (pydantic reads the ranges from the annotation).
PositiveInt = Annotated[int, Field(ge=1)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, le=1)]
Percent = Annotated[float, Field(ge=0, le=100)]
NonEmptyStr = Annotated[str, Field(min_length=1)]
SecretKey = Annotated[str, AfterValidator(_secret_long_enough)]
HostTarget = Annotated[str, AfterValidator(check_host_target)]


@dataclass(config=ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False))
class Settings:
    # Storage: SQLite file and a local evidence folder by default (the embedded mode).
    database_url: NonEmptyStr = "sqlite:///govaudit-data/govaudit.db"
    redis_url: str | None = None
    evidence_dir: NonEmptyStr = "govaudit-data/evidence"
    # Browser budgets (seconds) and caps.
    nav_timeout: PositiveFloat = 20.0
    page_budget: PositiveFloat = 60.0
    load_grace: NonNegativeFloat = 5.0
    max_page_bytes: PositiveInt = 20_000_000
    max_dom_nodes: PositiveInt = 200_000
    max_screenshot_height: PositiveInt = 16_000
    concurrency: PositiveInt = 2
    # Pages one browser tab serves (one host, reset to a clean state between pages) before it is replaced; it
    # keeps the renderer's compiled scripts warm (browsers/fetcher.py). 0 or 1: a fresh context for every page.
    tab_reuse: NonNegativeInt = 50
    user_agent: NonEmptyStr = f"Mozilla/5.0 (X11; Linux x86_64) Chrome/156 govsite-auditor/{__version__}"
    viewport_width: PositiveInt = 1366
    viewport_height: PositiveInt = 900
    # Network policy: private/loopback targets are refused unless allowed.
    allow_private: bool = False
    private_allowlist: list[str] = field(default_factory=list)
    dns_server: str | None = None
    # Egress control (browsers/egress.py): every request of the browser and of our HTTP clients goes through one
    # filtering forward proxy (Squid) that refuses private destinations unless allowed above. egress_proxy names an
    # already-running proxy ("http://egress:3128", compose's egress service); unset = start our own Squid.
    egress: bool = True
    egress_proxy: str | None = None
    # Browser host mapping (tests and the demo): {"www.shifan.gov.cn": "127.0.0.1:8080"}.
    host_map: dict[str, HostTarget] = field(default_factory=dict)
    # Tests: make every unmapped lookup fail inside the browser so nothing leaves the machine.
    isolate_network: bool = False
    # Answer the national services (conac, 找错) from local stand-ins (no internet: tests and demo).
    standins: bool = False
    # The national services probed once per run (auditor/services.py): a verdict resting on one the auditor could
    # not reach is not_assessable (auditor/fault.py).
    national_services: list[str] = field(default_factory=lambda: list(DEFAULT_SERVICES))
    # OCR of the header band when the DOM cannot prove the site name.
    ocr: bool = True
    engine: Literal["playwright", "selenium"] = "playwright"
    # Site audits: page budget, sampling per URL template, politeness per host.
    max_pages: PositiveInt = 100
    per_template: PositiveInt = 5
    per_host: PositiveInt = 2
    crawl_delay: NonNegativeFloat = 0.2
    policy_sample: NonNegativeInt = 5  # 政策文件 sampled for 政策解读关联 (0: off)
    policy_interpretation_ratio: Fraction = 0.5  # 解读比例 below this is a warn (❓ no official ratio found)
    guide_sample: NonNegativeInt = 10  # 办事指南 sampled from the 办事服务 entry (0: off); 要素 thresholds: scoring file V6
    # Link availability checks.
    link_timeout: PositiveFloat = 10.0
    link_retries: NonNegativeInt = 2
    # IPv6 (二级/三级链接 IPv6 支持率 target, content similarity v4 vs v6, 支持度 score target); see auditor/ipv6.py.
    ipv6_link_target: Fraction = 0.85
    ipv6_fail_similarity: Fraction = 0.9
    ipv6_support_target: Percent = 90.0
    ipv6: bool = True
    # Site checks driven in the browser (auditor/site_rules, workers/site_extra.py): 站内搜索 (site.search) and
    # 互动交流 (interaction.*); the province's 留言 reply window in days (interaction.reply_late; 各省规定不同);
    # the time both may take together per site audit (seconds).
    site_search: bool = True
    interaction: bool = True
    reply_window_days: PositiveInt = 15
    site_extra_budget: PositiveFloat = 180.0
    # 无障碍: axe-core on every page; crops per violated rule; 无障碍/适老化 entry activation and the 适老化
    # machine checks on the home page ("home"), on every page ("all") or never ("off").
    a11y: bool = True
    # Print where a command-line run's time went, per phase, on stderr (``--profile``; auditor/profile.py).
    profile: bool = False
    a11y_node_cap: NonNegativeInt = 5
    elderly: Literal["home", "all", "off"] = "home"
    elderly_budget: PositiveFloat = 40.0
    # 联系方式: open the footer's «联系我们» link (same site only) when the footer shows no contact of its own, within
    # this budget (seconds); each such page is opened once per run (browsers/fetcher.py).
    follow_contact: bool = True
    contact_budget: PositiveFloat = 20.0
    # Selenium engine (engine = "selenium"): a remote Selenium Grid URL; empty = local /usr/bin/chromedriver.
    selenium_grid_url: str | None = None
    # Browser binary on the Grid's nodes (None: the node's default); the local driver always uses Debian's Chromium.
    selenium_binary: str | None = None

    # Service mode (RQ on Redis, workers/jobs.py): queue name (also the prefix of the run keys), job timeouts
    # (seconds), retries with backoff for transient failures, worker heartbeat and registry clean-up periods.
    rq_queue: NonEmptyStr = "govaudit"
    job_timeout: PositiveInt = 300
    finish_timeout: PositiveInt = 3600
    job_retries: NonNegativeInt = 3
    retry_backoff: list[NonNegativeInt] = field(default_factory=lambda: [5, 30, 120])
    worker_heartbeat: PositiveInt = 15
    worker_maintenance: PositiveInt = 60
    result_ttl: Annotated[int, Field(ge=-1)] = 86400

    # Content rules (auditor/rules/content_wording.py, content_pii.py): extra wording files (a province's own
    # 固定表述 list, same format as auditor/data/wording.tsv); same-site attachments (PDF/DOCX/XLSX/XLS) fetched
    # per page, each at most attachment_max_bytes, within attachment_budget seconds per page (downloads), parsed
    # in a subprocess with a time and memory limit; the salt
    # of the hashes of personal data (unset: generated once and kept in <data folder>/pii_salt).
    wording_files: list[str] = field(default_factory=list)
    attachments: bool = True
    attachment_max_bytes: PositiveInt = 20_000_000
    attachment_max_count: NonNegativeInt = 10
    attachment_timeout: PositiveFloat = 30.0
    attachment_parse_timeout: PositiveFloat = 30.0
    attachment_parse_memory: PositiveInt = 1_500_000_000
    attachment_budget: float = 90.0  # seconds per page; 0 or less: no downloads (a budget already spent)
    pii_salt: str | None = None

    # Web UI (web/): the session-signing key, at least 32 bytes (unset: generated once and kept in
    # <data folder>/secret_key, the data folder being the parent of evidence_dir); Secure cookies over HTTPS.
    secret_key: SecretKey | None = None
    cookie_secure: bool = False
    # Log-in limiter (web/limiter.py): failed log-ins per user name and per client address within the window
    # (seconds); counted in Redis when redis_url is set, else in the database, so all server processes agree.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_window: int = 900

    # Site-list import (auditor/sites_import.py): an .xlsx is a zip, so its entries and their uncompressed size
    # are capped before it is opened; rows and the characters of one cell are capped for both .xlsx and .csv.
    import_max_bytes: int = 50_000_000
    import_max_entries: int = 200
    import_max_rows: int = 20_000
    import_max_field: int = 10_000

    @field_validator("*", mode="before")
    @classmethod
    def _plain_values(cls, v: Any, info: Any) -> Any:
        """A path object is its string; true/false is not a number (pydantic would read it as 1/0)."""
        if isinstance(v, os.PathLike):
            return os.fspath(v)
        if isinstance(v, bool) and _kind(info.field_name) in (int, float):
            raise ValueError("应为数字，不是 true/false")
        return v

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some settings changed, validated like the rest (ConfigError naming the setting)."""
        return dataclasses.replace(self, **changes)


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}

# --- errors in Chinese, naming the setting and where its value came from ---------------------------------------

_REASONS = {
    "int_type": "应为整数", "int_parsing": "应为整数", "int_from_float": "应为整数（不能有小数）",
    "float_type": "应为数字", "float_parsing": "应为数字", "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false（也可用 1/0、yes/no、on/off）",
    "string_type": "应为字符串", "list_type": "应为列表（如 [\"a\", \"b\"]，环境变量中可用逗号分隔）",
    "dict_type": "应为表（如 { \"键\" = \"值\" }，环境变量中可用 键=值,键=值）",
    "greater_than_equal": "应不小于 {ge}", "greater_than": "应大于 {gt}", "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}", "literal_error": "可选 {expected}", "string_too_short": "不能为空",
    "unexpected_keyword_argument": "未知设置", "none_required": "应为空",
}


def _reason(err: Mapping[str, Any]) -> str:
    typ, ctx = err.get("type", ""), dict(err.get("ctx") or {})
    if typ == "value_error":
        return str(ctx.get("error") or err.get("msg", ""))
    if typ == "literal_error":
        ctx["expected"] = str(ctx.get("expected", "")).replace("'", "").replace(" or ", "、").replace(", ", "、")
    tpl = _REASONS.get(typ)
    if tpl is None:
        return str(err.get("msg", typ))
    ctx = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in ctx.items()}
    try:
        return tpl.format(**ctx)
    except (KeyError, IndexError):
        return tpl


def _error(exc: ValidationError, values: Mapping[str, Any], sources: Mapping[str, str] | None = None) -> ConfigError:
    parts: list[str] = []
    seen: set[str] = set()
    for err in exc.errors():
        loc = err.get("loc") or ("?",)
        name = str(loc[0])
        # One message per setting: a wrong value inside a list names the setting once; an Optional field's
        # "or None" alternatives would otherwise repeat it.
        if name in seen:
            continue
        seen.add(name)
        where = f"（{sources[name]}）" if sources and name in sources else " "
        if err.get("type") == "unexpected_keyword_argument":
            parts.append(f"未知设置 {name}{where}{_suggest(name)}")
            continue
        shown = values.get(name, err.get("input"))
        parts.append(f"设置 {name}{where}的值无效：{shown!r}，{_reason(err)}")
    return ConfigError("；".join(parts) or str(exc))


def _suggest(name: str) -> str:
    close = difflib.get_close_matches(name, list(_FIELDS), n=1)
    return f"（是否想写 {close[0]}？）" if close else ""


# ``Settings(...)`` and ``replace`` raise ConfigError (a ValueError) rather than pydantic's ValidationError.
_pydantic_init = Settings.__init__


def _init(self: Settings, *args: Any, **kwargs: Any) -> None:
    try:
        _pydantic_init(self, *args, **kwargs)
    except ValidationError as exc:
        raise _error(exc, kwargs) from None


Settings.__init__ = _init  # type: ignore[method-assign]


def _build(values: Mapping[str, Any], sources: Mapping[str, str]) -> Settings:
    obj = Settings.__new__(Settings)
    try:
        _pydantic_init(obj, **values)
    except ValidationError as exc:
        raise _error(exc, values, sources) from None
    return obj


# --- reading strings (environment) into the field's type --------------------------------------------------------

def _strip(tp: Any) -> Any:
    """The annotation without Annotated[...] and without None (``int | None`` is read as int)."""
    while typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return _strip(rest[0])
    return tp


def _annotation(name: str) -> Any:
    return Settings.__pydantic_fields__[name].annotation  # type: ignore[attr-defined]


def _kind(name: str | None) -> Any:
    if not name or name not in Settings.__pydantic_fields__:  # type: ignore[attr-defined]
        return None
    tp = _strip(_annotation(name))
    return typing.get_origin(tp) or tp


def _optional(name: str) -> bool:
    tp = _annotation(name)
    return typing.get_origin(tp) in (typing.Union, types.UnionType) and type(None) in typing.get_args(tp)


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off", "")


def parse_string(name: str, raw: str, source: str = "") -> Any:
    """An environment string as the field's type: comma lists or JSON lists, ``k=v,k2=v2`` or JSON tables,
    yes/no words for switches, "" for an unset optional setting. Numbers and choices are left to the schema."""
    kind = _kind(name)
    text = raw.strip()
    where = f"（{source}）" if source else ""
    if _optional(name) and text == "":
        return None
    if kind is bool:
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else raw
    if kind in (int, float):
        return text
    if kind is list:
        if text.startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"设置 {name}{where} 的值不是有效的 JSON 列表：{raw!r}（{exc.msg}）") from None
        return [p.strip() for p in text.split(",") if p.strip()]
    if kind is dict:
        if text.startswith("{"):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"设置 {name}{where} 的值不是有效的 JSON 对象：{raw!r}（{exc.msg}）") from None
        out: dict[str, str] = {}
        for part in (p for p in text.split(",") if p.strip()):
            if "=" not in part:
                raise ConfigError(f"设置 {name}{where} 的值无效：{raw!r}，应为 键=值,键=值 或 JSON 对象")
            k, v = part.split("=", 1)
            out[k.strip()] = v.strip()
        return out
    return raw


def _read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"找不到配置文件: {p}")
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"配置文件 {p} 不是 UTF-8 编码（第 {exc.start + 1} 个字节无法解码），请另存为 UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"无法读取配置文件 {p}：{exc.strerror or exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件 {p} 不是有效的 TOML: {exc}") from None
    if "govaudit" in data:
        data = data["govaudit"]
        if not isinstance(data, dict):
            raise ConfigError(f"配置文件 {p} 中的 govaudit 应为表（[govaudit]）")
    for key in data:
        if key not in _FIELDS:
            raise ConfigError(f"配置文件 {p} 中有未知设置: {key}{_suggest(key)}")
    return dict(data)


def load_settings(path: str | os.PathLike[str] | None = None,
                  env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file (``path`` or $GOVAUDIT_CONFIG), then the environment, then overrides
    (flags; None means "not given"). Any bad value raises ConfigError naming the setting and its source."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    path = path or env.get("GOVAUDIT_CONFIG") or None
    if path:
        for key, value in _read_toml(path).items():
            values[key], sources[key] = value, f"配置文件 {Path(path)}"
    for bare in ("DATABASE_URL", "REDIS_URL"):
        if env.get(bare):
            name = bare.lower()
            values[name], sources[name] = parse_string(name, env[bare], f"环境变量 {bare}"), f"环境变量 {bare}"
    for name in _FIELDS:
        var = f"GOVAUDIT_{name.upper()}"
        if var in env:
            values[name], sources[name] = parse_string(name, env[var], f"环境变量 {var}"), f"环境变量 {var}"
    for key, value in overrides.items():
        if key not in _FIELDS:
            raise ConfigError(f"未知设置 {key}{_suggest(key)}")
        if value is not None:
            values[key], sources[key] = value, "命令行参数"
    return _build(values, sources)


__all__ = ["ConfigError", "Settings", "load_settings", "parse_string", "PositiveInt", "NonNegativeInt",
           "PositiveFloat", "NonNegativeFloat", "Fraction", "Percent", "NonEmptyStr"]
