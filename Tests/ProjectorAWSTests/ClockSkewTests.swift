import Foundation
import Testing

@testable import ProjectorAWS

@Suite struct ClockSkewTests {
    @Test func recognisesDynamoDBSignatureExpired() throws {
        let body =
            #"{"__type":"com.amazon.coral.service#InvalidSignatureException","message":"Signature expired: 20231114T221320Z is now earlier than 20231114T222820Z (20231114T223320Z - 5 min.)"}"#
        let error = try #require(
            AWSError.clockSkew(
                status: 400, body: Array(body.utf8), serverDate: "Tue, 14 Nov 2023 22:33:20 GMT",
                localDate: Date(timeIntervalSince1970: 1_700_000_000), source: "dynamodb"
            )
        )
        #expect(error.code == .clockSkew)
        #expect(error.httpStatus == 400)
        #expect(error.description.contains("by -1200 s"))
        #expect(error.description.contains("(dynamodb)"))
        #expect(!error.description.contains("\n"))
    }

    @Test func recognisesRequestTimeTooSkewed() throws {
        let body =
            "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message></Error>"
        let error = try #require(AWSError.clockSkew(status: 403, body: Array(body.utf8)))
        #expect(error.awsCode == "RequestTimeTooSkewed")
        #expect(error.description.contains("NTP"))
    }

    @Test func ignoresOtherResponses() {
        #expect(
            AWSError.clockSkew(
                status: 403, body: Array(#"{"message":"The security token included in the request is invalid."}"#.utf8))
                == nil)
        #expect(AWSError.clockSkew(status: 200, body: Array("Signature expired".utf8)) == nil)
        #expect(AWSError.clockSkew(status: 400, body: [UInt8]()) == nil)
    }

    @Test func recognisesExpiredTokens() throws {
        let dynamo =
            #"{"__type":"com.amazon.coral.service#ExpiredTokenException","message":"The security token included in the request is expired"}"#
        let error = try #require(AWSError.expiredToken(status: 400, body: Array(dynamo.utf8), source: "dynamodb"))
        #expect(error.code == .expiredCredentials)
        #expect(
            error.description
                == "AWS expiredCredentials (dynamodb): the service rejected the session token as expired [HTTP 400, ExpiredToken]"
        )
        let openSearch = #"{"message":"The security token included in the request is expired"}"#
        #expect(AWSError.expiredToken(status: 403, body: Array(openSearch.utf8)) != nil)
        #expect(AWSError.expiredToken(status: 403, body: Array(#"{"message":"Forbidden"}"#.utf8)) == nil)
        #expect(AWSError.clockSkew(status: 400, body: Array(dynamo.utf8)) == nil)
    }

    @Test func descriptionsAreOneLine() {
        let error = AWSError(
            code: .stsFailure, message: "line one\nline two", source: "web identity", httpStatus: 403,
            awsCode: "AccessDenied")
        #expect(error.description == "AWS stsFailure (web identity): line one line two [HTTP 403, AccessDenied]")
    }
}
