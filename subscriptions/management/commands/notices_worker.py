"""`manage.py notices_worker`: django-tasks-db's worker on the notices backend (its own queue,
apart from the demo worker's), plus the periodic work of `send_due_notices`.

It takes db_worker's options (``--interval``, ``--batch``...); ``--batch`` drains the queue
once, after one round of the periodic work, and exits.
"""

from django_tasks_db.management.commands import db_worker

from subscriptions.periodic import NoticesClock, due_work


class Command(db_worker.Command):
    help = "Run the notices worker: send subscribers' emails and queue due reminders"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(backend_name="notices", reload=False)

    def handle(self, *args, batch: bool, **options):
        if batch:
            due_work()
            super().handle(*args, batch=batch, **options)
            return
        clock = NoticesClock()
        clock.start()
        try:
            super().handle(*args, batch=batch, **options)
        finally:
            clock.stopped.set()
