"""People (and their supporters) imported from a CSV file, as a care record system exports
them (issue 20). ``docs/people-import-sample.csv`` is a sample.

Two steps. :func:`preview_import` reads the whole file and lists every problem by row and
column, in kind words; only a file with no problem is kept (``PeopleImport``), and nothing
else is written. :func:`confirm_import` reads the kept file again (anything may have changed
since) and writes every person through the people service, each placed in the service the
file names, with their supporters; both steps are audited.

A person already recorded (same full name and date of birth, whatever their service), or
twice in the file, is a problem: duplicates are never imported. Only administrators and
managers import, and only into services they belong to (or all, for those who see all).
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import ADVOCATE_ROLES, PeopleImport, Person, Role, SupporterRole, User, utcnow
from ...prompts.library import load_library
from .. import NotFound, ServiceError, audit, people, scope

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
SUPPORTERS_PER_ROW = 2
IMPORT_ROLES = frozenset({Role.MANAGER, Role.ADMIN})
REQUIRED = ("full_name", "preferred_name", "date_of_birth", "service")
OPTIONAL = ("language", "communication_needs")
SUPPORTER_FIELDS = ("name", "relationship", "relationship_note", "role", "email", "phone")
SUPPORTER_COLUMNS = tuple(
    f"supporter{n}_{f}" for n in range(1, SUPPORTERS_PER_ROW + 1) for f in SUPPORTER_FIELDS
)
COLUMNS = REQUIRED + OPTIONAL + SUPPORTER_COLUMNS
# Advocates are linked to their sign-in accounts by staff, never from a file.
IMPORT_SUPPORTER_ROLES = tuple(r.value for r in SupporterRole if r not in ADVOCATE_ROLES)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")
LIMITS = {"full_name": 160, "preferred_name": 80, "communication_needs": 2000}
SUPPORTER_LIMITS = {"name": 160, "email": 254, "phone": 40, "relationship_note": 160}


@dataclass
class Problem:
    """One thing to put right: the row as a spreadsheet numbers it (the column names are row
    1), the column's name, and what is wrong. ``row``/``column`` None: the whole file."""

    row: int | None
    column: str | None
    message: Any  # a lazy string, read in the reader's language


@dataclass
class SupporterRow:
    name: str
    relationship: str
    relationship_note: str | None
    role: SupporterRole
    email: str | None
    phone: str | None


@dataclass
class PersonRow:
    """One person as they will be written."""

    row: int
    full_name: str
    preferred_name: str
    date_of_birth: date
    service_id: int
    service_name: str
    language: str
    communication_needs: str | None
    supporters: list[SupporterRow] = field(default_factory=list)


@dataclass
class Preview:
    """What the file would import, or every problem in it."""

    filename: str
    people: list[PersonRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    kept: PeopleImport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def supporter_count(self) -> int:
        return sum(len(p.supporters) for p in self.people)


def _check_actor(actor: User | None) -> None:
    if actor is None or actor.role not in IMPORT_ROLES:
        raise ServiceError(_l("Only a manager or an administrator can import people."))


def _text(data: bytes, max_bytes: int) -> tuple[str | None, Problem | None]:
    """The file's text, or the one problem that stops it being read at all."""
    if not data or not data.strip():
        return None, Problem(None, None, _l("The file is empty. Choose the CSV file again."))
    if len(data) > max_bytes:
        return None, Problem(None, None, _l(
            "The file is larger than %(size)s MB. Split it into smaller files and import each.",
            size=f"{max_bytes / (1024 * 1024):g}"))  # fmt: skip
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return None, Problem(None, None, _l(
            "This looks like a spreadsheet file, not CSV. In your spreadsheet, choose "
            "'Save as' and 'CSV UTF-8', then import that file."))  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, Problem(None, None, _l(
            "The file is not in UTF-8, so names with accents could be spoiled. In your "
            "spreadsheet, choose 'Save as' and 'CSV UTF-8', then import that file."))  # fmt: skip
    if "\x00" in text:
        return None, Problem(None, None, _l("This is not a CSV file. Choose a CSV file."))
    return text, None


def _column(name: str) -> str:
    return "_".join(name.strip().lower().replace("-", " ").split())


def _date(value: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


class _Reader:
    """Reads the rows one by one, collecting every problem (it never stops at the first)."""

    def __init__(self, session: Session, actor: User | None) -> None:
        self.session = session
        self.problems: list[Problem] = []
        self.allowed = scope.service_ids_for(session, actor)
        self.languages = set(load_library().languages)
        self.seen: dict[tuple[str, date], int] = {}
        self.services: dict[str, Any] = {}

    def problem(self, row: int, column: str | None, message: Any) -> None:
        self.problems.append(Problem(row, column, message))

    def text(self, row: int, values: dict[str, str], column: str, limit: int) -> str:
        value = " ".join((values.get(column) or "").split())
        if len(value) > limit:
            self.problem(row, column, _l("This is longer than %(n)s letters.", n=limit))
        return value

    def service(self, row: int, name: str) -> Any:
        if not name:
            self.problem(row, "service", _l("Say which service supports this person."))
            return None
        folded = name.lower()
        if folded not in self.services:
            self.services[folded] = scope.find_service(self.session, name)
        found = self.services[folded]
        if found is None or not found.active:
            self.problem(row, "service", _l(
                "There is no open service called '%(name)s'. Use a service's name as "
                "Facilitator shows it, or ask an administrator to add it.", name=name))  # fmt: skip
            return None
        if self.allowed is not None and found.id not in self.allowed:
            self.problem(row, "service", _l(
                "You cannot add people to '%(name)s': it is not one of your services.",
                name=found.name))  # fmt: skip
            return None
        return found

    def birth(self, row: int, value: str) -> date | None:
        if not value:
            self.problem(row, "date_of_birth", _l(
                "Give the date of birth: it tells people with the same name apart."))  # fmt: skip
            return None
        born = _date(value)
        if born is None:
            self.problem(row, "date_of_birth", _l(
                "'%(value)s' is not a date Facilitator reads. Write it as 1948-03-21 or "
                "21/03/1948.", value=value[:40]))  # fmt: skip
            return None
        if born > date.today() or born.year < 1900:
            self.problem(row, "date_of_birth", _l("This date of birth cannot be right."))
            return None
        return born

    def duplicate(self, row: int, full_name: str, born: date) -> None:
        key = (full_name.casefold(), born)
        if key in self.seen:
            self.problem(row, "full_name", _l(
                "This person is in the file twice: the same name and date of birth as row "
                "%(row)s. Keep one of the rows.", row=self.seen[key]))  # fmt: skip
            return
        self.seen[key] = row
        existing = self.session.scalar(
            select(Person.id)
            .where(func.lower(Person.full_name) == full_name.lower(), Person.date_of_birth == born)
            .limit(1)
            .execution_options(**{scope.ALL_PEOPLE: True})
        )
        if existing is not None:
            self.problem(row, "full_name", _l(
                "A person with this name and date of birth is already recorded in "
                "Facilitator. Remove the row, or check with your manager whether this is "
                "someone else."))  # fmt: skip

    def supporter(self, row: int, values: dict[str, str], n: int) -> SupporterRow | None:
        prefix = f"supporter{n}_"
        given = {f: " ".join((values.get(prefix + f) or "").split()) for f in SUPPORTER_FIELDS}
        if not any(given.values()):
            return None
        before = len(self.problems)
        for key, limit in SUPPORTER_LIMITS.items():
            if len(given[key]) > limit:
                self.problem(row, prefix + key, _l("This is longer than %(n)s letters.", n=limit))
        if not given["name"]:
            self.problem(row, prefix + "name", _l("Give the supporter's name."))
        try:
            relationship, note = people.check_relationship(
                given["relationship"], given["relationship_note"], strict=True
            )
        except ServiceError as error:
            self.problem(row, prefix + "relationship", error.args[0] if error.args else error)
            relationship, note = "", None
        if given["role"].lower() not in IMPORT_SUPPORTER_ROLES:
            self.problem(row, prefix + "role", _l(
                "Use one of: %(roles)s. (An advocate is added by staff, with their account.)",
                roles=", ".join(IMPORT_SUPPORTER_ROLES)))  # fmt: skip
        if given["email"] and ("@" not in given["email"] or " " in given["email"]):
            self.problem(row, prefix + "email", _l("This is not an email address."))
        if len(self.problems) > before:
            return None
        return SupporterRow(
            name=given["name"], relationship=relationship, relationship_note=note,
            role=SupporterRole(given["role"].lower()), email=given["email"] or None,
            phone=given["phone"] or None,
        )  # fmt: skip

    def person(self, row: int, values: dict[str, str]) -> PersonRow | None:
        before = len(self.problems)
        full_name = self.text(row, values, "full_name", LIMITS["full_name"])
        preferred = self.text(row, values, "preferred_name", LIMITS["preferred_name"])
        needs = self.text(row, values, "communication_needs", LIMITS["communication_needs"])
        if not full_name:
            self.problem(row, "full_name", _l("Give the person's full name."))
        if not preferred:
            self.problem(row, "preferred_name", _l(
                "Give the name the person likes to be called."))  # fmt: skip
        born = self.birth(row, (values.get("date_of_birth") or "").strip())
        service = self.service(row, " ".join((values.get("service") or "").split()))
        language = (values.get("language") or "").strip().lower() or "en"
        if language not in self.languages:
            self.problem(row, "language", _l(
                "Use a language code Facilitator speaks: %(codes)s.",
                codes=", ".join(sorted(self.languages))))  # fmt: skip
        if full_name and born:
            self.duplicate(row, full_name, born)
        found = [self.supporter(row, values, n) for n in range(1, SUPPORTERS_PER_ROW + 1)]
        if len(self.problems) > before or born is None or service is None:
            return None
        return PersonRow(
            row=row, full_name=full_name, preferred_name=preferred, date_of_birth=born,
            service_id=service.id, service_name=service.name, language=language,
            communication_needs=needs or None, supporters=[s for s in found if s],
        )  # fmt: skip


def read_file(
    session: Session, actor: User | None, filename: str, data: bytes, *, max_bytes: int = MAX_BYTES
) -> Preview:
    """Read the whole file and list every problem; nothing is written."""
    preview = Preview(filename=filename)
    text, stop = _text(data, max_bytes)
    if stop is not None or text is None:
        preview.problems.append(stop or Problem(None, None, _l("The file is empty.")))
        return preview
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        preview.problems.append(Problem(None, None, _l(
            "This file could not be read as CSV. Save it from your spreadsheet as "
            "'CSV UTF-8' and try again.")))  # fmt: skip
        return preview
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        preview.problems.append(Problem(None, None, _l("The file is empty.")))
        return preview
    header = [_column(c) for c in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        preview.problems.append(Problem(1, None, _l(
            "The first row must name the columns. Missing: %(columns)s. The sample file in "
            "the help shows every column.", columns=", ".join(missing))))  # fmt: skip
        return preview
    preview.ignored_columns = [c for c in header if c and c not in COLUMNS]
    if len(rows) == 1:
        preview.problems.append(Problem(None, None, _l(
            "The file names its columns but has no people in it.")))  # fmt: skip
        return preview
    if len(rows) - 1 > MAX_ROWS:
        preview.problems.append(Problem(None, None, _l(
            "The file has %(count)s people; import at most %(max)s at a time.",
            count=len(rows) - 1, max=MAX_ROWS)))  # fmt: skip
        return preview
    reader = _Reader(session, actor)
    for number, cells in enumerate(rows[1:], start=2):
        if len(cells) > len(header):
            reader.problem(number, None, _l(
                "This row has more cells than there are column names: a comma in a name "
                "needs the name in double quotes."))  # fmt: skip
            continue
        values = {header[i]: cell for i, cell in enumerate(cells)}
        made = reader.person(number, values)
        if made is not None:
            preview.people.append(made)
    preview.problems.extend(reader.problems)
    return preview


def preview_import(
    session: Session, *, actor: User | None, filename: str, data: bytes,
    max_bytes: int = MAX_BYTES,
) -> Preview:  # fmt: skip
    """Read the file; if it has no problem, keep it for confirming (and audit that)."""
    _check_actor(actor)
    assert actor is not None
    filename = (filename or "people.csv").rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    preview = read_file(session, actor, filename, data, max_bytes=max_bytes)
    if preview.ok:
        kept = PeopleImport(
            uploaded_by_id=actor.id, filename=filename, sha256=hashlib.sha256(data).hexdigest(),
            content=data.decode("utf-8-sig"), row_count=len(preview.people),
        )  # fmt: skip
        session.add(kept)
        session.flush()
        audit.record(
            session, "people_import.previewed", actor=actor, obj=kept,
            detail={"rows": kept.row_count, "sha256": kept.sha256},
        )  # fmt: skip
        preview.kept = kept
    return preview


def confirm_import(session: Session, *, actor: User | None, import_id: int) -> PeopleImport:
    """Write the kept file's people through the people service; all of them or none."""
    _check_actor(actor)
    assert actor is not None
    kept = session.get(PeopleImport, import_id)
    if kept is None or kept.uploaded_by_id != actor.id:
        raise NotFound(_l("That import was not found. Upload the file again."))
    if kept.confirmed_at is not None:
        raise ServiceError(_l("This file was already imported: nobody was added twice."))
    preview = read_file(session, actor, kept.filename, kept.content.encode("utf-8"),
                        max_bytes=max(MAX_BYTES, len(kept.content.encode("utf-8"))))  # fmt: skip
    if not preview.ok:
        raise ServiceError(_l(
            "Something changed since the preview (someone in the file may have been added "
            "meanwhile). Upload the file again to see what to put right."))  # fmt: skip
    for row in preview.people:
        person = people.create_person(
            session, actor=actor, preferred_name=row.preferred_name, full_name=row.full_name,
            language=row.language, communication_needs=row.communication_needs,
            date_of_birth=row.date_of_birth, service_id=row.service_id,
        )  # fmt: skip
        for s in row.supporters:
            people.add_supporter(
                session, person, actor=actor, name=s.name, relationship=s.relationship,
                relationship_note=s.relationship_note, role=s.role, email=s.email,
                phone=s.phone, strict=True,
            )  # fmt: skip
    kept.confirmed_at = utcnow()
    kept.people_created = len(preview.people)
    audit.record(
        session, "people_import.confirmed", actor=actor, obj=kept,
        detail={"people": len(preview.people), "supporters": preview.supporter_count,
                "sha256": kept.sha256},
    )  # fmt: skip
    return kept
