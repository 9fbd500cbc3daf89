from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HealthCheckRequest(_message.Message):
    __slots__ = ("service",)
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service: str
    def __init__(self, service: _Optional[str] = ...) -> None: ...

class HealthCheckResponse(_message.Message):
    __slots__ = ("status", "role", "leader")
    class ServingStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        UNKNOWN: _ClassVar[HealthCheckResponse.ServingStatus]
        SERVING: _ClassVar[HealthCheckResponse.ServingStatus]
        NOT_SERVING: _ClassVar[HealthCheckResponse.ServingStatus]
        SERVICE_UNKNOWN: _ClassVar[HealthCheckResponse.ServingStatus]
    UNKNOWN: HealthCheckResponse.ServingStatus
    SERVING: HealthCheckResponse.ServingStatus
    NOT_SERVING: HealthCheckResponse.ServingStatus
    SERVICE_UNKNOWN: HealthCheckResponse.ServingStatus
    class Role(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ROLE_UNSPECIFIED: _ClassVar[HealthCheckResponse.Role]
        ACTIVE: _ClassVar[HealthCheckResponse.Role]
        STANDBY: _ClassVar[HealthCheckResponse.Role]
        RECOVERING: _ClassVar[HealthCheckResponse.Role]
    ROLE_UNSPECIFIED: HealthCheckResponse.Role
    ACTIVE: HealthCheckResponse.Role
    STANDBY: HealthCheckResponse.Role
    RECOVERING: HealthCheckResponse.Role
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    status: HealthCheckResponse.ServingStatus
    role: HealthCheckResponse.Role
    leader: str
    def __init__(self, status: _Optional[_Union[HealthCheckResponse.ServingStatus, str]] = ..., role: _Optional[_Union[HealthCheckResponse.Role, str]] = ..., leader: _Optional[str] = ...) -> None: ...

class HealthStatsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MethodStats(_message.Message):
    __slots__ = ("method", "calls", "errors")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    CALLS_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    method: str
    calls: int
    errors: int
    def __init__(self, method: _Optional[str] = ..., calls: _Optional[int] = ..., errors: _Optional[int] = ...) -> None: ...

class HealthStatsResponse(_message.Message):
    __slots__ = ("uptime_ms", "event_loops", "connections_open", "connections_accepted", "calls_in_flight", "calls_completed", "protocol_errors", "methods", "storage", "events_committed", "resident_bytes", "connection_buffer_bytes", "connections_retained", "handshakes_pending", "connections_refused", "accept_pauses", "calls_refused", "role", "leader", "records_behind", "seconds_behind")
    UPTIME_MS_FIELD_NUMBER: _ClassVar[int]
    EVENT_LOOPS_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_OPEN_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    CALLS_IN_FLIGHT_FIELD_NUMBER: _ClassVar[int]
    CALLS_COMPLETED_FIELD_NUMBER: _ClassVar[int]
    PROTOCOL_ERRORS_FIELD_NUMBER: _ClassVar[int]
    METHODS_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_COMMITTED_FIELD_NUMBER: _ClassVar[int]
    RESIDENT_BYTES_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_BUFFER_BYTES_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_RETAINED_FIELD_NUMBER: _ClassVar[int]
    HANDSHAKES_PENDING_FIELD_NUMBER: _ClassVar[int]
    CONNECTIONS_REFUSED_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_PAUSES_FIELD_NUMBER: _ClassVar[int]
    CALLS_REFUSED_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    LEADER_FIELD_NUMBER: _ClassVar[int]
    RECORDS_BEHIND_FIELD_NUMBER: _ClassVar[int]
    SECONDS_BEHIND_FIELD_NUMBER: _ClassVar[int]
    uptime_ms: int
    event_loops: int
    connections_open: int
    connections_accepted: int
    calls_in_flight: int
    calls_completed: int
    protocol_errors: int
    methods: _containers.RepeatedCompositeFieldContainer[MethodStats]
    storage: str
    events_committed: int
    resident_bytes: int
    connection_buffer_bytes: int
    connections_retained: int
    handshakes_pending: int
    connections_refused: int
    accept_pauses: int
    calls_refused: int
    role: HealthCheckResponse.Role
    leader: str
    records_behind: int
    seconds_behind: float
    def __init__(self, uptime_ms: _Optional[int] = ..., event_loops: _Optional[int] = ..., connections_open: _Optional[int] = ..., connections_accepted: _Optional[int] = ..., calls_in_flight: _Optional[int] = ..., calls_completed: _Optional[int] = ..., protocol_errors: _Optional[int] = ..., methods: _Optional[_Iterable[_Union[MethodStats, _Mapping]]] = ..., storage: _Optional[str] = ..., events_committed: _Optional[int] = ..., resident_bytes: _Optional[int] = ..., connection_buffer_bytes: _Optional[int] = ..., connections_retained: _Optional[int] = ..., handshakes_pending: _Optional[int] = ..., connections_refused: _Optional[int] = ..., accept_pauses: _Optional[int] = ..., calls_refused: _Optional[int] = ..., role: _Optional[_Union[HealthCheckResponse.Role, str]] = ..., leader: _Optional[str] = ..., records_behind: _Optional[int] = ..., seconds_behind: _Optional[float] = ...) -> None: ...
