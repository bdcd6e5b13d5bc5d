"""Benchmark: reviewing a template-wide finding as one group against reviewing it finding by finding.

    .venv/bin/python bench/bench_review.py [--pages N]

A run with the same finding (one HTML snippet) on N pages, plus N/10 pages missing another item (one template),
in SQLite. Times, with the Flask test client as an auditor:
  A. N single reviews, each as the finding page's form posts it (``POST /findings/<ref>/review``);
  B. one group review (``GET /review`` to open the group, then ``POST /review/bulk`` on it).
Prints the seconds of each and the ratio A/B, and the time to render ``/review`` for the run.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditor.config import Settings  # noqa: E402
from auditor.store import Store  # noqa: E402
from auditor.store import findings as fq  # noqa: E402
from auditor.store.users import create_user  # noqa: E402
from tests.reviewdata import make_run  # noqa: E402
from web.app import create_app  # noqa: E402

SITE = "http://www.bench-review.gov.cn/"


def _run(store: Store, ev: Path, site_id: int, n: int) -> int:
    pages = {f"{SITE}art/{i}.html": [("footer.icp", "fail", "ICP备案编号", "未链接到备案系统", "<p>ICP</p>")]
             for i in range(n)}
    for i in range(max(1, n // 10)):
        pages[f"{SITE}col/{i}/index.html"] = [("footer.sponsor", "fail", "网站主办单位", "缺少主办单位", None)]
    return make_run(store, ev, site_id=site_id, site_name="基准市", site_url=SITE, pages=pages)


def _client(app):  # type: ignore[no-untyped-def]
    c = app.test_client()
    token = re.search(r'csrf-token" content="([^"]+)"', c.get("/login").get_data(as_text=True))
    assert token is not None
    c.post("/login", data={"username": "auditor", "password": "bench-pass-1", "csrf_token": token.group(1)})
    return c


def _token(c) -> str:  # type: ignore[no-untyped-def]
    return re.search(r'csrf-token" content="([^"]+)"', c.get("/sites").get_data(as_text=True)).group(1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=300)
    n = ap.parse_args().pages
    root = Path(tempfile.mkdtemp(prefix="bench-review-"))
    settings = Settings(database_url=f"sqlite:///{root}/db.sqlite", evidence_dir=str(root / "ev"), secret_key="b" * 64)
    store = Store(settings.database_url)
    store.upgrade()
    site, _ = store.upsert_site("基准市", SITE)
    create_user(store, "auditor", "bench-pass-1", "auditor")
    app = create_app(settings, store)
    c = _client(app)
    token = _token(c)

    run_a = _run(store, root / "ev", site.id, n)
    refs = [f.ref for f in fq.list_findings(store, None, fq.FindingFilter(run_id=run_a, latest=False))[0]
            if f.rule == "footer.icp"]
    t0 = time.perf_counter()
    for ref in refs:
        r = c.post(f"/findings/{ref}/review", data={"csrf_token": token, "verdict": "false_positive", "reason": "模板"})
        assert r.status_code == 302
    single = time.perf_counter() - t0

    run_b = _run(store, root / "ev", site.id, n)  # a second run: the group is reviewed again, as a whole
    t0 = time.perf_counter()
    page = c.get(f"/review?run_id={run_b}").get_data(as_text=True)
    render = time.perf_counter() - t0
    key = re.search(r'name="group" value="([0-9a-f]{20})"', page).group(1)
    r = c.post("/review/bulk", data={"csrf_token": token, "run_id": str(run_b), "group": key,
                                     "action": "group-confirmed", "reason": ""})
    assert r.status_code == 302, r.status_code
    group = time.perf_counter() - t0
    print(f"pages in the group: {n}")
    print(f"A. {len(refs)} single reviews: {single:.2f} s")
    print(f"B. one group review (open + bulk): {group:.2f} s  (rendering /review: {render:.2f} s)")
    print(f"ratio A/B: {single / group:.1f}")


if __name__ == "__main__":
    main()
