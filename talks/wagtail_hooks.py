"""Speakers and venues as snippets in the admin, with list columns and search."""

from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Speaker, Venue


class SpeakerViewSet(SnippetViewSet):
    model = Speaker
    icon = "user"
    menu_label = "Speakers"
    list_display = ["name", "position", "affiliation"]
    search_fields = ["name", "affiliation"]


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    menu_label = "Venues"
    list_display = ["name", "building", "room", "time_zone"]
    search_fields = ["name", "building", "room"]


class PeopleAndPlaces(SnippetViewSetGroup):
    items = (SpeakerViewSet, VenueViewSet)
    menu_icon = "group"
    menu_label = "Speakers & venues"
    menu_name = "speakers-venues"


register_snippet(PeopleAndPlaces)
