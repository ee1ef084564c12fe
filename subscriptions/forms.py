"""The visitor's forms: subscribe to a series (optionally some of its topics), and manage a
subscription from the link in an email."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag
from wagtail.models import Locale

from talks.models import TalkIndexPage, TalkTopic
from talks.snippets import topic_name

from .models import Subscription


def zone_choices() -> list[tuple[str, str]]:
    # Read when a form is built: the zones come from tzdata, which updates.
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def series_topics(series: TalkIndexPage | None):
    """The topics of the series' published talks: the ones worth narrowing a subscription to."""
    if series is None:
        return Tag.objects.none()
    talk_ids = series.get_children().live().values("pk")
    used = TalkTopic.objects.filter(content_object_id__in=talk_ids).values("tag_id")
    return Tag.objects.filter(pk__in=used).order_by("name")


ID_LIMIT = 2**63  # a larger id cannot be in the database, and would make the query fail


def _id_or_error(field: forms.Field, value) -> None:
    text = str(value).strip()
    if not text.isdigit() or int(text) >= ID_LIMIT:
        raise forms.ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class PageChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values:
            _id_or_error(self, value)
        return super().to_python(value)


class TopicsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return topic_name(obj)

    def _check_values(self, value):
        for item in value:
            if item not in self.empty_values:
                _id_or_error(self, item)
        return super()._check_values(value)


def time_zone_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Your time zone"),
        choices=zone_choices,
        help_text=_("Emails give each talk's time in the venue's zone and in this one."),
    )


TOPICS_LABEL = _("Only these topics (none: every talk of the series)")


class SubscriptionSettingsForm(forms.ModelForm):
    """What a subscriber may change from the manage link."""

    time_zone = time_zone_field()

    class Meta:
        model = Subscription
        fields = ["topics", "time_zone", "remind_day_before", "remind_hour_before"]
        widgets = {"topics": forms.CheckboxSelectMultiple}
        field_classes = {"topics": TopicsField}
        labels = {"topics": TOPICS_LABEL}
        help_texts = {"topics": ""}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = series_topics(self.instance.series)


class SubscribeForm(forms.Form):
    """A plain form, not a ModelForm: an address already subscribed is not an error to show
    (that would tell anyone who is subscribed); the view handles it."""

    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # Its queryset is set per form: Wagtail's public() looks up view restrictions when built.
    series = PageChoiceField(queryset=TalkIndexPage.objects.none(), widget=forms.HiddenInput)
    topics = TopicsField(
        label=TOPICS_LABEL,
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_zone = time_zone_field()
    remind_day_before = forms.BooleanField(label=_("Reminder 24 hours before"), required=False)
    remind_hour_before = forms.BooleanField(label=_("Reminder 1 hour before"), required=False)

    def __init__(self, *args, series: TalkIndexPage | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = TalkIndexPage.objects.live().public()
        self.fields["topics"].queryset = series_topics(series)

    def clean_email(self) -> str:
        # One subscription per address and series, whatever the letters' case.
        return self.cleaned_data["email"].strip().lower()

    def clean_series(self) -> TalkIndexPage:
        """The series as first written (English): its translations are the same series, and
        announcements go to the subscribers of the talk's series as first written. The emails'
        language is the subscription's own (Subscription.language)."""
        series = self.cleaned_data["series"]
        original = TalkIndexPage.objects.filter(
            translation_key=series.translation_key, locale=Locale.get_default()
        ).first()
        return original or series
