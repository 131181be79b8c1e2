"""A real gRPC server (grpcio, the C-core implementation) serving echo.proto's Echo service.

Usage: python_server.py <dir with echo_pb2.py>
Prints "LISTENING <port>" once serving on 127.0.0.1; stops when stdin closes.
"""
import base64
import sys
import threading
from concurrent import futures

import grpc

sys.path.insert(0, sys.argv[1])
import echo_pb2  # noqa: E402

CODES = {code.value[0]: code for code in grpc.StatusCode}


def say(request, context):
    metadata = {}
    for key, value in context.invocation_metadata():
        if key.endswith("-bin"):
            metadata[key] = "base64:" + base64.b64encode(value).decode("ascii")
        else:
            metadata[key] = value
    if request.fail_code:
        context.set_trailing_metadata((("x-echo-trailer", "failing"),))
        context.abort(CODES[request.fail_code], request.fail_message)
    if request.hang:
        ended = threading.Event()
        context.add_callback(ended.set)
        ended.wait(60)
        context.abort(grpc.StatusCode.CANCELLED, "hang ended")
    remaining = context.time_remaining()
    return echo_pb2.EchoReply(
        text=request.text,
        metadata=metadata,
        deadline_remaining_ms=-1 if remaining is None or remaining > 1e9 else int(remaining * 1000),
        payload_size=len(request.payload),
        payload=b"\0" * request.reply_payload_size,
        peer=context.peer(),
    )


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    handler = grpc.method_handlers_generic_handler(
        "lakekeeper.test.echo.Echo",
        {
            "Say": grpc.unary_unary_rpc_method_handler(
                say,
                request_deserializer=echo_pb2.EchoRequest.FromString,
                response_serializer=echo_pb2.EchoReply.SerializeToString,
            )
        },
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(f"LISTENING {port}", flush=True)
    sys.stdin.read()
    server.stop(0)


if __name__ == "__main__":
    main()
