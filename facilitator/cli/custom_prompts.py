"""``flask custom-prompts render-speech``: the synthetic voice of staff's own prompts, ahead.

Pages use the browser's own voice until the audio is rendered; a prompt with a recorded
familiar voice plays that instead. Register with ``app.cli.add_command(custom_prompts_cli)``.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..accessible import speech
from ..extensions import db
from ..models import CustomPrompt, Person
from ..services.media import custom_prompts
from ..services.media.prompt_input import language_for

custom_prompts_cli = AppGroup("custom-prompts", help="Prompts staff wrote for one person.")


def spoken_texts() -> list[tuple[str, str, int]]:
    """(text, language, rate) for every custom prompt still asked, and its choices.

    Rendered at the person's own rate and at every rate they can choose."""
    rates = set(speech.RATES.values())
    found: dict[tuple[str, str, int], None] = {}
    rows = db.session.scalars(
        select(CustomPrompt).where(
            CustomPrompt.superseded_by_id.is_(None), CustomPrompt.retired_at.is_(None)
        )
    )
    for row in rows:
        person = db.session.get(Person, row.person_id)
        if person is None:
            continue
        lang = language_for(person)
        own = int(person.setting("speech_rate") or speech.DEFAULT_RATE)
        prompt = custom_prompts.to_prompt(row)
        texts = [prompt.text(lang)] + [option.label(lang) for option in prompt.choices]
        for rate in sorted(rates | {own}):
            for text in texts:
                found[(text, lang, rate)] = None
    return list(found)


@custom_prompts_cli.command("render-speech")
def render_speech() -> None:
    """Render the synthetic voice of every custom prompt still asked (missing files only)."""
    status = speech.speech_status()
    if not status.available:
        click.echo(f"Warning: {status.reason}", err=True)
        return
    cache_dir = Path(current_app.config["SPEECH_CACHE_DIR"])
    by_rate: dict[int, list[tuple[str, str]]] = {}
    for text, lang, rate in spoken_texts():
        by_rate.setdefault(rate, []).append((text, lang))
    failed = 0
    for rate, items in sorted(by_rate.items()):
        report = speech.render_many(cache_dir, items, rate=rate)
        failed += len(report.failed)
        click.echo(
            f"Custom prompts at {rate} words a minute: {report.rendered} rendered, "
            f"{report.cached} cached, {len(report.failed)} failed in {report.seconds:.1f} s"
        )
    if failed:
        raise click.exceptions.Exit(1)
