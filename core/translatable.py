"""Texts the system writes and stores (journal memos, payment purposes, the comments of the steps it takes on a
case) that read in the reader's language.

Such a text is stored in the center's language (``settings.LANGUAGE_CODE``), whoever caused it and in whatever
language their page was: that is what the auditors' exports, the admin, the reconciliation and the bank
instructions show. Beside it the record keeps the text's *message*, ``{"key": msgid, "args": {...}}``, so a page
in another language says the same thing in that language (:func:`localized`).

A :class:`StoredText` is that text (a ``str``, so it goes wherever a memo, a purpose or a comment went before)
carrying its message. An argument may itself be translatable: a lazy text (a choice's label) or another
:class:`StoredText`.
"""

import json

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


class StoredText(str):
    """``StoredText(gettext_noop("Remittance %(r)s"), r="R202611...")``: the text in the center's language, with its
    message in ``message``. A slice of it is plain text."""

    message: dict

    def __new__(cls, key, **args):
        message = {"key": str(key), "args": {name: _argument(value) for name, value in args.items()}}
        with translation.override(settings.LANGUAGE_CODE):
            text = say(message)
        memo = super().__new__(cls, text)
        memo.message = message
        return memo

    @classmethod
    def kept(cls, text: str, message: dict | None):
        """A stored text with its stored message (a reversal repeats its entry's lines)."""
        if not message:
            return text
        memo = str.__new__(cls, text)
        memo.message = message
        return memo

    def __reduce__(self):  # pickled (a task's argument, a cache) as plain text
        return str, (str(self),)


def _argument(value):
    if isinstance(value, StoredText):
        return value.message
    if isinstance(value, Promise):  # a lazy translation: keep its msgid
        with translation.override(None):
            return {"key": str(value), "args": {}}
    if isinstance(value, int) and not isinstance(value, bool):
        return value  # for %(n)d
    return str(value)  # text, dates, decimals: as they print


def say(message: dict) -> str:
    """The message in the active language."""
    text = gettext(message["key"])
    args = message.get("args") or {}
    if not args:
        return text
    return text % {name: say(value) if isinstance(value, dict) else value for name, value in args.items()}


def message_of(text) -> dict | None:
    """The message of a :class:`StoredText`; None for plain text."""
    return getattr(text, "message", None)


def to_json(message: dict | None) -> str | None:
    """A message as JSON text, for SQL that writes it (None stays None)."""
    return None if message is None else json.dumps(message, ensure_ascii=False)


def message_json(text) -> str | None:
    """The message of ``text`` as JSON text (None for plain text)."""
    return to_json(message_of(text))


def localized(text: str, message: dict | None) -> str:
    """A stored text in the active language: ``text`` itself in the center's language, or when the message is
    unknown (a text typed by a person, or stored before messages were kept) or no longer fits its translation."""
    if not message or translation.get_language() == settings.LANGUAGE_CODE:
        return text
    try:
        return say(message)
    except (KeyError, TypeError, ValueError):
        return text
