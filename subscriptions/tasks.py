"""Tasks on the notices backend: run by `manage.py notices_worker`, never by the demo worker,
so emails never hold up a demo run (and never run inside a visitor's request)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from .emails import confirmation_email
from .models import Subscription
from .sending import send_pending


@task(backend="notices")
def send_notices() -> int:
    """Sends the deliveries that are ready, in batches, within the per-minute rate."""
    return send_pending()


@task(backend="notices")
def send_confirmation(subscription_id: int) -> bool:
    """The double opt-in email; an SMTP error fails the task, recorded in its result row (the
    visitor may ask again)."""
    subscription = Subscription.objects.select_related("series").filter(pk=subscription_id).first()
    if subscription is None or subscription.confirmed_at or subscription.unsubscribed_at:
        return False
    window = timedelta(hours=settings.SUBSCRIPTION_CONFIRM_HOURS)
    if subscription.created_at < timezone.now() - window:
        return False  # its link would arrive expired
    with translation.override(subscription.language):
        confirmation_email(subscription).send()
    return True
