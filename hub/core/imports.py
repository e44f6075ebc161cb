"""Bulk file imports: read a CSV or XLSX upload, check it, and run it as an ``ImportJob``.

Every importer (the catalog today; listings and orders later) goes through the same two steps:

1. ``start_import`` checks the file itself while the user waits. It refuses the file with a
   ``DomainError`` on field ``file`` (the API answers 400 and no job row is written) when it is over
   ``settings.IMPORT_MAX_BYTES``, is neither .csv nor .xlsx, is not UTF-8 text (CSV), is not a
   workbook (XLSX), has no data rows, or its header does not match the importer's columns.
   Otherwise it stores the file on a new ``ImportJob`` and queues ``schedules.run_import`` once
   that row is committed, so a separate worker can read it.
2. ``run_import_job`` (in the worker) reads every row and has the importer check all of them,
   saving progress every ``PROGRESS_EVERY`` rows so that a poll sees it move; every problem becomes
   a ``RowError`` (row, column, value, reason). A dry run stops there. What a real run writes is
   the importer's ``all_or_nothing``:

   - ``FILE`` (the catalog): a run with any error writes nothing; without errors the importer
     applies the whole file in one transaction, so a file is imported completely or not at all.
   - ``RECORD`` (orders, whose lines are rows): rows form records, each imported or refused whole.
     The importer applies the good records outside any transaction (each record, or page of them,
     takes its own, so one bad order never undoes the others) and reports the ones it refused,
     also for problems met only while writing. The job succeeds if any record was imported, with
     the refused ones in its errors; a retry re-applies safely because such an importer's writes are
     idempotent.

How a file is read:

- Row numbers are the spreadsheet's: the header is the first non-blank row (normally row 1) and
  the first data row is the next one. Fully blank rows are skipped but keep their numbers, so a
  reported row number is the one the user sees in Excel.
- Header names are normalised (trimmed, lower case, runs of spaces become ``_``), so "Selling Price"
  is ``selling_price``. A missing required column, an unknown column, a repeated column or a blank
  header cell refuses the file. Optional columns may be left out.
- CSV is UTF-8 with or without a byte-order mark; the delimiter (comma, semicolon or tab) is the
  one the header line uses most. Cells are trimmed.
- XLSX: the first worksheet, cell values as last saved (not formulas). Numbers become the text
  Excel shows: 6109.0 is "6109", 799.9 is "799.9" (15 significant digits, never an exponent);
  TRUE/FALSE are "true"/"false"; dates are ISO 8601.
"""

import abc
import codecs
import csv
import io
import logging
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from pathlib import PurePath
from typing import Any, ClassVar

import openpyxl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from hub.core.errors import DomainError
from hub.core.models import ImportJob

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 200
IN_QUERY_CHUNK = 5000  # values per ``__in`` lookup, well under SQLite's and PostgreSQL's parameter limits
MAX_INTEGER = 2_147_483_647
MAX_STORED_ERRORS = 10_000
MAX_ROWS = 100_000
CSV, XLSX = "csv", "xlsx"
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t")

FILE, RECORD = "file", "record"  # Importer.all_or_nothing

# ImportJob.Kind -> dotted path of its Importer (a path, so that hub.core never imports the apps).
IMPORTERS: dict[str, str] = {
    ImportJob.Kind.CATALOG: "hub.catalog.imports.CatalogImporter",
    ImportJob.Kind.LISTINGS: "hub.channels.imports.ListingImporter",
    ImportJob.Kind.ORDERS: "hub.orders.imports.OrderImporter",
}

Progress = Callable[[int], None]


@dataclass(frozen=True)
class RowError:
    """One problem in one cell (``column`` is "" when it concerns the whole row)."""

    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "value": self.value[:200]}


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its trimmed cells by (normalised) column.

    ``values`` holds exactly the columns the file has, so an importer can tell a blank cell
    (``""``) from a column that was left out (key absent). ``has_error`` is true when reading the
    file already found a problem with the row (cells past the header), which the job reports; a
    ``RECORD`` importer refuses the row's record for it.
    """

    number: int
    values: dict[str, str]
    has_error: bool = False


@dataclass
class Table:
    file_format: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


@dataclass
class Applied:
    """What a ``RECORD`` importer's ``apply`` did: the records it imported (created or updated) and
    refused (in validation or while writing), and the problems met only while writing."""

    created: int
    updated: int
    refused: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


class Importer(abc.ABC):
    """What one kind of file means. Subclasses name their columns and check and apply rows.

    ``options`` are what the upload said besides the file (an orders file names its account) and
    ``actor`` is the user who uploaded it, for the rows' history.
    """

    kind: ClassVar[str]
    columns: ClassVar[tuple[str, ...]]
    required_columns: ClassVar[frozenset[str]]
    all_or_nothing: ClassVar[str] = FILE  # or RECORD: see the module docstring
    record_name: ClassVar[str] = "record"  # what a RECORD importer's records are, for messages

    def __init__(self, *, options: dict | None = None, actor=None) -> None:
        self.options = options or {}
        self.actor = actor

    @abc.abstractmethod
    def validate(self, tenant, rows: list[Row], progress: Progress) -> tuple[Any, list[RowError]]:
        """Check every row; call ``progress(n)`` as rows are done. Returns (plan, errors); no writes."""

    @abc.abstractmethod
    def apply(self, tenant, plan: Any) -> tuple[int, int] | Applied:
        """``FILE``: write a plan that had no errors inside the caller's one transaction and return
        (created, updated). ``RECORD``: write the plan's good records, each in its own transaction,
        and return an ``Applied``."""

    def describe(self, plan: Any) -> str:
        """A short summary of what applying ``plan`` would do, for a dry run's message."""
        return "the file can be imported"


def get_importer(kind: str) -> type[Importer]:
    path = IMPORTERS.get(kind)
    if path is None:
        raise DomainError(f"There is no importer for {kind!r}.", field="kind")
    return import_string(path)


# Reading files ----------------------------------------------------------------------------------


def check_size(size: int) -> None:
    """Refuse a file larger than ``settings.IMPORT_MAX_BYTES``."""
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise DomainError(
            f"The file is {size:,} bytes; the largest file accepted is {limit:,} bytes. Split it into smaller files.",
            field="file",
            code="too_large",
        )


def detect_format(file_name: str, content: bytes) -> str:
    """``"xlsx"`` for a zip (what every .xlsx is) or a name ending .xlsx, ``"csv"`` for .csv."""
    suffix = PurePath(file_name or "").suffix.lower()
    if content.startswith(ZIP_MAGIC) or suffix == ".xlsx":
        return XLSX
    if suffix in {".csv", ".txt", ""}:
        return CSV
    raise DomainError(
        f"{file_name} is neither a .csv nor an .xlsx file; save it as one of those and upload again.",
        field="file",
        code="bad_format",
    )


def read_table(file_name: str, content: bytes, *, max_rows: int | None = None) -> Table:
    """The header and the non-blank data rows of an upload; ``max_rows`` stops early (a quick check)."""
    check_size(len(content))
    if not content.strip():
        raise DomainError("The file is empty.", field="file", code="empty")
    file_format = detect_format(file_name, content)
    reader = _xlsx_rows if file_format == XLSX else _csv_rows
    with closing(reader(content)) as lines:
        header, rows = _header_and_rows(lines, max_rows)
    return Table(file_format=file_format, header=header, rows=rows)


def _header_and_rows(
    lines: Iterator[tuple[int, list[str]]], max_rows: int | None
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in lines:
        if not any(cells):
            continue
        if header is None:
            header = cells
            continue
        if len(rows) >= MAX_ROWS:
            raise DomainError(
                f"The file has more than {MAX_ROWS:,} rows; split it.", field="file", code="too_large"
            )
        rows.append((number, cells))
        if max_rows is not None and len(rows) >= max_rows:
            break
    if header is None:
        raise DomainError("The file has no header row.", field="file", code="empty")
    if not rows:
        raise DomainError("The file has a header but no data rows.", field="file", code="empty")
    return header, rows


def _decode(content: bytes) -> str:
    skip = len(codecs.BOM_UTF8) if content.startswith(codecs.BOM_UTF8) else 0
    try:
        return content[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        line = content.count(b"\n", 0, offset) + 1
        raise DomainError(
            f"The file is not UTF-8 text: byte 0x{content[offset]:02x} at offset {offset} (line {line}) is not "
            "UTF-8. In Excel choose Save As > 'CSV UTF-8 (Comma delimited)' and upload again.",
            field="file",
            code="not_utf8",
        ) from exc


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as exc:
        raise DomainError(f"Line {reader.line_num} of the CSV cannot be read: {exc}.", field="file") from exc


def _not_a_workbook() -> DomainError:
    return DomainError(
        "The file is not an Excel .xlsx workbook (is it an old .xls, a renamed file, or damaged?). "
        "Save it as .xlsx or as CSV UTF-8 and upload again.",
        field="file",
        code="not_xlsx",
    )


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise _not_a_workbook() from exc
    try:
        if not workbook.worksheets:
            raise DomainError("The workbook has no worksheet.", field="file", code="empty")
        rows = workbook.worksheets[0].iter_rows(min_row=1, values_only=True)
        for number, values in enumerate(rows, start=1):
            yield number, [cell_text(value) for value in values]
    except DomainError:
        raise
    except Exception as exc:
        raise _not_a_workbook() from exc
    finally:
        workbook.close()


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a user sees in it (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return format(Decimal(format(value, ".15g")), "f")


# Reading cells (for importers) -----------------------------------------------------------------

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_EXPONENT_RE = re.compile(r"^[+-]?[\d.]+[eE][+-]?\d+$")
_YES = frozenset({"yes", "y", "true", "1"})
_NO = frozenset({"no", "n", "false", "0"})


class CellError(ValueError):
    """A cell that cannot be read; the message is the reason shown to the user."""


def parse_decimal(text: str, *, places: int | None = None) -> Decimal:
    """A number written plainly with a dot for decimals ("799", "-3", ".5"), at most ``places`` decimals.

    Refused alike in every importer: thousands separators and decimal commas, exponents, currency signs.
    """
    if not _NUMBER_RE.match(text):
        if "," in text:
            raise CellError(
                "Use a dot for decimals and no thousands separators (1299.50, not 1,299.50 or 1299,50)."
            )
        if _EXPONENT_RE.match(text):
            raise CellError("Write the number out in full, without an exponent.")
        raise CellError("Not a number.")
    decimals = text.partition(".")[2].rstrip("0")
    if places is not None and len(decimals) > places:
        raise CellError(f"At most {places} decimal places.")
    return Decimal(text)


def parse_whole(text: str, *, minimum: int = 0, maximum: int = MAX_INTEGER) -> int:
    """A whole number ("12", and "12.0" as written by some spreadsheets) within [minimum, maximum]."""
    value = parse_decimal(text)
    if value != value.to_integral_value():
        raise CellError("Must be a whole number.")
    if value < minimum:
        raise CellError("Must not be negative." if minimum == 0 else f"Must be at least {minimum}.")
    if value > maximum:
        raise CellError(f"Must be at most {maximum}.")
    return int(value)


def parse_yes_no(text: str) -> bool:
    """yes/no, y/n, true/false or 1/0, in any case."""
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise CellError("Write yes or no (or true/false, 1/0).")


def read_rows(rows: list[Row], read_row: Callable[[Row], tuple[Any, list[RowError]]], progress: Progress) -> tuple[list, list[RowError]]:
    """Read every row with ``read_row`` (a parsed row and its cell errors), reporting progress as it goes."""
    parsed: list = []
    errors: list[RowError] = []
    for done, row in enumerate(rows, start=1):
        item, row_errors = read_row(row)
        parsed.append(item)
        errors += row_errors
        progress(done)
    return parsed, errors


def chunked(values: Iterable, size: int = IN_QUERY_CHUNK) -> Iterator[list]:
    """Sorted, distinct values in slices small enough for one ``__in`` query on any backend."""
    ordered = sorted(set(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


# Headers ----------------------------------------------------------------------------------------


def normalise_column(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def check_header(header: list[str], importer: type[Importer]) -> list[str]:
    """The normalised column names of ``header``, or a DomainError saying what is wrong with it."""
    names = [normalise_column(cell) for cell in header]
    while names and not names[-1]:
        names.pop()
    if "" in names:
        position = names.index("") + 1
        raise DomainError(
            f"Column {position} of the header row has no name.", field="file", code="bad_header"
        )
    if repeated := sorted(name for name, count in Counter(names).items() if count > 1):
        raise DomainError(
            f"These columns appear more than once in the header: {', '.join(repeated)}.",
            field="file",
            code="bad_header",
        )
    missing = [
        column for column in importer.columns if column in importer.required_columns and column not in names
    ]
    unknown = [name for name in names if name not in importer.columns]
    if missing or unknown:
        raise DomainError(_header_message(importer, missing, unknown), field="file", code="bad_header")
    return names


def _header_message(importer: type[Importer], missing: list[str], unknown: list[str]) -> str:
    problems = []
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown columns: {', '.join(unknown)}")
    required = [column for column in importer.columns if column in importer.required_columns]
    return (
        f"The header does not match a {importer.kind} file ({'; '.join(problems)}). "
        f"Expected columns: {', '.join(importer.columns)} (required: {', '.join(required)})."
    )


def table_rows(table: Table, columns: list[str]) -> tuple[list[Row], list[RowError]]:
    """Each data row as a ``Row`` keyed by column; a row with filled cells past the header is an error."""
    width = len(columns)
    rows: list[Row] = []
    errors: list[RowError] = []
    for number, cells in table.rows:
        if extra := [cell for cell in cells[width:] if cell]:
            reason = (
                f"This row has {len(extra)} filled cell(s) to the right of the last column of the header."
            )
            errors.append(RowError(number, "", extra[0], reason))
        padded = cells[:width] + [""] * (width - len(cells))
        rows.append(Row(number, dict(zip(columns, padded, strict=True)), has_error=bool(extra)))
    return rows, errors


# Jobs -------------------------------------------------------------------------------------------


def start_import(
    tenant,
    *,
    kind: str,
    file_name: str,
    content: bytes,
    dry_run: bool,
    user=None,
    options: dict | None = None,
) -> ImportJob:
    """Check the file, store it as a pending job and queue the job's run after commit.

    ``options`` are handed to the importer (JSON values: an orders file's account id).
    Raises DomainError (field ``file``) for a file that cannot be imported at all; no job is written then.
    """
    from schedules.queues import Queue
    from schedules.tasks import run_import

    importer = get_importer(kind)
    table = read_table(file_name, content, max_rows=1)
    check_header(table.header, importer)
    job = ImportJob.objects.create(
        tenant=tenant,
        kind=kind,
        file_name=PurePath(file_name).name[:255],
        file_format=table.file_format,
        content=content,
        dry_run=dry_run,
        options=options or {},
        created_by=user,
    )
    transaction.on_commit(partial(run_import.apply_async, (job.id,), queue=Queue.BULK.value))
    return job


def run_import_job(job_id: int) -> ImportJob | None:
    """Validate, and unless a dry run apply, one pending job; returns it, or None if it is gone.

    A job that is already finished is left alone. Any failure ends the job FAILED with the reason,
    having written nothing (a ``RECORD`` import keeps the records written before the failure).
    """
    job = ImportJob.objects.select_related("tenant", "created_by").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return job
    try:
        _run(job)
    except DomainError as exc:
        _finish(job, ImportJob.Status.FAILED, message=f"{exc.message} {_what_was_written(job)}")
    except Exception as exc:
        logger.exception("Import job %s failed", job.pk)
        message = f"The import stopped on an unexpected error ({type(exc).__name__}: {exc}). {_what_was_written(job)}"
        _finish(job, ImportJob.Status.FAILED, message=message)
    return job


def _what_was_written(job: ImportJob) -> str:
    if job.status == ImportJob.Status.APPLYING and get_importer(job.kind).all_or_nothing == RECORD:
        return "Records imported before the error stay imported; upload the file again to import the rest."
    return "Nothing was imported."


def _run(job: ImportJob) -> None:
    importer_class = get_importer(job.kind)
    importer = importer_class(options=job.options, actor=job.created_by)
    _save(job, status=ImportJob.Status.VALIDATING, started_at=timezone.now(), processed_rows=0, message="")
    table = read_table(job.file_name, bytes(job.content))
    columns = check_header(table.header, importer_class)
    rows, errors = table_rows(table, columns)
    _save(job, total_rows=len(rows))
    plan, row_errors = importer.validate(job.tenant, rows, _progress_saver(job, len(rows)))
    errors = _sorted_errors(errors + row_errors, columns)
    _save(
        job,
        processed_rows=len(rows),
        error_count=len(errors),
        errors=[error.as_dict() for error in errors[:MAX_STORED_ERRORS]],
    )
    if job.dry_run:
        _finish(job, ImportJob.Status.VALIDATED, message=_dry_run_message(importer, plan, errors, len(rows)))
    elif importer.all_or_nothing == RECORD:
        _apply_records(job, importer, plan, errors, columns)
    elif errors:
        message = f"{_bad_rows(errors)} errors; nothing was imported.{_truncation_note(errors)}"
        _finish(job, ImportJob.Status.FAILED, message=message)
    else:
        _apply(job, importer, plan)


def _apply(job: ImportJob, importer: Importer, plan: Any) -> None:
    """All rows in one transaction; the job is marked done in the same one, so a retry never re-applies."""
    _save(job, status=ImportJob.Status.APPLYING)
    with transaction.atomic():
        created, updated = importer.apply(job.tenant, plan)
        unchanged = job.total_rows - created - updated
        message = (
            f"Imported {job.total_rows} row{'' if job.total_rows == 1 else 's'}: "
            f"{created} created, {updated} updated, {unchanged} unchanged."
        )
        _finish(
            job, ImportJob.Status.SUCCEEDED, created_count=created, updated_count=updated, message=message
        )


def _apply_records(
    job: ImportJob, importer: Importer, plan: Any, errors: list[RowError], columns: list[str]
) -> None:
    """Write the good records (the importer gives each its own transaction) and report the refused ones."""
    _save(job, status=ImportJob.Status.APPLYING)
    applied = importer.apply(job.tenant, plan)
    if not isinstance(applied, Applied):
        raise TypeError(f"{type(importer).__name__}.apply must return an Applied (it imports per record)")
    if applied.errors:
        errors = _sorted_errors(errors + applied.errors, columns)
    name = importer.record_name
    message = f"{_count(applied.imported, name)} imported, {applied.refused} refused"
    message += f" (see the error report).{_truncation_note(errors)}" if applied.refused else "."
    status = (
        ImportJob.Status.SUCCEEDED if applied.imported or not applied.refused else ImportJob.Status.FAILED
    )
    _finish(
        job, status, created_count=applied.created, updated_count=applied.updated, error_count=len(errors),
        errors=[error.as_dict() for error in errors[:MAX_STORED_ERRORS]], message=message,
    )  # fmt: skip


def _count(number: int, name: str) -> str:
    return f"{number} {name}{'' if number == 1 else 's'}"


def _progress_saver(job: ImportJob, total: int) -> Progress:
    """A callback that writes ``processed_rows`` at most every PROGRESS_EVERY rows (and at the end)."""
    saved = 0

    def progress(done: int) -> None:
        nonlocal saved
        if done - saved >= PROGRESS_EVERY or (done >= total and saved < total):
            saved = min(done, total)
            _save(job, processed_rows=saved)

    return progress


def _save(job: ImportJob, **fields: Any) -> None:
    """Write some fields at once (never ``save()``, which would rewrite the stored file too)."""
    for name, value in fields.items():
        setattr(job, name, value)
    ImportJob.objects.filter(pk=job.pk).update(**fields)


def _finish(job: ImportJob, status: str, **fields: Any) -> None:
    _save(job, status=status, finished_at=timezone.now(), **fields)


def _sorted_errors(errors: list[RowError], columns: list[str]) -> list[RowError]:
    order = {column: index for index, column in enumerate(columns)}
    return sorted(errors, key=lambda error: (error.row, order.get(error.column, -1)))


def _bad_rows(errors: list[RowError]) -> str:
    """How many rows have at least one error, as "1 row has" or "3 rows have"."""
    count = len({error.row for error in errors})
    return "1 row has" if count == 1 else f"{count} rows have"


def _truncation_note(errors: list[RowError]) -> str:
    if len(errors) <= MAX_STORED_ERRORS:
        return ""
    return f" {len(errors):,} problems were found; the first {MAX_STORED_ERRORS:,} are listed."


def _dry_run_message(importer: Importer, plan: Any, errors: list[RowError], total: int) -> str:
    if errors and importer.all_or_nothing == RECORD:
        return (
            f"Dry run: {_bad_rows(errors)} errors ({len(errors)} problems in {total} rows); "
            f"{importer.describe(plan)}. Nothing was written.{_truncation_note(errors)}"
        )
    if errors:
        return (
            f"Dry run: {_bad_rows(errors)} errors ({len(errors)} problems in {total} rows); "
            f"fix them and upload again. Nothing was written.{_truncation_note(errors)}"
        )
    return f"Dry run: all {total} rows are valid; {importer.describe(plan)}. Nothing was written."


# Error report -----------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "@", "\t", "\r")


def _safe_cell(value: object) -> object:
    """Keep a spreadsheet from running a cell as a formula when the report is opened in Excel."""
    text = str(value)
    if text.startswith(_FORMULA_START) or (text.startswith("-") and not re.match(r"^-[\d.]", text)):
        return "'" + text
    return value


def error_report_csv(job: ImportJob) -> str:
    """The job's stored errors as CSV: row, column, value, reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["row", "column", "value", "reason"])
    for error in job.errors:
        writer.writerow([_safe_cell(error.get(key, "")) for key in ("row", "column", "value", "reason")])
    return buffer.getvalue()
