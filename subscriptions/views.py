"""Subscribe, confirm, manage and unsubscribe pages. None is stored by the visitor page cache
(never_cache): they carry forms with CSRF tokens or a subscriber's settings."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from talks.models import TalkIndexPage, TalkPage

from . import links, ratelimit, signup
from .forms import SubscribeForm, SubscriptionSettingsForm


def _series_and_zone(request: HttpRequest) -> tuple[TalkIndexPage | None, str]:
    """The series asked for (by ?series= or ?talk=), and the zone to offer first: the talk's
    venue's, else UTC."""
    series = TalkIndexPage.objects.live().public().filter(pk=_int(request.GET.get("series")))
    talk = TalkPage.objects.live().public().filter(pk=_int(request.GET.get("talk"))).first()
    if talk is not None:
        return talk.get_parent().specific, talk.zone.key
    return series.first(), "UTC"


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() and len(value) < 12 else None


@never_cache
@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        series, zone = _series_and_zone(request)
        initial = {"series": series, "time_zone": zone, "remind_day_before": True}
        form = SubscribeForm(initial=initial, series=series)
        status = 200 if series else 404
        return render(
            request, "subscriptions/subscribe.html", {"form": form, "series": series}, status=status
        )
    form = SubscribeForm(request.POST, series=_posted_series(request))
    status = 400
    if form.is_valid():
        email = form.cleaned_data["email"]
        refusal = ratelimit.refusal(request, email)
        if refusal:
            form.add_error(None, refusal)
            status = 429
        else:
            ratelimit.record(request, email)
            signup.request_subscription(form.cleaned_data)
            return redirect("subscriptions:requested")
    series = form.cleaned_data.get("series")
    return render(
        request, "subscriptions/subscribe.html", {"form": form, "series": series}, status=status
    )


def _posted_series(request: HttpRequest) -> TalkIndexPage | None:
    return TalkIndexPage.objects.live().public().filter(pk=_int(request.POST.get("series"))).first()


@never_cache
@require_GET
def requested(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/requested.html")


@never_cache
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open links confirm nothing."""
    try:
        subscription = links.subscription_to_confirm(token)
    except links.BadLink:
        return render(request, "subscriptions/bad_link.html", status=400)
    if request.method == "POST":
        signup.confirm(subscription)
    manage_path = reverse("subscriptions:manage", args=[links.manage_token(subscription)])
    context = {"subscription": subscription, "manage_path": manage_path}
    return render(request, "subscriptions/confirm.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = links.subscription_to_manage(token)
    except links.BadLink:
        return render(request, "subscriptions/bad_link.html", status=400)
    form = SubscriptionSettingsForm(request.POST or None, instance=subscription)
    saved = request.method == "POST" and subscription.is_active and form.is_valid()
    if saved:
        form.save()
    context = {
        "subscription": subscription,
        "form": form,
        "saved": saved,
        # A path, not the emails' absolute link: the CSP lets forms post to this site only.
        "unsubscribe_path": reverse("subscriptions:unsubscribe", args=[token]),
    }
    return render(request, "subscriptions/manage.html", context, status=400 if form.errors else 200)


# RFC 8058: mail clients POST "List-Unsubscribe=One-Click" here with no CSRF token. The signed
# token in the address is the proof, as a CSRF token would be; GET only shows a button.
@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription = links.subscription_to_manage(token)
    except links.BadLink:
        return render(request, "subscriptions/bad_link.html", status=400)
    if request.method == "POST":
        signup.unsubscribe(subscription)
    return render(request, "subscriptions/unsubscribe.html", {"subscription": subscription})
