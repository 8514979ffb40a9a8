import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProjectorAWS
import ProjectorCore

/// One failed attempt: the error to surface and whether another attempt may succeed.
struct DynamoDBAttemptFailure: Error {
    var error: DynamoDBError
    var isTransient: Bool
}

extension DynamoDBClient {
    /// Error types DynamoDB answers with a 400 that are worth retrying.
    static let transientErrorTypes: Set<String> = [
        "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
        "InternalServerError", "LimitExceededException", "TransactionInProgressException",
    ]

    /// One signed HTTP round trip, its failure classified.
    func attempt(_ operation: String, bytes: [UInt8], payloadHash: String, table: String?, key: String?)
        async throws -> JSONValue
    {
        let url = self.configuration.endpointURL
        let credentials = try await self.credentials.credentials()
        let headers = [
            ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.\(operation)"),
        ]
        let signed = self.signer.signedHeaders(
            method: "POST", url: url, headers: headers, payloadHash: payloadHash, credentials: credentials,
            date: Date())
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers + signed {
            request.headers.add(name: name, value: value)
        }
        request.body = .bytes(ByteBuffer(bytes: bytes))

        let fail = { (code: DynamoDBError.Code, message: String, status: Int?, awsCode: String?, transient: Bool) in
            DynamoDBAttemptFailure(
                error: DynamoDBError(
                    code: code, message: message, operation: operation, table: table, key: key, httpStatus: status,
                    awsCode: awsCode),
                isTransient: transient)
        }

        let status: Int
        let answer: ByteBuffer
        do {
            let response = try await self.httpClient.execute(
                request, timeout: TimeAmount(self.configuration.requestTimeout),
                logger: self.logger)
            status = Int(response.status.code)
            answer = try await response.body.collect(upTo: self.configuration.maximumResponseBytes)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as NIOTooManyBytesError {
            throw fail(.invalidResponse, "answer larger than \(error.maxBytes ?? 0) bytes", nil, nil, false)
        } catch {
            // Timeouts, refused or reset connections: nothing was decided by the server we could read.
            throw fail(.retriesExhausted, "transport error: \(error)", nil, nil, true)
        }

        let decoded = try? JSONValue(parsing: answer.readableBytesView)
        if status == 200 {
            guard let decoded, case .object = decoded else {
                throw fail(.invalidResponse, "answer is not a JSON object", status, nil, false)
            }
            return decoded
        }
        let type = Self.errorType(of: decoded)
        let message = Self.errorMessage(of: decoded) ?? "HTTP \(status)"
        if (500...599).contains(status) || (type.map { Self.transientErrorTypes.contains($0) } ?? false)
            || RetryPolicy.Failure.isTransient(httpStatus: status)
        {
            throw fail(.retriesExhausted, message, status, type, true)
        }
        let code: DynamoDBError.Code = type == "ResourceNotFoundException" ? .tableNotFound : .requestRejected
        throw fail(code, message, status, type, false)
    }

    /// `com.amazonaws.dynamodb.v20120810#ValidationException` → `ValidationException`.
    static func errorType(of answer: JSONValue?) -> String? {
        guard let type = answer?["__type"]?.stringValue else { return nil }
        guard let hash = type.lastIndex(of: "#") else { return type }
        return String(type[type.index(after: hash)...])
    }

    /// The error text, which DynamoDB spells `message` or `Message`.
    static func errorMessage(of answer: JSONValue?) -> String? {
        answer?["message"]?.stringValue ?? answer?["Message"]?.stringValue
    }
}
