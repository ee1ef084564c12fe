"""Announcement emails at scale: how long 10,000 deliveries take to queue, and to send over SMTP.

Builds a throwaway database (SQLite in a temporary folder, or PostgreSQL with --database-url
naming an empty database), migrates it, adds a series with --subscribers confirmed subscribers
(10,000), then:

  queue   publishes a talk: the publication's signal fans the announcement out into one
          Delivery per subscriber and queues the send task (timed: the whole publish call)
  send    `subscriptions.sending.send_pending` as the notices worker runs it, with Django's SMTP
          backend talking to an aiosmtpd server on loopback (a process of its own),
          NOTICES_PER_MINUTE raised out of the way; timed until every delivery is SENT

It prints both figures (goal: queued in <= 5 s, sent at >= 200/s) and checks that the server
received each address exactly once.

    .venv/bin/python bench/emails.py [--subscribers 10000] [--batch 500]
        [--database-url postgres://postgres@127.0.0.1:54330/bench_emails]
"""

from __future__ import annotations

import argparse
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from harness import scratch_site


def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the SMTP server did not start on port {port}")


def serve(port: int, log: Path) -> None:
    """aiosmtpd on loopback, writing each recipient to ``log`` (one line each) until TERM."""
    from aiosmtpd.controller import Controller

    with log.open("a") as out:

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                out.write("\n".join(envelope.rcpt_tos) + "\n")
                return "250 OK"

        controller = Controller(Handler(), hostname="127.0.0.1", port=port)
        controller.start()
        stopped = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stopped.set())
        stopped.wait()
        controller.stop()


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        serve(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    scratch_site(
        "bench-emails-",
        args.database_url,
        NOTICES_PER_MINUTE=str(10**9),
        NOTICES_BATCH_SIZE=str(args.batch),
    )
    scratch = tempfile.mkdtemp(prefix="bench-emails-mail-")
    from django.conf import settings
    from django.utils import timezone

    from subscriptions.models import Delivery, Subscription
    from subscriptions.sending import send_pending
    from tests.factories import make_site, make_talk

    series = make_site()
    Subscription.objects.bulk_create(
        [
            Subscription(email=f"s{n}@example.org", series=series, confirmed_at=timezone.now())
            for n in range(args.subscribers)
        ],
        batch_size=2000,
    )

    started = time.perf_counter()
    make_talk(series, title="A talk for everyone")
    queued_seconds = time.perf_counter() - started
    queued = Delivery.objects.count()

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The mail server runs in a process of its own, as a real one would: in this process it
    # would take turns with the sender for the interpreter lock.
    log = Path(scratch) / "received.txt"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), str(log)])
    wait_for_port(port)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    try:
        started = time.perf_counter()
        while Delivery.objects.ready().exists():
            send_pending()
        send_seconds = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    received = Counter(log.read_text().split())
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(
        f"queued:   {queued} deliveries in {queued_seconds:.2f} s (goal <= 5 s, publish included)"
    )
    print(
        f"sent:     {sent} in {send_seconds:.1f} s = {sent / send_seconds:.0f}/s (goal >= 200/s),"
        f" batches of {args.batch}"
    )
    print(
        f"received: {sum(received.values())} messages, {len(received)} addresses,"
        f" duplicates: {sum(1 for n in received.values() if n > 1)}"
    )


if __name__ == "__main__":
    main()
