"""Form helpers shared by every app's staff forms and filter forms."""


def bootstrap_widgets(form):
    """Give every widget of ``form`` its Bootstrap 5 class (check box, select or text control)."""
    from django import forms

    for field in form.fields.values():
        widget = field.widget
        css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else (
            "form-select" if isinstance(widget, forms.Select) else "form-control")
        widget.attrs.setdefault("class", css)
