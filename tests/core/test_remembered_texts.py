"""core.templatetags.i18n_remembered: ``{% load i18n %}`` gives Django's library with ``{% translate "text" %}``
translated once per language: the same texts as Django's tag, in the language active at each render."""

import pytest
from django.template import Context, Engine, Template
from django.utils import translation

from core.templatetags import i18n_remembered


@pytest.fixture(autouse=True)
def fresh():
    i18n_remembered._texts.clear()
    yield
    i18n_remembered._texts.clear()


def render(text, **context):
    return Template("{% load i18n %}" + text).render(Context(context))


def test_fixed_texts_are_translated_once_per_language(monkeypatch):
    page = '{% translate "Log out" %}|{% trans "Log out" as label %}[{{ label }}]|{% translate "Log out" noop %}'
    with translation.override("zh-hans"):
        assert render(page) == "退出|[退出]|Log out"
    with translation.override("en"):
        assert render(page) == "Log out|[Log out]|Log out"

    def no_more(*args, **kwargs):
        raise AssertionError("translated again")

    monkeypatch.setattr(i18n_remembered, "render_value_in_context", no_more)
    with translation.override("zh-hans"):
        assert render(page) == "退出|[退出]|Log out"
    assert len(i18n_remembered._texts) == 4  # two languages, with and without noop


def test_texts_with_variables_filters_or_a_context_go_through_django_s_tag():
    with translation.override("zh-hans"):
        assert render("{% translate word %}", word="Log out") == "退出"
        assert render('{% translate "Log out"|upper %}') == "退出"
        assert render('{% translate "Log out" context "menu" %}') == "Log out"
    assert i18n_remembered._texts == {}


@pytest.mark.parametrize("text", ['{% translate "100% sure" %}', '{% translate "100%% sure" %}',
                                  '{% translate "<b>Log out</b>" %}', '{% translate "Log out" %}'])
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_remembered_text_is_django_s_own(text, language):
    django_s = Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string("{% load i18n %}" + text)
    with translation.override(language):
        expected = django_s.render(Context())
        assert render(text) == render(text) == expected
    assert len(i18n_remembered._texts) == 1
    assert isinstance(Template('{% load i18n %}{% translate "x" %}').nodelist[-1],
                      i18n_remembered.RememberedTranslateNode)
