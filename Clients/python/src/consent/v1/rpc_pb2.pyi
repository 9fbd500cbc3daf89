from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GoAwayCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GO_AWAY_CODE_NO_ERROR: _ClassVar[GoAwayCode]
    GO_AWAY_CODE_PROTOCOL_ERROR: _ClassVar[GoAwayCode]
    GO_AWAY_CODE_FRAME_TOO_LARGE: _ClassVar[GoAwayCode]
    GO_AWAY_CODE_IDLE_TIMEOUT: _ClassVar[GoAwayCode]
GO_AWAY_CODE_NO_ERROR: GoAwayCode
GO_AWAY_CODE_PROTOCOL_ERROR: GoAwayCode
GO_AWAY_CODE_FRAME_TOO_LARGE: GoAwayCode
GO_AWAY_CODE_IDLE_TIMEOUT: GoAwayCode

class Frame(_message.Message):
    __slots__ = ("call_id", "request", "response", "stream_message", "cancel", "ping", "pong", "go_away")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_FIELD_NUMBER: _ClassVar[int]
    STREAM_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    PING_FIELD_NUMBER: _ClassVar[int]
    PONG_FIELD_NUMBER: _ClassVar[int]
    GO_AWAY_FIELD_NUMBER: _ClassVar[int]
    call_id: int
    request: Request
    response: Response
    stream_message: StreamMessage
    cancel: Cancel
    ping: Ping
    pong: Pong
    go_away: GoAway
    def __init__(self, call_id: _Optional[int] = ..., request: _Optional[_Union[Request, _Mapping]] = ..., response: _Optional[_Union[Response, _Mapping]] = ..., stream_message: _Optional[_Union[StreamMessage, _Mapping]] = ..., cancel: _Optional[_Union[Cancel, _Mapping]] = ..., ping: _Optional[_Union[Ping, _Mapping]] = ..., pong: _Optional[_Union[Pong, _Mapping]] = ..., go_away: _Optional[_Union[GoAway, _Mapping]] = ...) -> None: ...

class MetadataEntry(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Request(_message.Message):
    __slots__ = ("method", "deadline_ms", "metadata", "payload")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_MS_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    method: str
    deadline_ms: int
    metadata: _containers.RepeatedCompositeFieldContainer[MetadataEntry]
    payload: bytes
    def __init__(self, method: _Optional[str] = ..., deadline_ms: _Optional[int] = ..., metadata: _Optional[_Iterable[_Union[MetadataEntry, _Mapping]]] = ..., payload: _Optional[bytes] = ...) -> None: ...

class Response(_message.Message):
    __slots__ = ("status_code", "status_message", "payload", "trailers")
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TRAILERS_FIELD_NUMBER: _ClassVar[int]
    status_code: int
    status_message: str
    payload: bytes
    trailers: _containers.RepeatedCompositeFieldContainer[MetadataEntry]
    def __init__(self, status_code: _Optional[int] = ..., status_message: _Optional[str] = ..., payload: _Optional[bytes] = ..., trailers: _Optional[_Iterable[_Union[MetadataEntry, _Mapping]]] = ...) -> None: ...

class StreamMessage(_message.Message):
    __slots__ = ("payload",)
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    def __init__(self, payload: _Optional[bytes] = ...) -> None: ...

class Cancel(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Ping(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: int
    def __init__(self, data: _Optional[int] = ...) -> None: ...

class Pong(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: int
    def __init__(self, data: _Optional[int] = ...) -> None: ...

class GoAway(_message.Message):
    __slots__ = ("code", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: GoAwayCode
    reason: str
    def __init__(self, code: _Optional[_Union[GoAwayCode, str]] = ..., reason: _Optional[str] = ...) -> None: ...
