"""Django's ``i18n`` template library, its ``{% translate "text" %}`` remembered per language (``{% load i18n %}``
loads this library: ``TEMPLATES["OPTIONS"]["libraries"]``).

A page shows some fifty fixed texts through ``{% translate %}``; each time, the tag resolves the literal, looks the
active language up and asks the catalogue. The catalogues are read once when the process starts, so the
translation of a fixed text in a language does not change while it runs: it is worked out once. A text given by a
variable, with a filter or with a ``context`` goes through Django's tag every time; every other tag of the library
is Django's own."""

from django import template
from django.template.base import Variable, render_value_in_context
from django.templatetags import i18n as django_i18n
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)
MAX_REMEMBERED = 8192
_texts: dict = {}


class RememberedTranslateNode(django_i18n.TranslateNode):
    def render(self, context):
        var = self.filter_expression.var
        if (self.filter_expression.filters or self.message_context is not None or not isinstance(var, Variable)
                or var.literal is None):
            return super().render(context)
        key = (var.literal, self.noop, translation.get_language(), context.autoescape)
        value = _texts.get(key)
        if value is None:
            var.translate = not self.noop
            value = render_value_in_context(self.filter_expression.resolve(context), context)
            # percent signs are doubled in template text so that they are not taken for format flags
            value = mark_safe(value.replace("%%", "%")) if isinstance(value, SafeData) else value.replace("%%", "%")
            if len(_texts) >= MAX_REMEMBERED:
                _texts.clear()
            _texts[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    return RememberedTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
