"""`warm_demo_runs` (run at each deploy): published charts whose demo code changed are queued."""

from io import StringIO

import pytest
from django.core.management import call_command

from demos.blocks import demo_block
from demos.models import DemoRun
from demos.registry import get_demo
from tests.demos.conftest import run_worker
from tests.factories import make_talk

pytestmark = pytest.mark.django_db

QUADRATIC, IMPLICIT = get_demo("quadratic-stability"), get_demo("implicit-bias")


def warm() -> str:
    out = StringIO()
    call_command("warm_demo_runs", stdout=out)
    return out.getvalue()


def test_only_charts_whose_demo_changed_are_queued(series, monkeypatch):
    talk = make_talk(series, publish=False, title="Two demos")
    talk.body = [
        (
            "demo_quadratic_stability",
            demo_block(QUADRATIC).to_python({"caption": "", "params": {"steps": 30}}),
        ),
        (
            "demo_implicit_bias",
            demo_block(IMPLICIT).to_python({"caption": "", "params": {"steps": 200}}),
        ),
    ]
    talk.save_revision().publish()
    run_worker()
    assert DemoRun.objects.filter(status=DemoRun.Status.DONE).count() == 2
    assert warm().startswith("0 default runs queued, 2 already")
    # New code for one demo: its version changes, so its published chart has a new key.
    monkeypatch.setitem(QUADRATIC.__dict__, "code_version", "new-code")
    assert warm().startswith("1 default runs queued, 1 already")
    queued = DemoRun.objects.get(status=DemoRun.Status.QUEUED)
    assert queued.demo_slug == QUADRATIC.slug and queued.params["steps"] == 30
    assert warm().startswith("0 default runs queued")  # queued once, not per call
    run_worker()
    assert DemoRun.objects.filter(status=DemoRun.Status.DONE).count() == 3


def test_drafts_are_not_warmed(series):
    talk = make_talk(series, publish=False, title="Draft")
    talk.body = [("demo_quadratic_stability", demo_block(QUADRATIC).to_python({"params": {}}))]
    talk.save_revision()
    assert warm().startswith("0 default runs queued, 0 already")
    assert not DemoRun.objects.exists()
