"""Double opt-in: a request makes (or renews) an unconfirmed subscription and queues its
confirmation email; only the signed link in that email makes it active."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from .models import Subscription
from .tasks import send_confirmation


def request_subscription(data: dict) -> Subscription | None:
    """A subscription awaiting confirmation, its email queued; None when the address is
    subscribed already (its settings change only through its own manage link)."""
    with transaction.atomic():
        subscription, created = Subscription.objects.select_for_update().get_or_create(
            email=data["email"], series=data["series"]
        )
        if subscription.is_active:
            return None
        # Unconfirmed or unsubscribed: this request's settings, and a fresh confirmation.
        subscription.time_zone = data["time_zone"]
        subscription.remind_day_before = data["remind_day_before"]
        subscription.remind_hour_before = data["remind_hour_before"]
        # The emails speak the language of the page the form was sent from.
        subscription.language = get_language()
        subscription.created_at = timezone.now()
        subscription.confirmed_at = subscription.unsubscribed_at = None
        subscription.save()
        subscription.topics.set(data["topics"])
        # In the same transaction: the email's task exists if and only if the subscription does.
        send_confirmation.enqueue(subscription.pk, subscription.created_at.isoformat())
    return subscription


def confirm(subscription: Subscription, now: datetime | None = None) -> None:
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now or timezone.now()
        subscription.save(update_fields=["confirmed_at"])


def unsubscribe(subscription: Subscription, now: datetime | None = None) -> None:
    """No more emails: deliveries not yet sent are skipped when their turn comes."""
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now or timezone.now()
        subscription.save(update_fields=["unsubscribed_at"])
