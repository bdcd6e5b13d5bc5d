"""One table of the ways a page can fail to be audited, with the Chinese message an auditor reads."""
from __future__ import annotations

import re
from enum import Enum


class PageError(str, Enum):
    INVALID_URL = "invalid_url"
    PRIVATE_TARGET = "private_target"
    EGRESS_REFUSED = "egress_refused"
    DNS = "dns"
    CONNECTION = "connection"
    TLS = "tls"
    TIMEOUT = "timeout"
    REDIRECT_LOOP = "redirect_loop"
    HTTP_ERROR = "http_error"
    TOO_LARGE = "too_large"
    DOM_TOO_LARGE = "dom_too_large"
    DOWNLOAD = "download"
    DIALOG_LOOP = "dialog_loop"
    BUDGET = "budget_exceeded"
    BROWSER_CRASHED = "browser_crashed"
    UNKNOWN = "unknown"


MESSAGES: dict[PageError, str] = {
    PageError.INVALID_URL: "网址无效",
    PageError.PRIVATE_TARGET: "目标为内网或本机地址，已拒绝访问（可用 --allow-private 允许）",
    # The egress proxy refused the destination (browsers/egress.py). One wording whatever the port state behind it
    # (open HTTP port, open non-HTTP port, closed port), so the error text cannot be used to scan a network.
    PageError.EGRESS_REFUSED: "目标地址不允许访问",
    PageError.DNS: "域名无法解析",
    PageError.CONNECTION: "无法连接服务器（连接被拒绝或中断）",
    PageError.TLS: "HTTPS 证书或握手错误",
    PageError.TIMEOUT: "页面在规定时间内未能打开",
    PageError.REDIRECT_LOOP: "页面重定向次数过多（重定向循环）",
    PageError.HTTP_ERROR: "服务器返回错误状态码",
    PageError.TOO_LARGE: "页面数据量超过上限，已停止加载",
    PageError.DOM_TOO_LARGE: "页面元素数量超过上限，无法检查",
    PageError.DOWNLOAD: "该网址是文件下载而不是网页",
    PageError.DIALOG_LOOP: "页面不断弹出对话框，未能完成加载",
    PageError.BUDGET: "超过单个页面的检查时限",
    PageError.BROWSER_CRASHED: "浏览器崩溃，重试后仍失败",
    PageError.UNKNOWN: "页面检查失败",
}

# Chromium net error codes (as Playwright reports them) to error classes.
_NET_ERRORS: list[tuple[re.Pattern[str], PageError]] = [
    (re.compile(r"ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|ERR_ADDRESS_UNREACHABLE"), PageError.DNS),
    (re.compile(r"ERR_TOO_MANY_REDIRECTS"), PageError.REDIRECT_LOOP),
    # The egress proxy refused a tunnel (https, wss): Chromium reports every refused CONNECT this way; the fetcher
    # asks the proxy why (browsers/egress.ask_proxy) and corrects the class when it was a DNS or connection error.
    (re.compile(r"ERR_TUNNEL_CONNECTION_FAILED"), PageError.EGRESS_REFUSED),
    (re.compile(r"ERR_CERT_|ERR_SSL_|ERR_BAD_SSL"), PageError.TLS),
    (re.compile(r"ERR_CONNECTION_|ERR_EMPTY_RESPONSE|ERR_INVALID_RESPONSE|ERR_SOCKET|ERR_NETWORK_CHANGED"),
     PageError.CONNECTION),
    (re.compile(r"ERR_TIMED_OUT|Timeout \d+ms exceeded"), PageError.TIMEOUT),
    (re.compile(r"Download is starting|ERR_ABORTED.*download", re.I), PageError.DOWNLOAD),
    (re.compile(r"Target (page, context or browser )?(has been )?closed|Browser has been closed|crashed",
                re.I), PageError.BROWSER_CRASHED),
]


def classify(message: str) -> PageError:
    """The error class of a browser or network error message."""
    for pattern, kind in _NET_ERRORS:
        if pattern.search(message):
            return kind
    return PageError.UNKNOWN


def describe(kind: PageError, detail: str = "") -> str:
    """The Chinese message of the error class, the technical detail after it in parentheses (only its first line,
    and of a browser error only the net:: code: «域名无法解析（net::ERR_NAME_NOT_RESOLVED）»)."""
    msg = MESSAGES[kind]
    detail = technical(detail)
    return f"{msg}（{detail}）" if detail else msg


_NET_CODE = re.compile(r"net::ERR_[A-Z_]+")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def technical(text: str) -> str:
    """The part of a library's error text worth showing: a browser's net:: code, else the first line, short."""
    text = (text or "").strip()
    m = _NET_CODE.search(text)
    if m:
        return m.group(0)
    return text.splitlines()[0][:200] if text else ""


# English network error texts (Chromium, Python's socket and ssl, httpx, Squid) to the Chinese a person reads.
_NET_ZH: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"NAME_NOT_RESOLVED|NAME_RESOLUTION_FAILED|Name or service not known|nodename nor servname|"
                r"getaddrinfo|NXDOMAIN|No address associated|Name does not resolve|name resolution|NoNameservers|"
                r"ERR_DNS_FAIL|Errno -[235]\b", re.I), "域名无法解析"),
    (re.compile(r"CONNECTION_REFUSED|Connection refused|ECONNREFUSED|Errno 111\b|ERR_CONNECT_FAIL", re.I), "连接被拒绝"),
    (re.compile(r"timed? ?out|Timeout|TIMED_OUT|ERR_READ_TIMEOUT", re.I), "连接超时"),
    (re.compile(r"CERT_|CERTIFICATE|SSL|\bTLS\b|handshake", re.I), "HTTPS 证书或握手错误"),
    (re.compile(r"ADDRESS_UNREACHABLE|Network is unreachable|No route to host|ENETUNREACH|EHOSTUNREACH", re.I),
     "网络不可达"),
    (re.compile(r"CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE|Connection reset|ECONNRESET|Errno 104\b|"
                r"Server disconnected|RemoteProtocolError|ReadError|Broken pipe|ERR_READ_ERROR", re.I),
     "连接被重置或中断"),
]


def network_zh(text: str | None) -> str:
    """A network error for people: Chinese, the technical text kept in parentheses. Text that already has
    Chinese in it is returned as it is; unknown English text becomes «网络错误（…）»."""
    text = (text or "").strip()
    if not text or _HAN.search(text):
        return text
    detail = technical(text)
    for pattern, zh in _NET_ZH:
        if pattern.search(text):
            return f"{zh}（{detail}）"
    return f"网络错误（{detail}）"
