"""Shared fixtures, and the rule that CI never silently runs on a lesser setup."""

import os

import pytest
from django.contrib.auth.models import Group, User

from tests.factories import make_site

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionstart(session):
    if IN_CI and not os.environ.get("DATABASE_URL", "").startswith(
        ("postgres://", "postgresql://")
    ):
        pytest.exit("CI must run the suite on PostgreSQL: set DATABASE_URL.", returncode=3)


def require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing; in CI the same gap is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI must provide it)")
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs():
    """The interface's translations compiled (make's set-up does it too; a bare pytest needs it)."""
    from seminar_site.catalogs import compile_catalogs

    compile_catalogs()


@pytest.fixture
def series(db):
    return make_site()


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with a fresh database, so with empty caches too (visitors' pages)."""
    from django.conf import settings
    from django.core.cache import caches

    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in English: LocaleMiddleware leaves a request's language (a /zh-hans/
    page's) active in the thread after the response, as each request sets its own."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def moderator(client):
    """The test client signed in as a Moderator (the group the migrations give page rights)."""
    user = User.objects.create_user("moderator", "m@example.org", "pw")
    user.groups.add(Group.objects.get(name="Moderators"))
    client.force_login(user)
    return user
