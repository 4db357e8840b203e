class XAPIError(Exception):
    """An xAPI request error, answered with `status` and the message as plain JSON."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class BadRequest(XAPIError):
    status = 400


class Unauthorized(XAPIError):
    status = 401


class NotFound(XAPIError):
    status = 404


class Conflict(XAPIError):
    status = 409


class PreconditionFailed(XAPIError):
    status = 412
