"""Network errors reach people in Chinese, with the technical text kept in parentheses (auditor/errors.py)."""
from __future__ import annotations

import pytest

from auditor.site_rules.availability import home_unreachable
from auditor.errors import PageError, classify, describe, network_zh
from auditor.services import unreachable_lines

CASES = [
    ("ConnectError: [Errno -2] Name or service not known", "域名无法解析"),
    ("socket.gaierror: [Errno -3] Temporary failure in name resolution", "域名无法解析"),
    ("page.goto: net::ERR_NAME_NOT_RESOLVED at http://x.gov.cn/", "域名无法解析"),
    ("ConnectError: [Errno 111] Connection refused", "连接被拒绝"),
    ("page.goto: net::ERR_CONNECTION_REFUSED at http://x.gov.cn/", "连接被拒绝"),
    ("ReadTimeout: timed out", "连接超时"),
    ("net::ERR_CONNECTION_TIMED_OUT", "连接超时"),
    ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", "HTTPS 证书或握手错误"),
    ("OSError: [Errno 101] Network is unreachable", "网络不可达"),
    ("RemoteProtocolError: Server disconnected without sending a response.", "连接被重置或中断"),
    ("KeyError: 'x'", "网络错误"),
]


@pytest.mark.parametrize("text,zh", CASES, ids=[z + str(i) for i, (_, z) in enumerate(CASES)])
def test_english_network_errors_become_chinese(text, zh):
    out = network_zh(text)
    assert out.startswith(zh + "（") and out.endswith("）")
    # The technical detail stays, short: a browser's net:: code, else the first line.
    inner = out[len(zh) + 1:-1]
    assert inner and inner in text


def test_chinese_text_is_left_alone_and_empty_stays_empty():
    assert network_zh("域名无法解析：x") == "域名无法解析：x"
    assert network_zh(None) == "" and network_zh("") == ""


def test_page_error_message_puts_the_code_in_parentheses():
    raw = "page.goto: net::ERR_NAME_NOT_RESOLVED at http://x.gov.cn/\nCall log:\n  - navigating"
    assert describe(classify(raw), raw) == "域名无法解析（net::ERR_NAME_NOT_RESOLVED）"
    assert describe(PageError.TIMEOUT) == "页面在规定时间内未能打开"


def test_unreachable_site_and_services_read_in_chinese():
    check = home_unreachable("http://x.gov.cn/", "dns", "ConnectError: [Errno -2] Name or service not known", "t")
    assert "首页无法打开（域名无法解析（ConnectError" in check.message
    lines = unreachable_lines({"dcs.conac.cn": {"ok": False, "error": "ConnectError: [Errno 111] Connection refused"}})
    assert "无法访问 dcs.conac.cn（连接被拒绝（" in lines[0]
