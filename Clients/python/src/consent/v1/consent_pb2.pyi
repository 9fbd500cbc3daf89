from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConsentRequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_REQUEST_STATUS_UNSPECIFIED: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_CREATED: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_ACCEPTED: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_REJECTED: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_REVOKED: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_EXPIRED: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_USED_UP: _ClassVar[ConsentRequestStatus]
    CONSENT_REQUEST_STATUS_DELETED: _ClassVar[ConsentRequestStatus]

class ConsentLogKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_LOG_KIND_UNSPECIFIED: _ClassVar[ConsentLogKind]
    CONSENT_LOG_KIND_GIVEN: _ClassVar[ConsentLogKind]
    CONSENT_LOG_KIND_REJECTED: _ClassVar[ConsentLogKind]
    CONSENT_LOG_KIND_USED: _ClassVar[ConsentLogKind]
    CONSENT_LOG_KIND_REVOKED: _ClassVar[ConsentLogKind]
    CONSENT_LOG_KIND_EXPIRED: _ClassVar[ConsentLogKind]
    CONSENT_LOG_KIND_ENDED: _ClassVar[ConsentLogKind]

class ConsentEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_EVENT_TYPE_UNSPECIFIED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_RESOURCE_REGISTERED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CONSUMER_AUTHORISED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CONSUMER_DEAUTHORISED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_REQUEST_CREATED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_REQUEST_ACCEPTED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_REQUEST_REJECTED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CONSENT_REVOKED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CODE_EXCHANGED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CODE_REUSE_ATTEMPTED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CONSENT_USED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_REQUEST_EXPIRED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_CONSENT_EXPIRED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_REQUEST_DELETED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_VENDOR_AUTHORISED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_VENDOR_DEAUTHORISED: _ClassVar[ConsentEventType]
    CONSENT_EVENT_TYPE_TEMPLATE_REGISTERED: _ClassVar[ConsentEventType]

class PerformerRole(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PERFORMER_ROLE_UNSPECIFIED: _ClassVar[PerformerRole]
    PERFORMER_ROLE_CONSUMER: _ClassVar[PerformerRole]
    PERFORMER_ROLE_DATA_SOURCE: _ClassVar[PerformerRole]
    PERFORMER_ROLE_END_USER: _ClassVar[PerformerRole]
    PERFORMER_ROLE_ADMIN: _ClassVar[PerformerRole]
    PERFORMER_ROLE_SYSTEM: _ClassVar[PerformerRole]
    PERFORMER_ROLE_PORTAL: _ClassVar[PerformerRole]
    PERFORMER_ROLE_VENDOR: _ClassVar[PerformerRole]

class StatisticsPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    STATISTICS_PERIOD_UNSPECIFIED: _ClassVar[StatisticsPeriod]
    STATISTICS_PERIOD_DAY: _ClassVar[StatisticsPeriod]
    STATISTICS_PERIOD_MONTH: _ClassVar[StatisticsPeriod]
CONSENT_REQUEST_STATUS_UNSPECIFIED: ConsentRequestStatus
CONSENT_REQUEST_STATUS_CREATED: ConsentRequestStatus
CONSENT_REQUEST_STATUS_ACCEPTED: ConsentRequestStatus
CONSENT_REQUEST_STATUS_REJECTED: ConsentRequestStatus
CONSENT_REQUEST_STATUS_REVOKED: ConsentRequestStatus
CONSENT_REQUEST_STATUS_EXPIRED: ConsentRequestStatus
CONSENT_REQUEST_STATUS_USED_UP: ConsentRequestStatus
CONSENT_REQUEST_STATUS_DELETED: ConsentRequestStatus
CONSENT_LOG_KIND_UNSPECIFIED: ConsentLogKind
CONSENT_LOG_KIND_GIVEN: ConsentLogKind
CONSENT_LOG_KIND_REJECTED: ConsentLogKind
CONSENT_LOG_KIND_USED: ConsentLogKind
CONSENT_LOG_KIND_REVOKED: ConsentLogKind
CONSENT_LOG_KIND_EXPIRED: ConsentLogKind
CONSENT_LOG_KIND_ENDED: ConsentLogKind
CONSENT_EVENT_TYPE_UNSPECIFIED: ConsentEventType
CONSENT_EVENT_TYPE_RESOURCE_REGISTERED: ConsentEventType
CONSENT_EVENT_TYPE_CONSUMER_AUTHORISED: ConsentEventType
CONSENT_EVENT_TYPE_CONSUMER_DEAUTHORISED: ConsentEventType
CONSENT_EVENT_TYPE_REQUEST_CREATED: ConsentEventType
CONSENT_EVENT_TYPE_REQUEST_ACCEPTED: ConsentEventType
CONSENT_EVENT_TYPE_REQUEST_REJECTED: ConsentEventType
CONSENT_EVENT_TYPE_CONSENT_REVOKED: ConsentEventType
CONSENT_EVENT_TYPE_CODE_EXCHANGED: ConsentEventType
CONSENT_EVENT_TYPE_CODE_REUSE_ATTEMPTED: ConsentEventType
CONSENT_EVENT_TYPE_CONSENT_USED: ConsentEventType
CONSENT_EVENT_TYPE_REQUEST_EXPIRED: ConsentEventType
CONSENT_EVENT_TYPE_CONSENT_EXPIRED: ConsentEventType
CONSENT_EVENT_TYPE_REQUEST_DELETED: ConsentEventType
CONSENT_EVENT_TYPE_VENDOR_AUTHORISED: ConsentEventType
CONSENT_EVENT_TYPE_VENDOR_DEAUTHORISED: ConsentEventType
CONSENT_EVENT_TYPE_TEMPLATE_REGISTERED: ConsentEventType
PERFORMER_ROLE_UNSPECIFIED: PerformerRole
PERFORMER_ROLE_CONSUMER: PerformerRole
PERFORMER_ROLE_DATA_SOURCE: PerformerRole
PERFORMER_ROLE_END_USER: PerformerRole
PERFORMER_ROLE_ADMIN: PerformerRole
PERFORMER_ROLE_SYSTEM: PerformerRole
PERFORMER_ROLE_PORTAL: PerformerRole
PERFORMER_ROLE_VENDOR: PerformerRole
STATISTICS_PERIOD_UNSPECIFIED: StatisticsPeriod
STATISTICS_PERIOD_DAY: StatisticsPeriod
STATISTICS_PERIOD_MONTH: StatisticsPeriod

class ResourceMetadataValue(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class RequestedResource(_message.Message):
    __slots__ = ("resource_id", "metadata", "version", "uses_per_day")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    USES_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    metadata: _containers.RepeatedCompositeFieldContainer[ResourceMetadataValue]
    version: int
    uses_per_day: int
    def __init__(self, resource_id: _Optional[str] = ..., metadata: _Optional[_Iterable[_Union[ResourceMetadataValue, _Mapping]]] = ..., version: _Optional[int] = ..., uses_per_day: _Optional[int] = ...) -> None: ...

class ConsentRequest(_message.Message):
    __slots__ = ("id", "status", "consumer_org_number", "offered_by", "resources", "redirect_url", "purpose", "language", "one_time", "created_at_ms", "answer_by_ms", "valid_to_ms", "decided_at_ms", "ended_at_ms", "view_url", "handled_by_org_number", "required_delegator", "answer_authority", "purpose_texts", "answer_language", "template_id", "template_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OFFERED_BY_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URL_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_BY_MS_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    VIEW_URL_FIELD_NUMBER: _ClassVar[int]
    HANDLED_BY_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DELEGATOR_FIELD_NUMBER: _ClassVar[int]
    ANSWER_AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_TEXTS_FIELD_NUMBER: _ClassVar[int]
    ANSWER_LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: ConsentRequestStatus
    consumer_org_number: str
    offered_by: str
    resources: _containers.RepeatedCompositeFieldContainer[RequestedResource]
    redirect_url: str
    purpose: str
    language: str
    one_time: bool
    created_at_ms: int
    answer_by_ms: int
    valid_to_ms: int
    decided_at_ms: int
    ended_at_ms: int
    view_url: str
    handled_by_org_number: str
    required_delegator: str
    answer_authority: _containers.RepeatedScalarFieldContainer[str]
    purpose_texts: PurposeTexts
    answer_language: str
    template_id: str
    template_version: int
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[ConsentRequestStatus, str]] = ..., consumer_org_number: _Optional[str] = ..., offered_by: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[RequestedResource, _Mapping]]] = ..., redirect_url: _Optional[str] = ..., purpose: _Optional[str] = ..., language: _Optional[str] = ..., one_time: _Optional[bool] = ..., created_at_ms: _Optional[int] = ..., answer_by_ms: _Optional[int] = ..., valid_to_ms: _Optional[int] = ..., decided_at_ms: _Optional[int] = ..., ended_at_ms: _Optional[int] = ..., view_url: _Optional[str] = ..., handled_by_org_number: _Optional[str] = ..., required_delegator: _Optional[str] = ..., answer_authority: _Optional[_Iterable[str]] = ..., purpose_texts: _Optional[_Union[PurposeTexts, _Mapping]] = ..., answer_language: _Optional[str] = ..., template_id: _Optional[str] = ..., template_version: _Optional[int] = ...) -> None: ...

class PurposeTexts(_message.Message):
    __slots__ = ("nb_no", "nn_no", "en")
    NB_NO_FIELD_NUMBER: _ClassVar[int]
    NN_NO_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    nb_no: str
    nn_no: str
    en: str
    def __init__(self, nb_no: _Optional[str] = ..., nn_no: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class CreateRequestRequest(_message.Message):
    __slots__ = ("resources", "offered_by", "redirect_url", "valid_to_ms", "language", "purpose", "user_token", "idempotency_key", "uses_per_day", "required_delegator", "purpose_texts")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    OFFERED_BY_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URL_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    USER_TOKEN_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    USES_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_DELEGATOR_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_TEXTS_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[RequestedResource]
    offered_by: str
    redirect_url: str
    valid_to_ms: int
    language: str
    purpose: str
    user_token: str
    idempotency_key: str
    uses_per_day: int
    required_delegator: str
    purpose_texts: PurposeTexts
    def __init__(self, resources: _Optional[_Iterable[_Union[RequestedResource, _Mapping]]] = ..., offered_by: _Optional[str] = ..., redirect_url: _Optional[str] = ..., valid_to_ms: _Optional[int] = ..., language: _Optional[str] = ..., purpose: _Optional[str] = ..., user_token: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., uses_per_day: _Optional[int] = ..., required_delegator: _Optional[str] = ..., purpose_texts: _Optional[_Union[PurposeTexts, _Mapping]] = ...) -> None: ...

class CreateRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: ConsentRequest
    def __init__(self, request: _Optional[_Union[ConsentRequest, _Mapping]] = ...) -> None: ...

class CreateRequestFromQueryRequest(_message.Message):
    __slots__ = ("query", "idempotency_key")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    query: str
    idempotency_key: str
    def __init__(self, query: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetRequestRequest(_message.Message):
    __slots__ = ("request_id", "language")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    language: str
    def __init__(self, request_id: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class PageResource(_message.Message):
    __slots__ = ("resource_id", "data_source_name", "title", "text", "language", "actions")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    DATA_SOURCE_NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    data_source_name: str
    title: str
    text: str
    language: str
    actions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource_id: _Optional[str] = ..., data_source_name: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ..., language: _Optional[str] = ..., actions: _Optional[_Iterable[str]] = ...) -> None: ...

class ConsentPage(_message.Message):
    __slots__ = ("request_id", "status", "language", "heading", "intro", "consumer_name", "consumer_org_number", "purpose_heading", "purpose", "resources_heading", "resources", "validity", "voluntary_note", "one_time", "valid_from_ms", "valid_to_ms", "accept_label", "reject_label", "required_assurance_level", "power_of_attorney", "template_id", "template_version")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_NAME_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_HEADING_FIELD_NUMBER: _ClassVar[int]
    PURPOSE_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_HEADING_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    VALIDITY_FIELD_NUMBER: _ClassVar[int]
    VOLUNTARY_NOTE_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_FIELD_NUMBER: _ClassVar[int]
    VALID_FROM_MS_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    ACCEPT_LABEL_FIELD_NUMBER: _ClassVar[int]
    REJECT_LABEL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ASSURANCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    POWER_OF_ATTORNEY_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    status: ConsentRequestStatus
    language: str
    heading: str
    intro: str
    consumer_name: str
    consumer_org_number: str
    purpose_heading: str
    purpose: str
    resources_heading: str
    resources: _containers.RepeatedCompositeFieldContainer[PageResource]
    validity: str
    voluntary_note: str
    one_time: bool
    valid_from_ms: int
    valid_to_ms: int
    accept_label: str
    reject_label: str
    required_assurance_level: int
    power_of_attorney: bool
    template_id: str
    template_version: int
    def __init__(self, request_id: _Optional[str] = ..., status: _Optional[_Union[ConsentRequestStatus, str]] = ..., language: _Optional[str] = ..., heading: _Optional[str] = ..., intro: _Optional[str] = ..., consumer_name: _Optional[str] = ..., consumer_org_number: _Optional[str] = ..., purpose_heading: _Optional[str] = ..., purpose: _Optional[str] = ..., resources_heading: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[PageResource, _Mapping]]] = ..., validity: _Optional[str] = ..., voluntary_note: _Optional[str] = ..., one_time: _Optional[bool] = ..., valid_from_ms: _Optional[int] = ..., valid_to_ms: _Optional[int] = ..., accept_label: _Optional[str] = ..., reject_label: _Optional[str] = ..., required_assurance_level: _Optional[int] = ..., power_of_attorney: _Optional[bool] = ..., template_id: _Optional[str] = ..., template_version: _Optional[int] = ...) -> None: ...

class GetRequestResponse(_message.Message):
    __slots__ = ("page",)
    PAGE_FIELD_NUMBER: _ClassVar[int]
    page: ConsentPage
    def __init__(self, page: _Optional[_Union[ConsentPage, _Mapping]] = ...) -> None: ...

class AcceptRequestRequest(_message.Message):
    __slots__ = ("request_id", "on_behalf_of", "language")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    on_behalf_of: str
    language: str
    def __init__(self, request_id: _Optional[str] = ..., on_behalf_of: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class RejectRequestRequest(_message.Message):
    __slots__ = ("request_id", "on_behalf_of", "language")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ON_BEHALF_OF_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    on_behalf_of: str
    language: str
    def __init__(self, request_id: _Optional[str] = ..., on_behalf_of: _Optional[str] = ..., language: _Optional[str] = ...) -> None: ...

class AnswerResponse(_message.Message):
    __slots__ = ("request", "redirect_url", "already_answered")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_URL_FIELD_NUMBER: _ClassVar[int]
    ALREADY_ANSWERED_FIELD_NUMBER: _ClassVar[int]
    request: ConsentRequest
    redirect_url: str
    already_answered: bool
    def __init__(self, request: _Optional[_Union[ConsentRequest, _Mapping]] = ..., redirect_url: _Optional[str] = ..., already_answered: _Optional[bool] = ...) -> None: ...

class GetRequestStatusRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class GetRequestStatusResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: ConsentRequest
    def __init__(self, request: _Optional[_Union[ConsentRequest, _Mapping]] = ...) -> None: ...

class ListConsentsRequest(_message.Message):
    __slots__ = ("language", "party")
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    language: str
    party: str
    def __init__(self, language: _Optional[str] = ..., party: _Optional[str] = ...) -> None: ...

class ConsentSummary(_message.Message):
    __slots__ = ("id", "status", "status_text", "consumer_org_number", "consumer_name", "resource_titles", "one_time", "created_at_ms", "decided_at_ms", "valid_to_ms", "valid_to_text", "ended_at_ms", "can_revoke")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_TEXT_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TITLES_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_TEXT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    CAN_REVOKE_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: ConsentRequestStatus
    status_text: str
    consumer_org_number: str
    consumer_name: str
    resource_titles: _containers.RepeatedScalarFieldContainer[str]
    one_time: bool
    created_at_ms: int
    decided_at_ms: int
    valid_to_ms: int
    valid_to_text: str
    ended_at_ms: int
    can_revoke: bool
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[ConsentRequestStatus, str]] = ..., status_text: _Optional[str] = ..., consumer_org_number: _Optional[str] = ..., consumer_name: _Optional[str] = ..., resource_titles: _Optional[_Iterable[str]] = ..., one_time: _Optional[bool] = ..., created_at_ms: _Optional[int] = ..., decided_at_ms: _Optional[int] = ..., valid_to_ms: _Optional[int] = ..., valid_to_text: _Optional[str] = ..., ended_at_ms: _Optional[int] = ..., can_revoke: _Optional[bool] = ...) -> None: ...

class ListConsentsResponse(_message.Message):
    __slots__ = ("consents",)
    CONSENTS_FIELD_NUMBER: _ClassVar[int]
    consents: _containers.RepeatedCompositeFieldContainer[ConsentSummary]
    def __init__(self, consents: _Optional[_Iterable[_Union[ConsentSummary, _Mapping]]] = ...) -> None: ...

class GetConsentLogRequest(_message.Message):
    __slots__ = ("consent_id", "language", "party")
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    PARTY_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    language: str
    party: str
    def __init__(self, consent_id: _Optional[str] = ..., language: _Optional[str] = ..., party: _Optional[str] = ...) -> None: ...

class ConsentLogLine(_message.Message):
    __slots__ = ("consent_id", "kind", "time_ms", "date", "title", "text")
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    kind: ConsentLogKind
    time_ms: int
    date: str
    title: str
    text: str
    def __init__(self, consent_id: _Optional[str] = ..., kind: _Optional[_Union[ConsentLogKind, str]] = ..., time_ms: _Optional[int] = ..., date: _Optional[str] = ..., title: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...

class GetConsentLogResponse(_message.Message):
    __slots__ = ("lines",)
    LINES_FIELD_NUMBER: _ClassVar[int]
    lines: _containers.RepeatedCompositeFieldContainer[ConsentLogLine]
    def __init__(self, lines: _Optional[_Iterable[_Union[ConsentLogLine, _Mapping]]] = ...) -> None: ...

class RevokeConsentRequest(_message.Message):
    __slots__ = ("consent_id",)
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    def __init__(self, consent_id: _Optional[str] = ...) -> None: ...

class RevokeConsentResponse(_message.Message):
    __slots__ = ("consent",)
    CONSENT_FIELD_NUMBER: _ClassVar[int]
    consent: ConsentRequest
    def __init__(self, consent: _Optional[_Union[ConsentRequest, _Mapping]] = ...) -> None: ...

class DeleteRequestRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class DeleteRequestResponse(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: ConsentRequest
    def __init__(self, request: _Optional[_Union[ConsentRequest, _Mapping]] = ...) -> None: ...

class ListRequestsRequest(_message.Message):
    __slots__ = ("after", "statuses", "resource_id", "created_from_ms", "created_to_ms", "limit")
    AFTER_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FROM_MS_FIELD_NUMBER: _ClassVar[int]
    CREATED_TO_MS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after: int
    statuses: _containers.RepeatedScalarFieldContainer[ConsentRequestStatus]
    resource_id: str
    created_from_ms: int
    created_to_ms: int
    limit: int
    def __init__(self, after: _Optional[int] = ..., statuses: _Optional[_Iterable[_Union[ConsentRequestStatus, str]]] = ..., resource_id: _Optional[str] = ..., created_from_ms: _Optional[int] = ..., created_to_ms: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_cursor", "reached_end")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    REACHED_END_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[ConsentRequest]
    next_cursor: int
    reached_end: bool
    def __init__(self, requests: _Optional[_Iterable[_Union[ConsentRequest, _Mapping]]] = ..., next_cursor: _Optional[int] = ..., reached_end: _Optional[bool] = ...) -> None: ...

class ConsentEvent(_message.Message):
    __slots__ = ("sequence", "type", "time_ms", "request_id", "resource_id", "consumer_org_number", "performed_by", "performed_by_org_number", "vendor_org_number")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_MS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PERFORMED_BY_FIELD_NUMBER: _ClassVar[int]
    PERFORMED_BY_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    type: ConsentEventType
    time_ms: int
    request_id: str
    resource_id: str
    consumer_org_number: str
    performed_by: PerformerRole
    performed_by_org_number: str
    vendor_org_number: str
    def __init__(self, sequence: _Optional[int] = ..., type: _Optional[_Union[ConsentEventType, str]] = ..., time_ms: _Optional[int] = ..., request_id: _Optional[str] = ..., resource_id: _Optional[str] = ..., consumer_org_number: _Optional[str] = ..., performed_by: _Optional[_Union[PerformerRole, str]] = ..., performed_by_org_number: _Optional[str] = ..., vendor_org_number: _Optional[str] = ...) -> None: ...

class ListEventsRequest(_message.Message):
    __slots__ = ("after", "types", "from_ms", "to_ms", "limit")
    AFTER_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    after: int
    types: _containers.RepeatedScalarFieldContainer[ConsentEventType]
    from_ms: int
    to_ms: int
    limit: int
    def __init__(self, after: _Optional[int] = ..., types: _Optional[_Iterable[_Union[ConsentEventType, str]]] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListEventsResponse(_message.Message):
    __slots__ = ("events", "next_cursor", "reached_end")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    REACHED_END_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ConsentEvent]
    next_cursor: int
    reached_end: bool
    def __init__(self, events: _Optional[_Iterable[_Union[ConsentEvent, _Mapping]]] = ..., next_cursor: _Optional[int] = ..., reached_end: _Optional[bool] = ...) -> None: ...

class WatchEventsRequest(_message.Message):
    __slots__ = ("after", "types")
    AFTER_FIELD_NUMBER: _ClassVar[int]
    TYPES_FIELD_NUMBER: _ClassVar[int]
    after: int
    types: _containers.RepeatedScalarFieldContainer[ConsentEventType]
    def __init__(self, after: _Optional[int] = ..., types: _Optional[_Iterable[_Union[ConsentEventType, str]]] = ...) -> None: ...

class WatchEventsResponse(_message.Message):
    __slots__ = ("events", "next_cursor", "caught_up")
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    CAUGHT_UP_FIELD_NUMBER: _ClassVar[int]
    events: _containers.RepeatedCompositeFieldContainer[ConsentEvent]
    next_cursor: int
    caught_up: bool
    def __init__(self, events: _Optional[_Iterable[_Union[ConsentEvent, _Mapping]]] = ..., next_cursor: _Optional[int] = ..., caught_up: _Optional[bool] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ("resource_id", "from_ms", "to_ms", "period")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_MS_FIELD_NUMBER: _ClassVar[int]
    TO_MS_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    from_ms: int
    to_ms: int
    period: StatisticsPeriod
    def __init__(self, resource_id: _Optional[str] = ..., from_ms: _Optional[int] = ..., to_ms: _Optional[int] = ..., period: _Optional[_Union[StatisticsPeriod, str]] = ...) -> None: ...

class StatisticsRow(_message.Message):
    __slots__ = ("resource_id", "period", "given", "rejected", "withdrawn", "ended", "used")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    GIVEN_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    WITHDRAWN_FIELD_NUMBER: _ClassVar[int]
    ENDED_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    period: str
    given: int
    rejected: int
    withdrawn: int
    ended: int
    used: int
    def __init__(self, resource_id: _Optional[str] = ..., period: _Optional[str] = ..., given: _Optional[int] = ..., rejected: _Optional[int] = ..., withdrawn: _Optional[int] = ..., ended: _Optional[int] = ..., used: _Optional[int] = ...) -> None: ...

class GetStatisticsResponse(_message.Message):
    __slots__ = ("rows",)
    ROWS_FIELD_NUMBER: _ClassVar[int]
    rows: _containers.RepeatedCompositeFieldContainer[StatisticsRow]
    def __init__(self, rows: _Optional[_Iterable[_Union[StatisticsRow, _Mapping]]] = ...) -> None: ...

class CountConsentsRequest(_message.Message):
    __slots__ = ("party",)
    PARTY_FIELD_NUMBER: _ClassVar[int]
    party: str
    def __init__(self, party: _Optional[str] = ...) -> None: ...

class ConsentStatusCount(_message.Message):
    __slots__ = ("status", "count")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    status: ConsentRequestStatus
    count: int
    def __init__(self, status: _Optional[_Union[ConsentRequestStatus, str]] = ..., count: _Optional[int] = ...) -> None: ...

class CountConsentsResponse(_message.Message):
    __slots__ = ("counts", "ended_by_consumer")
    COUNTS_FIELD_NUMBER: _ClassVar[int]
    ENDED_BY_CONSUMER_FIELD_NUMBER: _ClassVar[int]
    counts: _containers.RepeatedCompositeFieldContainer[ConsentStatusCount]
    ended_by_consumer: int
    def __init__(self, counts: _Optional[_Iterable[_Union[ConsentStatusCount, _Mapping]]] = ..., ended_by_consumer: _Optional[int] = ...) -> None: ...
