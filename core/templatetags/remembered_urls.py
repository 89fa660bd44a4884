"""``{% url %}`` as Django's, with the URLs it reverses remembered (a template builtin: every template has it).

A page reverses a dozen URLs, most of them the same on every page (the menu, the language and logout forms), and
each ``reverse`` walks the resolver's candidates and quotes the result. The URL of a view name with given
arguments does not change while the process runs (the URL patterns are fixed; the script prefix and the URL
configuration of the request are part of what is remembered), so each is reversed once. Only plain text and whole
numbers are remembered as arguments; anything else, and a name that does not reverse, goes through Django's tag
every time. The memory is bounded."""

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()
MAX_REMEMBERED = 4096
_urls: dict = {}


class RememberedURLNode(defaulttags.URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple(sorted((k, v.resolve(context)) for k, v in self.kwargs.items()))
        if not all(type(v) in (str, int) for v in (*args, *(v for _k, v in kwargs))):
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None) if hasattr(request, "current_app") else getattr(
            getattr(request, "resolver_match", None), "namespace", None)
        key = (view_name, args, kwargs, current_app, get_script_prefix(), get_urlconf())
        url = _urls.get(key)
        if url is None:
            try:
                url = reverse(view_name, args=args, kwargs=dict(kwargs), current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                url = ""
            else:
                if len(_urls) >= MAX_REMEMBERED:
                    _urls.clear()
                _urls[key] = url
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = defaulttags.url(parser, token)
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
