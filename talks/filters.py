"""The series listing's filters: by speaker, topic and year. Bad values fail validation (a 404)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from .snippets import Speaker, topic_name


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class TalkFilter(django_filters.FilterSet):
    speaker = django_filters.ModelChoiceFilter(
        queryset=Speaker.objects.all(),
        to_field_name="slug",
        field_name="speaker_links__speaker",
        label=_("Speaker"),
        empty_label=_("Any speaker"),
        distinct=True,
    )
    topic = django_filters.ModelChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="slug",
        field_name="topics",
        label=_("Topic"),
        empty_label=_("Any topic"),
        distinct=True,
    )
    year = YearFilter(field_name="start__year", label=_("Year"), min_value=1900, max_value=2200)

    # No Meta.model: every filter is declared, and the series' talks are always passed in, so
    # this module needs no page model (talks.pages imports it at the top, without a cycle).
    def __init__(self, data, queryset, **kwargs):
        super().__init__(data, queryset, **kwargs)
        talks = self.queryset
        # Offer only the choices that this series actually has.
        self.filters["speaker"].queryset = Speaker.objects.filter(
            talk_links__page__in=talks
        ).distinct()
        self.filters["topic"].queryset = (
            Tag.objects.filter(talks_talktopic_items__content_object__in=talks)
            .distinct()
            .prefetch_related("translated_names")  # their labels in the reader's language
        )
        self.form.fields["topic"].label_from_instance = topic_name
        self.form.fields["year"].widget = forms.Select(
            choices=[("", _("Any year"))] + [(y, y) for y in self.years(talks)]
        )

    def chosen_values(self) -> list:
        """The values a valid request chose (a Speaker, a Tag, a year), in the filters' order."""
        return [value for value in self.form.cleaned_data.values() if value]

    @staticmethod
    def years(talks) -> list[int]:
        return sorted({d.year for d in talks.dates("start", "year")}, reverse=True)
