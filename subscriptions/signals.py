"""A talk's publication turns into notices for its subscribers, sent by the notices worker."""

from django.dispatch import receiver
from wagtail.signals import page_published

from talks.models import TalkPage

from .notices import notices_for_publication
from .tasks import send_notices


@receiver(page_published)
def notify_subscribers(sender, instance, **kwargs):
    if not isinstance(instance, TalkPage):
        return
    if notices_for_publication(instance):  # deliveries to make: wake the notices worker
        # Committed with the page and its deliveries (the database backend's task is a row).
        send_notices.enqueue()
