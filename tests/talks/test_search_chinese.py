"""Search in Chinese: a query of a few characters finds the talk whose text contains them,
although Chinese puts no spaces between words for the full-text index to split at."""

import pytest
from bs4 import BeautifulSoup
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talks.search import has_cjk
from tests.factories import make_speaker, make_talk

pytestmark = pytest.mark.django_db

ABSTRACT = (
    "<p>深度学习中，梯度下降的训练动态常常处于“稳定性边缘”：损失的锐度上升到 2/η 附近后"
    "便在该值附近徘徊。</p>"
)


def found(client, query: str) -> list[str]:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    return [a.get_text(strip=True) for a in html.select(".talk-card-title a")]


@pytest.fixture
def talks(series):
    make_talk(
        series,
        "稳定性边缘的理论基础",
        abstract=ABSTRACT,
        slug="edge-zh",
        speakers=[make_speaker("李建", slug="li-jian")],
    )
    make_talk(
        series,
        "Edge of stability explained",
        abstract="<p>Sharpness hovers.</p>",
        speakers=[make_speaker("Ada Example")],
    )


@pytest.mark.parametrize(
    "query",
    ["锐度", "梯度下降", "稳定性边缘", "训练动态 锐度", "李建", "理论基础"],
)
def test_a_chinese_query_finds_the_talk_whose_text_contains_it(client, talks, query):
    assert found(client, query) == ["稳定性边缘的理论基础"]


def test_a_chinese_query_that_no_talk_contains_finds_nothing(client, talks):
    assert found(client, "随机梯度") == []
    assert found(client, "锐度 随机") == []  # every term must match


def test_english_search_is_unchanged_beside_chinese_talks(client, talks):
    assert found(client, "stability") == ["Edge of stability explained"]
    assert found(client, "hovers") == ["Edge of stability explained"]


def test_drafts_are_not_found_in_chinese_either(client, series):
    make_talk(series, "草稿", abstract=ABSTRACT, slug="draft", publish=False)
    assert found(client, "梯度下降") == []


def test_has_cjk():
    assert (
        has_cjk("梯度下降") and has_cjk("GD 的锐度") and has_cjk("カタカナ") and has_cjk("한국어")
    )
    assert not has_cjk("edge of stability") and not has_cjk("Ünïcode café")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(alphabet=st.characters(codec="utf-8"), max_size=60).map(lambda s: s + "锐"))
def test_no_chinese_query_is_a_server_error(client, talks, query):
    assert client.get("/search/", {"q": query}).status_code in {200, 400}
