"""``flask messages work``: the message worker (issue 18).

Each round puts the notices that have fallen due in the outbox (``schedule.tick``), then
delivers what is due (``delivery.deliver``) through the transport MAIL_URL names. Once an
hour it blanks the words and address of messages sent long enough ago
(``outbox.forget_old``). It stops cleanly on SIGTERM or SIGINT (Ctrl+C), after the message it
is sending.
"""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from types import FrameType

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError

from ..extensions import db
from ..models import utcnow
from ..services.messages import delivery, outbox, schedule, transports

# Sent messages' words are blanked after a while (outbox.forget_old); checked once an hour.
FORGET_EVERY_SECONDS = 3600

messages_cli = AppGroup("messages", help="Send the messages in the outbox.")


class _Stop:
    """Set by SIGTERM or SIGINT: finish the message in hand, then leave."""

    def __init__(self) -> None:
        self.asked = False

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.asked = True


@messages_cli.command("work")
@click.option("--once", is_flag=True, help="One round (notices, then one batch), then stop.")
@click.option(
    "--interval", default=2.0, show_default=True, help="Seconds to wait when nothing is due."
)
@click.option("--batch", default=delivery.DEFAULT_BATCH, show_default=True)
def work(once: bool, interval: float, batch: int) -> None:
    """Deliver the outbox until stopped (Ctrl+C or SIGTERM)."""
    stop = _Stop()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    transport = transports.from_config(current_app.config)
    lease = timedelta(seconds=int(current_app.config.get("MESSAGES_LEASE_SECONDS", 600)))
    worker = delivery.worker_name()
    click.echo(f"Message worker {worker} started: sending by {transport.name}.")
    forgotten_at = 0.0
    while not stop.asked:
        try:
            if time.monotonic() - forgotten_at > FORGET_EVERY_SECONDS:
                outbox.forget_old(db.session, utcnow())
                db.session.commit()
                forgotten_at = time.monotonic()
            schedule.tick(db.session, utcnow())
            db.session.commit()
            done = delivery.deliver(db.session, transport, worker=worker, batch=batch, lease=lease)
        except OperationalError as error:
            db.session.rollback()
            click.echo(f"The database could not be reached: {type(error.orig).__name__}", err=True)
            done = delivery.Round()
        finally:
            db.scoped.remove()
        if done.claimed:
            click.echo(
                f"Sent {done.sent}, to try again {done.retrying}, failed {done.failed}.",
            )
        if once:
            break
        if done.claimed < batch:
            _sleep(interval, stop)
    click.echo("Message worker stopped.")


def _sleep(seconds: float, stop: _Stop) -> None:
    """Wait, waking early when asked to stop."""
    end = time.monotonic() + seconds
    while not stop.asked and time.monotonic() < end:
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))
