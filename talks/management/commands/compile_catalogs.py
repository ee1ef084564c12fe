"""Compiles the interface translations (locale/*.po) into .mo files, without GNU gettext."""

from django.core.management.base import BaseCommand

from seminar_site.catalogs import compile_catalogs


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into the .mo files Django reads (with polib)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Also rewrite up-to-date ones.")

    def handle(self, *args, force=False, **options):
        for mo_path in compile_catalogs(force=force):
            self.stdout.write(f"Compiled {mo_path}")
