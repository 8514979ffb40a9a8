#!/usr/bin/env python3
"""Signs one request with botocore's SigV4Auth, for the cross-check in Tests/ProjectorAWSTests.

Reads a JSON object on stdin:
  {"method": "POST", "url": "https://…/", "headers": [["Name", "value"], …], "body": "text",
   "region": "eu-west-1", "service": "dynamodb", "access_key_id": "…", "secret_access_key": "…",
   "session_token": null, "timestamp": "20150830T123600Z", "include_content_hash": false}
Writes a JSON object on stdout:
  {"authorization": "AWS4-HMAC-SHA256 …", "headers": [["Name", "value"], …], "canonical_request": "…"}
where "headers" are the request's headers after signing. Test credentials only: prints the signature.
"""
import datetime
import hashlib
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def main() -> None:
    spec = json.load(sys.stdin)
    fixed = datetime.datetime.strptime(spec["timestamp"], "%Y%m%dT%H%M%SZ")
    # botocore reads the clock through this module-level name; pin it to the requested time.
    botocore.auth.get_current_datetime = lambda *args, **kwargs: fixed

    body = spec.get("body", "").encode("utf-8")
    request = AWSRequest(method=spec["method"], url=spec["url"], data=body)
    for name, value in spec.get("headers", []):
        request.headers[name] = value
    if spec.get("include_content_hash"):
        # With this header present botocore signs it and uses its value as the payload hash.
        request.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()

    credentials = Credentials(spec["access_key_id"], spec["secret_access_key"], spec.get("session_token"))
    signer = botocore.auth.SigV4Auth(credentials, spec["service"], spec["region"])
    captured = []
    canonical_request = signer.canonical_request

    def capture(req):
        text = canonical_request(req)
        captured.append(text)
        return text

    signer.canonical_request = capture
    signer.add_auth(request)
    json.dump(
        {
            "authorization": request.headers["Authorization"],
            "headers": [[name, value] for name, value in request.headers.items()],
            "canonical_request": captured[0],
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
