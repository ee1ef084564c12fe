"""The visitor's network address as the site sees it, directly or through its own proxy."""

from django.conf import settings
from django.http import HttpRequest


def client_ip_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind a proxy the last entry of DEMO_CLIENT_IP_HEADER."""
    address = request.META.get("REMOTE_ADDR", "")
    if settings.DEMO_CLIENT_IP_HEADER:
        forwarded = request.META.get(settings.DEMO_CLIENT_IP_HEADER, "")
        # The last entry is the one our own proxy added; earlier ones the client can forge.
        address = forwarded.split(",")[-1].strip() or address
    return address
