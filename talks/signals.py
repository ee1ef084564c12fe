"""Keeps each talk's iCalendar SEQUENCE in step with what subscribers' calendars show."""

from django.dispatch import receiver
from wagtail.signals import page_published

from demos.blocks import queue_default_runs

from .models import TalkPage


@receiver(page_published)
def bump_calendar_sequence(sender, instance, **kwargs):
    if not isinstance(instance, TalkPage):
        return
    state = instance.calendar_state()
    if state == instance.calendar_fingerprint:
        return
    # The first publication is SEQUENCE 0; every later change a calendar would show adds one.
    sequence = instance.calendar_sequence + 1 if instance.calendar_fingerprint else 0
    TalkPage.objects.filter(pk=instance.pk).update(
        calendar_sequence=sequence, calendar_fingerprint=state
    )
    instance.calendar_sequence, instance.calendar_fingerprint = sequence, state


@receiver(page_published)
def queue_default_demo_runs(sender, instance, **kwargs):
    """Compute every demo block's default chart now, so no visitor waits for it."""
    if not isinstance(instance, TalkPage):
        return
    queue_default_runs(instance, instance.demo_blocks())
