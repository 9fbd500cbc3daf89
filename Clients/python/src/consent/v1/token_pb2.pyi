from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TokenKeyStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TOKEN_KEY_STATUS_UNSPECIFIED: _ClassVar[TokenKeyStatus]
    TOKEN_KEY_STATUS_ACTIVE: _ClassVar[TokenKeyStatus]
    TOKEN_KEY_STATUS_PUBLISHED: _ClassVar[TokenKeyStatus]
TOKEN_KEY_STATUS_UNSPECIFIED: TokenKeyStatus
TOKEN_KEY_STATUS_ACTIVE: TokenKeyStatus
TOKEN_KEY_STATUS_PUBLISHED: TokenKeyStatus

class ExchangeCodeRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ExchangeCodeResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: TokenGrant
    def __init__(self, grant: _Optional[_Union[TokenGrant, _Mapping]] = ...) -> None: ...

class ExchangeCodesRequest(_message.Message):
    __slots__ = ("codes",)
    CODES_FIELD_NUMBER: _ClassVar[int]
    codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, codes: _Optional[_Iterable[str]] = ...) -> None: ...

class ExchangeCodesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[ExchangeCodeResult]
    def __init__(self, results: _Optional[_Iterable[_Union[ExchangeCodeResult, _Mapping]]] = ...) -> None: ...

class ExchangeCodeResult(_message.Message):
    __slots__ = ("status", "grant")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    GRANT_FIELD_NUMBER: _ClassVar[int]
    status: TokenItemStatus
    grant: TokenGrant
    def __init__(self, status: _Optional[_Union[TokenItemStatus, _Mapping]] = ..., grant: _Optional[_Union[TokenGrant, _Mapping]] = ...) -> None: ...

class IssueTokenRequest(_message.Message):
    __slots__ = ("consent_id",)
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    def __init__(self, consent_id: _Optional[str] = ...) -> None: ...

class IssueTokenResponse(_message.Message):
    __slots__ = ("grant",)
    GRANT_FIELD_NUMBER: _ClassVar[int]
    grant: TokenGrant
    def __init__(self, grant: _Optional[_Union[TokenGrant, _Mapping]] = ...) -> None: ...

class TokenGrant(_message.Message):
    __slots__ = ("token", "token_id", "issued_at_ms", "expires_at_ms", "key_id", "consent_id", "consent_valid_to_ms", "one_time", "handled_by_org_number")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_FIELD_NUMBER: _ClassVar[int]
    HANDLED_BY_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    token: str
    token_id: str
    issued_at_ms: int
    expires_at_ms: int
    key_id: str
    consent_id: str
    consent_valid_to_ms: int
    one_time: bool
    handled_by_org_number: str
    def __init__(self, token: _Optional[str] = ..., token_id: _Optional[str] = ..., issued_at_ms: _Optional[int] = ..., expires_at_ms: _Optional[int] = ..., key_id: _Optional[str] = ..., consent_id: _Optional[str] = ..., consent_valid_to_ms: _Optional[int] = ..., one_time: _Optional[bool] = ..., handled_by_org_number: _Optional[str] = ...) -> None: ...

class TokenItemStatus(_message.Message):
    __slots__ = ("code", "message", "reason")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    reason: str
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class VerifyTokenRequest(_message.Message):
    __slots__ = ("token", "resource", "metadata")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    token: str
    resource: str
    metadata: _containers.RepeatedCompositeFieldContainer[TokenMetadataValue]
    def __init__(self, token: _Optional[str] = ..., resource: _Optional[str] = ..., metadata: _Optional[_Iterable[_Union[TokenMetadataValue, _Mapping]]] = ...) -> None: ...

class VerifyTokenResponse(_message.Message):
    __slots__ = ("valid", "claims")
    VALID_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    claims: TokenClaimsSummary
    def __init__(self, valid: _Optional[bool] = ..., claims: _Optional[_Union[TokenClaimsSummary, _Mapping]] = ...) -> None: ...

class TokenClaimsSummary(_message.Message):
    __slots__ = ("issuer", "issued_at_ms", "expires_at_ms", "token_id", "key_id", "consent_id", "to", "consumer_organisation_number", "consented_at_ms", "valid_to_ms", "rights", "one_time", "handled_by", "handled_by_organisation_number")
    ISSUER_FIELD_NUMBER: _ClassVar[int]
    ISSUED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_MS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORGANISATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CONSENTED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    VALID_TO_MS_FIELD_NUMBER: _ClassVar[int]
    RIGHTS_FIELD_NUMBER: _ClassVar[int]
    ONE_TIME_FIELD_NUMBER: _ClassVar[int]
    HANDLED_BY_FIELD_NUMBER: _ClassVar[int]
    HANDLED_BY_ORGANISATION_NUMBER_FIELD_NUMBER: _ClassVar[int]
    issuer: str
    issued_at_ms: int
    expires_at_ms: int
    token_id: str
    key_id: str
    consent_id: str
    to: str
    consumer_organisation_number: str
    consented_at_ms: int
    valid_to_ms: int
    rights: _containers.RepeatedCompositeFieldContainer[TokenResourceRight]
    one_time: bool
    handled_by: str
    handled_by_organisation_number: str
    def __init__(self, issuer: _Optional[str] = ..., issued_at_ms: _Optional[int] = ..., expires_at_ms: _Optional[int] = ..., token_id: _Optional[str] = ..., key_id: _Optional[str] = ..., consent_id: _Optional[str] = ..., to: _Optional[str] = ..., consumer_organisation_number: _Optional[str] = ..., consented_at_ms: _Optional[int] = ..., valid_to_ms: _Optional[int] = ..., rights: _Optional[_Iterable[_Union[TokenResourceRight, _Mapping]]] = ..., one_time: _Optional[bool] = ..., handled_by: _Optional[str] = ..., handled_by_organisation_number: _Optional[str] = ..., **kwargs) -> None: ...

class TokenResourceRight(_message.Message):
    __slots__ = ("resource", "metadata", "actions")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    resource: str
    metadata: _containers.RepeatedCompositeFieldContainer[TokenMetadataValue]
    actions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource: _Optional[str] = ..., metadata: _Optional[_Iterable[_Union[TokenMetadataValue, _Mapping]]] = ..., actions: _Optional[_Iterable[str]] = ...) -> None: ...

class TokenMetadataValue(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class LogUseRequest(_message.Message):
    __slots__ = ("consent_id", "token", "resource", "used_at_ms")
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    USED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    token: str
    resource: str
    used_at_ms: int
    def __init__(self, consent_id: _Optional[str] = ..., token: _Optional[str] = ..., resource: _Optional[str] = ..., used_at_ms: _Optional[int] = ...) -> None: ...

class LogUseResponse(_message.Message):
    __slots__ = ("receipt",)
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    receipt: TokenUseReceipt
    def __init__(self, receipt: _Optional[_Union[TokenUseReceipt, _Mapping]] = ...) -> None: ...

class TokenUseReceipt(_message.Message):
    __slots__ = ("consent_id", "resource", "used_at_ms", "consent_ended")
    CONSENT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    USED_AT_MS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_ENDED_FIELD_NUMBER: _ClassVar[int]
    consent_id: str
    resource: str
    used_at_ms: int
    consent_ended: bool
    def __init__(self, consent_id: _Optional[str] = ..., resource: _Optional[str] = ..., used_at_ms: _Optional[int] = ..., consent_ended: _Optional[bool] = ...) -> None: ...

class LogUsesRequest(_message.Message):
    __slots__ = ("uses",)
    USES_FIELD_NUMBER: _ClassVar[int]
    uses: _containers.RepeatedCompositeFieldContainer[LogUseRequest]
    def __init__(self, uses: _Optional[_Iterable[_Union[LogUseRequest, _Mapping]]] = ...) -> None: ...

class LogUsesResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[LogUseResult]
    def __init__(self, results: _Optional[_Iterable[_Union[LogUseResult, _Mapping]]] = ...) -> None: ...

class LogUseResult(_message.Message):
    __slots__ = ("status", "receipt")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RECEIPT_FIELD_NUMBER: _ClassVar[int]
    status: TokenItemStatus
    receipt: TokenUseReceipt
    def __init__(self, status: _Optional[_Union[TokenItemStatus, _Mapping]] = ..., receipt: _Optional[_Union[TokenUseReceipt, _Mapping]] = ...) -> None: ...

class GetSigningKeysRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetSigningKeysResponse(_message.Message):
    __slots__ = ("jwks", "keys", "active_key_id")
    JWKS_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    jwks: str
    keys: _containers.RepeatedCompositeFieldContainer[TokenSigningKey]
    active_key_id: str
    def __init__(self, jwks: _Optional[str] = ..., keys: _Optional[_Iterable[_Union[TokenSigningKey, _Mapping]]] = ..., active_key_id: _Optional[str] = ...) -> None: ...

class TokenSigningKey(_message.Message):
    __slots__ = ("key_id", "key_type", "curve", "algorithm", "x", "y", "status")
    KEY_ID_FIELD_NUMBER: _ClassVar[int]
    KEY_TYPE_FIELD_NUMBER: _ClassVar[int]
    CURVE_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    key_id: str
    key_type: str
    curve: str
    algorithm: str
    x: str
    y: str
    status: TokenKeyStatus
    def __init__(self, key_id: _Optional[str] = ..., key_type: _Optional[str] = ..., curve: _Optional[str] = ..., algorithm: _Optional[str] = ..., x: _Optional[str] = ..., y: _Optional[str] = ..., status: _Optional[_Union[TokenKeyStatus, str]] = ...) -> None: ...
