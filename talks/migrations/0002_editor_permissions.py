"""Lets Wagtail's Editors and Moderators groups manage speakers and venues."""

from django.db import migrations

PERMISSIONS = {
    "Editors": ["add_speaker", "change_speaker", "add_venue", "change_venue"],
    "Moderators": [
        "add_speaker", "change_speaker", "delete_speaker",
        "add_venue", "change_venue", "delete_venue",
    ],
}  # fmt: skip


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; this one needs them now.
    app_config = apps.get_app_config("talks")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for group_name, codenames in PERMISSIONS.items():
        group = Group.objects.filter(name=group_name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="talks", codename__in=codenames),
            *access_admin,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("talks", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
