"""Speakers and venues as snippets in the admin, with list columns and search; rich-text links."""

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import rich_text
from .models import Speaker, Venue


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = "Speakers"
    list_display = ["name", "position", "affiliation"]
    # Speaker is indexed, so the search backend searches Speaker.search_fields; naming fields
    # here would restrict it, which the SQLite backend cannot do (it looks for a column `name`).


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    menu_label = "Venues"
    list_display = ["name", "building", "room", "time_zone"]
    search_fields = ["name", "building", "room"]  # not indexed: searched in the database


class PeopleAndPlaces(SnippetViewSetGroup):
    items = (SpeakerViewSet, VenueViewSet)
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
