"""What subscribers are told and when: a talk's publication turns into notices (announcement,
cancellation, move, new slides or recording), the clock into reminders; each notice fans out
into one Delivery per matching subscriber, which the notices worker sends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from talks.models import TalkPage

from .models import Delivery, Notice, SubscribeRequest, Subscription, TalkNoticeState

FAN_OUT_CHUNK = 2000  # deliveries inserted per statement
DELIVERIES_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class Reminder:
    name: str  # in the notice's key
    lead: timedelta  # how long before the start it is sent
    wanted_by: str  # the Subscription field that asks for it


REMINDERS = (
    Reminder("24h", timedelta(hours=24), "remind_day_before"),
    Reminder("1h", timedelta(hours=1), "remind_hour_before"),
)
ANNOUNCEMENT_KEY = "announcement"


def fan_out(notice: Notice, subscriptions) -> int:
    """One pending delivery per subscription; those that exist already are left alone."""
    created = 0
    ids = list(subscriptions.values_list("pk", flat=True))
    for first in range(0, len(ids), FAN_OUT_CHUNK):
        rows = [
            Delivery(notice=notice, subscription_id=pk) for pk in ids[first : first + FAN_OUT_CHUNK]
        ]
        # The unique (subscription, notice) constraint is what keeps a notice from going twice.
        created += len(Delivery.objects.bulk_create(rows, ignore_conflicts=True))
    return created


def _notice(talk: TalkPage, kind: str, key: str) -> Notice:
    notice, _ = Notice.objects.get_or_create(talk=talk, key=key, defaults={"kind": kind})
    return notice


def _is_upcoming(talk: TalkPage, now: datetime) -> bool:
    return bool(talk.start and talk.start > now)


def notices_for_publication(talk: TalkPage, now: datetime | None = None) -> int:
    """Creates the notices one publication of a talk calls for, compared with what subscribers
    were last told (a re-publish that changes nothing they were told creates none), and returns
    how many deliveries they made: with no subscriber there is nothing to send."""
    now = now or timezone.now()
    # Subscribers hear of a talk once: from its English page, not again from a translation.
    if not talk.is_public() or talk.locale_id != Locale.get_default().pk:
        return 0
    created: list[Notice] = []
    with transaction.atomic():
        state, first = TalkNoticeState.objects.select_for_update().get_or_create(
            talk=talk,
            defaults={
                "start": talk.start,
                "status": talk.status,
                "slides_url": talk.slides_url,
                "recording_url": talk.recording_url,
            },
        )
        announced = Notice.objects.filter(talk=talk, key=ANNOUNCEMENT_KEY).exists()
        scheduled = talk.status == TalkPage.Status.SCHEDULED
        if not announced:
            # Subscribers hear of a talk once, when it is first public, scheduled and to come.
            if scheduled and _is_upcoming(talk, now):
                created.append(_notice(talk, Notice.Kind.ANNOUNCEMENT, ANNOUNCEMENT_KEY))
        elif not first:
            change = _change_kind(state, talk)
            # A talk that is over is not cancelled or moved for anyone's diary.
            if change and talk.end and talk.end > now:
                created.append(_change_notice(state, talk, change))
        if not first and _material_added(state, talk) and talk.start and talk.start <= now:
            created.append(_change_notice(state, talk, Notice.Kind.MATERIAL))
        state.start, state.status = talk.start, talk.status
        state.slides_url, state.recording_url = talk.slides_url, talk.recording_url
        state.save()
        return sum(fan_out(notice, Subscription.objects.for_talk(talk)) for notice in created)


def _change_kind(state: TalkNoticeState, talk: TalkPage) -> str | None:
    if talk.status != state.status:
        return Notice.Kind.CANCELLED if talk.is_cancelled else Notice.Kind.MOVED
    if talk.start != state.start and not talk.is_cancelled:
        return Notice.Kind.MOVED
    return None


def _material_added(state: TalkNoticeState, talk: TalkPage) -> bool:
    return any(
        new and new != old
        for new, old in (
            (talk.slides_url, state.slides_url),
            (talk.recording_url, state.recording_url),
        )
    )


def _change_notice(state: TalkNoticeState, talk: TalkPage, kind: str) -> Notice:
    state.changes += 1  # every change is told once: its own key
    return _notice(talk, kind, f"change-{state.changes}")


def reminder_key(reminder: Reminder, talk: TalkPage) -> str:
    # The start is part of the key: a talk moved to a new time gets new reminders.
    return f"reminder-{reminder.name}:{talk.start.isoformat()}"


def queue_due_reminders(now: datetime | None = None) -> int:
    """Reminders for talks starting within each reminder's lead time; new subscribers of a talk
    whose reminder went out already get it too, nobody twice."""
    now = now or timezone.now()
    created = 0
    for reminder in REMINDERS:
        due = (
            TalkPage.objects.live()
            .public()
            .in_default_language()
            .filter(status=TalkPage.Status.SCHEDULED, start__gt=now, start__lte=now + reminder.lead)
        )
        for talk in due:
            with transaction.atomic():
                notice = _notice(talk, Notice.Kind.REMINDER, reminder_key(reminder, talk))
                wanted = Subscription.objects.for_talk(talk).filter(**{reminder.wanted_by: True})
                # Who was announced the talk inside the lead time needs no reminder of it yet.
                just_told = Delivery.objects.filter(
                    notice__talk=talk,
                    notice__kind=Notice.Kind.ANNOUNCEMENT,
                    created_at__gte=talk.start - reminder.lead,
                ).values("subscription_id")
                created += fan_out(notice, wanted.exclude(pk__in=just_told))
    return created


def prune(now: datetime | None = None) -> tuple[int, int]:
    """Unconfirmed subscriptions whose link has expired; subscribe requests past the hour;
    deliveries long done (failed ones are kept: they are the record of what went wrong)."""
    now = now or timezone.now()
    expired, _ = Subscription.objects.expired(now).delete()
    old, _ = SubscribeRequest.objects.filter(created_at__lt=now - timedelta(hours=1)).delete()
    # Safe to forget: a notice is never made again (its key stays), and reminders are long over.
    Delivery.objects.filter(
        status__in=[Delivery.Status.SENT, Delivery.Status.SKIPPED],
        created_at__lt=now - DELIVERIES_KEPT,
    ).delete()
    return expired, old


def still_true(delivery: Delivery) -> bool:
    """Whether the notice is still worth sending: the subscriber is active, the talk public,
    and a reminder's talk is still on at the time it reminds of."""
    notice, talk = delivery.notice, delivery.notice.talk
    if not delivery.subscription.is_active or not talk.live:
        return False
    if notice.kind == Notice.Kind.REMINDER:
        return (
            talk.status == TalkPage.Status.SCHEDULED
            and talk.start is not None
            and notice.key.endswith(":" + talk.start.isoformat())
        )
    return True
