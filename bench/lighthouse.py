"""Lighthouse and axe-core on each public page type, against a live server.

Serves the site as bench/web.py does (production settings, gunicorn, the seeded first talk with
its demo runs computed by the real worker) and runs, on each page type:

  Lighthouse (mobile preset: a phone's screen, simulated slow network and 4x slower CPU):
  its performance, accessibility, best-practices and SEO scores, total blocking time, time to
  interactive, DOM elements and unused JavaScript, and the accessibility audits that failed;
  axe-core at 390 and 1280 px (Playwright, Debian's Chromium), with the charts drawn.

Lighthouse comes from npm into .cache/lighthouse on first use; axe-core is the project's own
(node_modules, `make setup`). With --baseline REV, REV's code is measured first, the same way.

    .venv/bin/python bench/lighthouse.py [--baseline REV] [--pages talk run ...]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from harness import ROOT, manage, served_site, worktree
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE_VERSION = "13.5.0"
LIGHTHOUSE = ROOT / ".cache" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
# A run page and the speaker's page by the ids the seeded site gave them.
FIRST_RUN = (
    "from demos.models import DemoRun; from talks.snippets import Speaker;"
    "print(DemoRun.objects.get(demo_slug='edge-of-stability', status='done').public_id,"
    " Speaker.objects.order_by('pk').first().slug)"
)


def pages(site, root: Path) -> dict[str, str]:
    run_id, speaker = manage(site.env, "shell", "-c", FIRST_RUN, root=root).split()[-2:]
    return {
        "home": "/",
        "talks": "/talks/",
        "talk": "/talks/theoretical-basis-of-deep-learning/",
        "speaker": f"/speakers/{speaker}/",
        "search": "/search/?q=gradient",
        "run": f"/runs/{run_id}/",
        # The same in Chinese (issue 17): the talk with its charts, the series, a run page.
        "talk-zh": "/zh-hans/talks/theoretical-basis-of-deep-learning/",
        "talks-zh": "/zh-hans/talks/",
        "run-zh": f"/zh-hans/runs/{run_id}/",
    }


def lighthouse(url: str, tries: int = 3) -> dict:
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--only-categories={','.join(CATEGORIES)}",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        # Its trace of a page load fails now and then (NO_NAVSTART): again, a few times.
        if tries > 1:
            return lighthouse(url, tries - 1)
        sys.exit(f"lighthouse {url} failed:\n{done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    audits = report["audits"]

    def value(audit: str) -> float | None:
        return audits.get(audit, {}).get("numericValue")

    unused_scripts = audits.get("unused-javascript", {}).get("details", {}).get("items", [])
    return {
        "scores": {c: round(100 * report["categories"][c]["score"]) for c in CATEGORIES},
        "tbt_ms": value("total-blocking-time"),
        "tti_ms": value("interactive"),
        "dom_elements": value("dom-size"),
        "unused_js_kib": sum(item.get("wastedBytes", 0) for item in unused_scripts) / 1024,
        "failed": sorted(
            f"{ref['id']} ({ref.get('group', '')})"
            for category in ("accessibility", "best-practices", "seo")
            for ref in report["categories"][category]["auditRefs"]
            if ref.get("weight")
            and audits[ref["id"]].get("score") is not None
            and audits[ref["id"]]["score"] < 1
        ),
    }


def axe(browser, url: str, width: int, height: int) -> list[str]:
    # axe is injected as a script: only a context that ignores the site's CSP may do that.
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(url, wait_until="networkidle")
    for chart in page.locator(".demo-chart, .demo-replay").all():
        chart.scroll_into_view_if_needed()
        chart.locator(".main-svg").first.wait_for(timeout=30_000)
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run()).violations"
        ".map(v => `${v.id} (${v.impact}) x${v.nodes.length}`)"
    )
    context.close()
    return found


def measure(root: Path, only: list[str] | None) -> dict:
    results = {}
    with served_site(root, 8766) as site, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for name, path in pages(site, root).items():
            if only and name not in only:
                continue
            url = site.base + path
            print(f"  {name}: {path}", file=sys.stderr, flush=True)
            results[name] = {
                "path": path,
                **lighthouse(url),
                "axe": {label: axe(browser, url, *size) for label, size in WIDTHS.items()},
            }
        browser.close()
    return results


def report(label: str, results: dict) -> None:
    print(f"\n== {label}: Lighthouse (mobile preset) and axe-core")
    print(
        "| page | perf | a11y | best pr. | SEO | TBT ms | TTI s | DOM | unused JS KiB |"
        " axe 390 px | axe 1280 px | Lighthouse audits failed |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, row in results.items():
        scores, axe_found = row["scores"], row["axe"]
        print(
            f"| {name} | {scores['performance']} | {scores['accessibility']}"
            f" | {scores['best-practices']} | {scores['seo']} | {row['tbt_ms']:.0f}"
            f" | {row['tti_ms'] / 1000:.1f} | {row['dom_elements']:.0f}"
            f" | {row['unused_js_kib']:.0f} | {', '.join(axe_found['phone']) or 'none'}"
            f" | {', '.join(axe_found['desktop']) or 'none'}"
            f" | {', '.join(row['failed']) or 'none'} |"
        )


def install_lighthouse() -> None:
    if LIGHTHOUSE.exists():
        return
    subprocess.run(
        [
            *("npm", "install", "--prefix", str(LIGHTHOUSE.parents[2])),
            *("--no-save", "--no-audit", "--no-fund", "--loglevel=error"),
            f"lighthouse@{LIGHTHOUSE_VERSION}",
        ],
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="a git revision to measure first, the same way")
    parser.add_argument("--pages", nargs="+", help="only these page types")
    args = parser.parse_args()
    if not AXE.exists():
        sys.exit("axe-core not installed: make setup")
    install_lighthouse()
    results = {}
    if args.baseline:
        with worktree(args.baseline) as old:
            results[args.baseline] = measure(old, args.pages)
    results["today"] = measure(ROOT, args.pages)
    for label, figures in results.items():
        report(label, figures)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
