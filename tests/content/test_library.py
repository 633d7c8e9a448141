"""The prompt library: content rules, validation of broken variants, picture extraction."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from facilitator.prompts import (
    LANGUAGES,
    Library,
    LibraryError,
    all_spoken_texts,
    easy_read_problems,
    load_library,
)
from facilitator.prompts.library import ANSWER_TYPE_IDS, ASSETS_DIR, ID_PATTERN

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
LIBRARY_JSON = ASSETS_DIR / "library.json"
MANIFEST_JSON = ASSETS_DIR / "pictures.json"
ICON_PACKAGES = {
    "flat": NODE_MODULES / "@iconify-json" / "fluent-emoji-flat" / "icons.json",
    "hc": NODE_MODULES / "@iconify-json" / "fluent-emoji-high-contrast" / "icons.json",
}
NAMED_TOPICS = (
    "where-i-live",
    "people-in-my-life",
    "my-health",
    "my-days",
    "food",
    "money",
    "my-support",
    "feeling-safe",
    "my-hopes",
    "anything-else",
)


def need_node_modules() -> None:
    """Skip without the npm packages, except in CI, where they must be installed."""
    if all(path.is_file() for path in ICON_PACKAGES.values()):
        return
    reason = "the @iconify-json npm packages are not installed (run `npm ci`)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI requires them", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library()


def user_facing_texts(library: Library) -> list[tuple[str, str, str]]:
    """(where, lang, text) for every string the person sees or hears."""
    found = []
    for lang in library.languages:
        for topic in library.topics:
            for kind, texts in (
                ("title", topic.titles),
                ("intro", topic.intros),
                ("alt", topic.alts),
            ):
                found.append((f"topic {topic.id} {kind}", lang, texts[lang]))
        for prompt in library.all_prompts():
            found.append((f"prompt {prompt.id}", lang, prompt.text(lang)))
            found.append((f"prompt {prompt.id} alt", lang, prompt.alt(lang)))
            for option in prompt.options:
                found.append((f"prompt {prompt.id} option {option.id}", lang, option.label(lang)))
        for key, screen in library.screens.items():
            found.append((f"screen {key}", lang, screen.texts[lang]))
            found += [(f"screen {key} alt", lang, screen.alts[lang])] if screen.alts else []
    return found


# --- the real library ------------------------------------------------------------------------


def test_library_loads_once_and_is_frozen(library: Library) -> None:
    assert load_library() is library
    prompt = library.all_prompts()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        prompt.id = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        prompt.texts["en"] = "changed"  # type: ignore[index]


def test_languages_are_the_products(library: Library) -> None:
    assert LANGUAGES == ("en", "cy", "pl", "ur")  # i18n.SUPPORTED (tests/content/test_languages.py)
    assert library.languages == LANGUAGES
    assert library.language_names["cy"] == "Cymraeg"


def test_topics_and_prompt_counts(library: Library) -> None:
    topic_ids = [t.id for t in library.topics]
    assert len(topic_ids) >= 10
    assert set(NAMED_TOPICS) <= set(topic_ids)
    assert len(library.all_prompts()) >= 36
    for topic in library.topics:
        minimum = 2 if topic.id == "anything-else" else 3
        assert len(library.prompts_for_topic(topic.id)) >= minimum, topic.id
        assert all(p.topic_id == topic.id for p in library.prompts_for_topic(topic.id))


def test_every_answer_type_is_used_at_least_twice(library: Library) -> None:
    used = Counter(p.answer_type_id for p in library.all_prompts())
    assert {t.id for t in library.answer_types} == set(ANSWER_TYPE_IDS)
    for type_id in ANSWER_TYPE_IDS:
        assert used[type_id] >= 2, type_id


def test_answer_options(library: Library) -> None:
    assert [o.id for o in library.answer_type("feelings-3").options] == [
        "good",
        "not-sure",
        "not-good",
    ]
    assert [o.id for o in library.answer_type("feelings-5").options] == [
        "very-good",
        "good",
        "not-sure",
        "not-good",
        "very-bad",
    ]
    assert [o.id for o in library.answer_type("yes-no").options] == ["yes", "no", "not-sure"]
    assert [o.id for o in library.answer_type("working").options] == ["working", "not-working"]
    assert library.answer_type("own-words").free_text_only
    assert library.answer_type("choose-many").multiple
    for prompt in library.all_prompts():
        if prompt.answer_type.choices_from_prompt:
            assert len(prompt.options) >= 2 and prompt.options == prompt.choices
        else:
            assert prompt.choices == ()
            assert prompt.options == prompt.answer_type.options


def test_feeling_safe_prompts_are_safeguarding(library: Library) -> None:
    assert library.topic("feeling-safe").safeguarding
    assert all(p.safeguarding for p in library.prompts_for_topic("feeling-safe"))


def test_every_user_facing_string_is_easy_read(library: Library) -> None:
    texts = user_facing_texts(library)
    assert {lang for _, lang, _ in texts} == set(LANGUAGES)
    faults = [(where, lang, text, easy_read_problems(text, lang)) for where, lang, text in texts]
    assert [f for f in faults if f[3]] == []
    for prompt in library.all_prompts():
        for lang in library.languages:
            assert len(prompt.text(lang).split()) <= 15, (prompt.id, lang)


def test_ids_are_stable_kebab_case_and_unique() -> None:
    raw = json.loads(LIBRARY_JSON.read_text(encoding="utf-8"))
    for section in ("topics", "prompts", "answer_types", "screens"):
        ids = [item["id"] for item in raw[section]]
        assert len(ids) == len(set(ids)), section
        assert all(ID_PATTERN.match(i) for i in ids), section
    for item in raw["prompts"] + raw["answer_types"]:
        options = item.get("choices") or item.get("options") or []
        option_ids = [o["id"] for o in options]
        assert len(option_ids) == len(set(option_ids)) and all(map(ID_PATTERN.match, option_ids))


def test_default_review(library: Library) -> None:
    ids = library.default_prompt_ids()
    assert 10 <= len(ids) <= 14 and len(ids) == len(set(ids))
    prompts = [library.prompt(i) for i in ids]
    per_topic = Counter(p.topic_id for p in prompts)
    assert all(1 <= per_topic[t.id] <= 2 for t in library.topics)
    assert {p.answer_type_id for p in prompts} == set(ANSWER_TYPE_IDS)
    assert ids == [p.id for p in library.all_prompts() if p.id in set(ids)]  # library order


def test_texts_by_language_fall_back_only_when_asked(library: Library) -> None:
    prompt = library.prompt("like-where-you-live")
    assert prompt.text("en") == "Do you like where you live?"
    assert prompt.text("cy") != prompt.text("en")
    with pytest.raises(KeyError):
        prompt.text("fr")
    assert prompt.text("fr", fallback=True) == prompt.text("en")
    assert prompt.alt("fr", fallback=True) == prompt.alt("en")
    assert prompt.options[0].label("fr", fallback=True) == prompt.options[0].label("en")
    assert library.screen_text("intro", "en") == (
        "Hello. This is your review. We want to hear what you think."
    )
    assert library.screen_text("break", "en") == "Let us have a break."
    assert library.screen_text("end", "en") == "This is what you told us. Is this right?"
    with pytest.raises(KeyError):
        library.prompt("no-such-prompt")


def test_all_spoken_texts(library: Library) -> None:
    spoken = all_spoken_texts()
    assert len(spoken) == len(set(spoken))
    assert {lang for _, lang in spoken} == set(LANGUAGES)
    as_set = set(spoken)
    for lang in LANGUAGES:
        assert (library.screen_text("intro", lang), lang) in as_set
        assert (library.topic("money").title(lang), lang) in as_set
        assert (library.answer_type("yes-no").options[0].label(lang), lang) in as_set
        for prompt in library.all_prompts():
            assert (prompt.text(lang), lang) in as_set
            assert all((o.label(lang), lang) in as_set for o in prompt.choices)


def test_every_picture_exists_in_both_icon_sets(library: Library) -> None:
    need_node_modules()
    manifest = json.loads(MANIFEST_JSON.read_text(encoding="utf-8"))
    assert set(manifest["sets"]) == {"flat", "hc"} == set(library.picture_sets)
    for set_name, path in ICON_PACKAGES.items():
        data = json.loads(path.read_text(encoding="utf-8"))
        known = set(data["icons"])
        aliases = data.get("aliases", {})
        for name, alias in aliases.items():
            parent = alias["parent"]
            while parent in aliases:
                parent = aliases[parent]["parent"]
            if parent in known:
                known.add(name)
        missing = {
            key: icons[set_name]
            for key, icons in manifest["pictures"].items()
            if icons[set_name] not in known
        }
        assert missing == {}, set_name


def test_interface_pictures_are_in_the_manifest(library: Library) -> None:
    for key in (
        "speaker",
        "break",
        "back",
        "skip",
        "tell-me-more",
        "tick",
        "pencil",
        "person",
        "face-good",
        "face-not-good",
        "yes",
        "no",
    ):
        assert key in library.pictures


# --- broken variants -------------------------------------------------------------------------


def write_variant(tmp_path: Path, change: Any) -> Path:
    raw = json.loads(LIBRARY_JSON.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "library.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    shutil.copyfile(MANIFEST_JSON, tmp_path / "pictures.json")
    return path


def _prompt(raw: dict[str, Any], prompt_id: str) -> dict[str, Any]:
    return next(p for p in raw["prompts"] if p["id"] == prompt_id)


def _duplicate(raw: dict[str, Any]) -> None:
    raw["prompts"].append(copy.deepcopy(_prompt(raw, "sleep-well")))


def _unknown_picture(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["picture"] = "unicorn-castle"


def _long_sentence(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["text"]["en"] = " ".join(["Do you sleep well"] * 5) + "?"


def _missing_welsh(raw: dict[str, Any]) -> None:
    del _prompt(raw, "sleep-well")["text"]["cy"]


def _number_word(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["text"]["en"] = "Do you sleep for eight hours?"


def _malformed_id(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["id"] = "Sleep_Well"


def _unknown_topic(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["topic"] = "my-car"


def _unknown_answer_type(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["answer_type"] = "slider"


def _no_choices(raw: dict[str, Any]) -> None:
    del _prompt(raw, "holiday")["choices"]


def _missing_alt(raw: dict[str, Any]) -> None:
    del _prompt(raw, "sleep-well")["alt"]


def _not_safeguarding(raw: dict[str, Any]) -> None:
    del _prompt(raw, "safe-at-home")["safeguarding"]


def _two_sentences(raw: dict[str, Any]) -> None:
    _prompt(raw, "sleep-well")["text"]["en"] = "Sleep is good. Do you sleep well?"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_duplicate, "duplicate prompt id 'sleep-well'"),
        (_unknown_picture, "unknown picture 'unicorn-castle'"),
        (_long_sentence, "Sentence has 20 words"),
        (_missing_welsh, "prompt 'sleep-well': 'text' is missing in 'cy'"),
        (_number_word, "Number word 'eight'"),
        (_malformed_id, "malformed id 'Sleep_Well'"),
        (_unknown_topic, "unknown topic 'my-car'"),
        (_unknown_answer_type, "unknown answer type 'slider'"),
        (_no_choices, "prompt 'holiday': choose-one needs at least 2 'choices'"),
        (_missing_alt, "prompt 'sleep-well': missing 'alt'"),
        (_not_safeguarding, "prompt 'safe-at-home': prompts in topic 'feeling-safe' must have"),
        (_two_sentences, "prompt 'sleep-well': text (en) must be 1 sentence"),
    ],
)
def test_validation_names_the_problem(tmp_path: Path, change: Any, expected: str) -> None:
    with pytest.raises(LibraryError) as caught:
        load_library(write_variant(tmp_path, change))
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems
    assert expected in str(caught.value)


def test_validation_lists_every_problem_at_once(tmp_path: Path) -> None:
    def several(raw: dict[str, Any]) -> None:
        _unknown_picture(raw)
        _missing_welsh(raw)
        _prompt(raw, "holiday")["picture"] = "nowhere"

    with pytest.raises(LibraryError) as caught:
        load_library(write_variant(tmp_path, several))
    text = str(caught.value)
    assert "'unicorn-castle'" in text and "'nowhere'" in text and "'cy'" in text
    assert len(caught.value.problems) == 3


def test_an_unchanged_copy_loads(tmp_path: Path) -> None:
    copy_ = load_library(write_variant(tmp_path, lambda raw: None))
    assert [p.id for p in copy_.all_prompts()] == [p.id for p in load_library().all_prompts()]


def test_missing_manifest_and_bad_json_are_reported(tmp_path: Path) -> None:
    (tmp_path / "library.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(LibraryError) as caught:
        load_library(tmp_path)
    assert "cannot be read" in str(caught.value)
    assert "pictures.json does not exist" in str(caught.value)


# --- easy-read checker -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Do you like where you live?",
        "Hello. This is your review. We want to hear what you think.",
        "You can choose more than 1 picture.",
        "No one came to see me.",
        "Which one do you like best?",
        "I see my sister on Sundays.",
    ],
)
def test_good_sentences_pass(text: str) -> None:
    assert easy_read_problems(text) == []


def test_long_sentences_are_flagged() -> None:
    text = "We would like to know what you think about all of the help that you get every week."
    problems = easy_read_problems(text)
    assert len(problems) == 1 and "18 words" in problems[0]
    assert easy_read_problems("Good. " + text)[0].startswith("Sentence has 18 words")


def test_number_words_are_flagged() -> None:
    problems = easy_read_problems("I have two cats and one dog.")
    assert any("'two'" in p and "(2)" in p for p in problems)
    assert any("'one'" in p and "(1)" in p for p in problems)
    assert any("(25)" in p for p in easy_read_problems("Twenty-five people came."))
    assert any("'ddau'" in p for p in easy_read_problems("Mae gen i ddau gi.", "cy"))
    assert easy_read_problems("Mae gen i 2 gi.", "cy") == []


def test_other_advice() -> None:
    assert any(
        "'assistance'" in p and "'help'" in p for p in easy_read_problems("Do you get assistance?")
    )
    assert any("long word" in p for p in easy_read_problems("It is incomprehensible."))
    assert any("semicolon" in p for p in easy_read_problems("I went; they stayed."))
    assert any(
        "more than 1 idea" in p for p in easy_read_problems("I like tea and cake but not coffee.")
    )
    assert easy_read_problems("   ") == ["The text is empty."]


# --- picture extraction ----------------------------------------------------------------------


def extract_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "extract_pictures", ROOT / "scripts" / "extract_pictures.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_extract_pictures_writes_valid_svg_for_every_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    need_node_modules()
    script = extract_module()
    dest = tmp_path / "pictures"
    (dest / "flat").mkdir(parents=True)
    (dest / "flat" / "old-key.svg").write_text("<svg/>")
    assert script.main(["--dest", str(dest)]) == 0
    keys = json.loads(MANIFEST_JSON.read_text(encoding="utf-8"))["pictures"]
    first = capsys.readouterr().out
    assert f"{len(keys)} pictures x 2 sets" in first and "1 removed" in first
    for set_name in ("flat", "hc"):
        files = {p.stem for p in (dest / set_name).glob("*.svg")}
        assert files == set(keys), set_name
        for key in keys:
            root = ET.parse(dest / set_name / f"{key}.svg").getroot()
            assert root.tag == "{http://www.w3.org/2000/svg}svg"
            view_box = [float(n) for n in root.attrib["viewBox"].split()]
            assert len(view_box) == 4 and view_box[2] > 0 and view_box[3] > 0
            assert float(root.attrib["width"]) > 0 and float(root.attrib["height"]) > 0
            assert len(root) > 0, key
    assert script.main(["--dest", str(dest)]) == 0
    assert "(0 written, 0 removed)" in capsys.readouterr().out


def test_extract_pictures_resolves_flipped_aliases() -> None:
    need_node_modules()
    script = extract_module()
    icon_set = script.load_icon_set(NODE_MODULES, "@iconify-json/fluent-emoji-flat")
    svg = script.icon_to_svg(script.resolve_icon(icon_set, "backhand-index-pointing-right"))
    root = ET.fromstring(svg)
    assert root[0].attrib["transform"] == "translate(32 0) scale(-1 1)"
    assert script.resolve_icon(icon_set, "no-such-icon-anywhere") is None


def test_extract_pictures_fails_clearly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = extract_module()
    assert script.main(["--node-modules", str(tmp_path), "--dest", str(tmp_path / "d")]) == 1
    assert "fluent-emoji-flat is missing" in capsys.readouterr().err

    need_node_modules()
    manifest = json.loads(MANIFEST_JSON.read_text(encoding="utf-8"))
    manifest["pictures"]["house"]["hc"] = "no-such-icon"
    bad = tmp_path / "pictures.json"
    bad.write_text(json.dumps(manifest), encoding="utf-8")
    assert script.main(["--manifest", str(bad), "--dest", str(tmp_path / "d")]) == 1
    assert "house -> @iconify-json/fluent-emoji-high-contrast: 'no-such-icon'" in (
        capsys.readouterr().err
    )


# --- flask prompts check ---------------------------------------------------------------------


def test_prompts_check_command(tmp_path: Path) -> None:
    from flask import Flask

    from facilitator.cli.prompts import prompts_cli

    need_node_modules()
    app = Flask("checkapp", static_folder=str(tmp_path / "static"))
    app.config.update(SPEECH_CACHE_DIR=str(tmp_path / "audio"), SPEECH_DEFAULT_RATE=135)
    app.cli.add_command(prompts_cli)
    runner = app.test_cli_runner()

    result = runner.invoke(args=["prompts", "check", "--no-audio"])
    assert result.exit_code == 1
    assert "No pictures in" in result.output
    assert (
        "prompt like-where-you-live: missing pictures house, face-very-good, face-good"
        in result.output
    )
    assert "screen intro: missing picture hello" in result.output

    assert extract_module().main(["--dest", str(tmp_path / "static/vendor/pictures")]) == 0
    result = runner.invoke(args=["prompts", "check", "--no-audio"])
    assert result.exit_code == 0, result.output
    assert "en (English): 10 topics" in result.output
    assert "cy (Cymraeg): 10 topics" in result.output

    result = runner.invoke(args=["prompts", "check"])  # nothing rendered into the audio cache
    assert result.exit_code == 1
    assert "prompt like-where-you-live: missing audio (en, cy, pl, ur)" in result.output
    assert "audio missing (cy): 'Ddim yn siŵr'" in result.output
