// Generates src/generated/management.ts (TypeScript types only) from the committed management API
// contract, so that every management call of the console is checked against the server's document.
// Run by `npm run build` and `npm run check`; the output is not committed (like dist/).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'

const here = dirname(fileURLToPath(import.meta.url))
const contract = resolve(here, '../../contracts/management-open-api.json')
const output = resolve(here, '../src/generated/management.ts')
const doc = JSON.parse(readFileSync(contract, 'utf8'))

// The contract's discriminators name no mapping; each variant pins its `type` with a one-value enum.
// Without a mapping, OpenAPI's rule makes the schema's name the discriminator value, so the mapping
// is read from those enums (`s3`, `file`) before the types are generated.
for (const schema of Object.values(doc.components?.schemas ?? {})) {
  const property = schema.discriminator?.propertyName
  if (!property || schema.discriminator.mapping || !Array.isArray(schema.oneOf)) continue
  const mapping = {}
  for (const member of schema.oneOf) {
    const name = member.$ref?.split('/').pop()
    const value = doc.components.schemas[name]?.properties?.[property]?.enum
    if (!name || !Array.isArray(value) || value.length !== 1) throw new Error(`${name ?? 'a variant'} does not pin its ${property}`)
    mapping[value[0]] = member.$ref
  }
  schema.discriminator.mapping = mapping
}

const ast = await openapiTS(doc)
mkdirSync(dirname(output), { recursive: true })
writeFileSync(output, `// Generated from contracts/management-open-api.json by scripts/management-types.mjs. Do not edit.\n\n${astToString(ast)}`)
console.log(`management API types: ${output}`)
