"""At most N subscribe requests an hour per email address and per client, counted in the
database (shared by every web process) by keyed hashes, never the addresses themselves."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from seminar_site.client_address import client_ip_address

from .models import SubscribeRequest

WINDOW = timedelta(hours=1)


def keys(request: HttpRequest, email: str) -> tuple[str, str]:
    address = salted_hmac("subscriptions.address", email.lower()).hexdigest()[:32]
    client = salted_hmac("subscriptions.client", client_ip_address(request)).hexdigest()[:32]
    return address, client


def refusal(request: HttpRequest, email: str) -> str:
    """Why this request is over a limit, for the form; "" when it may go on."""
    address, client = keys(request, email)
    recent = SubscribeRequest.objects.filter(created_at__gte=timezone.now() - WINDOW)
    if recent.filter(address_key=address).count() >= settings.SUBSCRIPTION_RATE_PER_ADDRESS:
        return (
            f"This address was sent {settings.SUBSCRIPTION_RATE_PER_ADDRESS} confirmation"
            " emails in the last hour already; check your inbox (and spam folder), or try"
            " again in an hour."
        )
    if recent.filter(client_key=client).count() >= settings.SUBSCRIPTION_RATE_PER_CLIENT:
        return (
            f"At most {settings.SUBSCRIPTION_RATE_PER_CLIENT} subscriptions an hour from one"
            " network address; try again in an hour."
        )
    return ""


def record(request: HttpRequest, email: str) -> None:
    address, client = keys(request, email)
    SubscribeRequest.objects.create(address_key=address, client_key=client)
