// A foreign gRPC server (@grpc/grpc-js, pure JavaScript; messages from the .proto files loaded at run
// time by @grpc/proto-loader) serving grpc.health.v1 Check and lakekeeper.authz.v1.Authorizer/Check.
// Usage: node authz_server.js <authz.proto> <health.proto>
// Prints "LISTENING <port>" once serving on 127.0.0.1, then one JSON line per call it received.
// Check: INVALID_ARGUMENT for an unknown object type, no answer at all for user "slow", otherwise
// allowed only for user "oidc~alice". Stops when stdin closes.
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const options = { keepCase: true, longs: Number, enums: String, defaults: true };
const authz = grpc.loadPackageDefinition(loader.loadSync(process.argv[2], options)).lakekeeper.authz.v1;
const health = grpc.loadPackageDefinition(loader.loadSync(process.argv[3], options)).grpc.health.v1;
const types = ['server', 'project', 'warehouse', 'namespace', 'lakekeeper_table', 'lakekeeper_view', 'role', 'user'];

function record(method, call, extra) {
  const deadline = call.getDeadline();
  const at = deadline instanceof Date ? deadline.getTime() : deadline;
  const remaining = Number.isFinite(at) ? at - Date.now() : -1;
  const traceparent = call.metadata.get('traceparent');
  console.log(JSON.stringify({ method, deadline_remaining_ms: remaining, traceparent: traceparent.length ? traceparent[0] : null, ...extra }));
}

const server = new grpc.Server();
server.addService(health.Health.service, {
  Check(call, callback) {
    record('Health/Check', call, { service: call.request.service });
    if (call.request.service === '' || call.request.service === 'lakekeeper.authz.v1.Authorizer') {
      callback(null, { status: 'SERVING' });
    } else {
      callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
    }
  },
});
server.addService(authz.Authorizer.service, {
  Check(call, callback) {
    const request = call.request;
    record('Authorizer/Check', call, { user_id: request.principal ? request.principal.user_id : null });
    if (!request.object || !types.includes(request.object.type)) {
      callback({ code: grpc.status.INVALID_ARGUMENT, details: `object.type '${request.object ? request.object.type : ''}' is not known` });
    } else if (request.principal && request.principal.user_id === 'slow') {
      call.on('cancelled', () => {});
    } else {
      callback(null, { allowed: !!request.principal && request.principal.user_id === 'oidc~alice' });
    }
  },
});

server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error);
    process.exit(1);
  }
  console.log(`LISTENING ${port}`);
});
process.stdin.resume();
process.stdin.on('end', () => server.tryShutdown(() => process.exit(0)));
