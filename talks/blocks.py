"""StreamField blocks an editor can add to a talk's body beside the abstract."""

from django.db import models
from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.fields import StreamField
from wagtail.images.blocks import ImageBlock

from demos.blocks import demo_blocks
from talks.mathtext import MATH_FEATURE


class TalkBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        # MATH_FEATURE: "/" inside $…$ is text, not Draftail's command palette.
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "code", MATH_FEATURE],
        template="talks/blocks/text.html",
    )
    image = ImageBlock(template="talks/blocks/image.html")
    video = EmbedBlock(help_text="A link to a video page, e.g. a recording.", icon="media")


class TalkBodyField(StreamField):
    """A talk's body: text, images, videos and a block per registered demo, defined by the code.

    The column is JSON whatever the blocks are, so the field deconstructs without them: adding
    a demo or changing one's parameters needs no migration. (A data migration that reads bodies
    gets today's blocks, which is what it would get from the live models.)
    """

    def __init__(self, **kwargs):
        super().__init__(TalkBodyBlock(demo_blocks()), **kwargs)

    def deconstruct(self):
        name, path, _, kwargs = models.Field.deconstruct(self)
        return name, path, [], kwargs
