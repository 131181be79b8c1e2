"""A fake AWS STS endpoint for tests (no AWS here): it answers AssumeRole, but only after checking the
request's SigV4 signature with botocore, the reference implementation (Debian's python3-botocore).

Usage: /usr/bin/python3 fake_sts.py '<json {"keys": {access key id: secret}, "region": "..."}>'
Prints {"port": N} once it listens on 127.0.0.1; exits when stdin closes.
  POST /               STS Query API (Action=AssumeRole); 403 SignatureDoesNotMatch when the signature is wrong,
                       403 AccessDenied for a role whose name ends in "denied", 503 for one ending in "unavailable".
  GET /_requests       every request seen: {"action", "params", "signature_valid", "expiration", "access_key_id"}.
Credentials expire DurationSeconds (default 3600) after the request, to the second.
"""
import datetime
import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

CONFIG = json.loads(sys.argv[1])
SEEN = []
LOCK = threading.Lock()


def verify(handler, body):
    auth = handler.headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return False, None, "no SigV4 Authorization header"
    parts = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    access_key, date, region, service, terminal = parts["Credential"].split("/")
    signed = parts["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return False, access_key, "host and x-amz-date must be signed"
    if service != "sts" or region != CONFIG["region"] or terminal != "aws4_request":
        return False, access_key, "wrong credential scope"
    secret = CONFIG["keys"].get(access_key)
    if secret is None:
        return False, access_key, "unknown access key"
    request = AWSRequest(method=handler.command, url="http://%s%s" % (handler.headers["Host"], handler.path), data=body)
    request.headers = HTTPHeaders()
    for name in signed:
        for value in handler.headers.get_all(name) or []:
            request.headers[name] = value
    request.context["timestamp"] = handler.headers["X-Amz-Date"]
    if request.context["timestamp"][:8] != date:
        return False, access_key, "date does not match the scope"
    signer = SigV4Auth(Credentials(access_key, secret, handler.headers.get("X-Amz-Security-Token")), "sts", region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    return expected == parts["Signature"], access_key, "signature mismatch"


def error(handler, status, code, message):
    body = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            '<Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>' % (code, escape(message), uuid.uuid4())).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "text/xml")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        with LOCK:
            body = json.dumps(SEEN).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        valid, access_key, reason = verify(self, body)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        expiration = now + datetime.timedelta(seconds=int(params.get("DurationSeconds", "3600")))
        record = {"action": params.get("Action"), "params": params, "signature_valid": valid, "access_key_id": access_key,
                  "expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ")}
        with LOCK:
            SEEN.append(record)
        if not valid:
            return error(self, 403, "SignatureDoesNotMatch", reason)
        if params.get("Action") != "AssumeRole":
            return error(self, 400, "InvalidAction", "only AssumeRole")
        role = params.get("RoleArn", "")
        if role.endswith("denied"):
            return error(self, 403, "AccessDenied", "not authorized to perform sts:AssumeRole")
        if role.endswith("unavailable"):
            return error(self, 503, "ServiceUnavailable", "try again")
        n = len(SEEN)
        xml = ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
               '<Credentials><AccessKeyId>ASIAFAKE%04d</AccessKeyId><SecretAccessKey>fake-secret-%d</SecretAccessKey>'
               '<SessionToken>fake-token-%d</SessionToken><Expiration>%s</Expiration></Credentials>'
               '<AssumedRoleUser><AssumedRoleId>AROAFAKE:%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>'
               '<PackedPolicySize>10</PackedPolicySize></AssumeRoleResult>'
               '<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></AssumeRoleResponse>') % (
            n, n, n, record["expiration"], escape(params.get("RoleSessionName", "")), escape(role), uuid.uuid4())
        data = xml.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(json.dumps({"port": server.server_address[1]}), flush=True)
sys.stdin.read()
server.shutdown()
