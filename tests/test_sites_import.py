"""The site-list import within limits (auditor/sites_import.py): a real zip bomb named .xlsx, a zip whose
directory lies about sizes, too many entries, a 5 MB CSV cell, too many rows, formula cells with and without
cached values (a minimal xlsx written by hand, as Excel writes them), and a URL urllib cannot parse.
Through read_site_list and through the real `govaudit sites import` command (exit 2, no traceback)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from auditor.config import Settings
from auditor.sites_import import FORMULA_NO_CACHE, SiteListError, read_site_list

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["网站名称", "网址", "网站标识码"]

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="网站清单" sheetId="1" r:id="rId1"/></sheets></workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
              'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = "</sheetData></worksheet>"


def _cell(ref: str, v: object) -> str:
    """A plain string, or ("=", formula, cached or None): a formula cell as Excel writes it (<f> and <v>)."""
    if isinstance(v, tuple):
        _, formula, cached = v
        cache = "" if cached is None else f"<v>{escape(cached)}</v>"
        return f'<c r="{ref}" t="str"><f>{escape(formula)}</f>{cache}</c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(v))}</t></is></c>'


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    """A minimal xlsx (the five parts Excel needs), written by hand so formula cells can carry cached values,
    which openpyxl cannot write."""
    xml = [SHEET_HEAD]
    for r, row in enumerate(rows, start=1):
        xml.append(f'<row r="{r}">' + "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row)) + "</row>")
    xml.append(SHEET_TAIL)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", "".join(xml))
    return path


def write_bomb(path: Path, megabytes: int) -> Path:
    """A real zip bomb: the workbook parts, and a sheet that inflates from `megabytes` MB of zeros after a
    valid start (written streaming: small on disk, never in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            f.write(SHEET_HEAD.encode())
            zeros = b"\0" * (1 << 20)
            for _ in range(megabytes):
                f.write(zeros)
    return path


def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GOVAUDIT_DATABASE_URL": f"sqlite:///{tmp_path}/g.db",
            "GOVAUDIT_EVIDENCE_DIR": str(tmp_path / "ev"), **env}
    return subprocess.run([sys.executable, "-m", "govaudit.cli", *args], capture_output=True, text=True,
                          timeout=300, env=base, cwd=ROOT, stdin=subprocess.DEVNULL)


def test_zip_bomb_named_xlsx_is_refused_by_its_directory(tmp_path):
    bomb = write_bomb(tmp_path / "网站清单.xlsx", 200)
    assert bomb.stat().st_size < 2_000_000  # small on disk, 200 MB inflated
    with pytest.raises(SiteListError, match="import_max_bytes"):
        read_site_list(bomb)
    p = _cli(["sites", "import", str(bomb)], tmp_path)
    assert p.returncode == 2 and "import_max_bytes" in p.stderr and "Traceback" not in p.stderr, p.stderr


def _patch_sizes(path: Path, name: str, size: int) -> None:
    """Make the zip's local header and central directory claim `size` bytes uncompressed for `name`."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(name)
    local = info.header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    data[local + 22:local + 26] = size.to_bytes(4, "little")
    cd = data.rfind(b"PK\x01\x02")  # the central directory is at the end: walk back to this entry
    name_b = name.encode()
    while cd != -1 and data[cd + 46:cd + 46 + len(name_b)] != name_b:
        cd = data.rfind(b"PK\x01\x02", 0, cd)
    assert cd != -1
    data[cd + 24:cd + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_zip_whose_directory_lies_is_refused_while_inflating(tmp_path):
    bomb = tmp_path / "lying.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:  # no zip64: plain 32-bit size fields
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + " " * 30_000_000 + SHEET_TAIL)
    _patch_sizes(bomb, "xl/worksheets/sheet1.xml", 1000)
    with zipfile.ZipFile(bomb) as zf:
        assert sum(i.file_size for i in zf.infolist()) < 10_000  # the directory says: tiny
    settings = Settings(import_max_bytes=5_000_000)
    with pytest.raises(SiteListError) as exc:
        read_site_list(bomb, settings)
    assert "Excel" in str(exc.value)


def test_too_many_zip_entries(tmp_path):
    path = write_xlsx(tmp_path / "many.xlsx", [HEADER, ["测试市人民政府", "www.ceshi.gov.cn", ""]])
    with zipfile.ZipFile(path, "a") as zf:
        for i in range(30):
            zf.writestr(f"xl/media/pad{i}.bin", b"x")
    with pytest.raises(SiteListError, match="import_max_entries"):
        read_site_list(path, Settings(import_max_entries=20))
    rows, errors = read_site_list(path)  # the default limit (200) lets it through
    assert [r.name for r in rows] == ["测试市人民政府"] and not errors


def test_five_megabyte_csv_cell(tmp_path):
    path = tmp_path / "网站清单.csv"
    path.write_text("网站名称,网址\n" + "测试市人民政府,http://www.ceshi.gov.cn/\n" + '"' + "x" * 5_000_000 + '",a\n',
                    encoding="utf-8")
    with pytest.raises(SiteListError, match="import_max_field"):
        read_site_list(path)
    p = _cli(["sites", "import", str(path)], tmp_path)
    assert p.returncode == 2 and "import_max_field" in p.stderr and "Traceback" not in p.stderr, p.stderr
    # Under the csv module's own cap but over the setting: refused by the setting, naming it.
    path.write_text("网站名称,网址\n" + "x" * 20_000 + ",http://www.ceshi.gov.cn/\n", encoding="utf-8")
    with pytest.raises(SiteListError, match=r"import_max_field.*10000|10000.*import_max_field"):
        read_site_list(path)


def test_too_many_rows(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text("网站名称,网址\n" + "".join(f"站{i},http://s{i}.gov.cn/\n" for i in range(12)), encoding="utf-8")
    with pytest.raises(SiteListError, match="import_max_rows"):
        read_site_list(path, Settings(import_max_rows=10))
    rows, _ = read_site_list(path, Settings(import_max_rows=12))
    assert len(rows) == 12
    xlsx = write_xlsx(tmp_path / "rows.xlsx", [["网站名称", "网址"]] + [[f"站{i}", f"http://s{i}.gov.cn/"]
                                                                      for i in range(12)])
    with pytest.raises(SiteListError, match="import_max_rows"):
        read_site_list(xlsx, Settings(import_max_rows=10))


def test_formula_cells_are_read_by_their_cached_value(tmp_path):
    path = write_xlsx(tmp_path / "formulas.xlsx", [
        HEADER,
        [("=", 'CONCATENATE("测试市","人民政府")', "测试市人民政府"), "www.ceshi.gov.cn", "1234000001"],
        [("=", 'CONCATENATE("示范市","人民政府")', None), "www.shifan.gov.cn", ""],
        ["乙市人民政府", ("=", '"http://www.yi.gov.cn/"', None), ""],
        ["", "www.bing.gov.cn", ""],
    ])
    rows, errors = read_site_list(path)
    assert [(r.name, r.url, r.site_code) for r in rows] == [("测试市人民政府", "http://www.ceshi.gov.cn/", "1234000001")]
    assert len(errors) == 3, errors
    assert errors[0].startswith("第 3 行") and "网站名称" + FORMULA_NO_CACHE in errors[0]
    assert "缺少网站名称" not in errors[0]
    assert errors[1].startswith("第 4 行") and "网址" + FORMULA_NO_CACHE in errors[1] and "缺少网址" not in errors[1]
    assert errors[2].startswith("第 5 行") and "缺少网站名称" in errors[2]  # a truly empty cell is still that


@pytest.mark.parametrize("bad", ["http://[::1", "http://[::1]:99999/", "ftp://www.ceshi.gov.cn/"])
def test_bad_url_cells_are_row_errors(tmp_path, bad):
    path = tmp_path / "urls.csv"
    path.write_text(f"网站名称,网址\n坏网址,{bad}\n好网站,www.hao.gov.cn\n", encoding="utf-8")
    rows, errors = read_site_list(path)
    assert [r.name for r in rows] == ["好网站"]
    assert len(errors) == 1 and errors[0].startswith("第 2 行") and ("网址" in errors[0] or "端口" in errors[0])


# --- the same limits through the web upload (POST /sites/import) ---

@pytest.fixture
def web(tmp_path):
    import re

    from auditor.store import Store
    from auditor.store.users import create_user
    from web.app import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path}/w.db", evidence_dir=str(tmp_path / "ev"),
                        secret_key="i" * 40)
    app = create_app(settings)
    store = Store(settings.database_url)
    create_user(store, "importer", "import-password-1", "auditor")
    c = app.test_client()
    tok = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").get_data(as_text=True)).group(1)
    assert c.post("/login", data={"username": "importer", "password": "import-password-1",
                                  "csrf_token": tok}).status_code == 302
    tok = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/sites").get_data(as_text=True)).group(1)

    def upload(path: Path):
        with path.open("rb") as f:
            return c.post("/sites/import", data={"csrf_token": tok, "file": (f, path.name)},
                          content_type="multipart/form-data")
    return upload, store


def test_web_upload_imports_a_list(web, tmp_path):
    upload, store = web
    path = write_xlsx(tmp_path / "清单.xlsx", [HEADER, [("=", '"测试市"&"人民政府"', "测试市人民政府"),
                                                     "www.ceshi.gov.cn", "1234000001"],
                                            ["坏网址", "http://[::1", ""]])
    r = upload(path)
    assert r.status_code == 302
    assert [s.name for s in store.sites()] == ["测试市人民政府"]


@pytest.mark.parametrize("kind", ["bomb", "cell"])
def test_web_upload_refuses_over_the_limits(web, tmp_path, kind):
    upload, store = web
    if kind == "bomb":
        path, limit = write_bomb(tmp_path / "bomb.xlsx", 200), "import_max_bytes"
    else:
        path, limit = tmp_path / "cell.csv", "import_max_field"
        path.write_text("网站名称,网址\n" + '"' + "x" * 5_000_000 + '",a\n', encoding="utf-8")
    r = upload(path)
    body = r.get_data(as_text=True)
    assert r.status_code == 400 and limit in body and "Traceback" not in body
    assert store.sites() == []
