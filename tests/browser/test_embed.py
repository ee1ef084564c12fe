"""The embeddable listing inside another site's page, in a real browser: it is framed (its own
frame-ancestors), other pages are not, it reads well at phone and desktop widths, axe finds
nothing, and a link opens in the framing window."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from talks.models import TalkPage
from tests.factories import make_site, make_speaker, make_talk, shanghai

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def department():
    """Another site on another origin: a small server of its own on this machine, whose one page
    frames whatever ``department.frames`` lists. (Chromium's local network access checks refuse
    a public page's frame of a server on this machine, so the other site is local too.)"""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = department_page(server.frames).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.frames = []
    server.url = f"http://127.0.0.1:{server.server_port}/seminars.html"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def department_page(frames: list[str]) -> str:
    iframes = "".join(
        f'<iframe src="{url}" title="Upcoming talks" width="100%" height="420"'
        ' style="border:1px solid #ccc"></iframe>'
        for url in frames
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width">'
        "<title>Department</title></head><body style='margin:8px;font-family:sans-serif'>"
        f"<main><h1>Our seminars</h1>{iframes}</main></body></html>"
    )


def open_department(browser, department, width: int, *frames: str, bypass_csp=False):
    department.frames = list(frames)
    context = browser.new_context(viewport={"width": width, "height": 700}, bypass_csp=bypass_csp)
    page = context.new_page()
    page.goto(department.url, wait_until="load")
    return context, page


def close(context) -> None:
    """As the page fixture does: leave the pages and let the live server finish what it is
    answering before the test's database goes away."""
    for page in context.pages:
        page.goto("about:blank")
    time.sleep(0.3)
    context.close()


def seed_talks():
    series = make_site()
    jian = make_speaker("Jian Li", affiliation="Tsinghua University")
    make_talk(
        series,
        title="Gradient descent at the edge of stability: sharpness, step sizes and the 2/η line",
        speakers=[jian],
        start=shanghai(2099, 9, 25),
    )
    make_talk(series, title="Implicit bias to max margin", start=shanghai(2099, 10, 9))
    make_talk(
        series,
        title="Margins of homogeneous networks",
        start=shanghai(2099, 10, 23),
        status=TalkPage.Status.POSTPONED,
    )


def test_the_embed_is_framed_by_another_site_and_other_pages_are_not(
    browser, live_server, department
):
    seed_talks()
    embed_url, series_url = f"{live_server.url}/embed/talks/", f"{live_server.url}/talks/"
    context, page = open_department(browser, department, 1280, embed_url, series_url)
    embed = page.frame(url=f"{live_server.url}/embed/talks/")
    assert embed is not None and "Implicit bias" in embed.inner_text("main")
    # The series page keeps frame-ancestors 'self': the browser refuses to show it here.
    [series] = [frame for frame in page.main_frame.child_frames if frame is not embed]
    assert series.url.startswith("chrome-error://")
    # A talk's link opens in the framing window, not inside the frame.
    embed.get_by_role("link", name="Implicit bias to max margin").click()
    page.wait_for_url(f"{live_server.url}/talks/implicit-bias-to-max-margin/")
    close(context)


@pytest.mark.parametrize("width", [320, 390, 1280])
def test_the_embed_reads_well_and_axe_finds_nothing(
    browser, live_server, department, axe, artifacts, width
):
    seed_talks()
    # axe is injected as a script, which only a context that ignores CSP allows.
    embed_url = f"{live_server.url}/embed/talks/"
    context, page = open_department(browser, department, width, embed_url, bypass_csp=True)
    embed = page.frame(url=f"{live_server.url}/embed/talks/")
    embed.wait_for_selector("ol")
    page.screenshot(path=str(artifacts / f"embed-in-department-{width}.png"), full_page=True)
    # Nothing wider than the frame: no sideways scrolling inside it.
    assert embed.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(embed) == []
    close(context)
    # And on its own, as axe judges a whole page (landmarks, heading, title).
    context = browser.new_context(viewport={"width": width, "height": 700}, bypass_csp=True)
    alone = context.new_page()
    alone.goto(f"{live_server.url}/embed/talks/")
    alone.screenshot(path=str(artifacts / f"embed-{width}.png"), full_page=True)
    assert alone.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert axe(alone) == []
    close(context)
