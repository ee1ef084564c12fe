"""Creates an admin login when there is none and says how to log in, never showing the password."""

import os

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

# `make run` on a fresh local database needs a login without a prompt; only ever with DEBUG.
LOCAL_DEVELOPMENT_PASSWORD = "admin"  # noqa: S105


class Command(BaseCommand):
    help = (
        "Create a superuser ($ADMIN_USERNAME, default 'admin') if there is none yet, with the "
        "password in $ADMIN_PASSWORD, which must pass the site's password validators."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("ADMIN_USERNAME", "admin")
        login_url = f"{settings.WAGTAILADMIN_BASE_URL}/admin/"
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write(f"Admin: log in at {login_url} with your existing superuser.")
            return
        password = os.environ.get("ADMIN_PASSWORD")
        if password:
            user = User(username=username, email=f"{username}@localhost")
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                reasons = " ".join(exc.messages)
                raise CommandError(f"ADMIN_PASSWORD is too weak: {reasons}") from None
            where = "the password in ADMIN_PASSWORD"
        elif settings.DEBUG:
            password = LOCAL_DEVELOPMENT_PASSWORD
            where = (
                f"the local development password '{LOCAL_DEVELOPMENT_PASSWORD}' "
                "(DEBUG only; set ADMIN_PASSWORD to choose another)"
            )
        else:
            raise CommandError("Set ADMIN_PASSWORD to create the first admin outside DEBUG.")
        User.objects.create_superuser(username, f"{username}@localhost", password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin created: log in at {login_url} as '{username}' with {where}."
            )
        )
