"""Signed links in emails: confirm (expires), manage and unsubscribe (last as long as the
subscription, so an old reminder's unsubscribe link still works)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from .models import Subscription

CONFIRM_SALT = "subscriptions.confirm"
MANAGE_SALT = "subscriptions.manage"


class BadLink(Exception):
    """Forged, altered, expired, or for a subscription that no longer exists."""


def absolute(path: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def confirm_token(subscription: Subscription) -> str:
    # The request's time is in it: asking again (after unsubscribing, say) voids older links.
    return signing.dumps(
        {
            "key": str(subscription.key),
            "email": subscription.email,
            "asked": subscription.created_at.isoformat(),
        },
        salt=CONFIRM_SALT,
    )


def manage_token(subscription: Subscription) -> str:
    return signing.Signer(salt=MANAGE_SALT).sign(str(subscription.key))


def confirm_url(subscription: Subscription) -> str:
    return absolute(reverse("subscriptions:confirm", args=[confirm_token(subscription)]))


def manage_url(subscription: Subscription) -> str:
    return absolute(reverse("subscriptions:manage", args=[manage_token(subscription)]))


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(reverse("subscriptions:unsubscribe", args=[manage_token(subscription)]))


def subscription_to_confirm(token: str) -> Subscription:
    max_age = settings.SUBSCRIPTION_CONFIRM_HOURS * 3600
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
        subscription = Subscription.objects.get(key=data["key"], email=data["email"])
        if data["asked"] != subscription.created_at.isoformat():
            raise BadLink
        return subscription
    except (
        signing.BadSignature,
        KeyError,
        TypeError,
        ValueError,
        ValidationError,
        Subscription.DoesNotExist,
    ):
        raise BadLink from None


def subscription_to_manage(token: str) -> Subscription:
    try:
        key = signing.Signer(salt=MANAGE_SALT).unsign(token)
        return Subscription.objects.get(key=key)
    except (signing.BadSignature, ValueError, ValidationError, Subscription.DoesNotExist):
        raise BadLink from None
