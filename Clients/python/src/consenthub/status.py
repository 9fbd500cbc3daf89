"""gRPC status codes, as ConsentHub's Response frames carry them (docs/PROTOCOL.md)."""

import enum


class StatusCode(enum.IntEnum):
    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


def status_name(code):
    """The gRPC name of a status number, or CODE_<n> for numbers gRPC does not define."""
    try:
        return StatusCode(code).name
    except ValueError:
        return "CODE_%d" % code


class RpcError(Exception):
    """A call that did not end with OK. `code` is a StatusCode (or an int for unknown codes)."""

    def __init__(self, code, message, trailers=None):
        try:
            code = StatusCode(code)
        except ValueError:
            pass
        self.code = code
        self.message = message
        self.trailers = trailers or []
        super().__init__("%s: %s" % (status_name(int(code)), message) if message else status_name(int(code)))
