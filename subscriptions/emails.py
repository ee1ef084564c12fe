"""The emails subscribers get: text and HTML parts, the talk's .ics, its time in the venue's and
the subscriber's zones, and one-click unsubscribe headers (RFC 8058)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from talks import calendar
from talks.models import TalkPage
from talks.when import format_moment
from talks.zones import zone_label

from . import links
from .models import Delivery, Notice, Subscription

SUBJECTS = {
    Notice.Kind.ANNOUNCEMENT: gettext_lazy("New talk: %(title)s"),
    Notice.Kind.REMINDER: gettext_lazy("Reminder: %(title)s"),
    Notice.Kind.CANCELLED: gettext_lazy("Cancelled: %(title)s"),
    Notice.Kind.MOVED: gettext_lazy("Changed: %(title)s"),
    Notice.Kind.MATERIAL: gettext_lazy("Slides or recording: %(title)s"),
}


@dataclass(frozen=True)
class TalkMaterial:
    """What every subscriber's email about one talk shares, built once per batch."""

    talk: TalkPage
    url: str
    ics: bytes
    online_link: str


def talk_material(talk: TalkPage, now: datetime | None = None) -> TalkMaterial:
    # Subscribers may see an online link that the public page, calendars and feeds never carry.
    ics = calendar.build_calendar([talk], talk.title, for_subscriber=True)
    online_link = talk.online_link(now=now or timezone.now(), for_subscriber=True)
    return TalkMaterial(
        talk=talk, url=talk.get_full_url(), ics=ics.to_ical(), online_link=online_link
    )


def when(moment: datetime | None, zone) -> str:
    if moment is None:
        return _("to be announced")
    local = moment.astimezone(zone)
    return f"{format_moment(local, 'long_day_time')} ({zone_label(zone, moment)})"


def unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    targets = [f"<{links.unsubscribe_url(subscription)}>"]
    if settings.NOTICES_UNSUBSCRIBE_MAILTO:
        targets.append(f"<mailto:{settings.NOTICES_UNSUBSCRIBE_MAILTO}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def notice_email(delivery: Delivery, material: TalkMaterial) -> EmailMultiAlternatives:
    subscription, notice, talk = delivery.subscription, delivery.notice, material.talk
    venue_time = when(talk.start, talk.zone)
    own_time = when(talk.start, subscription.zone)
    context = {
        "notice": notice,
        "talk": talk,
        "talk_url": material.url,
        "series": subscription.series,
        "venue_time": venue_time,
        "own_time": own_time if own_time != venue_time else "",
        "online_link": material.online_link,
        "manage_url": links.manage_url(subscription),
        "unsubscribe_url": links.unsubscribe_url(subscription),
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[notice.kind] % {"title": talk.title},
        body=render_to_string("subscriptions/email/notice.txt", context),
        to=[subscription.email],
        headers=unsubscribe_headers(subscription),
    )
    message.attach_alternative(
        render_to_string("subscriptions/email/notice.html", context), "text/html"
    )
    message.attach(f"{talk.slug}.ics", material.ics, "text/calendar")
    return message


def confirmation_email(subscription: Subscription) -> EmailMultiAlternatives:
    context = {
        "series": subscription.series,
        "confirm_url": links.confirm_url(subscription),
        "hours": settings.SUBSCRIPTION_CONFIRM_HOURS,
    }
    message = EmailMultiAlternatives(
        subject=_("Confirm your subscription to %(series)s")
        % {"series": subscription.series.title},
        body=render_to_string("subscriptions/email/confirm.txt", context),
        to=[subscription.email],
    )
    message.attach_alternative(
        render_to_string("subscriptions/email/confirm.html", context), "text/html"
    )
    return message
