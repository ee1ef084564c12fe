"""The admin login resists guessing; the first admin never gets a weak or printed password."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

LOGIN = "/admin/login/"
STRONG = "correct-horse-battery-staple-42"
ATTACKER = "203.0.113.7"


@pytest.fixture
def editor(db):
    return User.objects.create_superuser("editor", "editor@example.org", STRONG)


def log_in(client, username, password, address):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def guess_until_locked(client, username, address):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert log_in(client, username, "wrong-guess", address).status_code in (200, 429)


def test_a_wrong_password_shows_the_form_again(client, editor):
    answer = log_in(client, "editor", "wrong-guess", ATTACKER)
    assert answer.status_code == 200 and "_auth_user_id" not in client.session


def test_after_the_failure_limit_the_right_password_is_refused(client, editor):
    guess_until_locked(client, "editor", ATTACKER)
    answer = log_in(client, "editor", STRONG, ATTACKER)
    assert answer.status_code == 429
    assert "Too many failed logins" in answer.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off(client, editor):
    guess_until_locked(client, "editor", ATTACKER)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    assert log_in(client, "editor", STRONG, ATTACKER).status_code == 302


def test_the_editor_can_still_log_in_from_another_address(client, editor):
    guess_until_locked(client, "editor", ATTACKER)
    answer = log_in(client, "editor", STRONG, "198.51.100.20")
    assert answer.status_code == 302 and answer["Location"] == "/admin/"


def test_another_user_from_the_locked_address_can_log_in(client, editor):
    User.objects.create_superuser("other", "other@example.org", STRONG)
    guess_until_locked(client, "editor", ATTACKER)
    assert log_in(client, "other", STRONG, ATTACKER).status_code == 302


def test_behind_a_proxy_forged_forwarded_addresses_do_not_escape_the_lockout(
    client, editor, settings
):
    settings.DEMO_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    proxy = "10.0.0.1"
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": "editor", "password": "wrong-guess"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}",  # the proxy appends the real one
        )
    forwarded = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": f"192.0.2.99, {ATTACKER}"}
    form = {"username": "editor", "password": STRONG}
    assert client.post(LOGIN, form, **forwarded).status_code == 429
    # Everyone else reaches Django through the same proxy, and is not locked out.
    other = {"REMOTE_ADDR": proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    assert client.post(LOGIN, form, **other).status_code == 302


def test_there_is_no_django_admin(client, db):
    assert client.get("/django-admin/").status_code == 404
    assert client.get("/django-admin/login/").status_code == 404


@pytest.fixture
def no_admin_env(monkeypatch):
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("ADMIN_USERNAME", raising=False)
    return monkeypatch


@pytest.mark.django_db
def test_ensure_admin_refuses_a_weak_password_and_names_why(no_admin_env, capsys):
    no_admin_env.setenv("ADMIN_PASSWORD", "1")
    with pytest.raises(CommandError) as refused:
        call_command("ensure_admin")
    message = str(refused.value)
    assert "too short" in message and "entirely numeric" in message
    assert not User.objects.exists()


@pytest.mark.django_db
def test_ensure_admin_creates_the_admin_without_printing_the_password(no_admin_env, capsys):
    no_admin_env.setenv("ADMIN_PASSWORD", STRONG)
    call_command("ensure_admin")
    printed = capsys.readouterr()
    assert STRONG not in printed.out + printed.err
    assert "Admin created" in printed.out and "ADMIN_PASSWORD" in printed.out
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(STRONG)
    call_command("ensure_admin")  # a second run leaves the existing superuser alone
    assert "existing superuser" in capsys.readouterr().out


@pytest.mark.django_db
def test_ensure_admin_needs_a_password_outside_debug(no_admin_env):
    with pytest.raises(CommandError, match="ADMIN_PASSWORD"):
        call_command("ensure_admin")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_ensure_admin_has_a_local_default_only_with_debug(no_admin_env, settings, capsys):
    settings.DEBUG = True
    call_command("ensure_admin")
    assert "local development password" in capsys.readouterr().out
    assert User.objects.get(username="admin").check_password("admin")
