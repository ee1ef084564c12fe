"""The talks app's models, defined by responsibility in snippets.py and pages.py."""

from .pages import HomePage, TalkIndexPage, TalkPage, TalkPageQuerySet, TalkSpeaker, TalkTopic
from .snippets import Speaker, TopicName, Venue

__all__ = [
    "HomePage",
    "Speaker",
    "TalkIndexPage",
    "TalkPage",
    "TalkPageQuerySet",
    "TalkSpeaker",
    "TalkTopic",
    "TopicName",
    "Venue",
]
