"""Importing people from a CSV file (issue 20): preview, every problem by row and column,
nothing written until the whole file is valid, duplicates refused, confirm, audited."""

from __future__ import annotations

import io
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from facilitator.extensions import db
from facilitator.models import AuditEvent, PeopleImport, Person, PersonService, Service, Supporter

from ..conftest import csrf_from, sign_in

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "people-import-sample.csv"
MANAGER = "manager@demo.facilitator.test"
URL = "/staff/people/import/"
HEADER = "full_name,preferred_name,date_of_birth,service,supporter1_name,supporter1_relationship,supporter1_role\n"  # noqa: E501
OAK = "Oak House supported living"


def _upload(client: FlaskClient, data: bytes, name: str = "people.csv"):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(URL).get_data(as_text=True))
    return client.post(
        URL,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _confirm(client: FlaskClient, page: str):  # type: ignore[no-untyped-def]
    found = re.search(r'name="import_id" value="(\d+)"', page)
    assert found, page
    return client.post(
        "/staff/people/import/confirm",
        data={"csrf_token": csrf_from(page), "import_id": found.group(1)},
    )


def _people(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Person.id)).execution_options(all_people=True))


def _problems(page: str) -> list[tuple[str, str, str]]:
    table = page.split('id="import-problems"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table, re.S)
    return [(a.strip(), b.strip(), c.strip()) for a, b, c in rows]


def test_the_sample_file_imports_after_a_preview(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, MANAGER)
    before = _people(app)
    assert "Import people from a CSV file" in client.get("/staff/").get_data(as_text=True)
    preview = _upload(client, SAMPLE.read_bytes(), "sample.csv")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    assert (
        "Margaret Ellis" in page
        and "O&#39;Brien, Patrick" in page
        and "neighbour of 20 years" in page
    )
    assert _people(app) == before  # nothing written before confirming
    done = _confirm(client, page)
    assert done.status_code == 303
    assert _people(app) == before + 3
    with app.app_context():
        rhys = db.session.scalar(select(Person).where(Person.full_name == "Rhys Llywelyn"))
        assert (
            rhys is not None
            and rhys.language == "cy"
            and rhys.date_of_birth.isoformat() == "1961-09-21"
        )
        placed = db.session.scalar(
            select(Service.name).join(PersonService).where(PersonService.person_id == rhys.id)
        )
        assert placed == OAK
        names = set(
            db.session.scalars(select(Supporter.name).where(Supporter.person_id == rhys.id))
        )
        assert names == {"Ceri Llywelyn", "Tom Price"}
        actions = list(db.session.scalars(select(AuditEvent.action)))
        assert "people_import.previewed" in actions and "people_import.confirmed" in actions
        kept = db.session.scalar(select(PeopleImport))
        assert kept is not None and kept.people_created == 3
    # confirming again adds nobody twice
    again = _confirm(client, page)
    assert again.status_code == 303 and _people(app) == before + 3
    assert "already imported" in client.get(URL).get_data(as_text=True)
    # and the same file again is refused: everyone in it is already recorded
    second = _upload(client, SAMPLE.read_bytes())
    assert second.status_code == 400
    problems = _problems(second.get_data(as_text=True))
    assert [(r, c) for r, c, _ in problems] == [
        ("2", "full_name"),
        ("3", "full_name"),
        ("4", "full_name"),
    ]
    assert all("already recorded" in m for _, _, m in problems)


def test_every_problem_is_listed_by_row_and_column(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, MANAGER)
    before = _people(app)
    text = HEADER + (
        f"Ann Jones,Ann,1950-02-30,{OAK},,,\n"  # no such date
        "Bob Smith,,1950-02-03,Nowhere House,,,\n"  # no preferred name, unknown service
        f"Cai Evans,Cai,1949-04-04,{OAK},Dee Evans,wizard,family\n"  # relationship off the list
        f"Cai Evans,Cai,1949-04-04,{OAK},,,\n"  # the same person twice
        f"Fine Person,Fine,1949-04-04,{OAK},Eve,sister,advocate\n"  # a role not imported
    )
    response = _upload(client, text.encode())
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nobody has been added" in page
    where = [(r, c) for r, c, _ in _problems(page)]
    assert where == [
        ("2", "date_of_birth"),
        ("3", "preferred_name"),
        ("3", "service"),
        ("4", "supporter1_relationship"),
        ("5", "full_name"),
        ("6", "supporter1_role"),
    ]
    assert "same name and date of birth as row 4" in page
    assert _people(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count(PeopleImport.id))) == 0


def test_bad_files_are_refused_kindly(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, MANAGER)
    cases = [
        (b"", "The file is empty"),
        (b"PK\x03\x04 spreadsheet bytes", "looks like a spreadsheet file"),
        ((HEADER + f"Zo\xeb Price,Zo\xeb,1950-01-01,{OAK},,,\n").encode("latin-1"), "not in UTF-8"),
        (
            b"name,dob\nAnn,1950-01-01\n",
            "Missing: full_name, preferred_name, date_of_birth, service",
        ),
        (HEADER.encode(), "has no people in it"),
        (b"\x00\x01\x02binary", "not a CSV file"),
    ]
    for data, said in cases:
        response = _upload(client, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, said
        assert said in page.replace("&#39;", "'"), said
    app.config["IMPORT_MAX_BYTES"] = 200
    try:
        big = _upload(client, (HEADER + f"Ann Jones,Ann,1950-01-01,{OAK},,,\n" * 10).encode())
        assert big.status_code == 400 and "larger than" in big.get_data(as_text=True)
    finally:
        del app.config["IMPORT_MAX_BYTES"]
    no_file = client.post(
        URL, data={"csrf_token": csrf_from(client.get(URL).get_data(as_text=True))}
    )
    assert no_file.status_code == 400 and "Choose the CSV file" in no_file.get_data(as_text=True)


def test_hostile_text_in_a_file_is_shown_as_text(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    sign_in(client, MANAGER)
    hostile = '<script>alert(1)</script> "Quoted" ŵ 🌻'
    text = HEADER + f'"{hostile.replace(chr(34), chr(34) * 2)}",Hostile,1950-01-01,{OAK},,,\n'
    page = _upload(client, text.encode()).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "ŵ 🌻" in page
    assert _confirm(client, page).status_code == 303
    with app.app_context():
        stored = db.session.scalar(
            select(Person.full_name).where(Person.preferred_name == "Hostile")
        )
        assert stored == hostile


def test_who_may_import_and_into_which_service(app: Flask, client: FlaskClient, demo: dict) -> None:
    sign_in(client, "keyworker@demo.facilitator.test")
    assert client.get(URL).status_code in (302, 403)
    other = app.test_client()
    sign_in(other, "tycelyn.manager@demo.facilitator.test")
    response = _upload(other, SAMPLE.read_bytes())
    assert response.status_code == 400
    assert "not one of your services" in response.get_data(as_text=True)
    # a manager cannot confirm another manager's file
    mine = app.test_client()
    sign_in(mine, MANAGER)
    page = _upload(mine, SAMPLE.read_bytes()).get_data(as_text=True)
    found = re.search(r'name="import_id" value="(\d+)"', page)
    assert found
    token = csrf_from(other.get(URL).get_data(as_text=True))
    refused = other.post(
        "/staff/people/import/confirm", data={"csrf_token": token, "import_id": found.group(1)}
    )
    assert refused.status_code == 404
