"""`flask prompts check`: is the prompt library valid, and does every prompt have its picture,
alt text and spoken audio in every language?

Register with ``app.cli.add_command(prompts_cli)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..accessible.speech import cached_audio_path
from ..prompts.library import Library, LibraryError, all_spoken_texts, load_library

prompts_cli = AppGroup("prompts", help="Check the easy-read prompt library.")

AudioCheck = Callable[[str, str], bool]


def _picture_dir() -> Path:
    static = current_app.static_folder or str(Path(current_app.root_path) / "static")
    return Path(static) / "vendor" / "pictures"


def _missing_pictures(library: Library, keys: Iterable[str]) -> list[str]:
    """The picture keys, once each, that lack an extracted SVG file in any set."""
    folder = _picture_dir()
    return [
        key
        for key in dict.fromkeys(keys)
        if not all((folder / s / f"{key}.svg").is_file() for s in library.picture_sets)
    ]


def _audio_check() -> AudioCheck:
    """A function telling whether audio exists for (text, lang)."""
    cache_dir = Path(current_app.config["SPEECH_CACHE_DIR"])
    rate = current_app.config["SPEECH_DEFAULT_RATE"]

    def has_audio(text: str, lang: str) -> bool:
        try:
            path = cached_audio_path(cache_dir, text, lang, rate)
        except (OSError, ValueError, LookupError) as exc:
            # An unsupported language or voice means nobody can hear this text yet.
            current_app.logger.debug("no audio for %r (%s): %s", text, lang, exc)
            return False
        return path is not None and Path(path).is_file()

    return has_audio


@prompts_cli.command("check")
@click.option("--no-audio", is_flag=True, help="Skip the audio check (before speech is made).")
def check_command(no_audio: bool) -> None:
    """Validate the library and list every prompt missing a picture, alt text or audio."""
    try:
        library = load_library()
    except LibraryError as exc:
        click.echo(f"The prompt library is not valid: {exc}", err=True)
        raise click.exceptions.Exit(1) from exc

    prompts = library.all_prompts()
    click.echo(
        f"Prompt library: {len(library.topics)} topics, {len(prompts)} prompts, "
        f"{len(library.answer_types)} answer types."
    )
    for lang in library.languages:
        with_text = sum(1 for p in prompts if lang in p.texts)
        click.echo(
            f"  {lang} ({library.language_names[lang]}): {len(library.topics)} topics, "
            f"{with_text} prompts"
        )

    has_audio: AudioCheck | None = None
    if not no_audio:
        has_audio = _audio_check()

    if not _picture_dir().is_dir():
        click.echo(f"No pictures in {_picture_dir()}: run python scripts/extract_pictures.py")
    faults = 0
    for prompt in prompts:
        missing = []
        if keys := _missing_pictures(
            library, [prompt.picture, *(o.picture for o in prompt.options)]
        ):
            missing.append(f"pictures {', '.join(keys)}")
        if langs := [lang for lang in library.languages if lang not in prompt.alts]:
            missing.append(f"alt text ({', '.join(langs)})")
        if has_audio and (
            langs := [lang for lang in library.languages if not has_audio(prompt.texts[lang], lang)]
        ):
            missing.append(f"audio ({', '.join(langs)})")
        if missing:
            faults += 1
            click.echo(f"prompt {prompt.id}: missing {'; '.join(missing)}")

    elsewhere = [(f"topic {t.id}", t.picture) for t in library.topics]
    elsewhere += [(f"screen {s.id}", s.picture) for s in library.screens.values() if s.picture]
    for where, key in elsewhere:
        if _missing_pictures(library, [key]):
            faults += 1
            click.echo(f"{where}: missing picture {key}")
    if has_audio:
        prompt_texts = {(p.texts[lang], lang) for p in prompts for lang in library.languages}
        for text, lang in all_spoken_texts(library):
            if (text, lang) not in prompt_texts and not has_audio(text, lang):
                faults += 1
                click.echo(f"audio missing ({lang}): {text!r}")

    if faults:
        click.echo(f"{faults} thing(s) missing.", err=True)
        raise click.exceptions.Exit(1)
    click.echo("Everything is in place.")
