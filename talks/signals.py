"""What follows a change of content: each talk's iCalendar SEQUENCE, its default demo runs, and
a new generation of the pages visitors are served from the cache."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page, PageViewRestriction, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail_localize.models import Translation, TranslationSource

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
def synchronize_translations(sender, instance, **kwargs):
    """A published English talk's translations take its time, place, speakers, status and
    links at once (typed once, never retyped): wagtail-localize's sync copies the synchronized
    fields and keeps each translation's words. A live translation is published again; a draft
    one gets a new draft."""
    if not isinstance(instance, TalkPage):
        return
    if instance.locale.language_code != settings.LANGUAGE_CODE:
        return  # a translation's own publication, this receiver's among them
    source = TranslationSource.objects.get_for_instance_or_none(instance)
    if source is None:
        return  # never translated
    source.update_from_db()
    for translation in Translation.objects.filter(source=source, enabled=True):
        target = TalkPage.objects.filter(
            translation_key=instance.translation_key, locale=translation.target_locale
        ).first()
        translation.save_target(publish=False)
        if target is not None and target.live:
            # From the database, as the seed does: wagtail-localize's own publication waits for
            # the transaction's end, with a copy of the page saved before.
            Page.objects.get(pk=target.pk).get_latest_revision().publish()


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
