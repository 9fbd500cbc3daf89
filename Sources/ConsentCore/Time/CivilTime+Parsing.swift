// The date forms the hub reads, next to those it writes (CivilTime.swift):
// every parser of a date or time text in ConsentCore is here.

extension CivilTime {
    /// Days since 1970-01-01 of a `dd.MM.yyyy` date (the metadata dates of
    /// Altinn's resources, such as `fraOgMed`), or `nil` if it is not a real date.
    static func dayNumber(norwegianDate text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 10, b[2] == UInt8(ascii: "."), b[5] == UInt8(ascii: "."),
              let day = digits(b[0..<2]), let month = digits(b[3..<5]), let year = digits(b[6..<10]),
              year >= 1000
        else { return nil }
        let civil = CivilTime(year: year, month: month, day: day)
        guard civil.isValid else { return nil }
        return CivilTime.days(fromYear: year, month: month, day: day)
    }

    /// A `yyyy` year from 1000 to 9999 (metadata such as `inntektsaar`), or `nil`.
    static func year(text: String) -> Int? {
        let b = Array(text.utf8)
        guard b.count == 4, let year = digits(b[...]), year >= 1000 else { return nil }
        return year
    }

    /// A `YYYY-MM-DD hh:mm:ss` local date and time (Altinn 2's `ValidToDate`),
    /// or `nil` if it is not a real date and time.
    init?(localDateTime text: String) {
        let b = Array(text.utf8)
        guard b.count == 19, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: " "),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"),
              let y = CivilTime.digits(b[0..<4]), let mo = CivilTime.digits(b[5..<7]), let d = CivilTime.digits(b[8..<10]),
              let h = CivilTime.digits(b[11..<13]), let mi = CivilTime.digits(b[14..<16]), let s = CivilTime.digits(b[17..<19])
        else { return nil }
        let t = CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)
        guard t.isValid else { return nil }
        self = t
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
