"""Sending deliveries over SMTP in batches, by the notices worker only.

A delivery goes PENDING → CLAIMED (a batch, taken with ``SELECT … FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so two workers never take the same rows) → SENDING (a group of SENDING_GROUP,
stored just before their SMTP sends) → SENT (stored after the group's sends). The crash point
is between SENDING and SENT: the server may or may not have accepted a message. We choose
**at most once** there: a delivery found SENDING by ``recover_abandoned`` is marked FAILED
("outcome unknown"), never resent, so no subscriber gets a notice twice; what a dying worker
can lose is the group it was sending (at most SENDING_GROUP messages, some of which may in
fact have gone). Rows it had only CLAIMED never reached SMTP and go back to PENDING (sent
later, once).

SMTP errors are retried: the delivery returns to PENDING after a back-off, with its attempts
and the last error recorded, until NOTICES_MAX_ATTEMPTS, when it is FAILED.
"""

from __future__ import annotations

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from talks.pages import live_translation

from .emails import TalkMaterial, notice_email, talk_material
from .models import Delivery
from .notices import still_true

# Marked SENDING together in one write, then sent one by one: fewer writes (each a commit)
# per message, at the price of up to this many messages lost, never repeated, if a worker dies.
SENDING_GROUP = 20
ABANDONED_AFTER = timedelta(minutes=10)  # a claimed batch not finished by then was abandoned
RETRY_BACKOFF = timedelta(minutes=2)  # times the attempts made so far
RUN_SECONDS = 50.0  # one task sends for at most this long, then leaves the rest to the next
CLAIM_LOCK = 0x5E4D  # PostgreSQL advisory lock key: claims, one worker at a time

logger = logging.getLogger(__name__)


def allowance(now: datetime) -> int:
    """How many more may go this minute under NOTICES_PER_MINUTE, shared by all workers: the
    deliveries sent in the last minute count, and so do those any worker holds claimed or is
    sending (called under CLAIM_LOCK, so no two workers spend the same allowance)."""
    used = Delivery.objects.filter(
        Q(sent_at__gt=now - timedelta(minutes=1))
        | Q(status__in=(Delivery.Status.CLAIMED, Delivery.Status.SENDING))
    ).count()
    return max(0, settings.NOTICES_PER_MINUTE - used)


def claim_batch(size: int, now: datetime) -> tuple[list[Delivery], datetime]:
    """Up to ``size`` ready deliveries within the minute's allowance, CLAIMED with a stamp of
    their own (the claim's time), which tells this claim's rows from a later claim of the same
    rows."""
    stamp = timezone.now()
    with transaction.atomic():
        # One claim at a time across workers: each sees what the others hold before it takes
        # more. SQLite's transactions are IMMEDIATE (settings), so they are one at a time too.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLAIM_LOCK])
        size = min(size, allowance(now))
        ready = Delivery.objects.ready(now).order_by("pk")
        if connection.vendor == "postgresql":
            # Other workers skip these rows instead of waiting for them (or taking them).
            ready = ready.select_for_update(skip_locked=True)
        ids = list(ready.values_list("pk", flat=True)[:size])
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.CLAIMED, sending_since=stamp, attempts=F("attempts") + 1
        )
    batch = (
        Delivery.objects.filter(pk__in=ids)
        .select_related("subscription__series", "notice__talk__venue")
        .order_by("pk")
    )
    return list(batch), stamp


def send_batch(now: datetime | None = None, size: int | None = None) -> int:
    """Claims one batch and sends it; returns how many deliveries it handled (sent, skipped
    or failed), 0 when nothing was ready or the minute's allowance is spent."""
    now = now or timezone.now()
    batch, stamp = claim_batch(size or settings.NOTICES_BATCH_SIZE, now)
    if not batch:
        return 0
    materials: dict[int, TalkMaterial] = {}  # one .ics and talk lookup per talk, not per email
    smtp = get_connection(fail_silently=False)
    try:
        for first in range(0, len(batch), SENDING_GROUP):
            _send_group(batch[first : first + SENDING_GROUP], stamp, smtp, materials, now)
    finally:
        smtp.close()
    return len(batch)


def _send_group(group: list[Delivery], stamp: datetime, smtp, materials: dict, now) -> None:
    claimed = Delivery.objects.filter(status=Delivery.Status.CLAIMED, sending_since=stamp)
    wanted = [delivery for delivery in group if still_true(delivery)]
    unwanted = {delivery.pk for delivery in group} - {delivery.pk for delivery in wanted}
    claimed.filter(pk__in=unwanted).update(status=Delivery.Status.SKIPPED)
    messages = {}
    for delivery in wanted:
        # Each subscriber's email, and the talk's page and calendar in it, in their language.
        talk, language = delivery.notice.talk, delivery.subscription.language
        with translation.override(language):
            if (talk.pk, language) not in materials:
                materials[talk.pk, language] = talk_material(live_translation(talk, language), now)
            messages[delivery.pk] = notice_email(delivery, materials[talk.pk, language])
    # Stored before any of them reaches the SMTP server: from here a crash may lose these
    # messages, never send them twice (see the module's docstring).
    sending_stamp = timezone.now()
    marked = claimed.filter(pk__in=messages).update(
        status=Delivery.Status.SENDING, sending_since=sending_stamp
    )
    if marked < len(messages):  # some were recovered from under us as abandoned: not ours now
        ours = Delivery.objects.filter(
            pk__in=messages, status=Delivery.Status.SENDING, sending_since=sending_stamp
        ).values_list("pk", flat=True)
        messages = {pk: messages[pk] for pk in ours}
    sent = []
    for delivery in wanted:
        if delivery.pk not in messages:
            continue
        try:
            smtp.open()  # once per batch (a no-op while open): one SMTP session for many
            smtp.send_messages([messages[delivery.pk]])
        except (smtplib.SMTPException, OSError) as error:
            _failed_attempt(delivery, error, now)
            smtp.close()  # the next message opens a fresh connection
        else:
            sent.append(delivery.pk)
    Delivery.objects.filter(pk__in=sent).update(status=Delivery.Status.SENT, sent_at=timezone.now())


def _failed_attempt(delivery: Delivery, error: Exception, now: datetime) -> None:
    logger.warning("Notice delivery %s failed: %s", delivery.pk, error)
    attempts = delivery.attempts  # counted when the batch was claimed
    gave_up = attempts >= settings.NOTICES_MAX_ATTEMPTS
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED if gave_up else Delivery.Status.PENDING,
        not_before=now + RETRY_BACKOFF * attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )


def send_pending(now: datetime | None = None, seconds: float = RUN_SECONDS) -> int:
    """Batches until nothing is ready or the minute's allowance is spent (the next periodic
    run picks up the rest), or time is up; returns how many deliveries were handled."""
    started, handled = time.monotonic(), 0
    while time.monotonic() - started < seconds:
        batch = send_batch(now)
        if not batch:
            break
        handled += batch
    return handled


def recover_abandoned(now: datetime | None = None) -> tuple[int, int]:
    """Claimed rows of a dead worker go back to the queue; rows it was sending are failed."""
    cutoff = (now or timezone.now()) - ABANDONED_AFTER
    stale = Delivery.objects.filter(sending_since__lt=cutoff)
    requeued = stale.filter(status=Delivery.Status.CLAIMED).update(status=Delivery.Status.PENDING)
    lost = stale.filter(status=Delivery.Status.SENDING).update(
        status=Delivery.Status.FAILED,
        last_error="The worker stopped during the SMTP send; not resent, so that nobody gets"
        " the notice twice.",
    )
    return requeued, lost
