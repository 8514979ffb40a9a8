import Foundation
import Testing

@testable import ProjectorAWS

@Suite struct STSResponseTests {
    @Test func readsTheCredentials() throws {
        let xml = """
            <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <AssumeRoleWithWebIdentityResult>
                <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>
                <Credentials>
                  <SessionToken>FwoGZXIvYXdzE&amp;token/+=</SessionToken>
                  <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>
                  <Expiration>2023-11-14T23:13:20Z</Expiration>
                  <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>
                </Credentials>
              </AssumeRoleWithWebIdentityResult>
            </AssumeRoleWithWebIdentityResponse>
            """
        let credentials = try STSResponse.credentials(from: xml)
        #expect(credentials.accessKeyID == "ASIAIOSFODNN7EXAMPLE")
        #expect(credentials.secretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY")
        #expect(credentials.sessionToken == "FwoGZXIvYXdzE&token/+=")
        #expect(credentials.expiration == Date(timeIntervalSince1970: 1_700_003_600))
    }

    @Test func aResponseWithoutCredentialsIsInvalid() {
        #expect(throws: AWSError.self) { try STSResponse.credentials(from: "<html>proxy error</html>") }
        let missingKey =
            "<Credentials><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
            + "<Expiration>2023-11-14T23:13:20Z</Expiration></Credentials>"
        let error = #expect(throws: AWSError.self) { try STSResponse.credentials(from: missingKey) }
        #expect(error?.code == .invalidResponse)
        #expect(error?.description.contains("AccessKeyId") == true)
    }

    @Test func readsErrors() {
        let (code, message) = STSResponse.error(
            from:
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized &lt;x&gt; &#65;&#x42;</Message></Error></ErrorResponse>"
        )
        #expect(code == "AccessDenied")
        #expect(message == "Not authorized <x> AB")
        let none = STSResponse.error(from: "Bad Gateway")
        #expect(none.code == nil && none.message == nil)
    }

    @Test func elementNamesMustMatchExactly() {
        let xml: Substring = "<Codes>no</Codes><Code attr=\"1\">yes</Code><Empty/>"
        #expect(STSXML.text(of: "Code", in: xml) == "yes")
        #expect(STSXML.text(of: "Empty", in: xml) == "")
        #expect(STSXML.text(of: "Missing", in: xml) == nil)
    }
}
