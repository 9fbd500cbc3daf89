/// Validation of the metadata a consumer sends with each resource
/// (seed 004: `5252_1_fraOgMed` and `5252_1_tilOgMed` as `dd.mm.yyyy`, required).
enum MetadataRules {
    /// Checks the values against the resource's fields and returns them in the
    /// order the resource declares its keys.
    /// - Throws: `metadata_key_unknown`, `metadata_key_repeated`, `metadata_malformed`,
    ///   `metadata_too_long`, `metadata_missing`, `metadata_range_reversed`.
    static func validate(_ given: [MetadataValue], for resource: Resource) throws(DomainError) -> [MetadataValue] {
        var values: [String: String] = [:]
        for item in given {
            guard let field = resource.field(item.key) else {
                let suggestion = resource.metadata.first { $0.key.lowercased() == item.key.lowercased() }?.key
                throw .metadataKeyUnknown(resource.id, item.key, known: resource.metadata.map(\.key), suggestion: suggestion)
            }
            guard values[item.key] == nil else { throw .metadataKeyRepeated(resource.id, item.key) }
            try check(item.value, field: field, resource: resource.id)
            values[item.key] = item.value
        }
        for field in resource.metadata where field.isRequired && values[field.key] == nil {
            throw .metadataMissing(resource.id, field)
        }
        for range in resource.dateRanges {
            if let from = values[range.fromKey].flatMap(CivilTime.dayNumber(norwegianDate:)), let to = values[range.toKey].flatMap(CivilTime.dayNumber(norwegianDate:)), from > to {
                throw .metadataRangeReversed(resource.id, range, from: values[range.fromKey]!, to: values[range.toKey]!)
            }
        }
        return resource.metadata.compactMap { field in values[field.key].map { MetadataValue(field.key, $0) } }
    }

    static func check(_ value: String, field: MetadataField, resource: ResourceID) throws(DomainError) {
        switch field.format {
        case .date:
            guard CivilTime.dayNumber(norwegianDate: value) != nil else { throw .metadataMalformed(resource, field, value: value) }
        case .year:
            guard CivilTime.year(text: value) != nil else { throw .metadataMalformed(resource, field, value: value) }
        case .text:
            guard !value.trimmingASCIIWhitespace().isEmpty else { throw .metadataMalformed(resource, field, value: nil) }
            let count = value.limitLength
            guard count <= ResourceRules.maximumTextLength else {
                throw .metadataTooLong(resource, field.key, count: count, maximum: ResourceRules.maximumTextLength)
            }
        }
    }
}
