"""Production settings read the environment and pass Django's deployment checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_check_deploy():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="seminar_site.settings.production",
        DJANGO_SECRET_KEY="a-long-random-production-secret-" + "x9" * 20,
        DJANGO_ALLOWED_HOSTS="seminar.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="seminar_site.settings.production",
        DJANGO_ALLOWED_HOSTS="seminar.example.org",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_database_url_selects_postgresql():
    code = (
        "import django, os; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['ENGINE'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "seminar_site.settings.dev",
            "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/seminar",
        },
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_site_pages_allow_only_our_own_scripts(client, series):
    from tests.factories import make_talk

    policy = client.get(make_talk(series).url)["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"  # no inline script, no other origin
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    # Wagtail's admin runs inline scripts of its own and keeps its own rules.
    assert "Content-Security-Policy" not in client.get("/admin/login/")
