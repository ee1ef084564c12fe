"""Step 2 of 3: speakers and venues written before translations are English, each its own
translation key (Wagtail's BootstrapTranslatableModel)."""

from django.db import migrations
from wagtail.models import BootstrapTranslatableModel


class Migration(migrations.Migration):
    dependencies = [("talks", "0010_speaker_venue_translatable_fields")]

    operations = [
        BootstrapTranslatableModel("talks.Speaker", language_code="en"),
        BootstrapTranslatableModel("talks.Venue", language_code="en"),
    ]
