/// A calendar date and wall-clock time with no time zone, proleptic Gregorian.
///
/// The conversions use Howard Hinnant's `days_from_civil` / `civil_from_days`
/// algorithms: exact for every `Int64` day count we can meet, no tables, no Foundation.
public struct CivilTime: Hashable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var millisecond: Int

    /// Creates a civil time from its parts (not validated; see ``isValid``).
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// The civil time that a count of milliseconds since 1970-01-01 00:00 denotes
    /// (UTC when the count is UTC, local when the count has the offset added).
    public init(utcMilliseconds ms: Int64) {
        // Floor division without `ms - msPerDay + 1`, which overflows near
        // Int64.min: any Int64 a caller sends must format, not trap.
        let msPerDay: Int64 = 86_400_000
        let (quotient, remainder) = ms.quotientAndRemainder(dividingBy: msPerDay)
        let days = remainder < 0 ? quotient - 1 : quotient
        let rest = Int(remainder < 0 ? remainder + msPerDay : remainder)
        let (y, m, d) = CivilTime.civil(fromDays: days)
        self.init(year: y, month: m, day: d,
                  hour: rest / 3_600_000, minute: (rest / 60_000) % 60,
                  second: (rest / 1000) % 60, millisecond: rest % 1000)
    }

    /// Milliseconds since 1970-01-01 00:00 of this civil time, read as UTC.
    public var millisecondsSinceEpoch: Int64 {
        let days = CivilTime.days(fromYear: year, month: month, day: day)
        return days * 86_400_000 + Int64(hour) * 3_600_000 + Int64(minute) * 60_000
            + Int64(second) * 1000 + Int64(millisecond)
    }

    /// Whether the parts name a real date and time (31 April and 24:00 do not).
    public var isValid: Bool {
        (1...12).contains(month) && day >= 1 && day <= CivilTime.daysIn(month: month, year: year)
            && (0...23).contains(hour) && (0...59).contains(minute) && (0...59).contains(second)
            && (0...999).contains(millisecond)
    }

    /// Whether `year` is a Gregorian leap year.
    public static func isLeap(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The number of days in a month (1...12) of a year.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a civil date (Hinnant, `days_from_civil`).
    public static func days(fromYear year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a count of days since 1970-01-01 (Hinnant, `civil_from_days`).
    public static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    /// Day of the week of a day count: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    public static func weekday(ofDays days: Int64) -> Int {
        let w = (days + 4) % 7
        return Int(w < 0 ? w + 7 : w)
    }

    /// `yyyy-MM-ddTHH:mm:ss.SSS`.
    var isoText: String {
        pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2) + "." + pad(millisecond, 3)
    }

    /// `dd.MM.yyyy`, the Norwegian date form of seeds 002 and 004.
    public var norwegianDate: String {
        pad(day, 2) + "." + pad(month, 2) + "." + pad(year, 4)
    }

    /// `dd.MM.yyyy HH:mm:ss`, as in seed 002's Samtykkelogg ("Opphører 30.10.2017 10:30:00").
    public var norwegianDateTime: String {
        norwegianDate + " " + pad(hour, 2) + ":" + pad(minute, 2) + ":" + pad(second, 2)
    }

    /// `HH:mm`.
    public var hourMinute: String {
        pad(hour, 2) + ":" + pad(minute, 2)
    }
}

/// Zero-pads a non-negative number to `width` digits (a minus sign for negatives).
func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value.magnitude)
    let padded = digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    return value < 0 ? "-" + padded : padded
}
