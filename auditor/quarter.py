"""季度: the quarter a 通报 and a trend count in (Beijing time), e.g. 2026Q4."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

BJT = timezone(timedelta(hours=8))
_QUARTER = re.compile(r"^(\d{4})[Qq]([1-4])$")


class QuarterError(ValueError):
    """Not a quarter; the message says so in Chinese."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, raw: str) -> "Quarter":
        m = _QUARTER.match(raw.strip())
        if not m:
            raise QuarterError(f"季度格式应为 2026Q4：{raw}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, when: datetime) -> "Quarter":
        """The quarter a moment falls in, in Beijing time (a naive time is taken as UTC, as the store keeps it)."""
        d = (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(BJT)
        return cls(d.year, (d.month - 1) // 3 + 1)

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:  # exclusive
        return date(self.year + (self.q == 4), 1 if self.q == 4 else 3 * self.q + 1, 1)

    @property
    def start_utc(self) -> datetime:
        return _utc(self.start)

    @property
    def end_utc(self) -> datetime:
        return _utc(self.end)

    @property
    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def back(self, n: int) -> list["Quarter"]:
        """The last ``n`` quarters ending with this one, oldest first."""
        out = [self]
        while len(out) < n:
            out.append(out[-1].previous)
        return out[::-1]

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.q - 1]}季度"

    @property
    def short(self) -> str:
        return f"{self.year}年{self.q}季度"

    def __str__(self) -> str:
        return f"{self.year}Q{self.q}"


def _utc(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=BJT).astimezone(timezone.utc)
