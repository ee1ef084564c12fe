"""Talks in the admin: a "Talks" listing, "Upcoming talks" on the dashboard, "Duplicate for a
later date"; speakers and venues as snippets with list columns and search; rich-text links."""

from django.urls import path
from wagtail import hooks
from wagtail.admin.viewsets.pages import PageListingViewSet
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import rich_text
from .admin_dashboard import UpcomingTalksPanel
from .admin_views import DuplicateTalkView, TalkIndexView, duplicate_buttons
from .editor_hooks import SpeakerChooserViewSet  # also registers the editors' hooks
from .models import Speaker, TalkPage, TopicName, Venue


class TalkListingViewSet(PageListingViewSet):
    """Every talk of every series in one list, newest date first."""

    model = TalkPage
    name = "talks"
    icon = "date"
    menu_label = "Talks"
    menu_order = 150  # after Pages (which is 100)
    add_to_admin_menu = True
    index_view_class = TalkIndexView
    columns = TalkIndexView.columns
    ordering = "-start"


@hooks.register("register_admin_viewset")
def register_talk_listing():
    return TalkListingViewSet()


@hooks.register("construct_homepage_panels")
def add_upcoming_talks(request, panels) -> None:
    panels.append(UpcomingTalksPanel())


@hooks.register("register_admin_urls")
def register_duplicate_talk_url():
    return [
        path(
            "talks/<int:page_id>/duplicate/",
            DuplicateTalkView.as_view(),
            name="talks_duplicate",
        )
    ]


# In a listing's "more" menu and in the talk's own header menu (edit view and explorer).
hooks.register("register_page_listing_more_buttons", duplicate_buttons)


@hooks.register("register_page_header_buttons")
def duplicate_header_button(page, user, view_name, next_url=None):
    return duplicate_buttons(page, user, next_url)


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = "Speakers"
    list_display = ["name", "position", "affiliation"]
    chooser_viewset_class = SpeakerChooserViewSet  # the chooser shows each speaker's photo
    # Speaker is indexed, so the search backend searches Speaker.search_fields; naming fields
    # here would restrict it, which the SQLite backend cannot do (it looks for a column `name`).


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    menu_label = "Venues"
    list_display = ["name", "building", "room", "time_zone"]
    search_fields = ["name", "building", "room"]  # not indexed: searched in the database


class TopicNameViewSet(SnippetViewSet):
    model = TopicName
    icon = "tag"
    menu_label = "Topic names (Chinese…)"
    list_display = ["tag", "language", "name"]
    search_fields = ["name"]


class PeopleAndPlaces(SnippetViewSetGroup):
    items = (SpeakerViewSet, VenueViewSet, TopicNameViewSet)
    menu_icon = "group"
    menu_label = "Speakers & venues"
    menu_name = "speakers-venues"


register_snippet(PeopleAndPlaces)


# After Wagtail's own hooks (order 0), so these handlers replace its handlers for the same types.
@hooks.register("register_rich_text_features", order=1)
def render_unresolved_entities_as_text(features) -> None:
    features.register_link_type(rich_text.CheckedPageLinkHandler)
    features.register_link_type(rich_text.CheckedDocumentLinkHandler)
    features.register_embed_type(rich_text.CheckedImageEmbedHandler)
    features.register_converter_rule("contentstate", "link", rich_text.CONTENTSTATE_LINK_RULE)
