import Testing
@testable import ConsentCore

@Suite("Oslo time and formatting")
struct TimeTests {
    func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Timestamp {
        Timestamp(millisecondsSinceEpoch: CivilTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s).millisecondsSinceEpoch)
    }

    @Test("Civil dates round-trip through day counts, including leap days and before 1970")
    func civilRoundTrip() {
        for days in stride(from: Int64(-800_000), through: 800_000, by: 997) {
            let (y, m, d) = CivilTime.civil(fromDays: days)
            #expect(CivilTime.days(fromYear: y, month: m, day: d) == days)
        }
        #expect(CivilTime.days(fromYear: 1970, month: 1, day: 1) == 0)
        #expect(CivilTime.days(fromYear: 2000, month: 3, day: 1) - CivilTime.days(fromYear: 2000, month: 2, day: 28) == 2)
        #expect(CivilTime.days(fromYear: 1900, month: 3, day: 1) - CivilTime.days(fromYear: 1900, month: 2, day: 28) == 1)
        #expect(CivilTime(year: 2024, month: 2, day: 29).isValid)
        #expect(!CivilTime(year: 2023, month: 2, day: 29).isValid)
        #expect(!CivilTime(year: 2025, month: 4, day: 31).isValid)
    }

    @Test("Summer time runs from the last Sunday of March to the last Sunday of October, 01:00 UTC", arguments: [
        (2017, 26, 29), (2024, 31, 27), (2025, 30, 26), (2026, 29, 25),
    ])
    func summerTimeBounds(_ year: Int, _ marchDay: Int, _ octoberDay: Int) {
        let (start, end) = OsloTime.summerTime(in: year)
        #expect(start == utc(year, 3, marchDay, 1))
        #expect(end == utc(year, 10, octoberDay, 1))
    }

    @Test("Offsets around the switches")
    func offsets() {
        let hour: Int64 = 3_600_000
        #expect(OsloTime.offset(at: utc(2025, 3, 30, 0, 59, 59)) == hour)
        #expect(OsloTime.offset(at: utc(2025, 3, 30, 1)) == 2 * hour)
        #expect(OsloTime.offset(at: utc(2025, 10, 26, 0, 59, 59)) == 2 * hour)
        #expect(OsloTime.offset(at: utc(2025, 10, 26, 1)) == hour)
        #expect(OsloTime.offset(at: utc(2025, 1, 15, 12)) == hour)
        #expect(OsloTime.offset(at: utc(2025, 7, 15, 12)) == 2 * hour)
    }

    @Test("Seed 002's time: 30.10.2017 10:30:00 is after the October switch, so 09:30 UTC")
    func seedTime() {
        let t = OsloTime.instant(of: CivilTime(year: 2017, month: 10, day: 30, hour: 10, minute: 30))
        #expect(t == utc(2017, 10, 30, 9, 30))
        #expect(OsloTime.dateTimeText(t) == "30.10.2017 10:30:00")
        #expect(OsloTime.dateText(t) == "30.10.2017")
        #expect(OsloTime.dateAtTimeText(t, clockWord: "kl.") == "30.10.2017 kl. 10:30")
    }

    @Test("Local to UTC: summer, winter, the missing spring hour and the repeated autumn hour")
    func localToUTC() {
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 7, day: 1, hour: 12)) == utc(2025, 7, 1, 10))
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 1, day: 1, hour: 12)) == utc(2025, 1, 1, 11))
        // 02:30 on 30 March 2025 never happens: moved forward to 03:30 summer time.
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 3, day: 30, hour: 2, minute: 30)) == utc(2025, 3, 30, 1, 30))
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 3, day: 30, hour: 3)) == utc(2025, 3, 30, 1))
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 3, day: 30, hour: 1, minute: 59)) == utc(2025, 3, 30, 0, 59))
        // 02:30 on 26 October 2025 happens twice: the earlier, summer-time one is chosen.
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 10, day: 26, hour: 2, minute: 30)) == utc(2025, 10, 26, 0, 30))
        #expect(OsloTime.instant(of: CivilTime(year: 2025, month: 10, day: 26, hour: 3)) == utc(2025, 10, 26, 2))
    }

    @Test("UTC to local shows both 02:30s of the autumn night")
    func repeatedHour() {
        #expect(OsloTime.dateTimeText(utc(2025, 10, 26, 0, 30)) == "26.10.2025 02:30:00")
        #expect(OsloTime.dateTimeText(utc(2025, 10, 26, 1, 30)) == "26.10.2025 02:30:00")
        #expect(OsloTime.dateTimeText(utc(2025, 3, 30, 0, 59, 59)) == "30.03.2025 01:59:59")
        #expect(OsloTime.dateTimeText(utc(2025, 3, 30, 1)) == "30.03.2025 03:00:00")
    }

    @Test("New year in Oslo begins at 23:00 UTC")
    func newYear() {
        #expect(OsloTime.dateTimeText(utc(2024, 12, 31, 23)) == "01.01.2025 00:00:00")
        #expect(OsloTime.dateText(utc(2024, 12, 31, 22, 59, 59)) == "31.12.2024")
    }

    @Test("Timestamps print as ISO 8601 UTC and saturate instead of overflowing")
    func timestamps() {
        #expect(utc(2017, 10, 25, 8, 30).description == "2017-10-25T08:30:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: -1).description == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(millisecondsSinceEpoch: .max).adding(milliseconds: 1).millisecondsSinceEpoch == .max)
        #expect((utc(2025, 1, 1) + .hours(25)) == utc(2025, 1, 2, 1))
    }

    @Test("Three calendar years in Oslo time, with 29 February falling back to the 28th")
    func yearsValidity() {
        let start = OsloTime.instant(of: CivilTime(year: 2024, month: 2, day: 29, hour: 12))
        #expect(OsloTime.dateTimeText(MaximumValidity.years(3).latestEnd(from: start)) == "28.02.2027 12:00:00")
        let summer = OsloTime.instant(of: CivilTime(year: 2025, month: 6, day: 2, hour: 10))
        #expect(OsloTime.dateTimeText(MaximumValidity.years(3).latestEnd(from: summer)) == "02.06.2028 10:00:00")
        #expect(MaximumValidity.days(30).latestEnd(from: summer) == summer + .days(30))
    }

    @Test("Every Int64 instant formats without trapping, and negative ones floor to the day before")
    func extremeInstantsFormat() {
        for ms: Int64 in [.min, .min + 1, -86_400_001, -1, 0, 1, .max - 1, .max] {
            let civil = CivilTime(utcMilliseconds: ms)
            #expect(civil.isValid, "\(ms) → \(civil)")
            _ = OsloTime.dateTimeText(Timestamp(millisecondsSinceEpoch: ms))
            _ = OsloTime.local(Timestamp(millisecondsSinceEpoch: ms))
        }
        #expect(CivilTime(utcMilliseconds: -1) == CivilTime(year: 1969, month: 12, day: 31, hour: 23, minute: 59, second: 59, millisecond: 999))
        #expect(CivilTime(utcMilliseconds: -86_400_000) == CivilTime(year: 1969, month: 12, day: 31))
        #expect(CivilTime(utcMilliseconds: Int64.max).year == 292_278_994)
        #expect(CivilTime(utcMilliseconds: Int64.min).year == -292_275_055)
    }

    @Test("The Norwegian day of an instant, around midnights and summer-time changes, agrees with the local date")
    func dayNumbers() {
        // Every 10 minutes through 2025 (both summer-time changes) and over the 1970 epoch.
        for start in [Timestamp(millisecondsSinceEpoch: 1_735_689_600_000), Timestamp(millisecondsSinceEpoch: -3 * 86_400_000)] {
            for step in stride(from: Int64(0), to: 366 * 144, by: 1) where start.millisecondsSinceEpoch < 0 ? step < 6 * 144 : true {
                let t = start.adding(milliseconds: step * 600_000)
                let local = OsloTime.local(t)
                #expect(OsloTime.day(of: t) == CivilTime.days(fromYear: local.year, month: local.month, day: local.day), "\(t)")
            }
        }
        // 22:30 UTC is the next day in Oslo in summer, the same day in winter.
        let summer = Timestamp(millisecondsSinceEpoch: 1_751_495_400_000)   // 2025-07-02 22:30 UTC
        #expect(OsloTime.dateText(ofDay: OsloTime.day(of: summer)) == "03.07.2025")
        let winter = Timestamp(millisecondsSinceEpoch: 1_736_807_400_000)   // 2025-01-13 22:30 UTC
        #expect(OsloTime.dateText(ofDay: OsloTime.day(of: winter)) == "13.01.2025")
    }
}
