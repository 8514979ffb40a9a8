import Foundation
import Testing

@testable import ProjectorAWS

@Suite struct AWSTimestampTests {
    @Test func formatsTheSigV4Forms() {
        let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
        #expect(AWSTimestamp.amzDate(date) == "20150830T123600Z")
        #expect(AWSTimestamp.dateStamp(date) == "20150830")
        #expect(AWSTimestamp.iso8601(date) == "2015-08-30T12:36:00Z")
        #expect(AWSTimestamp.amzDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(AWSTimestamp.amzDate(Date(timeIntervalSince1970: 951_782_399.9)) == "20000228T235959Z")
        #expect(AWSTimestamp.iso8601(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
    }

    @Test func componentsRoundTripOverCenturies() {
        var seconds: Int64 = -2_208_988_800  // 1900-01-01
        while seconds < 7_258_118_400 {  // 2200-01-01
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            #expect(AWSTimestamp.date(AWSTimestamp.components(date)) == date)
            seconds += 86_400 * 37 + 3_661
        }
    }

    @Test func parsesISO8601AsSTSWritesIt() {
        #expect(AWSTimestamp.parseISO8601("2015-08-30T12:36:00Z") == Date(timeIntervalSince1970: 1_440_938_160))
        #expect(
            AWSTimestamp.parseISO8601("2015-08-30T12:36:00.5Z") == Date(timeIntervalSince1970: 1_440_938_160.5)
        )
        #expect(
            AWSTimestamp.parseISO8601("2015-08-30T14:36:00+02:00") == Date(timeIntervalSince1970: 1_440_938_160)
        )
        #expect(AWSTimestamp.parseISO8601("2015-08-30") == nil)
        #expect(AWSTimestamp.parseISO8601("2015-13-30T12:36:00Z") == nil)
        #expect(AWSTimestamp.parseISO8601("2015-08-30T12:36:00Zjunk") == nil)
    }

    @Test func parsesHTTPDates() {
        #expect(
            AWSTimestamp.parseHTTPDate("Sun, 30 Aug 2015 12:36:00 GMT") == Date(timeIntervalSince1970: 1_440_938_160))
        #expect(AWSTimestamp.parseHTTPDate("Sun, 30 Foo 2015 12:36:00 GMT") == nil)
        #expect(AWSTimestamp.parseHTTPDate("yesterday") == nil)
    }
}
