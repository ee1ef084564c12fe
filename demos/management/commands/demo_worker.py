"""`manage.py demo_worker`: django-tasks-db's worker on the demos backend, plus housekeeping.

It takes db_worker's options (``--interval``, ``--batch``, ``--max-tasks``...). On start it
recovers what dead workers left (stale runs, runs whose task failed, orphaned task rows) and,
while it runs, reports signs of life so the site can tell visitors when no worker is there.
"""

from django_tasks_db.management.commands import db_worker

from demos.registry import DEMOS
from demos.worker import Housekeeper, housekeeping


class Command(db_worker.Command):
    help = "Run the demo worker: compute queued demo runs and keep the queue healthy"

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(backend_name="demos", reload=False)

    def handle(self, *args, worker_id: str, batch: bool, **options):
        housekeeping(worker_id)
        # The compute stack (torch, plotly) loads now, not in the first visitor's run.
        for demo in DEMOS.values():
            demo.compute  # noqa: B018 (imported for its side effect)
        if batch:  # drains the queue and exits: nothing to keep up meanwhile
            super().handle(*args, worker_id=worker_id, batch=batch, **options)
            return
        keeper = Housekeeper(worker_id)
        keeper.start()
        try:
            super().handle(*args, worker_id=worker_id, batch=batch, **options)
        finally:
            keeper.stopped.set()
