"""Post/redirect/get for forms that fail: a POST whose form is refused redirects to the page it came from, and
that page shows the form once more with what was typed, its errors and an upload's row problems. The failed form
is kept in the session (never a file's content) and shown on the next GET of that page only, so a reload or a
language switch lands on an ordinary page instead of a POST-only address."""

from django.forms.utils import ErrorDict

SESSION_KEY = "failed_form"
MAX_ROWS = 500  # the row problems a page lists; the count of all of them is kept too
MAX_VALUES = 100
MAX_TEXT = 1000
SKIPPED = {"csrfmiddlewaretoken"}


def _text(value) -> str:
    return str(value)[:MAX_TEXT]


def keep(request, page: str, name: str, form) -> None:
    """Remember ``form`` (refused) for the next GET of ``page`` (a key the page's view passes to :func:`restore`),
    where it is shown as ``name``."""
    data = {}
    if hasattr(form.data, "lists"):
        for key, values in list(form.data.lists())[:MAX_VALUES]:
            if key not in SKIPPED and key not in getattr(form, "files", {}):
                data[key] = [_text(v) for v in values[:MAX_VALUES]]
    rows = [_text(r) for r in getattr(form, "row_errors", None) or []]
    request.session[SESSION_KEY] = {
        "page": page, "name": name, "data": data,
        "errors": {field: [_text(m) for m in messages] for field, messages in form.errors.items()},
        "rows": rows[:MAX_ROWS], "row_count": len(rows),
    }


def restore(request, page: str, classes: dict) -> dict:
    """{name: form} with the form kept for ``page`` (built from ``classes[name]``, unbound, showing the values
    typed and the errors), once; {} when nothing was kept for this page."""
    if SESSION_KEY not in request.session:
        return {}
    state = request.session.pop(SESSION_KEY)  # once; a report left for another page is stale by now
    if not isinstance(state, dict) or state.get("page") != page:
        return {}
    form_class = classes.get(state.get("name"))
    if form_class is None:
        return {}
    initial = {k: (v[0] if len(v) == 1 else v) for k, v in (state.get("data") or {}).items()}
    form = form_class(initial=initial)
    errors = ErrorDict()
    for field, messages in (state.get("errors") or {}).items():
        errors[field] = form.error_class(messages, error_class="nonfield" if field == "__all__" else None)
    form._errors = errors
    form.row_errors = list(state.get("rows") or [])
    form.row_error_count = state.get("row_count") or len(form.row_errors)
    return {state["name"]: form}
