// Prints the JSON form of an OpenFGA DSL file, as OpenFGA's own syntax transformer makes it.
// Usage: node transform_model.js <model.fga>
'use strict';
const fs = require('node:fs');
const { transformer } = require('@openfga/syntax-transformer');
process.stdout.write(JSON.stringify(transformer.transformDSLToJSONObject(fs.readFileSync(process.argv[2], 'utf8')), null, 2) + '\n');
