"""Tasks on the notices backend: run by `manage.py notices_worker`, never by the demo worker,
so emails never hold up a demo run (and never run inside a visitor's request)."""

from __future__ import annotations

import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone, translation
from django_tasks import task

from .emails import confirmation_email
from .models import Subscription
from .sending import RETRY_BACKOFF, send_pending


@task(backend="notices")
def send_notices() -> int:
    """Sends the deliveries that are ready, in batches, within the per-minute rate."""
    return send_pending()


@task(backend="notices")
def send_confirmation(
    subscription_id: int, requested_at: str | None = None, attempt: int = 1
) -> bool:
    """The double opt-in email for the request made at ``requested_at``. An SMTP error fails
    this attempt, its error kept in the task's result row, and queues the next one after the
    deliveries' back-off, until NOTICES_MAX_ATTEMPTS."""
    subscription = Subscription.objects.select_related("series").filter(pk=subscription_id).first()
    if subscription is None or subscription.confirmed_at or subscription.unsubscribed_at:
        return False
    if requested_at and subscription.created_at != datetime.fromisoformat(requested_at):
        return False  # the visitor asked again: that request has its own email
    window = timedelta(hours=settings.SUBSCRIPTION_CONFIRM_HOURS)
    if subscription.created_at < timezone.now() - window:
        return False  # its link would arrive expired
    try:
        with translation.override(subscription.language):
            confirmation_email(subscription).send()
    except (smtplib.SMTPException, OSError):
        if attempt < settings.NOTICES_MAX_ATTEMPTS:
            retry = send_confirmation.using(run_after=timezone.now() + RETRY_BACKOFF * attempt)
            retry.enqueue(subscription_id, requested_at, attempt + 1)
        raise
    return True
