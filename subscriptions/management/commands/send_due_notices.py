"""`manage.py send_due_notices`: the notices' periodic work. The notices worker runs it every
NOTICES_POLL_SECONDS, so `make run` needs nothing else; cron may run it too (it is idempotent)."""

from django.core.management.base import BaseCommand

from subscriptions.periodic import due_work


class Command(BaseCommand):
    help = (
        "Queue due reminders, recover abandoned sends, prune expired subscriptions, queue sending"
    )

    def handle(self, *args, **options):
        report = due_work()
        if options["verbosity"] > 1:
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in report.items()))
