"""The series' Atom feed, through Django's syndication framework."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from talks.snippets import topic_name
from talks.when import format_moment
from talks.zones import zone_label

from .calendar import talk_description


class TalkAtomFeed(Feed):
    feed_type = Atom1Feed
    ITEMS = 50

    def get_object(self, request, series):
        self.request = request
        return series

    def title(self, series):
        return series.title

    def link(self, series):
        return series.get_url(self.request)

    def subtitle(self, series):
        return _("New and updated talk announcements: %(series)s") % {"series": series.title}

    def feed_url(self, series):
        return series.get_url(self.request) + series.reverse_subpage("atom_feed")

    def items(self, series):
        return series.talks().order_by("-first_published_at")[: self.ITEMS]

    def item_title(self, talk):
        prefix = {"cancelled": _("Cancelled: %(title)s"), "postponed": _("Postponed: %(title)s")}
        return prefix.get(talk.status, "%(title)s") % {"title": talk.title}

    def item_description(self, talk):
        if talk.start:
            day_time = format_moment(talk.local_start, "feed_day_time")
            when = f"{day_time} ({zone_label(talk.zone, talk.start)})"
        else:
            when = _("Date to be announced")
        where = talk.translated_venue.place if talk.venue else ""
        # Only a link public at all times: a feed reader keeps what it fetched.
        description = talk_description(talk, talk.calendar_online_link())
        return "\n".join(p for p in (when, where, description) if p)

    def item_link(self, talk):
        return talk.get_url(self.request)

    def item_guid(self, talk):
        # A tag: URI (RFC 4151) stays the same when the talk's address or title changes.
        return f"tag:{settings.CALENDAR_UID_DOMAIN},2024:talk-{talk.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, talk):
        return talk.first_published_at

    def item_updateddate(self, talk):
        return talk.last_published_at

    def item_author_name(self, talk):
        return talk.speaker_names()

    def item_categories(self, talk):
        return [topic_name(t) for t in talk.topics.all()]
