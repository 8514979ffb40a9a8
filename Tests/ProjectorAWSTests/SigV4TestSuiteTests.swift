import Foundation
import Testing

@testable import ProjectorAWS

@Suite struct SigV4TestSuiteTests {
    @Test func everyCaseOfTheAWSTestSuiteSignsByteForByte() throws {
        let cases = try SigV4TestSuiteCase.all()
        #expect(cases.count >= 30, "expected the whole suite in \(SigV4TestSuiteCase.suiteDirectory.path)")
        var passed = 0
        for suiteCase in cases {
            let signature = try suiteCase.sign()
            let authorization = signature.headers.last { $0.0 == "Authorization" }?.1
            let expectedAuthorization = suiteCase.expectedSignedHeaders.last { $0.0 == "Authorization" }?.1
            // Every header the signer adds appears in the expected signed request with the same value.
            let added = signature.headers.filter { $0.0 != "Host" }
            let addedMatch = added.allSatisfy { header in
                suiteCase.expectedSignedHeaders.contains {
                    $0.0.lowercased() == header.0.lowercased() && $0.1 == header.1
                }
            }
            let matches = [
                signature.canonicalRequest == suiteCase.expectedCanonicalRequest,
                signature.stringToSign == suiteCase.expectedStringToSign,
                signature.signature == suiteCase.expectedSignature,
                authorization != nil && authorization == expectedAuthorization,
                addedMatch,
            ]
            #expect(signature.canonicalRequest == suiteCase.expectedCanonicalRequest, "\(suiteCase)")
            #expect(signature.stringToSign == suiteCase.expectedStringToSign, "\(suiteCase)")
            #expect(signature.signature == suiteCase.expectedSignature, "\(suiteCase)")
            #expect(authorization == expectedAuthorization, "\(suiteCase)")
            #expect(addedMatch, "\(suiteCase): added headers \(added)")
            if !matches.contains(false) {
                passed += 1
            }
        }
        print("SigV4 vectors: \(passed)/\(cases.count) passed")
        #expect(passed == cases.count)
    }
}
