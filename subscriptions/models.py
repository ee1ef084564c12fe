"""Email subscriptions to a series, the notices sent about its talks, and one delivery of a
notice to one subscriber (the row that makes each notice go out at most once)."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from talks.snippets import validate_time_zone


class SubscriptionQuerySet(models.QuerySet):
    def active(self) -> SubscriptionQuerySet:
        """Confirmed and not unsubscribed: the only subscriptions ever sent a notice."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def expired(self, now: datetime | None = None) -> SubscriptionQuerySet:
        """Never confirmed, and the confirmation link has run out."""
        hours = timedelta(hours=settings.SUBSCRIPTION_CONFIRM_HOURS)
        return self.filter(
            confirmed_at__isnull=True, created_at__lt=(now or timezone.now()) - hours
        )

    def for_talk(self, talk) -> SubscriptionQuerySet:
        """Active subscriptions to the talk's series, for all its topics or one of the talk's."""
        from talks.models import TalkTopic

        # From the database, not the page object: a revision's page holds its tags in memory.
        topic_ids = TalkTopic.objects.filter(content_object_id=talk.pk).values("tag_id")
        return (
            self.active()
            .filter(series_id=talk.get_parent().pk)
            .filter(Q(topics__isnull=True) | Q(topics__in=topic_ids))
            .distinct()
        )


class Subscription(models.Model):
    email = models.EmailField()
    series = models.ForeignKey(
        "talks.TalkIndexPage", on_delete=models.CASCADE, related_name="subscriptions"
    )
    topics = models.ManyToManyField(
        "taggit.Tag",
        blank=True,
        related_name="+",
        help_text="Only talks on one of these topics; none means every talk of the series.",
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    remind_day_before = models.BooleanField("reminder 24 hours before", default=True)
    remind_hour_before = models.BooleanField("reminder 1 hour before", default=False)
    language = models.CharField(
        max_length=16,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="Emails and their talks in this language: the one the subscriber signed up in.",
    )
    # The secret in manage and unsubscribe links (signed as well): ids can be guessed.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["email", "series"], name="one_subscription_per_series")
        ]
        permissions = [("view_subscriber_counts", "Can see subscriber counts and export them")]

    def __str__(self) -> str:
        return f"Subscription {self.pk} to {self.series_id}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class SubscribeRequest(models.Model):
    """One subscribe request, kept an hour for the rate limits: keyed hashes, never addresses."""

    address_key = models.CharField(max_length=64, db_index=True)
    client_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Subscribe request at {self.created_at:%Y-%m-%d %H:%M}"


class TalkNoticeState(models.Model):
    """What subscribers were last told about a talk, so a re-publish without a change that
    matters sends nothing, and each change that does is told once."""

    talk = models.OneToOneField("talks.TalkPage", on_delete=models.CASCADE, primary_key=True)
    start = models.DateTimeField(null=True)
    status = models.CharField(max_length=16)
    slides_url = models.URLField(blank=True)
    recording_url = models.URLField(blank=True)
    changes = models.PositiveIntegerField(default=0)  # numbers the change notices' keys

    def __str__(self) -> str:
        return f"What subscribers know of talk {self.talk_id}"


class Notice(models.Model):
    """One thing to tell a talk's subscribers; its key makes it unique per talk."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", "New talk"
        REMINDER = "reminder", "Reminder"
        CANCELLED = "cancelled", "Talk cancelled"
        MOVED = "moved", "Talk moved"
        MATERIAL = "material", "Slides or recording added"

    talk = models.ForeignKey("talks.TalkPage", on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # "announcement", "reminder-24h:<start>", "change-3"...: the same key is one notice.
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["talk", "key"], name="one_notice_per_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.talk_id} ({self.key})"


class DeliveryQuerySet(models.QuerySet):
    def ready(self, now: datetime | None = None) -> DeliveryQuerySet:
        return self.filter(status=Delivery.Status.PENDING, not_before__lte=now or timezone.now())


class Delivery(models.Model):
    """One notice to one subscriber: PENDING → CLAIMED (by a worker's batch) → SENDING (just
    before its SMTP send) → SENT; see subscriptions/sending.py for what a crash leaves."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        CLAIMED = "claimed", "Claimed by a worker"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent (unsubscribed or talk withdrawn)"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    not_before = models.DateTimeField(default=timezone.now)  # retries wait
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "notice"], name="one_delivery_per_subscriber"
            )
        ]
        indexes = [models.Index(fields=["status", "not_before"])]

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.status})"
