// Starts s3rver (an S3-compatible test server) for the .NET tests.
// Usage: node s3rver-host.js <path to the s3rver package> <data folder> <bucket>...
// Prints {"port":N} once it listens on 127.0.0.1; exits when its stdin closes (the test host went away).
'use strict';
const S3rver = require(process.argv[2]);
const directory = process.argv[3];
const buckets = process.argv.slice(4).map(name => ({ name }));
const server = new S3rver({ port: 0, address: '127.0.0.1', directory, silent: true, configureBuckets: buckets });
server.run().then(
  address => process.stdout.write(JSON.stringify({ port: address.port }) + '\n'),
  error => { console.error(error && error.stack || String(error)); process.exit(1); });
process.stdin.on('end', () => server.close().finally(() => process.exit(0)));
process.stdin.resume();
