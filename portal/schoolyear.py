"""Dutch school years run from 1 August to 31 July."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta


@dataclass(frozen=True)
class SchoolYear:
    start_year: int

    @classmethod
    def of(cls, day):
        return cls(day.year if day.month >= 8 else day.year - 1)

    @classmethod
    def parse(cls, label):
        """'2025-2026' -> SchoolYear(2025); raises ValueError otherwise."""
        first, _, second = label.partition("-")
        if not (first.isdigit() and second.isdigit() and int(second) == int(first) + 1):
            raise ValueError(f"A school year looks like 2025-2026; got {label!r}.")
        return cls(int(first))

    @property
    def start(self):
        return date(self.start_year, 8, 1)

    @property
    def end(self):
        return date(self.start_year + 1, 7, 31)

    def __contains__(self, day):
        return self.start <= day <= self.end

    def __str__(self):
        return f"{self.start_year}-{self.start_year + 1}"


def week_start(day):
    """Monday of the ISO week that contains `day`; weeks are stored by their Monday."""
    return day - timedelta(days=day.weekday())


def parse_week(value):
    """'2026-W48' -> Monday date; raises ValueError for anything else."""
    try:
        return datetime.strptime(f"{value}-1", "%G-W%V-%u").date()
    except (TypeError, ValueError):
        raise ValueError(f"A week looks like 2026-W48; got {value!r}.") from None


def week_label(monday):
    return f"{monday:%G-W%V}"
