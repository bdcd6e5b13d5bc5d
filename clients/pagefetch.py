"""Light page fetches (HTML without a browser) for the site checks that follow links across many pages: 政策文件 →
解读 → 回链, 办事服务 → 办事指南. Same client as the link checks (clients/linkcheck.py): host mapping, the private-target
policy, the egress proxy for names, no cookies; a failure says the host and the error in Chinese.
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from auditor.config import Settings
from clients.linkcheck import ERROR_CLASSES, _Checker, _error_kind, _squid_kind

_SKIP = {"script", "style", "noscript", "template", "head"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# The page's chrome (footer, header, navigation): its words (the site's own 联系电话 in the footer) are not the
# content's, so ``main_text`` leaves them out.
_CHROME_TAGS = {"footer", "header", "nav"}
_CHROME_RE = re.compile(r"(^|[-_\s])(foot|footer|bottom|copyright|header|head|nav|menu)", re.I)
_BLOCK = {"p", "div", "li", "tr", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "br", "table",
          "section", "article", "ul", "ol", "span", "label"}


@dataclass
class LightPage:
    url: str
    final_url: str
    status: int | None = None
    error: str | None = None                                   # «host：reason», None when the page was read
    title: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)  # (absolute href, words: text, img alt/title)
    text: str = ""
    main_text: str = ""                                         # the text without header, navigation and footer

    @property
    def host(self) -> str:
        return urlsplit(self.final_url or self.url).hostname or ""


class _Html(HTMLParser):
    """Title, links with their words and the visible text (script/style left out), tolerant of bad markup."""

    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base, self.title, self.links, self.parts = base, "", [], []
        self._skip = 0
        self._stack: list[str] = []
        self._chrome: int | None = None  # stack depth of the open header/nav/footer element
        self.main: list[str] = []
        self._in_title = False
        self._a: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in _SKIP:
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag == "base" and a.get("href"):
            self.base = urljoin(self.base, a["href"] or "")
        if tag == "a" and a.get("href"):
            self._a = [urljoin(self.base, (a["href"] or "").strip()), [a.get("title") or ""]]
        if tag == "img" and self._a is not None:
            self._a[1].append(a.get("alt") or a.get("title") or "")
        if tag in _BLOCK:
            self.parts.append("\n")
            self.main.append("\n")
        if tag not in _VOID:
            self._stack.append(tag)
            idc = f"{a.get('id') or ''} {a.get('class') or ''}"
            if self._chrome is None and (tag in _CHROME_TAGS or _CHROME_RE.search(idc)):
                self._chrome = len(self._stack)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack:
                if self._chrome is not None and len(self._stack) <= self._chrome:
                    self._chrome = None
                if self._stack.pop() == tag:
                    break
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag == "a" and self._a is not None:
            words = " ".join(w.strip() for w in self._a[1] if w and w.strip())
            self.links.append((self._a[0], " ".join(words.split())))
            self._a = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
            return
        if self._skip:
            return
        if self._a is not None:
            self._a[1].append(data)
        self.parts.append(data)
        if self._chrome is None:
            self.main.append(data)


def _lines(parts: list[str]) -> str:
    return "\n".join(t for t in (" ".join(line.split()) for line in "".join(parts).splitlines()) if t)


def parse_html(html: str, base: str) -> tuple[str, list[tuple[str, str]], str, str]:
    """(title, links, text, main text without header/navigation/footer) of an HTML document."""
    p = _Html(base)
    try:
        p.feed(html)
        p.close()
    except Exception:  # noqa: BLE001 - keep what was read before the markup broke the parser
        pass
    return " ".join(p.title.split()), p.links, _lines(p.parts), _lines(p.main)


class LightFetcher:
    """One HTTP client for a site check's fetches, with ``delay`` seconds between requests (politeness)."""

    def __init__(self, settings: Settings, *, timeout: float = 10.0, max_bytes: int = 3_000_000,
                 max_redirects: int = 5, delay: float | None = None):
        self.settings, self.max_bytes, self.max_redirects = settings, max_bytes, max_redirects
        self.delay = settings.crawl_delay if delay is None else delay
        self._checker = _Checker(settings, per_host=1, concurrency=1, retries=0, backoff=0, timeout=timeout,
                                 retry_after_cap=0, sleep=asyncio.sleep)
        self.fetched = 0

    async def __aenter__(self) -> "LightFetcher":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._checker.close()

    async def get(self, url: str) -> LightPage:
        """The page at ``url`` (redirects followed, each hop judged by the policy); never raises for the network."""
        if self.fetched and self.delay:
            await asyncio.sleep(self.delay)
        self.fetched += 1
        start = url
        for _ in range(self.max_redirects + 1):
            host = urlsplit(url).hostname or ""
            kind, _detail = await self._checker._target(host)
            if kind:
                return LightPage(start, url, error=f"{host}：{ERROR_CLASSES.get(kind, ('', kind))[1]}")
            try:
                async with self._checker.client.stream("GET", url) as resp:
                    squid = resp.headers.get("x-squid-error") if host in self._checker.via_proxy else None
                    if squid:
                        reason = ERROR_CLASSES.get(_squid_kind(squid), ("", squid))[1]
                        return LightPage(start, url, resp.status_code, f"{host}：{reason}")
                    if resp.is_redirect and resp.headers.get("location"):
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if resp.status_code >= 400:
                        return LightPage(start, url, resp.status_code, f"{host}：HTTP {resp.status_code}")
                    body = b""
                    async for chunk in resp.aiter_bytes():
                        body += chunk
                        if len(body) > self.max_bytes:
                            break
                    html = body.decode(resp.encoding or "utf-8", errors="replace")
            except httpx.HTTPError as exc:
                kind = _error_kind(exc)
                return LightPage(start, url, error=f"{host}：{ERROR_CLASSES.get(kind, ('', '请求失败'))[1]}")
            title, links, text, main = parse_html(html, url)
            return LightPage(start, url, resp.status_code, None, title, links, text, main)
        return LightPage(start, url, error=f"{urlsplit(url).hostname}：{ERROR_CLASSES['too_many_redirects'][1]}")
