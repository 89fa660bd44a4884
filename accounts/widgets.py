"""Widgets of the counter forms."""

from django import forms


class LookupInput(forms.TextInput):
    """A number field that suggests matches as the clerk types (htmx fills a ``<datalist>`` from a lookup
    endpoint returning at most ten matches, each the number with its name); the form still takes a typed number
    and validates it as before."""

    def __init__(self, url_name, attrs=None):
        self.url_name = url_name
        super().__init__(attrs)

    def render(self, name, value, attrs=None, renderer=None):
        from django.urls import reverse
        from django.utils.html import format_html

        attrs = {**(attrs or {})}
        input_id = attrs.get("id") or self.attrs.get("id") or f"id_{name}"
        attrs.update({"id": input_id, "list": f"{input_id}-options", "autocomplete": "off"})
        html = super().render(name, value, attrs, renderer)
        return html + format_html(
            '<datalist id="{}-options" hx-get="{}" hx-trigger="input changed delay:250ms from:#{}" hx-include="#{}" '
            'hx-swap="innerHTML" hx-sync="this:replace" data-lookup="{}"></datalist>',
            input_id, reverse(self.url_name), input_id, input_id, name)


def employer_lookup():
    return LookupInput("accounts:lookup_employers")


def account_lookup():
    return LookupInput("accounts:lookup_accounts")
