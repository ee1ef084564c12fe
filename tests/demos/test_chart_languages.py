"""Demo charts in the reader's language: a run is computed once and its figure drawn in each
language; every word a chart shows is translated; the API, the talk page and the run page
answer in the reader's language; parameters' words and errors too."""

import re

import pytest
from django.core.management import call_command
from django.utils import translation

from demos import tasks
from demos.execution import figure_in
from demos.languages import demo_schema, field_message, run_error
from demos.models import DemoRun
from demos.registry import DEMOS, get_demo
from demos.runs import request_run
from demos.sims.plotting import CLOSING_PUNCTUATION, _visible_length, _wrap, sentence
from demos.sims.words import _, is_cjk, speaking
from tests.demos.conftest import post, run_worker
from tests.demos.test_contract import SMALL

QUADRATIC = get_demo("quadratic-stability")
CHINESE = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}

# Symbols and names that stay as they are in Chinese text.
KEPT = {"GD", "SGD", "ReLU", "SVM", "max", "min", "log", "sign", "cos", "DeepFool", "tanh"}


def chart_texts(node, key=""):
    """Every text of a figure a reader sees or hears: titles, axis and colour-bar titles,
    annotations, trace names, hover templates, text labels, buttons, sliders, the summary and
    the phone and desktop layouts' texts."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "template":
                continue
            if isinstance(value, str) and name in {
                "text",
                "name",
                "hovertemplate",
                "label",
                "prefix",
                "summary",
            }:
                yield value
            elif isinstance(value, str) and name.endswith(".text"):  # a layout patch's key
                yield value
            elif name == "text" and isinstance(value, list):
                yield from (item for item in value if isinstance(item, str))
            else:
                yield from chart_texts(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from chart_texts(item, key)


def english_words(text: str) -> list[str]:
    text = re.sub(r"<[^<>]*>|%\{[^}]*\}", " ", text)  # tags and hover fields are not words
    return [word for word in re.findall(r"[A-Za-z]{2,}", text) if word not in KEPT]


@pytest.mark.parametrize("slug", SMALL)
def test_every_word_of_every_chart_is_drawn_in_chinese(slug):
    demo = get_demo(slug)
    partials = []
    params = demo.params.model_validate(SMALL[slug])
    result = demo.run(params, lambda fraction, partial: partials.append(partial))
    partials = [partial for partial in partials if partial is not None]
    for drawn in (result, partials[len(partials) // 2]):
        chinese = figure_in(demo, drawn, "zh-hans")
        left = [text for text in chart_texts(chinese) if english_words(text)]
        assert not left, left
        assert is_cjk(chinese["layout"]["meta"]["summary"])
        assert chinese["layout"]["meta"]["summary"].endswith("。")
        # The same numbers drawn: only the words differ.
        english = figure_in(demo, drawn, "en")
        assert [t.get("y") for t in chinese["data"]] == [t.get("y") for t in english["data"]]
        assert english_words(english["layout"]["meta"]["summary"])


def test_words_are_english_outside_a_language_and_translated_inside():
    assert _("step") == "step"
    with speaking({"step": "步数"}.get):
        assert _("step") == "步数"
        with speaking(str.upper):
            assert _("step") == "STEP"
        assert _("step") == "步数"
    assert _("step") == "step"


def test_a_chinese_sentence_ends_with_a_chinese_full_stop_and_says_so_far_in_chinese():
    assert sentence("GD converged", 40, 40, "step") == "GD converged."
    with translation.override("zh-hans"), speaking(translation.gettext):
        text = sentence("GD 收敛了", 13, 40, _("step"))
    assert text == "目前进度（步数 13/40）：GD 收敛了。"


def test_chinese_titles_wrap_between_characters_and_never_before_closing_punctuation():
    title = "GD 在逻辑斯谛损失上：经过 100,000 步后，w(t) 与最大间隔方向的夹角为 0.037°"
    lines = _wrap(title, 12)
    assert len(lines) > 3 and all(_visible_length(line) <= 12 for line in lines)
    assert not any(line[0] in CLOSING_PUNCTUATION for line in lines)
    assert "".join(lines).replace(" ", "") == title.replace(" ", "")
    # A Chinese character counts about twice a Latin one's width; tags count for nothing.
    assert _visible_length("锐度 λ<sub>max</sub>") == 2 * 2 + 1 + 1 + 3


@pytest.mark.django_db
def test_a_run_is_computed_once_and_stored_in_both_languages(generous_limits, monkeypatch):
    monkeypatch.setattr(tasks, "PROGRESS_INTERVAL", 0.0)
    computed = []
    original = QUADRATIC.compute.run
    monkeypatch.setattr(
        QUADRATIC.compute, "run", lambda *args: computed.append(1) or original(*args)
    )
    written = []
    write = tasks.RunReporter._write
    monkeypatch.setattr(
        tasks.RunReporter, "_write", lambda self, **f: written.append(f) or write(self, **f)
    )
    run, _ = request_run(QUADRATIC, QUADRATIC.params.model_validate({"step_size": 0.21}))
    run_worker()
    run.refresh_from_db()
    assert run.status == DemoRun.Status.DONE and len(computed) == 1
    english, chinese = run.figure, run.figure_translations["zh-hans"]
    assert "diverges" in english["layout"]["title"]["text"]
    assert (
        is_cjk(chinese["layout"]["title"]["text"]) and "发散" in chinese["layout"]["title"]["text"]
    )
    assert chinese["data"][0]["x"] == english["data"][0]["x"]
    # While it ran, each partial chart was written in both languages.
    partial = [w for w in written if "heartbeat_at" in w and w["figure"]]
    assert partial and all(is_cjk(str(w["figure_translations"]["zh-hans"])) for w in partial)
    assert run.figure_in("zh-hans") == chinese and run.figure_in("en") == english


@pytest.mark.django_db
def test_a_run_stored_before_languages_is_shown_in_english_in_chinese_too():
    run = DemoRun.objects.create(
        demo_slug=QUADRATIC.slug, params={}, key="old", figure={"data": [], "layout": {}}
    )
    assert run.figure_in("zh-hans") == {"data": [], "layout": {}}


@pytest.mark.django_db
def test_the_api_answers_with_the_figure_in_the_requested_language(client, generous_limits):
    run, _ = request_run(QUADRATIC, QUADRATIC.params.model_validate({"steps": 30}))
    run_worker()
    chinese = client.get(run.api_url(), **CHINESE).json()
    english = client.get(run.api_url()).json()  # after the Chinese: no shared cache entry
    assert is_cjk(chinese["figure"]["layout"]["meta"]["summary"])
    assert not is_cjk(english["figure"]["layout"]["meta"]["summary"])
    assert chinese["result"] == english["result"]
    assert chinese["permalink"] == f"/zh-hans/runs/{run.public_id}/"
    assert english["permalink"] == f"/runs/{run.public_id}/"


@pytest.mark.django_db
def test_bad_parameters_are_refused_in_chinese_naming_the_field(client):
    url = f"/api/demos/{QUADRATIC.slug}/runs"
    response = post(client, url, {"step_size": 20, "steps": "many"}, **CHINESE)
    assert response.status_code == 422
    errors = {item["field"]: item["message"] for item in response.json()["detail"]}
    assert errors == {
        "step_size": "输入值应小于或等于 10",
        "steps": "输入值应为有效的整数",  # strict parameters: no number in a string
    }
    over = post(client, url, {"steps": 1000, "step_size": 0.01}, **CHINESE)
    if over.status_code == 422:  # over the budget on a slow machine only
        assert "秒的预算" in over.json()["detail"][0]["message"]
    # A bad query value (ninja's validation) too.
    query = post(client, url + "?talk=abc", {}, **CHINESE)
    assert query.status_code == 422
    assert query.json()["detail"] == [
        {
            "field": "talk",
            "message": "输入值应为有效的整数，无法将该字符串解析为整数",
            "type": "int_parsing",
        }
    ]
    english = post(client, url, {"step_size": 20})
    assert english.json()["detail"][0]["message"] == "Input should be less than or equal to 10"


def test_a_custom_errors_own_template_is_translated_with_its_values():
    template = (
        "this run would take about {seconds} s, over the budget of {budget} s;"
        " lower this value (or another size parameter)"
    )
    message = template.format(seconds="12", budget="5")
    with translation.override("zh-hans"):
        assert field_message("cost_budget", message, template) == (
            "这次运行约需 12 秒，超出了 5 秒的预算；请调低此值（或其他规模参数）"
        )
        # A message that is not what its type's template says stays as it was.
        assert field_message("less_than", "something else") == "something else"
        assert run_error("The worker computing this run stopped (3 attempts).") == (
            "负责这次运行的计算进程已停止（已尝试 3 次）。"
        )


@pytest.mark.parametrize("slug", DEMOS)
def test_every_parameter_is_described_in_chinese(slug):
    demo = get_demo(slug)
    with translation.override("zh-hans"):
        schema = demo_schema(demo)
        title, summary = translation.gettext(demo.title), translation.gettext(demo.summary)
    assert is_cjk(title) and is_cjk(summary)
    for name, field in schema["properties"].items():
        assert is_cjk(field["description"]), name
        if "unit" in field:
            assert is_cjk(field["unit"]), name
    assert demo_schema(demo) == demo.params_schema  # English as it was


@pytest.mark.django_db
def test_the_chinese_talk_page_and_run_page_show_the_chart_in_chinese(client, generous_limits):
    from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
    from talks.models import TalkPage

    call_command("seed_demo_content", verbosity=0)
    run_worker()
    talk = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="zh-hans")
    page = client.get(talk.url, HTTP_HOST="127.0.0.1:8000").content.decode()
    summaries = re.findall(r'<p class="demo-summary">([^<]*)</p>', page)
    assert len(summaries) == len(DEMOS) and all(is_cjk(s) for s in summaries), summaries
    run = DemoRun.objects.filter(status=DemoRun.Status.DONE).first()
    run_page = client.get(f"/zh-hans/runs/{run.public_id}/").content.decode()
    assert 'lang="zh-Hans"' in run_page
    assert run.figure_translations["zh-hans"]["layout"]["meta"]["summary"] in run_page
    assert client.get(f"/runs/{run.public_id}/").status_code == 200  # the English address stays


@pytest.mark.django_db
def test_a_run_page_in_chinese_names_its_talk_in_chinese(client, generous_limits):
    from talks.management.commands.seed_demo_content import FIRST_TALK_SLUG
    from talks.models import TalkPage

    call_command("seed_demo_content", verbosity=0)
    run_worker()
    english = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="en")
    chinese = TalkPage.objects.get(slug=FIRST_TALK_SLUG, locale__language_code="zh-hans")
    run = DemoRun.objects.filter(talk=english, status=DemoRun.Status.DONE).first()
    page = client.get(f"/zh-hans/runs/{run.public_id}/").content.decode()
    assert chinese.title in page and f'href="{chinese.url}"' in page
    assert english.title in client.get(f"/runs/{run.public_id}/").content.decode()
