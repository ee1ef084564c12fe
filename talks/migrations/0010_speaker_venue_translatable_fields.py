"""The site's two content languages as Wagtail locales, and speakers and venues made translatable
(step 1 of Wagtail's three: nullable locale and translation_key; 0011 fills them, 0012 requires
them)."""

import django.db.models.deletion
from django.db import migrations, models


# Fixed here, not read from settings: a migration must do the same thing whenever it runs.
LANGUAGE_CODES = ["en", "zh-hans"]


def create_locales(apps, schema_editor):
    Locale = apps.get_model("wagtailcore", "Locale")
    for code in LANGUAGE_CODES:
        Locale.objects.get_or_create(language_code=code)


class Migration(migrations.Migration):

    dependencies = [
        ('talks', '0009_speaker_orcid_talk_online_link'),
        ('wagtailcore', '0098_apitoken'),
    ]

    operations = [
        migrations.RunPython(create_locales, migrations.RunPython.noop),
        migrations.AddField(
            model_name='speaker',
            name='locale',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='wagtailcore.locale'),
        ),
        migrations.AddField(
            model_name='speaker',
            name='translation_key',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='venue',
            name='locale',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='wagtailcore.locale'),
        ),
        migrations.AddField(
            model_name='venue',
            name='translation_key',
            field=models.UUIDField(editable=False, null=True),
        ),
    ]
