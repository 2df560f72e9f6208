"""Domain errors: one type family, each with a message meant for a person (in Russian).

Services raise these; `web.error_response` is the one place that turns them into HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "invalid_input"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        problems: list[tuple[str | None, str]] | None = None,
    ):
        super().__init__(message, field=field, code=code)
        # Every bad field of a form at once, (field, message) in form order; `field` and
        # `message` are the first of them, so one-error clients keep working.
        self.problems = problems or []

    @classmethod
    def collected(cls, errors: list[InvalidInput]) -> InvalidInput:
        first = errors[0]
        problems = [p for e in errors for p in (e.problems or [(e.field, e.message)])]
        return cls(first.message, field=first.field, problems=problems)


class NotLoggedIn(DomainError):
    status = 401
    code = "not_logged_in"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Gone(DomainError):
    status = 410
    code = "expired"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = max(1, int(retry_after))


class ServiceUnavailable(DomainError):
    """An upstream (ЕСИА, the signer) failed; our own state is unchanged."""

    status = 503
    code = "service_unavailable"
