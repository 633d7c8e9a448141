"""Numbers in addresses: every ``<int:...>`` fits the database, or the address is not found.

Every number in an address is a row id (or a small position in a review), and every id column
is a 32-bit integer on PostgreSQL. A number past that range cannot name anything, and taken on
it would fail deep in the database driver (SQLite cannot bind a number past 64 bits, PostgreSQL
refuses one past its column's type when it is written), as a 500 with a traceback in the log.
So the ``int`` converter itself refuses it: its pattern matches only the numbers up to the
largest id, so the address matches no route (whatever the method: werkzeug checks the method
before a converter's ``to_python``, which would make a refusal there a 405 where another
method's rule shares the address) and the visitor gets the kind 404 page, whoever they are,
before any view or database is involved. Registered once in ``create_app``, before the
blueprints, so that every rule uses it.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, ValidationError

# PostgreSQL's integer: the type of every id column there (SQLite's are 64-bit, so wider).
DATABASE_ID_MAX = 2**31 - 1
_MAX_DIGITS = len(str(DATABASE_ID_MAX))


def at_most(largest: int) -> str:
    """A regular expression for the whole numbers from 0 to ``largest`` (leading zeros allowed).

    Shorter numbers, then for each digit of ``largest`` a smaller digit there after the same
    beginning (any digits after it), then ``largest`` itself.
    """
    digits = str(largest)
    options = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for place, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - place - 1
            options.append(
                f"{digits[:place]}[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else "")
            )
    options.append(digits)
    return "0*(?:" + "|".join(options) + ")"


class DatabaseId(IntegerConverter):
    """``int`` in a route: a whole number from 0 to DATABASE_ID_MAX, else no match (404)."""

    regex = at_most(DATABASE_ID_MAX)

    def to_python(self, value: str) -> Any:
        # Checked as text first: Python refuses to turn more than 4,300 digits into an int.
        if len(value.lstrip("0")) > _MAX_DIGITS:
            raise ValidationError
        number = super().to_python(value)
        if number > DATABASE_ID_MAX:
            raise ValidationError
        return number


def register_converters(app: Flask) -> None:
    """Make ``int`` in every route the database id converter (before any rule is added)."""
    app.url_map.converters["int"] = DatabaseId
