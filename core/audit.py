"""Audit events: written by services in the same transaction as the change they describe."""

import contextvars
import json

from django.core.serializers.json import DjangoJSONEncoder

request_id_var = contextvars.ContextVar("request_id", default="")


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False))


def record(*, actor, action, obj=None, object_type=None, object_id=None, before=None, after=None, comment=""):
    """Write one audit event. ``actor`` is required: a person or the system actor, never ``None``."""
    from core.actors import require_actor
    from core.business_date import today
    from core.models import AuditEvent

    require_actor(actor)

    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        before=_jsonable(before),
        after=_jsonable(after),
        request_id=request_id_var.get(),
        comment=comment,
        business_date=today(),
    )


# Staff looking at a person's data: each is one audit event with the person (``after["depositor"]``) and the
# staff roles the viewer had, so the person can see in the portal which role looked at their data and when.
PERSONAL_DATA_VIEWS = {
    "account.view": "account",
    "account.interest.view": "interest",
    "withdrawal.view": "withdrawal",
    "withdrawal.document.view": "document",
    "loan.view": "loan",
    "loan.document.view": "document",
}


def record_view(*, viewer, action, obj, depositor_id, **details):
    """Record that a member of staff opened a page with a person's data (one of :data:`PERSONAL_DATA_VIEWS`)."""
    from core import roles

    staff_roles = sorted(roles.roles_of(viewer) & set(roles.STAFF_ROLES))
    return record(actor=viewer, action=action, obj=obj,
                  after={"depositor": depositor_id, "roles": staff_roles, **details})
