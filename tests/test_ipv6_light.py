"""The light crawl of `govaudit ipv6` (clients.ipv6_probe.page_links): links, images and scripts as written."""
from __future__ import annotations

from clients.ipv6_probe import page_links
from workers.ipv6run import _error_kind


def test_links_absolute_with_base_and_without_fragments() -> None:
    html = """<html><head><title>示范 首页</title><base href="/zwgk/"></head><body>
      <a href="gzdt/index.html#top">工作<b>动态</b></a> <a href="http://other.gov.cn/x">外站</a>
      <img src="../img/logo.png"><script src="//cdn.gov.cn/a.js"></script><script>var a = "<a href=x>";</script>
      <map><area href="/map.html"></map><a>no href</a></body></html>"""
    got = page_links(html, "http://www.shifan.gov.cn/index.html")
    assert [a["href"] for a in got["links"]] == ["http://www.shifan.gov.cn/zwgk/gzdt/index.html",
                                                 "http://other.gov.cn/x", "http://www.shifan.gov.cn/map.html"]
    assert got["links"][0]["text"] == "工作动态"
    assert got["images"] == [{"src": "http://www.shifan.gov.cn/img/logo.png"}]
    assert got["scripts"] == [{"src": "http://cdn.gov.cn/a.js"}]
    assert got["title"] == "示范 首页"


def test_broken_markup_keeps_what_was_read() -> None:
    got = page_links("<a href='/a.html'>A</a><a href='/b.html'<<<>>", "http://h.gov.cn/")
    assert got["links"][0]["href"] == "http://h.gov.cn/a.html"


def test_error_kinds() -> None:
    assert _error_kind("no_address: x 没有 A 记录", None) == "dns"
    assert _error_kind("timeout: 超时", None) == "timeout"
    assert _error_kind(None, 404) == "http_error"
    assert _error_kind("other: 重定向次数过多", None) == "unknown"
