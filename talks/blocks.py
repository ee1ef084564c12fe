"""StreamField blocks an editor can add to a talk's body beside the abstract."""

from wagtail import blocks
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock


class TalkBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul", "code"],
        template="talks/blocks/text.html",
    )
    image = ImageBlock(template="talks/blocks/image.html")
    video = EmbedBlock(help_text="A link to a video page, e.g. a recording.", icon="media")
