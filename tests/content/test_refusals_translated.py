"""A service's refusal is shown in the reader's language (issue 16).

Every ``ServiceError`` (and subclass: ``NotFound``, ``NotAllowed``, ``StaleVersion`` ...) made
anywhere in the code carries a message marked for translation: ``_l(...)``/``lazy_ngettext(...)``
(in a view or a form, which always run in a request, ``_(...)``/``ngettext(...)`` too), written
where it is made or bound to a name, a function's result or a constant that is. A form that
does not read is refused with its first validation message (``forms.fields.Unreadable``), so
every validation message a form gives is marked too. The messages are in the catalogue and
translated into every language; ``str(error)`` puts one into the words of the request that
shows it, and in English outside a request. A Welsh tablet that sends no answer is told so in
Welsh.

The code is read with ``ast``; what cannot be followed (a message built some other way) counts
as not marked, so the test never passes a message it did not see.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import flask_wtf.file
import pytest
import wtforms.validators
from babel.messages.pofile import read_po
from flask import Flask, flash, session
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext, lazy_ngettext
from flask_babel import lazy_gettext as _l

from facilitator.i18n import LANGUAGES
from facilitator.messages import messages_for_this_page
from facilitator.services import NotFound, ServiceError

from ..conftest import csrf_from
from ..web.test_person_mode import start_session

ROOT = Path(__file__).resolve().parents[2]
CODE = ROOT / "facilitator"
TRANSLATIONS = ROOT / "translations"
BASE = "ServiceError"
LAZY = {"_l": 1, "lazy_gettext": 1, "lazy_ngettext": 2}
EAGER = {"_": 1, "gettext": 1, "ngettext": 2}  # accepted in views and forms: in a request
FORM_ERROR = "first_error"  # forms.fields: a form's first validation message (checked below)

NO_ANSWER = "Choose an answer, or skip this question."


# --- reading the code ------------------------------------------------------------------------


@dataclass
class Module:
    path: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node

    @property
    def is_form(self) -> bool:
        return self.path.relative_to(CODE).parts[0] == "forms"

    @property
    def in_a_request(self) -> bool:
        """A view or a form: it only runs in a request, so eager gettext is in its language."""
        return self.is_form or "views" in self.path.relative_to(CODE).parts

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"

    def scopes(self, node: ast.AST) -> Iterator[ast.AST]:
        """The functions around ``node``, innermost first, then the module."""
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                yield node
        yield self.tree


@cache
def _modules() -> list[Module]:
    return [Module(p, ast.parse(p.read_text(encoding="utf-8"))) for p in sorted(CODE.rglob("*.py"))]


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _refusal_classes(modules: list[Module]) -> dict[str, tuple[Module, ast.ClassDef]]:
    """Every ServiceError subclass, by name (resolved through the class definitions)."""
    found: dict[str, tuple[Module, ast.ClassDef]] = {}
    known = {BASE}
    grew = True
    while grew:
        grew = False
        for module in modules:
            for node in ast.walk(module.tree):
                if isinstance(node, ast.ClassDef) and node.name not in found:
                    if node.name == BASE or any(_name(b) in known for b in node.bases):
                        found[node.name] = (module, node)
                        known.add(node.name)
                        grew = True
    return found


def _message_argument(
    classes: dict[str, tuple[Module, ast.ClassDef]], name: str
) -> tuple[int, str] | None:
    """Where ``name``'s message is given when it is made: (position, keyword), or None if
    its ``__init__`` makes the message itself."""
    while name != BASE:
        _module, node = classes[name]
        init = next(
            (i for i in node.body if isinstance(i, ast.FunctionDef) and i.name == "__init__"),
            None,
        )
        if init is not None:
            return _passed_on(init)
        name = next(str(_name(b)) for b in node.bases if _name(b) in classes)
    return 0, "message"


def _passed_on(init: ast.FunctionDef) -> tuple[int, str] | None:
    """``def __init__(self, kind, message): super().__init__(message)``: (1, "message")."""
    params = _parameters(init)[1:]  # without self
    for call in ast.walk(init):
        if _is_super_init(call) and call.args:  # type: ignore[attr-defined]
            given = call.args[0]  # type: ignore[attr-defined]
            if isinstance(given, ast.Name) and given.id in params:
                return params.index(given.id), given.id
    return None


def _parameters(function: ast.FunctionDef) -> list[str]:
    arguments = function.args
    return [a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]]


def _argument(call: ast.Call, position: int, keyword: str) -> ast.expr | None:
    if len(call.args) > position and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _is_super_init(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "__init__"
        and isinstance(node.func.value, ast.Call)
        and _name(node.func.value.func) == "super"
    )


def _bindings(body: list[ast.AST], name: str) -> tuple[list[ast.expr], bool]:
    """The values ``name`` is assigned in ``body``, and whether it is also bound some other way."""
    values: list[ast.expr] = []
    unknown = False
    for node in body:
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                named = [t for t in ast.walk(target) if isinstance(t, ast.Name) and t.id == name]
                if named and isinstance(target, ast.Name) and not isinstance(node, ast.AugAssign):
                    if node.value is not None:
                        values.append(node.value)
                elif named:
                    unknown = True  # unpacked, or added to: not followed
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            unknown |= any(isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.target))
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            unknown |= any(
                isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.optional_vars)
            )
        elif isinstance(node, ast.NamedExpr):
            unknown |= node.target.id == name
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            unknown |= any((a.asname or a.name.split(".")[0]) == name for a in node.names)
        elif isinstance(node, ast.ExceptHandler):
            unknown |= node.name == name
    return values, unknown


def _every_call_passes(
    checker: Checker,
    modules: list[Module],
    function: ast.FunctionDef,
    name: str,
    seen: frozenset[str],
) -> bool:
    """Whether every call of ``function`` in ``modules`` gives its parameter ``name`` marked
    words (checked in the caller's module); a function never called passes nothing."""
    params = _parameters(function)
    method = isinstance(checker.module.parents.get(function), ast.ClassDef) and params[:1] in (
        ["self"],
        ["cls"],
    )
    position = params.index(name) - (1 if method else 0)
    given: list[tuple[Checker, ast.expr | None]] = []
    for module in modules:
        reader = checker if module is checker.module else checker.reading(module)
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and _name(node.func) == function.name:
                given.append((reader, _argument(node, position, name)))
    ok = bool(given) and all(g is not None and reader.check(g, g, seen) for reader, g in given)
    for reader, _given in given:
        checker.msgids |= reader.msgids
    return ok


class Checker:
    """Follows a message expression back to the marked strings it can be."""

    def __init__(self, module: Module) -> None:
        self.module = module
        self.msgids: set[str] = set()

    def reading(self, module: Module) -> Checker:
        """A checker of the same kind for another module."""
        return type(self)(module)

    def check(self, expr: ast.expr, at: ast.AST, seen: frozenset[str] = frozenset()) -> bool:
        marks = {**LAZY, **(EAGER if self.module.in_a_request else {})}
        if isinstance(expr, ast.Call) and _name(expr.func) in marks:
            count = marks[str(_name(expr.func))]
            words = expr.args[:count]
            if len(words) == count and all(
                isinstance(w, ast.Constant) and isinstance(w.value, str) for w in words
            ):
                self.msgids.add(words[0].value)  # type: ignore[attr-defined]
                return True
            return False
        if self.module.is_form and isinstance(expr, ast.Call) and _name(expr.func) == FORM_ERROR:
            return True  # the form's validation messages: see test_every_form_message_is_marked
        if isinstance(expr, ast.IfExp):
            return self.check(expr.body, at, seen) & self.check(expr.orelse, at, seen)
        if isinstance(expr, ast.Dict):
            return all(self.check(v, at, seen) for v in expr.values)
        if isinstance(expr, ast.Subscript):  # MESSAGES[kind]
            return self.check(expr.value, at, seen)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
            if expr.value.id in ("self", "cls"):  # a class constant
                return self._bound(expr.attr, at, seen)
        if isinstance(expr, ast.Name):
            return self._bound(expr.id, at, seen)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
            return self._returned(expr.func.id, at, seen)
        return False

    def _bound(self, name: str, at: ast.AST, seen: frozenset[str]) -> bool:
        """Every value ``name`` is given in the nearest scope that gives it one; a parameter:
        also what every call of its function passes. A name bound any other way (a loop, a
        ``with``, ``:=``, an import) cannot be followed."""
        if name in seen:
            return False
        seen = seen | {name}
        for scope in self.module.scopes(at):
            function = isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef))
            body = list(ast.walk(scope) if function else scope.body)  # type: ignore[attr-defined]
            imported = None if function else self._imported(body, name)
            if imported is not None:  # ``from .versions import STALE_MESSAGE``: read it there
                module, original = imported
                where = f"{module.path}:{original}"  # the name there; an import cycle stops
                if where in seen:
                    return False
                return self.reading(module)._bound(original, module.tree, seen - {name} | {where})
            values, unknown = _bindings(body, name)
            parameter = function and name in _parameters(scope)  # type: ignore[arg-type]
            if values or unknown or parameter:
                return (
                    not unknown
                    and all(self.check(v, v, seen) for v in values)
                    and (not parameter or self._passed(scope, name, seen))  # type: ignore[arg-type]
                )
        return False

    def _imported(self, body: list[ast.AST], name: str) -> tuple[Module, str] | None:
        """The module of this code that a module-level ``from ... import`` takes ``name`` from,
        and the name it has there (None: not imported so, or from outside the code)."""
        for node in body:
            if not isinstance(node, ast.ImportFrom):
                continue
            for alias in node.names:
                if (alias.asname or alias.name) != name:
                    continue
                if node.level:
                    base = self.module.path.parent
                    for _up in range(node.level - 1):
                        base = base.parent
                else:
                    if not (node.module or "").startswith("facilitator"):
                        return None
                    base = ROOT
                parts = (node.module or "").split(".") if node.module else []
                target = base.joinpath(*parts)
                for path in (target.with_suffix(".py"), target / "__init__.py"):
                    found = next((m for m in _modules() if m.path == path), None)
                    if found is not None:
                        return found, alias.name
                return None
        return None

    def _passed(self, function: ast.FunctionDef, name: str, seen: frozenset[str]) -> bool:
        """What every call of ``function`` in this module gives its parameter ``name``."""
        return _every_call_passes(self, [self.module], function, name, seen)

    def _returned(self, name: str, at: ast.AST, seen: frozenset[str]) -> bool:
        """Every value the module's function ``name`` returns."""
        if name in seen:
            return False
        for node in ast.walk(self.module.tree):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
                return bool(returns) and all(
                    r is not None and self.check(r, r, seen | {name}) for r in returns
                )
        return False


@dataclass
class Refusals:
    sites: int
    msgids: set[str]
    unmarked: list[str]


def _read_refusals() -> Refusals:
    modules = _modules()
    classes = _refusal_classes(modules)
    sites, msgids, unmarked = 0, set(), []
    for module in modules:
        checker = Checker(module)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            if _name(node.func) in classes:
                where = _message_argument(classes, str(_name(node.func)))
                if where is None:
                    continue  # its __init__ makes the message: checked there
            elif _is_super_init(node):  # in the __init__ of a refusal that makes its message
                owner = next((s for s in module.scopes(node) if isinstance(s, ast.ClassDef)), None)
                if owner is None or owner.name not in classes:
                    continue
                if _message_argument(classes, owner.name) is not None:
                    continue  # it passes on the message it was given: checked where made
                where = (0, "message")
            else:
                continue
            sites += 1
            message = _argument(node, *where)
            if message is None or not checker.check(message, node):
                unmarked.append(f"{module.where(node)}: {ast.unparse(node)[:90]}")
        msgids |= checker.msgids
    return Refusals(sites, msgids, unmarked)


def _validators() -> dict[str, int]:
    """The WTForms and Flask-WTF validators (and ``ValidationError``), each with the position
    of its ``message``."""
    found = {}
    for module in (wtforms.validators, flask_wtf.file):
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__:
                params = list(inspect.signature(value.__init__).parameters)[1:]
                if "message" in params:
                    found[name] = params.index("message")
    return found


class FormChecker(Checker):
    """In a form, a message may be passed on as ``str(message)`` (WTForms wants text), a
    field's ``self.message`` is what its ``message=`` was given (checked there), and a helper's
    parameter is followed to its calls in every form module."""

    def __init__(self, module: Module, forms: list[Module] | None = None) -> None:
        super().__init__(module)
        self.forms = forms or [module]

    def reading(self, module: Module) -> Checker:
        return FormChecker(module, self.forms)

    def check(self, expr: ast.expr, at: ast.AST, seen: frozenset[str] = frozenset()) -> bool:
        if isinstance(expr, ast.Call) and _name(expr.func) == "str" and len(expr.args) == 1:
            return self.check(expr.args[0], at, seen)
        if (
            isinstance(expr, ast.Attribute)
            and isinstance(expr.value, ast.Name)
            and (expr.value.id, expr.attr) == ("self", "message")
        ):
            return True
        return super().check(expr, at, seen)

    def _passed(self, function: ast.FunctionDef, name: str, seen: frozenset[str]) -> bool:
        return _every_call_passes(self, self.forms, function, name, seen)


def _in_process_formdata(module: Module, node: ast.AST) -> bool:
    """Whether ``node`` is in a field's ``process_formdata``, whose ``ValueError`` WTForms shows
    (one raised in a helper it calls and catches is not shown)."""
    function = next(
        (s for s in module.scopes(node) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))),
        None,
    )
    return function is not None and function.name == "process_formdata"


def _read_form_messages(forms: list[Module] | None = None) -> Refusals:
    """Where a form gives a validation message: a ``message=``, a validator's message
    argument, a ``ValidationError``, or a ``ValueError`` a field raises while reading."""
    forms = forms if forms is not None else [m for m in _modules() if m.is_form]
    validators = _validators()
    sites, msgids, unmarked = 0, set(), []
    for module in forms:
        checker = FormChecker(module, forms)
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func)
            given: list[ast.expr] = [
                k.value
                for k in node.keywords
                if k.arg == "message"
                and not (isinstance(k.value, ast.Constant) and k.value.value is None)
            ]
            if name in validators and len(node.args) > validators[name]:
                given.append(node.args[validators[name]])
            elif name == "ValueError" and node.args and _in_process_formdata(module, node):
                given.append(node.args[0])  # WTForms shows it: the field cannot read its value
            for message in given:
                sites += 1
                if not checker.check(message, node):
                    unmarked.append(f"{module.where(node)}: {ast.unparse(node)[:90]}")
        msgids |= checker.msgids
    return Refusals(sites, msgids, unmarked)


@cache
def _all_msgids() -> frozenset[str]:
    return frozenset(_read_refusals().msgids | _read_form_messages().msgids)


def _placeholders(text: str) -> list[str]:
    """The values a message puts into its words (``%(name)s``), which a translation keeps."""
    return sorted(re.findall(r"%\((\w+)\)", text))


def _catalogue(path: Path) -> dict[str, object]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle) if m.id}


# --- the code's refusals are marked, extracted and translated ------------------------------


def test_every_refusal_message_is_marked_for_translation() -> None:
    found = _read_refusals()
    assert found.sites > 200  # the reader sees the refusals (they are many)
    assert not found.unmarked, (
        f"{len(found.unmarked)} refusals with a message not marked with _l/lazy_ngettext:\n"
        + "\n".join(found.unmarked)
    )


def test_every_form_message_is_marked_for_translation() -> None:
    found = _read_form_messages()
    assert found.sites > 30  # the forms' own messages (DataRequired, message=, choice ...)
    assert not found.unmarked, (
        f"{len(found.unmarked)} form messages not marked for translation:\n"
        + "\n".join(found.unmarked)
    )


def test_every_refusal_message_is_in_the_catalogue() -> None:
    template = _catalogue(TRANSLATIONS / "messages.pot")
    missing = sorted(_all_msgids() - set(template))
    assert not missing, f"{len(missing)} refusals not in messages.pot: {missing[:10]}"


@pytest.mark.parametrize("language", sorted(code for code in LANGUAGES if code != "en"))
def test_every_refusal_message_is_translated(language: str) -> None:
    catalogue = _catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    missing = []
    for msgid in sorted(_all_msgids()):
        message = catalogue.get(msgid)
        strings = getattr(message, "string", None)
        values = strings if isinstance(strings, (tuple, list)) else [strings]
        if message is None or not all(values) or getattr(message, "fuzzy", False):
            missing.append(msgid)
        elif isinstance(strings, str) and _placeholders(strings) != _placeholders(msgid):
            missing.append(f"{msgid} (its values are not the same: {strings})")
    assert not missing, f"{len(missing)} refusals not translated into {language}: {missing[:10]}"


def test_the_reader_catches_an_unmarked_refusal() -> None:
    module = Module(
        CODE / "views" / "x.py",
        ast.parse(
            "WORDS = 'Plain.'\n"
            "def f(ok):\n"
            "    raise ServiceError(_l('Marked.') if ok else f'Not {ok}.')\n"
            "def g():\n"
            "    raise ServiceError(WORDS)\n"
            "def h():\n"
            "    message = lazy_ngettext('%(num)d try.', '%(num)d tries.', 2)\n"
            "    raise ServiceError(message)\n"
            "def given(missing):\n"
            "    raise ServiceError(missing)\n"
            "given(_l('Given.'))\n"
            "given('Not marked.')\n"
            "def looped():\n"
            "    for words in ('Plain.',):\n"
            "        raise ServiceError(words)\n"
            "def defaulted(message=None):\n"
            "    if message is None:\n"
            "        message = _l('Default.')\n"
            "    raise ServiceError(message)\n"
            "defaulted('Not marked either.')\n"
            "def eager():\n"
            "    raise ServiceError(_('Eager.'))\n"
        ),
    )
    checker = Checker(module)
    calls = sorted(
        (n for n in ast.walk(module.tree) if isinstance(n, ast.Call) and _name(n.func) == BASE),
        key=lambda call: call.lineno,
    )
    results = [checker.check(call.args[0], call) for call in calls]
    # one call of given() and of defaulted() passes plain words; a loop's name is not followed;
    # eager gettext is accepted in a view (it runs in a request), not in a service
    assert results == [False, False, True, False, False, False, True]
    assert {"Marked.", "%(num)d try.", "Given.", "Default.", "Eager."} <= checker.msgids
    service = Module(CODE / "services" / "x.py", module.tree)
    assert not Checker(service).check(calls[-1].args[0], calls[-1])


def test_the_reader_catches_an_unmarked_form_message() -> None:
    module = Module(
        CODE / "forms" / "x.py",
        ast.parse(
            "def choice(values, message):\n"
            "    def one_of(form, field):\n"
            "        raise ValidationError(str(message))\n"
            "    return one_of\n"
            "class F(FlaskForm):\n"
            "    a = StringField(validators=[DataRequired(_l('Enter a.')), Length(max=9)])\n"
            "    b = StringField(validators=[DataRequired('Enter b.')])\n"
            "    c = IsoDate(message='Not a date.')\n"
            "    d = choice(['x'], _l('Choose d.'))\n"
            "    e = choice(['y'], 'Choose e.')\n"
            "    f = StringField(validators=[Length(message=ngettext('%(num)d', '%(num)d', 9))])\n"
            "class G(Field):\n"
            "    def read(self, raw):\n"
            "        raise ValueError(raw)\n"
            "    def process_formdata(self, values):\n"
            "        raise ValueError('Not read.')\n"
        ),
    )
    validators = _validators()
    assert validators["DataRequired"] == 0 and validators["Length"] == 2
    assert validators["FileAllowed"] == 1
    found = _read_form_messages([module])
    # Length(max=9) gives none (WTForms' own words, never reached); read()'s ValueError is
    # caught by the field and never shown
    assert found.sites == 6
    assert sorted(line.split(": ", 1)[1] for line in found.unmarked) == [
        "DataRequired('Enter b.')",
        "IsoDate(message='Not a date.')",
        "ValidationError(str(message))",  # choice(['y'], 'Choose e.') passes plain words
        "ValueError('Not read.')",
    ]
    assert {"Enter a.", "Choose d.", "%(num)d"} <= found.msgids


# --- put into words where they are shown -----------------------------------------------------


def test_a_refusal_reads_in_english_outside_a_request(app: Flask) -> None:
    error = ServiceError(_l("Choose a photo to upload."))
    assert str(error) == "Choose a photo to upload."  # no app at all
    with app.app_context():  # the command line: an app, no request
        assert str(error) == "Choose a photo to upload."
        counted = ServiceError(lazy_ngettext("%(num)d day", "%(num)d days", 3))
        assert str(counted) == "3 days"


def test_a_refusal_reads_in_the_language_of_the_request(app: Flask) -> None:
    error = NotFound(_l("Choose a photo to upload."))
    with app.test_request_context(), force_locale("cy"):
        words = str(error)
    assert words != "Choose a photo to upload." and words
    with app.test_request_context(), force_locale("en"):
        assert str(error) == "Choose a photo to upload."


def test_a_flashed_refusal_is_shown_in_the_language_of_the_page_that_shows_it(
    app: Flask,
) -> None:
    error = ServiceError(_l("Choose a photo to upload."))
    with app.test_request_context(), force_locale("cy"):
        flash(str(error), "error")
        kept = session["_flashes"][-1][1]
        welsh = str(error)
    assert kept["msgid"] == "Choose a photo to upload."  # kept as what was meant, not words
    with app.test_request_context(), force_locale("en"):
        session["_flashes"] = [("error", kept)]
        assert messages_for_this_page() == [("error", "Choose a photo to upload.")]
    with app.test_request_context(), force_locale("cy"):
        session["_flashes"] = [("error", kept)]
        assert messages_for_this_page() == [("error", welsh)]


def test_a_welsh_tablet_that_sends_no_answer_is_told_so_in_welsh(
    app: Flask, client: FlaskClient, demo: dict
) -> None:
    with app.test_request_context(), force_locale("cy"):
        welsh = gettext(NO_ANSWER)
    assert welsh != NO_ANSWER  # the catalogue has it in Welsh
    start_session(client, demo["reviews"]["Gwen"])  # Gwen reads Welsh
    page = client.get("/person/q/1").get_data(as_text=True)
    assert 'lang="cy"' in page
    client_id = page.split('name="client_id" value="', 1)[1].split('"', 1)[0]
    sent = client.post(
        "/person/q/1",
        data={"csrf_token": csrf_from(page), "client_id": client_id, "action": "answer"},
    )
    assert sent.status_code == 400
    told = sent.get_data(as_text=True)
    assert welsh in told.replace("&#39;", "'")
    assert NO_ANSWER not in told
