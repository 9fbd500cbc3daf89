/// Norwegian local time (Europe/Oslo) without a time zone database.
///
/// Norway follows the EU rule: Central European Time (UTC+1), and Central
/// European Summer Time (UTC+2) from the last Sunday of March at 01:00 UTC to
/// the last Sunday of October at 01:00 UTC. Altinn 2's `ValidToDate` (seed 004)
/// and every time shown to a Norwegian user (seed 002's Samtykkelogg) are in
/// this local time; ConsentCore stores UTC and converts at the edges only.
///
/// - Note: the rule has held since 1996. Earlier instants are converted with the
///   same rule, which is wrong for 1980–1995 but harmless for consents.
public enum OsloTime {
    static let hour: Int64 = 3_600_000

    /// The UTC instants at which summer time starts and ends in `year`.
    public static func summerTime(in year: Int) -> (start: Timestamp, end: Timestamp) {
        (lastSunday(ofMonth: 3, year: year), lastSunday(ofMonth: 10, year: year))
    }

    /// 01:00 UTC on the last Sunday of a month.
    static func lastSunday(ofMonth month: Int, year: Int) -> Timestamp {
        let lastDay = CivilTime.daysIn(month: month, year: year)
        let days = CivilTime.days(fromYear: year, month: month, day: lastDay)
        let sunday = days - Int64(CivilTime.weekday(ofDays: days))
        // Saturates for the years near the ends of Int64 milliseconds (±292 million).
        let (midnight, overflow) = sunday.multipliedReportingOverflow(by: 86_400_000)
        if overflow { return Timestamp(millisecondsSinceEpoch: sunday < 0 ? .min : .max) }
        return Timestamp(millisecondsSinceEpoch: midnight).adding(milliseconds: hour)
    }

    /// The offset from UTC in milliseconds at an instant: one hour, or two in summer.
    public static func offset(at instant: Timestamp) -> Int64 {
        let year = CivilTime(utcMilliseconds: instant.millisecondsSinceEpoch).year
        let (start, end) = summerTime(in: year)
        return instant >= start && instant < end ? 2 * hour : hour
    }

    /// The local wall-clock time in Oslo at an instant.
    public static func local(_ instant: Timestamp) -> CivilTime {
        let ms = instant.millisecondsSinceEpoch
        return CivilTime(utcMilliseconds: ms &+ offset(at: instant))
    }

    /// The UTC instant of an Oslo wall-clock time.
    ///
    /// Two wall-clock hours a year need a choice, made as `java.time` makes it:
    /// in the autumn hour that happens twice (02:00–02:59 on the last Sunday of
    /// October) the earlier instant, summer time, is chosen; in the spring hour
    /// that never happens (02:00–02:59 on the last Sunday of March) the time is
    /// moved forward by the length of the gap, so 02:30 means 03:30 summer time.
    public static func instant(of local: CivilTime) -> Timestamp {
        let wall = local.millisecondsSinceEpoch
        let summer = Timestamp(millisecondsSinceEpoch: wall).adding(milliseconds: -2 * hour)
        if offset(at: summer) == 2 * hour { return summer }
        // Standard time, or the spring gap (where wall - 1 h lands just after the switch).
        return Timestamp(millisecondsSinceEpoch: wall).adding(milliseconds: -hour)
    }

    /// The Norwegian calendar day of an instant, as days since 1970-01-01:
    /// what a limit per day (`frequencyPerDay`) and daily statistics count by.
    public static func day(of instant: Timestamp) -> Int64 {
        let ms = instant.millisecondsSinceEpoch
        let winter = floorDay(ms &+ hour)
        // Summer time adds an hour, which changes the day only in the hour
        // before Oslo's midnight: only then is the offset worth computing
        // (this runs for every use applied, for the statistics).
        guard floorDay(ms &+ 2 * hour) != winter else { return winter }
        return floorDay(ms &+ offset(at: instant))
    }

    /// Days since 1970-01-01 of a local time in milliseconds, rounded down.
    private static func floorDay(_ local: Int64) -> Int64 {
        local >= 0 ? local / 86_400_000 : -((-local - 1) / 86_400_000) - 1
    }

    /// `dd.MM.yyyy` of a day number (``day(of:)``).
    static func dateText(ofDay day: Int64) -> String {
        let (year, month, dayOfMonth) = CivilTime.civil(fromDays: day)
        return pad(dayOfMonth, 2) + "." + pad(month, 2) + "." + pad(year, 4)
    }

    /// `dd.MM.yyyy HH:mm:ss` in Oslo time (seed 002: "Opphører 30.10.2017 10:30:00").
    public static func dateTimeText(_ instant: Timestamp) -> String {
        local(instant).norwegianDateTime
    }

    /// `dd.MM.yyyy` in Oslo time.
    public static func dateText(_ instant: Timestamp) -> String {
        local(instant).norwegianDate
    }

    /// `dd.MM.yyyy kl. HH:mm` in Oslo time (seed 003: "gyldig fra og med XX.XX.XXXX kl. XX:XX").
    public static func dateAtTimeText(_ instant: Timestamp, clockWord: String) -> String {
        let t = local(instant)
        return t.norwegianDate + " " + clockWord + " " + t.hourMinute
    }
}
