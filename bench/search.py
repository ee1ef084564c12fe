"""Search time with 1,000 talks: a Chinese query (substring matching, talks/search.py) beside an
English one (Wagtail's full-text index), as the search view runs them: the count and page one.

Builds a throwaway database (SQLite in a temporary folder, or PostgreSQL with --database-url
naming an empty database), migrates it, publishes --talks talks (half with a Chinese abstract
of about 200 characters, half English), then prints the median of --repeat runs per query.

    .venv/bin/python bench/search.py [--talks 1000] [--repeat 30]
        [--database-url postgres://postgres@127.0.0.1:54331/bench_search]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from harness import scratch_site

CHINESE = (
    "<p>深度学习中，梯度下降的训练动态常常处于稳定性边缘：损失的锐度上升到二除以学习率附近后"
    "便在该值附近徘徊，而损失仍在非单调地下降。本报告第{n}部分介绍这一现象的理论解释，"
    "讨论自稳定机制、隐式正则化与最大间隔分类器之间的联系，并给出若干可在网页上交互运行的"
    "演示：二次函数上的梯度下降、小型多层感知机上的锐度追踪，以及逻辑回归的隐式偏置。"
    "我们还将讨论随机梯度下降与全批量梯度下降在锐度上的差异，以及对抗样本的脆弱性。</p>"
)
ENGLISH = (
    "<p>Part {n}: full-batch gradient descent on neural networks typically operates at the edge "
    "of stability, where the sharpness hovers just above two over the step size while the loss "
    "keeps decreasing over long time scales, non-monotonically. We discuss self-stabilization, "
    "implicit regularization and the max-margin bias of logistic regression.</p>"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--talks", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    scratch_site("bench-search-", args.database_url)
    from django.conf import settings
    from django.core.paginator import Paginator

    from talks.models import TalkPage
    from talks.search import search_talks
    from talks.views import SEARCH_PER_PAGE
    from tests.factories import make_site, make_speaker, make_talk, make_venue, shanghai

    series = make_site()
    make_venue()
    make_speaker()
    started = time.perf_counter()
    for n in range(args.talks):
        chinese = n % 2 == 0
        make_talk(
            series,
            title=f"报告 {n}：稳定性边缘" if chinese else f"Talk {n}: edge of stability",
            slug=f"talk-{n}",
            start=shanghai(2020, 1, 1) + timedelta(days=n),
            abstract=(CHINESE if chinese else ENGLISH).format(n=n),
        )
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"published {args.talks} talks in {time.perf_counter() - started:.0f} s")

    def page_one(query: str) -> tuple[int, float]:
        matches = search_talks(TalkPage.objects.live().public().for_listing(), query)
        started = time.perf_counter()
        page = Paginator(matches, SEARCH_PER_PAGE).page(1)
        list(page.object_list)
        return page.paginator.count, time.perf_counter() - started

    for query in ("锐度", "梯度下降", "隐式偏置 锐度", "量子计算", "sharpness", "stability"):
        page_one(query)  # warm
        runs = [page_one(query) for _ in range(args.repeat)]
        milliseconds = statistics.median(t for _, t in runs) * 1000
        print(f"{query!r:>16}: {runs[0][0]:4d} found, median {milliseconds:6.1f} ms")


if __name__ == "__main__":
    main()
