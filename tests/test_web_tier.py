"""The web tier never imports the compute stack: pages, admin and API see only descriptions."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import json, sys
import django
HEAVY = ("torch", "sklearn", "scipy")
django.setup()
from django.contrib.auth.models import User
from django.test import Client
from django.urls import get_resolver
from talks.models import TalkPage

get_resolver().url_patterns  # the whole URLconf, as a web worker loads it
client = Client()
talk = TalkPage.objects.get(slug="theoretical-basis-of-deep-learning", locale__language_code="en")
answers = {"talk page": client.get(talk.url).status_code}
asked = client.post(
    "/api/demos/edge-of-stability/runs", '{"steps": 123}', content_type="application/json"
)
answers["new run"] = asked.status_code
answers["run"] = client.get(asked.json()["url"]).status_code
answers["bad run"] = client.post(
    "/api/demos/edge-of-stability/runs", '{"steps": -1}', content_type="application/json"
).status_code
answers["demos"] = client.get("/api/demos").status_code
client.force_login(User.objects.get(username="admin"))
answers["admin edit"] = client.get(f"/admin/pages/{talk.pk}/edit/").status_code
answers["presenter"] = client.get(talk.url + "present/").status_code
print(json.dumps({"answers": answers, "heavy": [m for m in HEAVY if m in sys.modules]}))
"""


def test_pages_admin_and_api_never_import_torch_sklearn_or_scipy(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "seminar_site.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
        "ADMIN_PASSWORD": "a-long-password-for-tests",
    }

    def manage(*args):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
        )

    manage("migrate", "--noinput")
    manage("seed_demo_content")
    manage("ensure_admin")
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    report = json.loads(probe.stdout.strip().splitlines()[-1])
    assert report["answers"] == {
        "talk page": 200,
        "new run": 202,
        "run": 200,
        "bad run": 422,
        "demos": 200,
        "admin edit": 200,
        "presenter": 200,
    }
    assert report["heavy"] == []
