"""The editors' additions to Wagtail's admin: the demo block's run-time estimate, the "math"
rich-text feature, and a speaker chooser that shows each speaker's photo.

Wagtail loads only ``<app>/wagtail_hooks.py``: talks/wagtail_hooks.py imports this module.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.images import get_image_model
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
)

from demos import admin_api

from . import rich_text
from .snippets import Speaker

# Shown at 40 CSS pixels, so sharp on a screen of two device pixels per CSS pixel.
SPEAKER_THUMBNAIL = "fill-80x80"


@hooks.register("register_admin_urls")
def demo_estimate_urls():
    return [path("demos/<slug:slug>/estimate/", admin_api.estimate, name="demo_estimate")]


@hooks.register("insert_editor_js")
def demo_estimate_script():
    # The address is given to the script, with a placeholder for the demo's slug.
    return format_html(
        '<script src="{}" data-estimate-url="{}" defer></script>',
        static("admin/js/demo_estimate.js"),
        reverse("demo_estimate", args=["__slug__"]),
    )


@hooks.register("register_rich_text_features")
def register_math_feature(features) -> None:
    rich_text.register_math_feature(features)


def speaker_photo(speaker: Speaker) -> str:
    """A speaker's photo as a small square thumbnail, or their initials when there is none."""
    if speaker.photo is None:
        return format_html('<span aria-hidden="true">{}</span>', speaker.initials)
    # The name is in the next column: the thumbnail is decoration for a screen reader.
    return speaker.photo.get_rendition(SPEAKER_THUMBNAIL).img_tag(
        {"alt": "", "width": 40, "height": 40, "loading": "lazy"}
    )


class SpeakerChooseViewMixin:
    """The chooser's list with each speaker's photo and affiliation, told apart at a glance."""

    @property
    def columns(self) -> list[Column]:
        return [
            Column("photo", label="Photo", accessor=speaker_photo, width="4rem"),
            *super().columns,
            Column("affiliation", label="Affiliation"),
        ]

    def get_object_list(self) -> QuerySet[Speaker]:
        renditions = (
            get_image_model().get_rendition_model().objects.filter(filter_spec=SPEAKER_THUMBNAIL)
        )
        return (
            super()
            .get_object_list()
            .select_related("photo")
            .prefetch_related(Prefetch("photo__renditions", queryset=renditions))
        )


class SpeakerChooseView(SpeakerChooseViewMixin, ChooseView):
    pass


class SpeakerChooseResultsView(SpeakerChooseViewMixin, ChooseResultsView):
    pass


class SpeakerChooserViewSet(SnippetChooserViewSet):
    """Set as SpeakerViewSet.chooser_viewset_class (talks/wagtail_hooks.py)."""

    choose_view_class = SpeakerChooseView
    choose_results_view_class = SpeakerChooseResultsView
