from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MetadataFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    METADATA_FORMAT_UNSPECIFIED: _ClassVar[MetadataFormat]
    METADATA_FORMAT_DATE: _ClassVar[MetadataFormat]
    METADATA_FORMAT_YEAR: _ClassVar[MetadataFormat]
    METADATA_FORMAT_TEXT: _ClassVar[MetadataFormat]

class ConsentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONSENT_KIND_UNSPECIFIED: _ClassVar[ConsentKind]
    CONSENT_KIND_ONE_TIME: _ClassVar[ConsentKind]
    CONSENT_KIND_TIME_LIMITED: _ClassVar[ConsentKind]

class ValidityUnit(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VALIDITY_UNIT_UNSPECIFIED: _ClassVar[ValidityUnit]
    VALIDITY_UNIT_DAYS: _ClassVar[ValidityUnit]
    VALIDITY_UNIT_YEARS: _ClassVar[ValidityUnit]

class TemplateKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TEMPLATE_KIND_UNSPECIFIED: _ClassVar[TemplateKind]
    TEMPLATE_KIND_CONSENT: _ClassVar[TemplateKind]
    TEMPLATE_KIND_POWER_OF_ATTORNEY: _ClassVar[TemplateKind]
METADATA_FORMAT_UNSPECIFIED: MetadataFormat
METADATA_FORMAT_DATE: MetadataFormat
METADATA_FORMAT_YEAR: MetadataFormat
METADATA_FORMAT_TEXT: MetadataFormat
CONSENT_KIND_UNSPECIFIED: ConsentKind
CONSENT_KIND_ONE_TIME: ConsentKind
CONSENT_KIND_TIME_LIMITED: ConsentKind
VALIDITY_UNIT_UNSPECIFIED: ValidityUnit
VALIDITY_UNIT_DAYS: ValidityUnit
VALIDITY_UNIT_YEARS: ValidityUnit
TEMPLATE_KIND_UNSPECIFIED: TemplateKind
TEMPLATE_KIND_CONSENT: TemplateKind
TEMPLATE_KIND_POWER_OF_ATTORNEY: TemplateKind

class LocalizedText(_message.Message):
    __slots__ = ("nb_no", "nn_no", "en")
    NB_NO_FIELD_NUMBER: _ClassVar[int]
    NN_NO_FIELD_NUMBER: _ClassVar[int]
    EN_FIELD_NUMBER: _ClassVar[int]
    nb_no: str
    nn_no: str
    en: str
    def __init__(self, nb_no: _Optional[str] = ..., nn_no: _Optional[str] = ..., en: _Optional[str] = ...) -> None: ...

class MetadataField(_message.Message):
    __slots__ = ("key", "format", "required")
    KEY_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    key: str
    format: MetadataFormat
    required: bool
    def __init__(self, key: _Optional[str] = ..., format: _Optional[_Union[MetadataFormat, str]] = ..., required: _Optional[bool] = ...) -> None: ...

class DateRange(_message.Message):
    __slots__ = ("from_key", "to_key")
    FROM_KEY_FIELD_NUMBER: _ClassVar[int]
    TO_KEY_FIELD_NUMBER: _ClassVar[int]
    from_key: str
    to_key: str
    def __init__(self, from_key: _Optional[str] = ..., to_key: _Optional[str] = ...) -> None: ...

class MaximumValidity(_message.Message):
    __slots__ = ("unit", "amount")
    UNIT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    unit: ValidityUnit
    amount: int
    def __init__(self, unit: _Optional[_Union[ValidityUnit, str]] = ..., amount: _Optional[int] = ...) -> None: ...

class ResourceDefinition(_message.Message):
    __slots__ = ("resource_id", "owner_org_number", "owner_name", "title", "text", "metadata", "date_ranges", "kind", "maximum_validity", "required_assurance_level", "uses_per_day", "organisation_authority", "actions", "consent_template")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    OWNER_NAME_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    DATE_RANGES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAXIMUM_VALIDITY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ASSURANCE_LEVEL_FIELD_NUMBER: _ClassVar[int]
    USES_PER_DAY_FIELD_NUMBER: _ClassVar[int]
    ORGANISATION_AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    CONSENT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    owner_org_number: str
    owner_name: str
    title: LocalizedText
    text: LocalizedText
    metadata: _containers.RepeatedCompositeFieldContainer[MetadataField]
    date_ranges: _containers.RepeatedCompositeFieldContainer[DateRange]
    kind: ConsentKind
    maximum_validity: MaximumValidity
    required_assurance_level: int
    uses_per_day: int
    organisation_authority: _containers.RepeatedScalarFieldContainer[str]
    actions: _containers.RepeatedScalarFieldContainer[str]
    consent_template: str
    def __init__(self, resource_id: _Optional[str] = ..., owner_org_number: _Optional[str] = ..., owner_name: _Optional[str] = ..., title: _Optional[_Union[LocalizedText, _Mapping]] = ..., text: _Optional[_Union[LocalizedText, _Mapping]] = ..., metadata: _Optional[_Iterable[_Union[MetadataField, _Mapping]]] = ..., date_ranges: _Optional[_Iterable[_Union[DateRange, _Mapping]]] = ..., kind: _Optional[_Union[ConsentKind, str]] = ..., maximum_validity: _Optional[_Union[MaximumValidity, _Mapping]] = ..., required_assurance_level: _Optional[int] = ..., uses_per_day: _Optional[int] = ..., organisation_authority: _Optional[_Iterable[str]] = ..., actions: _Optional[_Iterable[str]] = ..., consent_template: _Optional[str] = ...) -> None: ...

class RegisterResourceRequest(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDefinition
    def __init__(self, resource: _Optional[_Union[ResourceDefinition, _Mapping]] = ...) -> None: ...

class RegisterResourceResponse(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDefinition
    def __init__(self, resource: _Optional[_Union[ResourceDefinition, _Mapping]] = ...) -> None: ...

class GetResourceRequest(_message.Message):
    __slots__ = ("resource_id",)
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    def __init__(self, resource_id: _Optional[str] = ...) -> None: ...

class GetResourceResponse(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: ResourceDefinition
    def __init__(self, resource: _Optional[_Union[ResourceDefinition, _Mapping]] = ...) -> None: ...

class ListResourcesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListResourcesResponse(_message.Message):
    __slots__ = ("resources",)
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[ResourceDefinition]
    def __init__(self, resources: _Optional[_Iterable[_Union[ResourceDefinition, _Mapping]]] = ...) -> None: ...

class ConsumerAuthorisation(_message.Message):
    __slots__ = ("resource_id", "consumer_org_number", "consumer_name", "redirect_domains")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_NAME_FIELD_NUMBER: _ClassVar[int]
    REDIRECT_DOMAINS_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    consumer_org_number: str
    consumer_name: str
    redirect_domains: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, resource_id: _Optional[str] = ..., consumer_org_number: _Optional[str] = ..., consumer_name: _Optional[str] = ..., redirect_domains: _Optional[_Iterable[str]] = ...) -> None: ...

class AuthoriseConsumerRequest(_message.Message):
    __slots__ = ("authorisation",)
    AUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    authorisation: ConsumerAuthorisation
    def __init__(self, authorisation: _Optional[_Union[ConsumerAuthorisation, _Mapping]] = ...) -> None: ...

class AuthoriseConsumerResponse(_message.Message):
    __slots__ = ("authorisation",)
    AUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    authorisation: ConsumerAuthorisation
    def __init__(self, authorisation: _Optional[_Union[ConsumerAuthorisation, _Mapping]] = ...) -> None: ...

class DeauthoriseConsumerRequest(_message.Message):
    __slots__ = ("resource_id", "consumer_org_number")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    consumer_org_number: str
    def __init__(self, resource_id: _Optional[str] = ..., consumer_org_number: _Optional[str] = ...) -> None: ...

class DeauthoriseConsumerResponse(_message.Message):
    __slots__ = ("resource_id", "consumer_org_number")
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    consumer_org_number: str
    def __init__(self, resource_id: _Optional[str] = ..., consumer_org_number: _Optional[str] = ...) -> None: ...

class ListAuthorisationsRequest(_message.Message):
    __slots__ = ("resource_id",)
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    resource_id: str
    def __init__(self, resource_id: _Optional[str] = ...) -> None: ...

class ListAuthorisationsResponse(_message.Message):
    __slots__ = ("authorisations",)
    AUTHORISATIONS_FIELD_NUMBER: _ClassVar[int]
    authorisations: _containers.RepeatedCompositeFieldContainer[ConsumerAuthorisation]
    def __init__(self, authorisations: _Optional[_Iterable[_Union[ConsumerAuthorisation, _Mapping]]] = ...) -> None: ...

class VendorAuthorisation(_message.Message):
    __slots__ = ("consumer_org_number", "vendor_org_number", "vendor_name", "resource_ids")
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VENDOR_NAME_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    consumer_org_number: str
    vendor_org_number: str
    vendor_name: str
    resource_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, consumer_org_number: _Optional[str] = ..., vendor_org_number: _Optional[str] = ..., vendor_name: _Optional[str] = ..., resource_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class AuthoriseVendorRequest(_message.Message):
    __slots__ = ("authorisation",)
    AUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    authorisation: VendorAuthorisation
    def __init__(self, authorisation: _Optional[_Union[VendorAuthorisation, _Mapping]] = ...) -> None: ...

class AuthoriseVendorResponse(_message.Message):
    __slots__ = ("authorisation",)
    AUTHORISATION_FIELD_NUMBER: _ClassVar[int]
    authorisation: VendorAuthorisation
    def __init__(self, authorisation: _Optional[_Union[VendorAuthorisation, _Mapping]] = ...) -> None: ...

class DeauthoriseVendorRequest(_message.Message):
    __slots__ = ("consumer_org_number", "vendor_org_number")
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    consumer_org_number: str
    vendor_org_number: str
    def __init__(self, consumer_org_number: _Optional[str] = ..., vendor_org_number: _Optional[str] = ...) -> None: ...

class DeauthoriseVendorResponse(_message.Message):
    __slots__ = ("consumer_org_number", "vendor_org_number")
    CONSUMER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VENDOR_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    consumer_org_number: str
    vendor_org_number: str
    def __init__(self, consumer_org_number: _Optional[str] = ..., vendor_org_number: _Optional[str] = ...) -> None: ...

class ListVendorsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListVendorsResponse(_message.Message):
    __slots__ = ("authorisations",)
    AUTHORISATIONS_FIELD_NUMBER: _ClassVar[int]
    authorisations: _containers.RepeatedCompositeFieldContainer[VendorAuthorisation]
    def __init__(self, authorisations: _Optional[_Iterable[_Union[VendorAuthorisation, _Mapping]]] = ...) -> None: ...

class ConsentTemplate(_message.Message):
    __slots__ = ("template_id", "owner_org_number", "version", "kind", "heading", "intro", "expiry", "log")
    TEMPLATE_ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    HEADING_FIELD_NUMBER: _ClassVar[int]
    INTRO_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    template_id: str
    owner_org_number: str
    version: int
    kind: TemplateKind
    heading: LocalizedText
    intro: LocalizedText
    expiry: LocalizedText
    log: LocalizedText
    def __init__(self, template_id: _Optional[str] = ..., owner_org_number: _Optional[str] = ..., version: _Optional[int] = ..., kind: _Optional[_Union[TemplateKind, str]] = ..., heading: _Optional[_Union[LocalizedText, _Mapping]] = ..., intro: _Optional[_Union[LocalizedText, _Mapping]] = ..., expiry: _Optional[_Union[LocalizedText, _Mapping]] = ..., log: _Optional[_Union[LocalizedText, _Mapping]] = ...) -> None: ...

class RegisterTemplateRequest(_message.Message):
    __slots__ = ("consent_template",)
    CONSENT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    consent_template: ConsentTemplate
    def __init__(self, consent_template: _Optional[_Union[ConsentTemplate, _Mapping]] = ...) -> None: ...

class RegisterTemplateResponse(_message.Message):
    __slots__ = ("consent_template",)
    CONSENT_TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    consent_template: ConsentTemplate
    def __init__(self, consent_template: _Optional[_Union[ConsentTemplate, _Mapping]] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
    __slots__ = ("owner_org_number",)
    OWNER_ORG_NUMBER_FIELD_NUMBER: _ClassVar[int]
    owner_org_number: str
    def __init__(self, owner_org_number: _Optional[str] = ...) -> None: ...

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates",)
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[ConsentTemplate]
    def __init__(self, templates: _Optional[_Iterable[_Union[ConsentTemplate, _Mapping]]] = ...) -> None: ...
