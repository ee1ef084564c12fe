"""Queue the default run of every published demo block that has no stored run for its key.

Run at each deploy (``make run`` does): a demo whose code changed has a new version, so its
published charts have new keys, and they are computed now rather than when a visitor asks.
"""

from django.core.management.base import BaseCommand

from demos.blocks import queue_default_runs
from talks.models import TalkPage


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        queued = stored = 0
        for talk in TalkPage.objects.live().specific():
            for _, created in queue_default_runs(talk, talk.demo_blocks()):
                queued += created
                stored += not created
        self.stdout.write(f"{queued} default runs queued, {stored} already stored or queued.")
