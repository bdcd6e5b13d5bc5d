"""The 评测报告's input: one run evaluated against one standard (assembled by ``auditor.store.conformance``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auditor.conformance.model import Conformance, PageObs
from auditor.conformance.sample import Sample
from auditor.conformance.standards import Standard


@dataclass
class Evaluation:
    """Everything a 评测报告 shows: the run, its sample, the per-criterion results and how they were made."""
    run: Any  # the stored run (auditor.store.models.Run): its pages, checks and options
    standard: Standard
    sample: Sample
    conformance: Conformance
    pages: list[PageObs]  # the sample pages
    method: dict[str, Any]
