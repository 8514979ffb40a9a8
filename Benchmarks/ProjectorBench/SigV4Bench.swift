import Foundation
import ProjectorAWS

/// SigV4 cost per request: signing a DynamoDB PutItem, and hashing an OpenSearch bulk body.
enum SigV4Bench {
    static func run() async throws {
        let signer = SigV4Signer(service: "dynamodb", region: "eu-west-1")
        let credentials = AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            sessionToken: "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
        )
        let headers = [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.PutItem")]
        let body = Array(repeating: UInt8(ascii: "x"), count: 1024)
        let clock = ContinuousClock()
        let date = Date()

        var signatures = 0
        var sink = 0
        let signing = clock.measure {
            for _ in 0..<20_000 {
                let signed = signer.signedHeaders(
                    method: "POST", url: "https://dynamodb.eu-west-1.amazonaws.com/", headers: headers, body: body,
                    credentials: credentials, date: date
                )
                sink &+= signed.count
                signatures += 1
            }
        }
        print("BENCH sigv4_sign_1kb_per_s \(Int(Double(signatures) / seconds(signing))) signatures/s")

        let bulk = Array(repeating: UInt8(ascii: "{"), count: 5 << 20)
        var hashes = 0
        let hashing = clock.measure {
            for _ in 0..<20 {
                sink &+= SigV4Signer.payloadHash(of: bulk).utf8.count
                hashes += 1
            }
        }
        let megabytes = Double(hashes * bulk.count) / 1_048_576
        print("BENCH sigv4_payload_hash_mib_per_s \(Int(megabytes / seconds(hashing))) MiB/s")
        if sink == 0 { print("unreachable") }
    }

    private static func seconds(_ duration: Duration) -> Double {
        let (whole, fraction) = duration.components
        return max(Double(whole) + Double(fraction) / 1e18, 1e-9)
    }
}
