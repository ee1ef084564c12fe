"""Rich-text links and images whose stored id names nothing render as their text, not an error;
and the editor's "math" feature, which keeps "/" inside $…$ from opening a command palette.

Wagtail's handlers pass the stored `id` straight to the database, so an id that is not a number
(`id="abc"`, `id=""`, none at all) or does not fit the column raises while the page renders, and
while the editor opens the field to fix it. These handlers look up only ids that could name a
row; the rest, like a deleted page, come back as a bare `<a>` (Wagtail's own output for a missing
target), which browsers show as plain text, and as a broken link in the editor.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.html import format_html
from wagtail.admin.rich_text.converters.contentstate import link_entity
from wagtail.admin.rich_text.converters.html_to_contentstate import (
    ExternalLinkElementHandler,
    PageLinkElementHandler,
)
from wagtail.admin.rich_text.editors.draftail.features import Feature
from wagtail.documents.rich_text import DocumentLinkHandler
from wagtail.images.rich_text import ImageEmbedHandler
from wagtail.rich_text.pages import Page, PageLinkHandler

from .mathtext import MATH_FEATURE


def well_formed_id(model: type[Model], value: str | None) -> int | str | None:
    """The primary key that `value` spells for `model`, or None where no row could have it."""
    pk = model._meta.pk
    try:
        key = pk.to_python(value)
        pk.run_validators(key)  # the column's range: a longer number would overflow the query
    except ValidationError:
        return None
    return key


class LooksUpWellFormedIdsMixin:
    """Fetches only entities whose id could exist; the others are missing, as if deleted."""

    @classmethod
    def get_many(cls, attrs_list: list[dict]) -> list[Model | None]:
        model = cls.get_model()
        keys = [well_formed_id(model, attrs.get("id")) for attrs in attrs_list]
        pairs = zip(attrs_list, keys, strict=True)
        wanted = [{**attrs, "id": key} for attrs, key in pairs if key is not None]
        found = iter(super().get_many(wanted))
        return [next(found) if key is not None else None for key in keys]

    @classmethod
    def extract_references(cls, attrs: dict):
        # The reference index would fail on a missing id, and has nothing to record for a bad one.
        if well_formed_id(cls.get_model(), attrs.get("id")) is not None:
            yield from super().extract_references(attrs)


class CheckedPageLinkHandler(LooksUpWellFormedIdsMixin, PageLinkHandler):
    @classmethod
    def expand_db_attributes_many(cls, attrs_list: list[dict]) -> list[str]:
        # A page outside every site has no URL: Wagtail would write href="None".
        urls = [page.localized.url if page else None for page in cls.get_many(attrs_list)]
        return [format_html('<a href="{}">', url) if url else "<a>" for url in urls]


class CheckedDocumentLinkHandler(LooksUpWellFormedIdsMixin, DocumentLinkHandler):
    pass


class CheckedImageEmbedHandler(LooksUpWellFormedIdsMixin, ImageEmbedHandler):
    pass


class CheckedPageLinkElementHandler(PageLinkElementHandler):
    """Opens a page link in the editor; one whose id could name no page shows as broken."""

    def get_attribute_data(self, attrs: dict) -> dict:
        if well_formed_id(Page, attrs.get("id")) is None:
            # As Wagtail does for a deleted page; saved untouched, the stored id stays as it was.
            return {"id": attrs.get("id", ""), "url": None, "parentId": None}
        return super().get_attribute_data(attrs)


# Wagtail's rule for the "link" feature in the editor, with the page handler above.
CONTENTSTATE_LINK_RULE = {
    "from_database_format": {
        "a[href]": ExternalLinkElementHandler("LINK"),
        'a[linktype="page"]': CheckedPageLinkElementHandler("LINK"),
    },
    "to_database_format": {"entity_decorators": {"LINK": link_entity}},
}


class MathFeature(Feature):
    """LaTeX between $…$ is typed as text: a "/" in it (as in $2/\\eta$) must not open Draftail's
    command palette, which opens at any "/" not followed by a space. A field with this feature
    has no palette; its toolbar's "+" still inserts lists and links."""

    def construct_options(self, options: dict) -> None:
        # Wagtail's Draftail wrapper spreads these options over its own props, commandToolbar
        # among them (wagtailadmin/js/draftail.js, checked with Wagtail 8.0): null renders none.
        # (`"commands": False` would not do: the wrapper reads it as `commands || true`.)
        options["commandToolbar"] = None
        # Wagtail's placeholder says "type ‘/’ to insert a block".
        options["placeholder"] = "Write here; math in LaTeX between $…$ or $$…$$"


def register_math_feature(features) -> None:
    """The "math" rich-text feature (talks.mathtext.MATH_FEATURE) for Draftail."""
    features.register_editor_plugin("draftail", MATH_FEATURE, MathFeature())
