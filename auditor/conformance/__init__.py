"""无障碍评测报告 (accessibility evaluation report): per criterion, per site, as evaluators deliver it.

- ``mapping.json``: the criteria (WCAG 2.x with GB/T 37668-2019 clauses, 适老化 规范) and which automated checks
  cover each; shared with ``auditor.a11y``;
- ``standards``: the criteria of each standard; ``model``: one result per criterion (pure);
- ``sample``: the WCAG-EM sample; ``load``: inputs from the Store, 人工评测 judgements;
- ``earl`` / ``html`` / ``docx``: the report as WCAG-EM Report Tool JSON, a self-contained HTML page, a DOCX.
"""
