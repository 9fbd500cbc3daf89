"""gRPC status codes, as ConsentHub's Response frames carry them (docs/PROTOCOL.md §11)."""

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
    """A call that did not end OK.

    `code` is a StatusCode (a plain int for a number gRPC does not define),
    `message` the server's explanation, `trailers` a list of (key, value).
    str(error) is "NAME: message", e.g. "UNAUTHENTICATED: 991825827 is not a known principal".
    """

    def __init__(self, code, message, trailers=None):
        try:
            code = StatusCode(code)
        except ValueError:
            pass
        self.code = code
        self.message = message
        self.trailers = trailers or []
        super().__init__("%s: %s" % (status_name(int(code)), message) if message else status_name(int(code)))


class ConnectError(RpcError):
    """A connection could not be made: refused, TLS failure, unreadable files.

    `code` is UNAVAILABLE (network, TLS) or INVALID_ARGUMENT (a local file);
    `hint` says what to check.
    """

    def __init__(self, code, message, hint=""):
        super().__init__(code, message)
        self.hint = hint

    def __str__(self):
        text = super().__str__()
        return text + ("\n  hint: " + self.hint if self.hint else "")
