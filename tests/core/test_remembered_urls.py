"""core.templatetags.remembered_urls: every template's ``{% url %}`` gives Django's URL, reverses each view name and
arguments once, and still fails, escapes and honours the script prefix as Django's tag does."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from core.templatetags import remembered_urls


@pytest.fixture(autouse=True)
def fresh():
    remembered_urls._urls.clear()
    yield
    remembered_urls._urls.clear()
    set_script_prefix("/")


def render(text, **context):
    return Template(text).render(Context(context))


def test_urls_are_django_s_and_reversed_once(monkeypatch):
    page = "{% url 'core:home' %}|{% url 'accounts:account' number %}|{% url 'accounts:account' number=number %}"
    first = render(page, number="1010000001237")
    assert first == "|".join([reverse("core:home"), reverse("accounts:account", args=["1010000001237"]),
                              reverse("accounts:account", kwargs={"number": "1010000001237"})])
    assert render(page, number="1010000009999").split("|")[1] == reverse("accounts:account", args=["1010000009999"])

    def no_more(*args, **kwargs):
        raise AssertionError("reversed again")

    monkeypatch.setattr(remembered_urls, "reverse", no_more)
    assert render(page, number="1010000001237") == first


def test_a_name_that_does_not_reverse_fails_as_django_s_tag_and_is_not_remembered():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no:such' %}")
    assert render("{% url 'no:such' as link %}[{{ link }}]") == "[]"
    assert remembered_urls._urls == {}


def test_other_arguments_go_through_django_s_tag_and_the_prefix_is_part_of_what_is_remembered():
    assert render("{% url 'accounts:account' flag %}", flag=True) == reverse("accounts:account", args=[True])
    assert remembered_urls._urls == {}
    set_script_prefix("/fund/")
    assert render("{% url 'core:home' %}") == "/fund/counter/"
    set_script_prefix("/")
    assert render("{% url 'core:home' %}") == "/counter/"


def test_the_url_is_escaped_unless_autoescape_is_off():
    text = "{% url 'accounts:cases' %}?q={{ q }}"
    assert render(text, q="<x>").endswith("?q=&lt;x&gt;")
    assert "&" not in render("{% autoescape off %}{% url 'core:home' %}{% endautoescape %}")
