"""Creates an admin login when the database has none, and says how to log in."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create a superuser 'admin' if there is no superuser yet (password: $ADMIN_PASSWORD)."

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("ADMIN_USERNAME", "admin")
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("Admin: log in at /admin/ with your existing superuser.")
            return
        password = os.environ.get("ADMIN_PASSWORD")
        if not password:
            if not settings.DEBUG:
                raise CommandError("Set ADMIN_PASSWORD to create the first admin outside DEBUG.")
            password = "admin"  # local development server on 127.0.0.1 only
        User.objects.create_superuser(username, f"{username}@localhost", password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin created: log in at {settings.WAGTAILADMIN_BASE_URL}/admin/ "
                f"as '{username}' with password '{password}'."
            )
        )
