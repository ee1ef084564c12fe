"""What follows a change of content: each talk's iCalendar SEQUENCE, its default demo runs, and
a new generation of the pages visitors are served from the cache."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from demos.blocks import queue_default_runs
from seminar_site import page_cache

from .models import TalkPage
from .snippets import Speaker, Venue

# Saved or deleted, these change what visitors' pages show (or whether they may see them).
SHOWN_ON_PAGES = (Speaker, Venue, Site, PageViewRestriction, Redirect)


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


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
def new_pages_generation(sender, instance, **kwargs):
    # A talk shows on its series' listing and the home page too: a CDN in front drops those.
    page_cache.invalidate(instance, *instance.get_ancestors().live().exclude(depth=1))


@receiver(post_save)
def new_pages_generation_on_save(sender, instance, **kwargs):
    if isinstance(instance, SHOWN_ON_PAGES):
        page_cache.invalidate()


@receiver(post_delete)
def new_pages_generation_on_delete(sender, instance, **kwargs):
    if isinstance(instance, (*SHOWN_ON_PAGES, Page)):
        page_cache.invalidate()
