"""What an import found and did: row errors and the one result class of every kind of import."""

from dataclasses import dataclass, field

from .limits import MAX_SHOWN_REASON, shown


@dataclass(frozen=True)
class RowError:
    """One problem, as a person finds it in the spreadsheet: header is row 1, data starts at row 2.

    `row` is None for a problem with the file as a whole (unreadable, columns missing).
    """

    row: int | None
    column: str
    value: str
    reason: str

    def as_dict(self):
        return {"row": self.row, "column": shown(self.column), "value": shown(self.value),
                "reason": shown(self.reason, MAX_SHOWN_REASON)}

    def __str__(self):
        where = f"row {self.row}" if self.row else "file"
        if self.column:
            where += f", column '{shown(self.column)}'"
        if self.row:
            where += f", value '{shown(self.value)}'"
        return f"{where}: {shown(self.reason, MAX_SHOWN_REASON)}"


@dataclass
class ImportResult:
    """The outcome of one run of the pipeline, for any kind of file (a dry run or the real one)."""

    kind: str = ""
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # RowErrors, perhaps not all (see error_count)
    error_count: int = 0  # all errors, also those not kept
    rejected_row_count: int = 0
    header: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # field -> column index
    missing: list = field(default_factory=list)  # required fields without a column
    preview_rows: list = field(default_factory=list)  # [{"row": 2, "cells": [...]}]
    estimated_rows: int = 0
    dry_run: bool = False
    details: dict = field(default_factory=dict)  # what the kind adds to the summary
    held: str = ""  # why a file without errors was not written (a choice still to make)

    @property
    def rejected(self):
        return bool(self.error_count)

    @property
    def rejected_rows(self):
        """Rows that stopped the import; a problem with the whole file rejects every row."""
        if any(e.row is None for e in self.errors):
            return self.rows_read
        return self.rejected_row_count

    @property
    def imported(self):
        return self.created + self.updated

    def add_file_error(self, reason):
        self.errors.append(RowError(None, "", "", reason))
        self.error_count += 1

    def summary(self):
        return {
            "kind": self.kind, "rows_read": self.rows_read, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected_rows,
            "error_count": self.error_count, "errors_not_shown": self.error_count - len(self.errors),
            "dry_run": self.dry_run, **({"held": self.held} if self.held else {}), **self.details,
        }


@dataclass
class Checked:
    """One chunk after its checks: the good rows, ready to stage, and the errors of the others."""

    ready: object  # what the kind's staging takes (a DataFrame of database columns, or records)
    errors: "ChunkErrors | ErrorList"
    rows_read: int
    rejected_rows: int


class ErrorList:
    """A chunk's errors as a list of RowErrors, already in order (row, then left to right)."""

    def __init__(self, errors):
        self.errors, self.count = errors, len(errors)

    def first(self, limit):
        return self.errors[:max(0, limit)]


class ChunkErrors:
    """A chunk's errors as columns of reasons: counted at once, turned into RowErrors only as far
    as they are kept. `problems` are (position, header, cells, reasons) per column checked."""

    def __init__(self, problems):
        self.problems = [(position, header, text, reasons[reasons.notna()])
                         for position, header, text, reasons in problems]
        self.count = sum(len(reasons) for *_rest, reasons in self.problems)

    def first(self, limit):
        """The first `limit` errors, by row and then left to right as the row reads."""
        if limit <= 0 or not self.count:
            return []
        found = []
        for position, header, text, reasons in self.problems:
            for row, reason in reasons.iloc[:limit].items():
                found.append((row, position, RowError(int(row), header, text[row], reason)))
        found.sort(key=lambda item: item[:2])
        return [error for _row, _position, error in found[:limit]]
