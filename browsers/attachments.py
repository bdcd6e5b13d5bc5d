"""附件: the same-site PDF/DOCX/XLSX/XLS files a page links to, fetched and their text extracted for the content
rules (content.pii reads ``PageFacts.attachments``).

Fetching uses the link checker's HTTP client (clients/linkcheck.py: the host mapping, the private-target policy,
no cookies, the run's user agent), one file at a time with the crawl delay between, at most
``attachment_max_count`` files per page, each at most ``attachment_max_bytes`` (Content-Length refused up front, the
stream cut when it runs past).

Parsing runs in a child process (``python -m browsers.attachments FILE``) under ``RLIMIT_AS`` and ``RLIMIT_CPU``
and a wall-clock timeout, so a hostile file (a PDF whose page tree loops, a zip bomb posing as DOCX) costs that
file only: it comes back ``not_assessable`` with the reason and the run goes on. Parsers: pypdf, python-docx,
openpyxl (read-only, values), xlrd for .xls. Old binary .doc and .wps files have no parser here: «暂不支持解析»
(a .doc that is really a DOCX or PDF inside is parsed by its content).
"""
from __future__ import annotations

import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from auditor.config import Settings

EXTENSIONS = (".pdf", ".docx", ".xlsx", ".xls", ".doc", ".wps")
MAX_CHARS = 2_000_000  # text kept per attachment
ZIP_MAX_UNCOMPRESSED = 300_000_000
ZIP_MAX_RATIO = 200


# --- which links ------------------------------------------------------------------------------------------
def _ext(url: str) -> str | None:
    path = unquote(urlsplit(url).path).lower()
    for e in EXTENSIONS:
        if path.endswith(e):
            return e
    return None


def _same_site(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def attachment_links(probe: dict[str, Any], page_url: str, cap: int) -> list[tuple[str, str]]:
    """(url, link text) of the same-site attachments the page links to, in page order, at most ``cap``."""
    host = urlsplit(page_url).hostname or ""
    out: dict[str, str] = {}
    for link in probe.get("links", []):
        href = (link.get("href") or "").split("#", 1)[0]
        if not href.startswith(("http://", "https://")) or not _ext(href):
            continue
        if not _same_site(urlsplit(href).hostname or "", host):
            continue
        out.setdefault(href, (link.get("text") or "").strip())
        if len(out) >= cap:
            break
    return list(out.items())


# --- fetching ---------------------------------------------------------------------------------------------
async def fetch_file(url: str, settings: Settings, dest: Path, max_redirects: int = 5) -> tuple[int, str | None]:
    """GET the file into ``dest`` through the link checker's client -> (bytes, error in Chinese or None)."""
    import httpx

    from clients.linkcheck import _Checker

    cap = settings.attachment_max_bytes
    checker = _Checker(settings, per_host=1, concurrency=1, retries=0, backoff=0,
                       timeout=settings.attachment_timeout, retry_after_cap=0, sleep=asyncio.sleep)
    try:
        for _ in range(max_redirects + 1):
            host = urlsplit(url).hostname or ""
            err, detail = await checker._target(host)
            if err:
                return 0, f"未能下载（{detail or err}）"
            try:
                async with asyncio.timeout(settings.attachment_timeout):
                    async with checker.client.stream("GET", url) as resp:
                        if resp.is_redirect and resp.headers.get("location"):
                            url = urljoin(url, resp.headers["location"])
                            continue
                        if resp.status_code != 200:
                            return 0, f"下载失败：HTTP {resp.status_code}"
                        declared = resp.headers.get("content-length")
                        if declared and declared.isdigit() and int(declared) > cap:
                            return 0, f"文件大小 {int(declared) / 1e6:.1f} MB 超过上限 {cap / 1e6:.0f} MB，未检查"
                        size = 0
                        with dest.open("wb") as fh:
                            async for chunk in resp.aiter_bytes():
                                size += len(chunk)
                                if size > cap:
                                    return 0, f"文件大小超过上限 {cap / 1e6:.0f} MB，未检查"
                                fh.write(chunk)
                        return size, None
            except TimeoutError:
                return 0, f"下载超时（{settings.attachment_timeout:.0f} 秒）"
            except httpx.HTTPError as exc:
                return 0, f"下载失败：{type(exc).__name__}"
        return 0, "重定向次数过多"
    finally:
        await checker.close()


# --- parsing, in a child process --------------------------------------------------------------------------
def _limits(memory: int, cpu: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def _run_child(files: list[tuple[Path, str]], timeout: float, memory: int) -> list[dict[str, Any]] | dict[str, str]:
    """One limited child process over these files -> one result per file, or a process-level {"error"}."""
    cpu = max(1, int(timeout))
    args = [a for path, ext in files for a in (str(path), ext)]
    try:
        proc = subprocess.run([sys.executable, "-m", "browsers.attachments", *args],
                              capture_output=True, timeout=timeout, preexec_fn=lambda: _limits(memory, cpu),
                              cwd=str(Path(__file__).resolve().parents[1]), env={**os.environ, "PYTHONHASHSEED": "0"})
    except subprocess.TimeoutExpired:
        return {"error": f"解析超时（{timeout:.0f} 秒），文件可能有问题"}
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        if "MemoryError" in tail[0] or proc.returncode in (-9, 137):
            return {"error": "解析时超出内存上限，文件可能有问题"}
        if proc.returncode in (-24, -signal_cpu()):
            return {"error": "解析时超出时间上限，文件可能有问题"}
        return {"error": f"无法解析：{tail[0][:200]}"}
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return {"error": "无法解析：解析器输出无效"}
    if not isinstance(out, list) or len(out) != len(files):
        return {"error": "无法解析：解析器输出无效"}
    return out


def parse_file(path: Path, ext: str, timeout: float = 30.0, memory: int = 1_500_000_000) -> dict[str, Any]:
    """Extract the file's text in a limited child process -> {"chunks": [...]} or {"error": "…"}."""
    out = _run_child([(path, ext)], timeout, memory)
    return out if isinstance(out, dict) else out[0]


def parse_files(files: list[tuple[Path, str]], timeout: float = 30.0,
                memory: int = 1_500_000_000) -> list[dict[str, Any]]:
    """A page's files in one child process (one interpreter start, not one per file); when that child is stopped
    (time, memory), each file again on its own, so that only the hostile one is not_assessable."""
    if len(files) <= 1:
        return [parse_file(p, e, timeout, memory) for p, e in files]
    out = _run_child(files, timeout, memory)
    if isinstance(out, list):
        return out
    return [parse_file(p, e, timeout, memory) for p, e in files]


def signal_cpu() -> int:
    import signal

    return int(signal.SIGXCPU)


def _sniff(data: bytes) -> str:
    if data.startswith(b"%PDF"):
        return "pdf"
    if data.startswith(b"PK"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    return "other"


def _check_zip(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        total = sum(i.file_size for i in z.infolist())
        packed = sum(i.compress_size for i in z.infolist()) or 1
    if total > ZIP_MAX_UNCOMPRESSED or total / packed > ZIP_MAX_RATIO:
        raise ValueError(f"解压后 {total / 1e6:.0f} MB（压缩比 {total / packed:.0f}），疑似压缩炸弹，未解析")


def _col(n: int) -> str:
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _row_chunk(loc: str, cells: list[tuple[str, str]]) -> dict[str, Any] | None:
    cells = [(ref, t) for ref, t in cells if t]
    if not cells:
        return None
    return {"loc": loc, "text": "\t".join(t for _r, t in cells), "cells": [r for r, _t in cells]}


def _pdf(path: Path) -> list[dict[str, Any]]:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    out = []
    for i, page in enumerate(reader.pages, 1):
        text = page.extract_text() or ""
        for j, line in enumerate(text.splitlines(), 1):
            if line.strip():
                out.append({"loc": f"第 {i} 页第 {j} 行", "text": line})
    return out


def _docx(path: Path) -> list[dict[str, Any]]:
    import docx

    d = docx.Document(str(path))
    out = []
    for i, p in enumerate(d.paragraphs, 1):
        if p.text.strip():
            out.append({"loc": f"第 {i} 段", "text": p.text})
    for t, table in enumerate(d.tables, 1):
        for r, row in enumerate(table.rows, 1):
            ch = _row_chunk(f"表格 {t} 第 {r} 行", [(f"第 {c} 列", cell.text.strip())
                                                  for c, cell in enumerate(row.cells, 1)])
            if ch:
                out.append(ch)
    return out


def _xlsx(path: Path) -> list[dict[str, Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    out = []
    try:
        for ws in wb.worksheets:
            for r, row in enumerate(ws.iter_rows(values_only=True), 1):
                ch = _row_chunk(f"工作表“{ws.title}”第 {r} 行",
                                [(f"{_col(c)}{r}", _cell_text(v)) for c, v in enumerate(row, 1)])
                if ch:
                    out.append(ch)
    finally:
        wb.close()
    return out


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))  # an ID or phone typed as a number
    return str(v).strip()


def _xls(path: Path) -> list[dict[str, Any]]:
    import xlrd

    book = xlrd.open_workbook(str(path), on_demand=True)
    out = []
    for sheet in book.sheets():
        for r in range(sheet.nrows):
            ch = _row_chunk(f"工作表“{sheet.name}”第 {r + 1} 行",
                            [(f"{_col(c + 1)}{r + 1}", _cell_text(v)) for c, v in enumerate(sheet.row_values(r))])
            if ch:
                out.append(ch)
    return out


def extract(path: Path, ext: str) -> dict[str, Any]:
    """The file's text chunks with their locations (runs in the child process)."""
    with path.open("rb") as fh:
        kind = _sniff(fh.read(8))
    if kind == "pdf":
        chunks = _pdf(path)
    elif kind == "zip":
        _check_zip(path)
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
        if "word/document.xml" in names:
            chunks = _docx(path)
        elif "xl/workbook.xml" in names:
            chunks = _xlsx(path)
        else:
            return {"error": "不是可识别的 Office 文件"}
    elif kind == "ole" and ext == ".xls":
        chunks = _xls(path)
    elif kind == "ole":
        return {"error": f"暂不支持解析 {ext} 文件"}
    else:
        return {"error": f"文件内容不是 {ext.lstrip('.').upper()} 格式"}
    total, kept = 0, []
    for c in chunks:
        total += len(c["text"])
        if total > MAX_CHARS:
            break
        kept.append(c)
    return {"chunks": kept, "truncated": total > MAX_CHARS}


CACHE_ENTRIES = 200


async def gather(probe: dict[str, Any], page_url: str, settings: Settings,
                 cache: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Fetch and parse the page's same-site attachments -> PageFacts.attachments. ``cache`` (by URL, kept by the
    caller for a run) spares a site the same file fetched again for every page that links to it."""
    links = attachment_links(probe, page_url, settings.attachment_max_count)
    out: list[dict[str, Any]] = []
    if not links:
        return out
    fetched = 0
    todo: list[tuple[dict[str, Any], Path, str]] = []
    deadline = time.monotonic() + settings.attachment_budget
    with tempfile.TemporaryDirectory(prefix="govaudit-att-") as tmp:
        for i, (url, text) in enumerate(links):
            if cache is not None and url in cache:
                out.append({**cache[url], "link_text": text[:100]})
                continue
            if fetched:
                await asyncio.sleep(settings.crawl_delay)
            fetched += 1
            ext = _ext(url) or ""
            name = unquote(Path(urlsplit(url).path).name) or url
            entry: dict[str, Any] = {"url": url, "name": name, "ext": ext, "link_text": text[:100],
                                     "status": "not_assessable", "error": None, "bytes": 0, "chunks": []}
            out.append(entry)
            dest = Path(tmp) / f"a{i}{ext}"
            if time.monotonic() > deadline:  # the page's job has a time limit too
                entry["error"] = f"本页附件检查已超过时间预算（{settings.attachment_budget:.0f} 秒），未下载"
                continue
            size, err = await fetch_file(url, settings, dest)
            entry["bytes"] = size
            if err:
                entry["error"] = err
                continue
            todo.append((entry, dest, ext))
        results = await asyncio.to_thread(parse_files, [(d, e) for _en, d, e in todo],
                                          settings.attachment_parse_timeout, settings.attachment_parse_memory)
        for (entry, _dest, _ext_), parsed in zip(todo, results):
            if parsed.get("error"):
                entry["error"] = parsed["error"]
                continue
            entry.update(status="ok", chunks=parsed.get("chunks", []), truncated=parsed.get("truncated", False))
    if cache is not None:
        for entry in out:
            if len(cache) >= CACHE_ENTRIES:
                cache.pop(next(iter(cache)))
            cache[entry["url"]] = entry
    return out


def main(argv: list[str]) -> int:
    """Child process: FILE EXT [FILE EXT …] -> a JSON list, one {"chunks"} or {"error"} per file."""
    results = [_extract_one(Path(argv[i]), argv[i + 1]) for i in range(0, len(argv) - 1, 2)]
    sys.stdout.write(json.dumps(results, ensure_ascii=False))
    return 0


def _extract_one(path: Path, ext: str) -> dict[str, Any]:
    try:
        out = extract(path, ext)
    except MemoryError:
        out = {"error": "解析时超出内存上限，文件可能有问题"}
    except RecursionError:
        out = {"error": "文件结构循环引用，无法解析"}
    except Exception as exc:  # noqa: BLE001 - any parser failure is that file's verdict
        msg = str(exc)
        if msg.startswith("解压后"):
            out = {"error": msg}
        elif "cyclic" in msg.lower() or "loop" in msg.lower() or "recurs" in msg.lower():
            out = {"error": "文件结构循环引用，无法解析"}
        else:
            out = {"error": f"无法解析：{type(exc).__name__}: {msg[:160]}"}
    return out


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
