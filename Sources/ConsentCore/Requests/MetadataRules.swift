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
            if let from = values[range.fromKey].flatMap(parseDate), let to = values[range.toKey].flatMap(parseDate), from > to {
                throw .metadataRangeReversed(resource.id, range, from: values[range.fromKey]!, to: values[range.toKey]!)
            }
        }
        return resource.metadata.compactMap { field in values[field.key].map { MetadataValue(field.key, $0) } }
    }

    static func check(_ value: String, field: MetadataField, resource: ResourceID) throws(DomainError) {
        switch field.format {
        case .date:
            guard parseDate(value) != nil else { throw .metadataMalformed(resource, field, value: value) }
        case .year:
            guard parseYear(value) != nil else { throw .metadataMalformed(resource, field, value: value) }
        case .text:
            guard !value.trimmingASCIIWhitespace().isEmpty else { throw .metadataMalformed(resource, field, value: nil) }
            let count = value.limitLength
            guard count <= ResourceRules.maximumTextLength else {
                throw .metadataTooLong(resource, field.key, count: count, maximum: ResourceRules.maximumTextLength)
            }
        }
    }

    /// Days since 1970-01-01 of a `dd.mm.yyyy` date, or `nil` if it is not a real date.
    static func parseDate(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 10, b[2] == UInt8(ascii: "."), b[5] == UInt8(ascii: "."),
              let day = digits(b[0..<2]), let month = digits(b[3..<5]), let year = digits(b[6..<10]),
              year >= 1000
        else { return nil }
        let civil = CivilTime(year: year, month: month, day: day)
        guard civil.isValid else { return nil }
        return CivilTime.days(fromYear: year, month: month, day: day)
    }

    /// A `yyyy` year from 1000 to 9999, or `nil`.
    static func parseYear(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 4, let year = digits(b[...]), year >= 1000 else { return nil }
        return year
    }

    /// The value of a run of ASCII digits, or `nil` if any byte is not a digit.
    static func digits(_ bytes: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for b in bytes {
            guard b >= 0x30, b <= 0x39 else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        return value
    }
}
