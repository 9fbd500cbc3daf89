/// RFC 3339 timestamps for the `consented` and `validTo` claims.
///
/// Pure integer calendar arithmetic (proleptic Gregorian, Howard Hinnant's
/// days-from-civil): no Foundation and no locale on the token hot path.
enum RFC3339 {
    /// The first second of year 10000: RFC 3339 has four-digit years.
    static let limit: Int64 = 253_402_300_800

    /// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC).
    /// - Important: `seconds` must be in [0, `limit`).
    static func format(_ seconds: Int64, into writer: inout JSONWriter) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        writer.byte(UInt8(ascii: "\""))
        writer.fixedDigits(year, width: 4)
        writer.byte(UInt8(ascii: "-"))
        writer.fixedDigits(month, width: 2)
        writer.byte(UInt8(ascii: "-"))
        writer.fixedDigits(day, width: 2)
        writer.byte(UInt8(ascii: "T"))
        writer.fixedDigits(secondOfDay / 3600, width: 2)
        writer.byte(UInt8(ascii: ":"))
        writer.fixedDigits(secondOfDay / 60 % 60, width: 2)
        writer.byte(UInt8(ascii: ":"))
        writer.fixedDigits(secondOfDay % 60, width: 2)
        writer.byte(UInt8(ascii: "Z"))
        writer.byte(UInt8(ascii: "\""))
    }

    /// Formats seconds since the epoch as a plain string (no quotes).
    static func format(_ seconds: Int64) -> String {
        var writer = JSONWriter(capacity: 24)
        format(seconds, into: &writer)
        return writer.withBytes { String(decoding: $0.dropFirst().dropLast(), as: UTF8.self) }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t` and `z` may be
    /// lower case. A fraction is dropped; a leap second 60 counts as 59.
    /// - Returns: seconds since the epoch, or nil if the text is not RFC 3339.
    static func parse(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { parse(utf8: UnsafeRawBufferPointer($0)) }
    }

    /// `parse(_:)` of UTF-8 bytes (the claims reader's, without a string).
    static func parse(utf8 bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        func number(_ width: Int) -> Int64? {
            guard index + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<width {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
                index += 1
            }
            return value
        }
        // Two parameters, not a variadic list: that was an array per call.
        func expect(_ character: UInt8, or other: UInt8? = nil) -> Bool {
            guard index < bytes.count, bytes[index] == character || bytes[index] == other else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              expect(84, or: 116), // T t
              let hour = number(2), expect(58), let minute = number(2), expect(58), var second = number(2) else {
            return nil
        }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour < 24, minute < 60, second <= 60 else { return nil }
        if second == 60 { second = 59 }
        if index < bytes.count, bytes[index] == 46 { // '.'
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            guard index > start else { return nil }
        }
        var offset: Int64 = 0
        if expect(90, or: 122) { // Z z
            offset = 0
        } else if index < bytes.count, bytes[index] == 43 || bytes[index] == 45 { // + -
            let sign: Int64 = bytes[index] == 43 ? 1 : -1
            index += 1
            guard let offsetHours = number(2), expect(58), let offsetMinutes = number(2),
                  offsetHours < 24, offsetMinutes < 60 else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        return days(fromCivil: year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    }

    private static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
