"""Shared logic of the two registration marks in the footer (ICP备案 and 公安机关备案): a well-formed number
shown as text and linked to the registry that verifies it."""
from __future__ import annotations

import re
from typing import Any

from auditor.models import CheckResult, PageFacts, Status
from auditor.rules._common import link_targets, band_evidence, footer_links, footer_texts, host, link_evidence, result, search_texts


def check_registration(facts: PageFacts, *, rule: str, indicator: str, strict: re.Pattern[str],
                       loose: re.Pattern[str], registry_hosts: set[str], what: str) -> CheckResult:
    texts = footer_texts(facts)
    links = footer_links(facts)
    hits = search_texts(texts, strict)
    if not hits:
        # The number may be written only inside a link title or drawn as an image with alt text.
        linked = [a for a in links if a.get("visible") and strict.search(a.get("title") or "")]
        if linked:
            hits = []
            a = linked[0]
            ok = any(host(u) in registry_hosts for u in link_targets(a))
            return result(rule, indicator, Status.PASS if ok else Status.WARN,
                          f"{what}{'已显示并链接到' if ok else '未链接到'}备案查询网站",
                          {"number": strict.search(a["title"]).group(0), "href": a.get("href")},
                          [link_evidence(a, what)])
    if not hits:
        rough = search_texts(texts, loose)
        if rough:
            # An older or non-standard form (e.g. «X公备…», a number that is not the registry's): the site shows
            # that it is registered, in a form that cannot be verified as written — a warning, not a failure.
            info: dict[str, Any] = {"text": rough[0].text.strip()}
            registry = [a for a in links if any(host(u) in registry_hosts for u in link_targets(a))]
            if registry:
                info["href"] = registry[0]["href"]
            linked = "，已链接到备案查询网站" if registry else ""
            return result(rule, indicator, Status.WARN, f"{what}格式不规范：“{rough[0].text.strip()}”{linked}",
                          info, [rough[0].evidence(what)])
        return result(rule, indicator, Status.FAIL, f"底部功能区未显示{what}", None,
                      [band_evidence(facts, "footer", "底部功能区")])
    hit = hits[0]
    number = re.sub(r"\s+", "", hit.text)
    registry = [a for a in links if any(host(u) in registry_hosts for u in link_targets(a))]
    wrapping = [a for a in registry if _same_number(a, number)] or registry
    value: dict[str, Any] = {"number": number}
    if wrapping:
        value["href"] = wrapping[0]["href"]
        return result(rule, indicator, Status.PASS, f"页面底部显示{what} {number}，并链接到备案查询网站",
                      value, [link_evidence(wrapping[0], what) if _same_number(wrapping[0], number)
                              else hit.evidence(what)])
    return result(rule, indicator, Status.WARN,
                  f"页面底部显示{what} {number}，但未链接到备案查询网站（{'/'.join(sorted(registry_hosts))}）",
                  value, [hit.evidence(what)])


def _same_number(link: dict[str, Any], number: str) -> bool:
    digits = re.sub(r"\D", "", number)
    return bool(digits) and digits in re.sub(r"\D", "", (link.get("text") or "") + (link.get("href") or ""))
