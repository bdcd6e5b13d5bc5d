"""计分 (19号): the scoring table as data and the per-site scorecard, pure (no I/O beyond reading the table)."""
from auditor.scoring.card import (FAIL, MET, NOT_MET, PASS, Deduction, Finding, GroupScore, Judgement, Pending,
                                  Reduction, Scorecard, Veto, score_site)
from auditor.scoring.table import DEFAULT_TABLE, Indicator, Table, TableError, load_table

__all__ = ["FAIL", "MET", "NOT_MET", "PASS", "Deduction", "Finding", "GroupScore", "Judgement", "Pending",
           "Reduction", "Scorecard", "Veto", "score_site", "DEFAULT_TABLE", "Indicator", "Table", "TableError",
           "load_table"]
