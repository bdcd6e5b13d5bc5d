"""季度检查情况通报（草稿）: built from the quarter's runs and their 19号 scorecards, written as DOCX, XLSX or HTML."""
from auditor.bulletin.model import Bulletin, BulletinError, Quarter, build_bulletin
from auditor.bulletin.writers import write_docx, write_html, write_xlsx

__all__ = ["Bulletin", "BulletinError", "Quarter", "build_bulletin", "write_docx", "write_html", "write_xlsx"]
