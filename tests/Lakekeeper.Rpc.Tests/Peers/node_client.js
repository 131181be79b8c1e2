// A real gRPC client (@grpc/grpc-js, pure JavaScript) calling echo.proto's Echo service.
// Usage: node node_client.js <echo.proto> <host:port>
// Runs every scenario and prints one JSON object: scenario -> what the client observed.
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const definition = loader.loadSync(process.argv[2], { longs: Number, defaults: true, bytes: Buffer });
const echo = grpc.loadPackageDefinition(definition).lakekeeper.test.echo;
const target = process.argv[3];
const names = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

function trailersOf(metadata) {
  const map = {};
  for (const [key, value] of Object.entries(metadata ? metadata.getMap() : {})) {
    map[key] = Buffer.isBuffer(value) ? value.toString('base64') : value;
  }
  return map;
}

function outcome(client, method, request, metadata, timeoutMs) {
  const started = Date.now();
  return new Promise((resolve) => {
    let trailers = {};
    const call = client[method](request, metadata, { deadline: Date.now() + timeoutMs }, (error, reply) => {
      const elapsed_ms = Date.now() - started;
      if (error) {
        resolve({ code: names[error.code], details: error.details, trailers: trailersOf(error.metadata), elapsed_ms });
        return;
      }
      resolve({
        code: 'OK',
        text: reply.text,
        metadata: reply.metadata,
        deadline_remaining_ms: reply.deadlineRemainingMs,
        payload_size: reply.payloadSize,
        reply_payload: reply.payload.length,
        trailers,
        elapsed_ms,
      });
    });
    call.on('status', (status) => { trailers = trailersOf(status.metadata); });
  });
}

async function main() {
  const client = new echo.Echo(target, grpc.credentials.createInsecure());
  const gzipClient = new echo.Echo(target, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  const Missing = grpc.makeGenericClientConstructor({
    Nope: { ...echo.Echo.service.Say, path: '/lakekeeper.test.echo.Echo/Nope', originalName: 'Nope' },
  }, 'Missing');
  const missing = new Missing(target, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('x-lakekeeper-principal', 'alice');
  metadata.set('trace-bin', Buffer.from([0, 1, 2, 250, 255]));

  const results = {};
  results.ok = await outcome(client, 'Say', { text: 'hello', payload: Buffer.alloc(1000, 7) }, metadata, 5000);
  results.error = await outcome(client, 'Say', { failCode: 7, failMessage: 'nö – denied 100%' }, new grpc.Metadata(), 5000);
  results.deadline = await outcome(client, 'Say', { hang: true }, new grpc.Metadata(), 300);
  results.unhandled = await outcome(client, 'Say', { throwUnhandled: true }, new grpc.Metadata(), 5000);
  results.unimplemented = await outcome(missing, 'Nope', {}, new grpc.Metadata(), 5000);
  results.too_large = await outcome(client, 'Say', { payload: Buffer.alloc(5 * 1024 * 1024, 1) }, new grpc.Metadata(), 10000);
  results.gzip = await outcome(gzipClient, 'Say', { payload: Buffer.alloc(20000, 122) }, new grpc.Metadata(), 5000);
  console.log(JSON.stringify(results));
  client.close();
  gzipClient.close();
  missing.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
