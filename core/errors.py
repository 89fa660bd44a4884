"""One error hierarchy for business rules. Pages show ``message``; the API returns
``{"code", "message", "fields"}`` with the status below."""

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    code = "application_error"
    status = 400
    default_message = _("The request could not be processed.")

    def __init__(self, message=None, *, code=None, fields=None):
        self.message = str(message if message is not None else self.default_message)
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(self.message)

    def as_dict(self):
        return {"code": self.code, "message": self.message, "fields": self.fields}


class InvalidInput(ApplicationError):
    code = "invalid"
    default_message = _("The input is not valid.")


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class Forbidden(ApplicationError):
    code = "forbidden"
    status = 403
    default_message = _("You are not allowed to do this.")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = _("The request conflicts with the current state.")


class StateError(Conflict):
    code = "invalid_state"
    default_message = _("This action is not allowed in the current state.")


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = _("The available balance is not enough.")


def from_validation_error(exc, field=None):
    """Turn a Django ValidationError into InvalidInput, keeping per-field messages."""
    if hasattr(exc, "message_dict"):
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
        first = next(iter(fields.values()))[0] if fields else None
        return InvalidInput(first, fields=fields)
    messages = [str(m) for m in exc.messages]
    return InvalidInput(messages[0] if messages else None, fields={field: messages} if field else {})
