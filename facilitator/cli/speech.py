"""``flask speech ...`` commands: render the prompt library and check voices.

Register with ``app.cli.add_command(speech_cli)``.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from ..accessible.speech import (
    DEFAULT_RATE,
    LANGUAGE_NAMES,
    MAX_RATE,
    MIN_RATE,
    RATES,
    VOICES,
    RenderReport,
    SpeechUnavailable,
    render_many,
    speech_status,
)
from ..outputs.joint_meetings import spoken_meeting_texts
from ..outputs.spoken import spoken_complaint_texts, spoken_help_texts
from ..prompts.library import all_spoken_texts
from ..services import published

speech_cli = AppGroup("speech", help="Spoken prompts: render audio with eSpeak NG.")


def _cache_dir() -> Path:
    return Path(current_app.config["SPEECH_CACHE_DIR"])


def _default_rate() -> int:
    return int(current_app.config.get("SPEECH_DEFAULT_RATE", DEFAULT_RATE))


def _library_by_language() -> dict[str, list[tuple[str, str]]]:
    by_lang: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for text, lang in all_spoken_texts():
        by_lang[lang].append((text, lang))
    # The person's "how this works" help screen, from the interface catalogues (so only in
    # an app with Flask-Babel), in each language of the library.
    if "babel" in current_app.extensions:
        for text, lang in spoken_help_texts(sorted(by_lang)):
            by_lang[lang].append((text, lang))
        facts = published.Facts(
            service_name=str(current_app.config.get("SERVICE_NAME", "Facilitator")),
            retention_years=int(current_app.config.get("RETENTION_YEARS", 8)),
        )
        for text, lang in spoken_complaint_texts(sorted(by_lang), facts):
            by_lang[lang].append((text, lang))
        for text, lang in spoken_meeting_texts(sorted(by_lang)):  # joint meetings (issue 17)
            by_lang[lang].append((text, lang))
    return dict(by_lang)


def _summary(lang: str, report: RenderReport) -> str:
    name = LANGUAGE_NAMES.get(lang, lang)
    return (
        f"{name} ({lang}): {report.rendered} rendered, {report.cached} cached, "
        f"{len(report.failed)} failed in {report.seconds:.1f} s; "
        f"max {report.max_bytes / 1024:.1f} KB, average {report.average_bytes / 1024:.1f} KB"
    )


@speech_cli.command("render")
@click.option(
    "--lang",
    "langs",
    multiple=True,
    type=click.Choice(sorted(VOICES)),
    help="Language to render; repeat for more. Default: every language in the library.",
)
@click.option(
    "--rate",
    type=click.IntRange(MIN_RATE, MAX_RATE),
    default=None,
    help="Words per minute. Default: every rate a person can choose (slow, normal, fast).",
)
def render_command(langs: tuple[str, ...], rate: int | None) -> None:
    """Render every spoken prompt in the library into the audio cache."""
    status = speech_status()
    if not status.available:
        # Not an error: pages fall back to the browser's speech synthesis.
        click.echo(f"Warning: {status.reason}", err=True)
        return
    rates = [rate] if rate else sorted(set(RATES.values()) | {_default_rate()})
    cache_dir = _cache_dir()
    by_lang = _library_by_language()
    any_failed = False
    for one_rate in rates:
        click.echo(f"Rendering at {one_rate} words a minute into {cache_dir}")
        any_failed |= _render_rate(by_lang, langs, one_rate, cache_dir)
    if any_failed:
        raise click.exceptions.Exit(1)


def _render_rate(
    by_lang: dict[str, list[tuple[str, str]]], langs: tuple[str, ...], rate: int, cache_dir: Path
) -> bool:
    """Render every language at one rate; True when anything failed."""
    any_failed = False
    for lang in langs or sorted(by_lang):
        items = by_lang.get(lang, [])
        if not items:
            click.echo(f"{LANGUAGE_NAMES.get(lang, lang)} ({lang}): no prompts in the library")
            continue
        try:
            report = render_many(cache_dir, items, rate=rate)
        except SpeechUnavailable as exc:
            click.echo(f"Warning: {exc}", err=True)
            return False
        click.echo(_summary(lang, report))
        for text, _lang, reason in report.failed:
            any_failed = True
            click.echo(f"  failed: {text!r}: {reason}", err=True)
    return any_failed


@speech_cli.command("voices")
def voices_command() -> None:
    """List the app's languages and whether each eSpeak NG voice is installed."""
    status = speech_status()
    click.echo("eSpeak NG: " + ("available" if status.available else "not available"))
    if status.reason:
        click.echo(status.reason)
    for lang, voice in VOICES.items():
        mark = "installed" if status.voices.get(lang) else "missing"
        click.echo(f"  {lang}  {LANGUAGE_NAMES.get(lang, lang):<8} {voice:<8} {mark}")
