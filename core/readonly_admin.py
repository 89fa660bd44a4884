"""Django admin never bypasses a workflow or the ledger (DESIGN.md §4).

Models whose state moves through a workflow or whose rows carry money (applications, fund accounts, employers,
ledger accounts, bank accounts, journal entries, holds, ...) are read-only in admin: administrators list them,
open them (every field shown read-only) and read their history (django-simple-history), but cannot add,
change, delete, bulk-delete or revert a row to an earlier version. Changes go through the counter pages and the
services, which lock, check the rules, post to the ledger and write the audit trail.

Every app's ``admin.py`` uses :class:`ReadOnlyAdminMixin` (before ``SimpleHistoryAdmin`` or ``ModelAdmin`` in the
bases) and :class:`ReadOnlyInlineMixin` for inlines, so the rule lives in one place.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy


def all_field_names(model) -> list[str]:
    opts = model._meta
    return [f.name for f in opts.fields if not f.auto_created] + [f.name for f in opts.many_to_many]


class ReadOnlyInlineMixin:
    """An inline that shows its rows and nothing else."""

    can_delete = False
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NoRevertMixin:
    """With ``SimpleHistoryAdmin``: a historical version can be looked at, never saved back (simple_history
    would save the posted version for anyone allowed to *view* the history). A change is made as a change."""

    def revert_disabled(self, request, obj=None):  # no "Revert" button
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin(NoRevertMixin):
    """No add, no change (the change page shows every field read-only), no delete, no ``delete_selected``
    action and, with ``SimpleHistoryAdmin``, no revert from a historical version; the history stays visible."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_readonly_fields(self, request, obj=None):
        extra = [name for name in super().get_readonly_fields(request, obj) if name not in all_field_names(self.model)]
        return [*all_field_names(self.model), *extra]


class WorkflowStepsMixin:
    """Adds ``workflow_steps`` (list it in ``readonly_fields``): the case's steps from core.workflow, oldest
    first, on the admin page of a workflow case."""

    @admin.display(description=gettext_lazy("workflow steps"))
    def workflow_steps(self, obj):
        from core import workflow

        if obj is None or obj.pk is None:
            return "—"
        rows = [(f"{t.at:%Y-%m-%d %H:%M}", t.action, t.from_state or "—", t.to_state,
                 t.actor.get_username() if t.actor else (t.rule or gettext("system")), t.comment)
                for t in workflow.history(obj)]
        return format_html_join(mark_safe("<br>"), "{} {}: {} → {} ({}) {}", rows) or "—"
