"""Writes the sample site's 栏目 variant, a small site of its own under ``/variants/lanmu/`` (run once; the pages and
the ``sites.lanmu`` entry of truth.json are committed):

    .venv/bin/python -m auditor.sample_site.make_lanmu

* 12 navigation columns at ``/variants/lanmu/col/col{n}/index.html`` (one URL template, so template sampling would
  keep only 5) and two 二级 sub-columns in the first column's own navigation; 2 columns are blank «暂无信息» pages
  without any meta tags; one is named «规范性文件» and tagged ColumnType «工作动态»; one 动态 column is stale.
* 5 政策文件, 2 of them linking to a 解读, and 1 of those 解读 linking back.
* An «办事服务» entry on the home page with 6 办事指南, 2 of them missing 4 or more of the 8 要素.
* A home page whose dated items never change (a second run 15 days later finds them the same).
Everything is fictional.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent
P = "/variants/lanmu"
OUT = HERE / "www" / "variants" / "lanmu"
TODAY = date(2026, 11, 18)
SECOND_RUN = TODAY + timedelta(days=15)

# n: (name, ColumnType or None, column class, latest item's age in days or None for a blank page, status)
COLUMNS: dict[int, tuple[str, str | None, int | None, str]] = {
    1: ("工作动态", "工作动态", 2, "pass"),
    2: ("部门动态", "工作动态", 29, "fail"),         # stale: 2 weeks
    3: ("政策文件", "政策文件", 6, "pass"),
    4: ("通知公告", "政策文件", 10, "pass"),
    5: ("政策解读", "政策解读", 5, "pass"),
    6: ("人事信息", "人事信息", 60, "pass"),
    7: ("规划计划", "规划计划", 90, "pass"),
    8: ("图片新闻", "工作动态", 3, "pass"),
    9: ("规范性文件", "工作动态", 24, "warn"),       # named 政策文件类, tagged 工作动态: the stricter 2 weeks, warn
    10: ("机构职能", None, None, "fail"),           # 空白栏目 «暂无信息», no meta tags
    11: ("领导信息", None, None, "fail"),           # 空白栏目 «暂无信息», no meta tags
    12: ("数据发布", "数据发布", 20, "pass"),
    13: ("乡镇动态", "工作动态", 1, "pass"),         # 二级, in 工作动态's own navigation
    14: ("街道动态", "工作动态", 4, "pass"),         # 二级
}
SUB = (13, 14)
POLICIES = [  # (title, has 解读, 解读 links back)
    ("示范市促进数字经济发展若干政策", True, True),
    ("示范市城市更新行动实施方案", True, False),
    ("示范市住房公积金管理办法", False, False),
    ("示范市义务教育招生入学工作意见", False, False),
    ("示范市农村供水工程管理办法", False, False),
]
ELEMENTS = ["设定依据", "申请条件", "办理材料", "办理地点", "办理时间", "联系电话", "办理流程", "收费标准"]
GUIDES = [  # (事项, 要素 missing)
    ("居民身份证换领", []),
    ("个体工商户设立登记", []),
    ("建设工程规划许可", ["收费标准"]),
    ("城乡居民医疗保险参保登记", ["办理时间", "收费标准"]),
    ("食品经营许可", ["设定依据", "办理地点", "办理时间", "办理流程"]),
    ("户外广告设置审批", ["设定依据", "申请条件", "办理地点", "办理时间", "联系电话", "收费标准"]),
]
HOME_ITEMS = [(f"示范市召开第{k}次专题会议", TODAY - timedelta(days=1 + 3 * k)) for k in range(6)]

STYLE = ("<style>.nav{height:auto}.nav .wrap{height:auto}.nav-list{flex-wrap:wrap}"
         ".nav-list li a{width:83px;font-size:14px;height:36px;line-height:36px}"
         ".side-nav{float:left;width:200px}.body{margin-left:220px}</style>")


def _head(title: str, metas: dict[str, str]) -> str:
    tags = "".join(f'<meta name="{k}" content="{v}">\n' for k, v in metas.items())
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
            f'<meta name="SiteName" content="示范市人民政府">\n<meta name="SiteDomain" content="www.shifan.gov.cn">\n'
            f'<meta name="SiteIDCode" content="3399000001">\n{tags}'
            f'<link rel="stylesheet" href="/css/style.css">\n{STYLE}\n</head>\n<body>\n'
            f'<header class="header" id="header"><div class="wrap"><a class="logo" href="{P}/index.html">'
            f'<img src="/images/banner.png" width="1000" height="90" alt="示范市人民政府"></a></div></header>\n')


def _nav() -> str:
    items = "".join(f'<li><a href="{P}/col/col{n}/index.html">{COLUMNS[n][0]}</a></li>' for n in range(1, 13))
    return (f'<nav class="nav"><div class="wrap"><ul class="nav-list"><li><a href="{P}/index.html">首页</a></li>'
            f'{items}</ul></div></nav>\n')


FOOT = ('<footer class="footer" id="footer"><div class="wrap foot-main"><div class="foot-info">'
        '<p><span>主办单位：示范市人民政府办公室</span>　<span>联系电话：0571-88880000</span></p>'
        '<p><span>网站标识码：3399000001</span>　<a href="https://beian.miit.gov.cn/">浙ICP备12345678号-1</a></p>'
        '</div></div></footer>\n</body>\n</html>\n')


def _list(items: list[tuple[str, str, date]]) -> str:
    return '<ul class="news-list">' + "".join(
        f'<li><a href="{h}" title="{t}">{t}</a><span class="date">{d.isoformat()}</span></li>' for t, h, d in items
    ) + "</ul>"


def _article(title: str, day: date, column: str, body: str) -> str:
    return (_head(f"{title}_示范市人民政府", {"ArticleTitle": title, "PubDate": f"{day.isoformat()} 09:00",
                                              "ContentSource": "示范市人民政府办公室", "ColumnName": column})
            + _nav() + f'<div class="wrap main"><article class="content"><h1>{title}</h1>'
            f'<p class="info">发布时间：{day.isoformat()}　来源：示范市人民政府办公室</p>{body}</article></div>\n' + FOOT)


def _write(rel: str, html: str) -> None:
    f = OUT / rel
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(html, encoding="utf-8")


def _column_items(n: int) -> list[tuple[str, str, date]]:
    name, _, age, _ = COLUMNS[n]
    assert age is not None
    if n == 3:
        return [(t, f"{P}/zcwj/doc{k}.html", TODAY - timedelta(days=age + 7 * k)) for k, (t, _, _) in
                enumerate(POLICIES, 1)]
    if n == 5:
        return [(f"《{POLICIES[k - 1][0]}》政策解读", f"{P}/zcjd/jd{k}.html", TODAY - timedelta(days=age + k))
                for k in (1, 2)]
    return [(f"{name}信息{k}", f"{P}/art/a{n}_{k}.html", TODAY - timedelta(days=age + 5 * k)) for k in range(3)]


def build() -> dict:
    for n, (name, ctype, age, _) in COLUMNS.items():
        side = ""
        if n == 1:
            side = ('<div class="side-nav"><ul class="side-list">' + "".join(
                f'<li><a href="{P}/col/col{s}/index.html">{COLUMNS[s][0]}</a></li>' for s in SUB) + "</ul></div>")
        if age is None:  # 空白栏目: no meta tags at all, nothing listed
            html = (_head(f"{name}_示范市人民政府", {}) + _nav() +
                    f'<div class="wrap main"><h2>{name}</h2><p class="empty">暂无信息</p></div>\n' + FOOT)
        else:
            metas = {"ColumnName": name, "ColumnDescription": f"{name}栏目", "ColumnKeywords": name}
            if ctype:
                metas["ColumnType"] = ctype
            items = _column_items(n)
            html = (_head(f"{name}_示范市人民政府", metas) + _nav() + f'<div class="wrap main">{side}'
                    f'<section class="body list-page"><h2>{name}</h2>{_list(items)}</section></div>\n' + FOOT)
            if n not in (3, 5):
                for t, h, d in items:
                    _write(h[len(P) + 1:], _article(t, d, name, f"<p>{t}。本文为示例内容。</p>"))
        _write(f"col/col{n}/index.html", html)
    for k, (title, interp, back) in enumerate(POLICIES, 1):
        d = TODAY - timedelta(days=6 + 7 * k)
        link = (f'<p class="related">相关解读：<a href="{P}/zcjd/jd{k}.html">《{title}》政策解读</a></p>'
                if interp else "")
        _write(f"zcwj/doc{k}.html", _article(title, d, "政策文件", f"<p>{title}全文（示例）。</p>{link}"))
        if interp:
            back_link = (f'<p class="related">相关文件：<a href="{P}/zcwj/doc{k}.html">{title}</a></p>' if back else
                         "<p>（本解读未链接政策原文）</p>")
            _write(f"zcjd/jd{k}.html", _article(f"《{title}》政策解读", d + timedelta(days=1), "政策解读",
                                                f"<p>一、出台背景（示例）。</p>{back_link}"))
    guide_links = "".join(f'<li><a href="{P}/bsfw/guide{k}.html">{name}办事指南</a></li>'
                          for k, (name, _) in enumerate(GUIDES, 1))
    _write("bsfw/index.html", _head("办事服务_示范市人民政府", {}) + _nav() +
           f'<div class="wrap main"><h2>办事服务</h2><ul class="svc-list">{guide_links}</ul></div>\n' + FOOT)
    for k, (name, missing) in enumerate(GUIDES, 1):
        rows = "".join(f"<tr><th>{e}</th><td>{name}的{e}（示例）</td></tr>" for e in ELEMENTS if e not in missing)
        _write(f"bsfw/guide{k}.html", _head(f"{name}办事指南_示范市人民政府", {}) + _nav() +
               f'<div class="wrap main"><h1>{name}办事指南</h1><table class="guide">'
               f'<tr><th>事项名称</th><td>{name}</td></tr>{rows}</table></div>\n' + FOOT)
    home_items = [(t, f"{P}/art/home{k}.html", d) for k, (t, d) in enumerate(HOME_ITEMS)]
    for t, h, d in home_items:
        _write(h[len(P) + 1:], _article(t, d, "工作动态", f"<p>{t}（示例）。</p>"))
    _write("index.html", _head("示范市人民政府", {}) + _nav() +
           '<div class="wrap home"><div class="box"><div class="box-hd"><h2>示范要闻</h2></div>'
           f'{_list(home_items)}</div><div class="box"><h2>服务</h2><p><a href="{P}/bsfw/index.html">办事服务</a></p>'
           '</div></div>\n' + FOOT)
    status = {f"{P}/col/col{n}/index.html": {"name": c[0], "level": 2 if n in SUB else 1, "status": c[3],
                                             "blank": c[2] is None, "mismatch": n == 9} for n, c in COLUMNS.items()}
    return {
        "home": f"{P}/index.html", "today": TODAY.isoformat(), "second_run": SECOND_RUN.isoformat(),
        "columns": status, "navigation_columns": 12,
        "home_update": {"first": "pass", "second": "fail"},
        "policy": {"sampled": len(POLICIES), "linked": sum(1 for p in POLICIES if p[1]),
                   "back_linked": sum(1 for p in POLICIES if p[2]), "policy.interpretation": "fail",
                   "policy.interpretation_ratio": "warn"},
        "guides": {f"{P}/bsfw/guide{k}.html": len(m) for k, (_, m) in enumerate(GUIDES, 1)},
        "service": {"service.entry": "pass", "service.guide": "warn", "poor": sum(1 for g in GUIDES if len(g[1]) >= 4)},
    }


def main() -> None:
    """Write the pages, and the truth as ``"sites": {"lanmu": …}`` at the end of truth.json (its other lines kept)."""
    truth_file = HERE / "truth.json"
    text = truth_file.read_text(encoding="utf-8")
    if "sites" in json.loads(text):
        text = text[:text.index(',\n "sites"')] + "\n}\n"
    entry = json.dumps({"lanmu": build()}, ensure_ascii=False)
    truth_file.write_text(text.rstrip().removesuffix("}").rstrip() + f',\n "sites": {entry}\n}}\n', encoding="utf-8")
    json.loads(truth_file.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
