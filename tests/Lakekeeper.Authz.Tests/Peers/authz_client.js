// A foreign gRPC client (@grpc/grpc-js, pure JavaScript; messages from the .proto files loaded at run
// time by @grpc/proto-loader) calling the authz service: grpc.health.v1 Check and Authorizer/Check.
// Usage: node authz_client.js <authz.proto> <health.proto> <host:port>
// Prints one JSON object: scenario -> what the client observed.
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const options = { keepCase: true, longs: Number, enums: String, defaults: true };
const authz = grpc.loadPackageDefinition(loader.loadSync(process.argv[2], options)).lakekeeper.authz.v1;
const health = grpc.loadPackageDefinition(loader.loadSync(process.argv[3], options)).grpc.health.v1;
const target = process.argv[4];
const names = Object.fromEntries(Object.entries(grpc.status).map(([name, code]) => [code, name]));

function call(client, method, request) {
  return new Promise((resolve) => {
    client[method](request, { deadline: Date.now() + 10000 }, (error, reply) => {
      resolve(error ? { code: names[error.code], details: error.details } : { code: 'OK', reply });
    });
  });
}

async function main() {
  const healthClient = new health.Health(target, grpc.credentials.createInsecure());
  const authorizer = new authz.Authorizer(target, grpc.credentials.createInsecure());
  const results = {};
  results.health_server = await call(healthClient, 'Check', { service: '' });
  results.health_authorizer = await call(healthClient, 'Check', { service: 'lakekeeper.authz.v1.Authorizer' });
  results.health_unknown = await call(healthClient, 'Check', { service: 'no.Such' });
  results.check = await call(authorizer, 'Check', {
    principal: { user_id: 'oidc~alice' },
    object: { type: 'lakekeeper_table', id: '0191a0f5-1d2e-7000-8000-00000000beef' },
    relation: 'can_get_metadata',
  });
  results.check_invalid = await call(authorizer, 'Check', {
    principal: { user_id: 'oidc~alice' },
    object: { type: 'bucket', id: 'b1' },
    relation: 'can_get_metadata',
  });
  console.log(JSON.stringify(results));
  healthClient.close();
  authorizer.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
