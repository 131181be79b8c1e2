// A real gRPC server (@grpc/grpc-js, pure JavaScript) serving echo.proto's Echo service.
// Usage: node node_server.js <echo.proto>
// Prints "LISTENING <port>" once serving on 127.0.0.1; stops when stdin closes.
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const definition = loader.loadSync(process.argv[2], { longs: Number, defaults: true, bytes: Buffer });
const echo = grpc.loadPackageDefinition(definition).lakekeeper.test.echo;

function say(call, callback) {
  const request = call.request;
  const metadata = {};
  for (const [key, value] of Object.entries(call.metadata.getMap())) {
    metadata[key] = Buffer.isBuffer(value) ? 'base64:' + value.toString('base64') : value;
  }
  if (request.failCode) {
    const trailers = new grpc.Metadata();
    trailers.set('x-echo-trailer', 'failing');
    callback({ code: request.failCode, details: request.failMessage, metadata: trailers });
    return;
  }
  if (request.hang) {
    call.on('cancelled', () => callback({ code: grpc.status.CANCELLED, details: 'hang ended' }));
    return;
  }
  const deadline = call.getDeadline();
  const remaining = deadline instanceof Date ? deadline.getTime() - Date.now()
    : Number.isFinite(deadline) ? deadline - Date.now() : -1;
  callback(null, {
    text: request.text,
    metadata,
    deadlineRemainingMs: remaining,
    payloadSize: request.payload.length,
    payload: Buffer.alloc(request.replyPayloadSize),
    peer: call.getPeer(),
  });
}

const server = new grpc.Server();
server.addService(echo.Echo.service, { Say: say });
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log('LISTENING ' + port);
});
process.stdin.resume();
process.stdin.on('end', () => server.forceShutdown());
