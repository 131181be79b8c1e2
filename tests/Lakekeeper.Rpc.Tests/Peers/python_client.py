"""A real gRPC client (grpcio, the C-core implementation) calling echo.proto's Echo service.

Usage: python_client.py <dir with echo_pb2.py> <host:port>
Runs every scenario and prints one JSON object: scenario -> what the client observed.
"""
import base64
import json
import sys
import time

import grpc

sys.path.insert(0, sys.argv[1])
import echo_pb2  # noqa: E402

TARGET = sys.argv[2]
BINARY = bytes([0, 1, 2, 250, 255])


def outcome(call):
    started = time.monotonic()
    try:
        reply, rpc = call()
        return {
            "code": "OK",
            "text": reply.text,
            "metadata": dict(reply.metadata),
            "deadline_remaining_ms": reply.deadline_remaining_ms,
            "payload_size": reply.payload_size,
            "reply_payload": len(reply.payload),
            "trailers": {k: v if isinstance(v, str) else base64.b64encode(v).decode() for k, v in rpc.trailing_metadata() or ()},
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        }
    except grpc.RpcError as error:
        return {
            "code": error.code().name,
            "details": error.details(),
            "trailers": {k: v if isinstance(v, str) else base64.b64encode(v).decode() for k, v in error.trailing_metadata() or ()},
            "elapsed_ms": int((time.monotonic() - started) * 1000),
        }


def main():
    results = {}
    with grpc.insecure_channel(TARGET) as channel:
        say = channel.unary_unary(
            "/lakekeeper.test.echo.Echo/Say",
            request_serializer=echo_pb2.EchoRequest.SerializeToString,
            response_deserializer=echo_pb2.EchoReply.FromString,
        )
        missing = channel.unary_unary(
            "/lakekeeper.test.echo.Echo/Nope",
            request_serializer=echo_pb2.EchoRequest.SerializeToString,
            response_deserializer=echo_pb2.EchoReply.FromString,
        )
        metadata = (("x-lakekeeper-principal", "alice"), ("trace-bin", BINARY))

        results["ok"] = outcome(lambda: say.with_call(
            echo_pb2.EchoRequest(text="hello", payload=b"\x07" * 1000), metadata=metadata, timeout=5))
        results["error"] = outcome(lambda: say.with_call(
            echo_pb2.EchoRequest(fail_code=7, fail_message="nö – denied 100%"), timeout=5))
        results["deadline"] = outcome(lambda: say.with_call(echo_pb2.EchoRequest(hang=True), timeout=0.3))
        results["unhandled"] = outcome(lambda: say.with_call(echo_pb2.EchoRequest(throw_unhandled=True), timeout=5))
        results["unimplemented"] = outcome(lambda: missing.with_call(echo_pb2.EchoRequest(), timeout=5))
        results["too_large"] = outcome(lambda: say.with_call(
            echo_pb2.EchoRequest(payload=b"\x01" * (5 * 1024 * 1024)), timeout=10))
        results["gzip"] = outcome(lambda: say.with_call(
            echo_pb2.EchoRequest(payload=b"z" * 20000), timeout=5, compression=grpc.Compression.Gzip))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
