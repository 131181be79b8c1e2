"""Signs a corpus of S3 requests with botocore's S3SigV4Auth at a fixed time, for comparison.

Input (the JSON file named by the first argument): {"exclude": [header names never signed], "cases": [{"method", "url", "headers": [[name, value], ...],
"body": str or null, "access_key", "secret_key", "token": str or null, "region", "timestamp": "YYYYMMDDTHHMMSSZ"}]}.
Output (stdout): one JSON array with {"authorization", "canonical_request", "headers": {name: value}} per case.
Debian's python3-botocore is the reference: run with /usr/bin/python3.
"""
import datetime
import json
import sys
import types

import botocore
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.credentials import Credentials


class FixedClock(datetime.datetime):
    now_value = None

    @classmethod
    def utcnow(cls):
        return cls.now_value


# botocore.auth reads the time as datetime.datetime.utcnow(); give it a fixed one.
auth.datetime = types.SimpleNamespace(datetime=FixedClock)


class RecordingS3SigV4Auth(auth.S3SigV4Auth):
    last_canonical_request = None

    def canonical_request(self, request):
        value = super().canonical_request(request)
        RecordingS3SigV4Auth.last_canonical_request = value
        return value


def sign(case, exclude):
    FixedClock.now_value = datetime.datetime.strptime(case["timestamp"], "%Y%m%dT%H%M%SZ")
    body = case.get("body")
    request = AWSRequest(method=case["method"], url=case["url"], data=body.encode("utf-8") if body is not None else None)
    request.headers = HTTPHeaders()
    for name, value in case["headers"]:
        if name.lower() not in exclude:
            request.headers[name] = value
    # Our rule: the body's SHA-256 when the body is sent to the signer, else UNSIGNED-PAYLOAD.
    request.context["client_config"] = Config(s3={"payload_signing_enabled": body is not None})
    credentials = Credentials(case["access_key"], case["secret_key"], case.get("token"))
    RecordingS3SigV4Auth(credentials, "s3", case["region"]).add_auth(request)
    return {
        "authorization": request.headers["Authorization"],
        "canonical_request": RecordingS3SigV4Auth.last_canonical_request,
        "headers": {name.lower(): request.headers[name] for name in ("X-Amz-Date", "X-Amz-Content-SHA256", "X-Amz-Security-Token") if name in request.headers},
        "botocore": botocore.__version__,
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    exclude = {name.lower() for name in data["exclude"]}
    json.dump([sign(case, exclude) for case in data["cases"]], sys.stdout)


main()
