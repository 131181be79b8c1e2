import type { PageContext } from '../app'
import { h } from '../dom'
import { code } from '../ui'

/** How to reach this table from PyIceberg, Spark, Trino and DuckDB: this server's URI and warehouse; placeholders for secrets. */
export function connectSnippets(ctx: PageContext, warehouse: string, qualified: string): HTMLElement {
  const uri = `${window.location.origin}/catalog`
  const o = ctx.auth.config.openid
  const oidc = ctx.auth.mode === 'oidc'
  const tokenEndpoint = o['provider-uri'] ? `${o['provider-uri']}/token` : '<token endpoint>'
  const py = [
    'from pyiceberg.catalog.rest import RestCatalog',
    '',
    'catalog = RestCatalog(',
    '    "lakekeeper",',
    `    uri="${uri}",`,
    `    warehouse="${warehouse}",`,
    ...(oidc ? ['    credential="<client-id>:<client-secret>",', `    **{"oauth2-server-uri": "${tokenEndpoint}", "scope": "lakekeeper"},`] : []),
    ')',
    `table = catalog.load_table("${qualified}")`,
  ].join('\n')
  const spark = [
    'spark-sql \\',
    '  --conf spark.sql.catalog.lakekeeper=org.apache.iceberg.spark.SparkCatalog \\',
    '  --conf spark.sql.catalog.lakekeeper.type=rest \\',
    `  --conf spark.sql.catalog.lakekeeper.uri=${uri} \\`,
    `  --conf spark.sql.catalog.lakekeeper.warehouse=${warehouse}${oidc ? ' \\' : ''}`,
    ...(oidc ? ['  --conf spark.sql.catalog.lakekeeper.credential=<client-id>:<client-secret> \\', `  --conf spark.sql.catalog.lakekeeper.oauth2-server-uri=${tokenEndpoint}`] : []),
    '',
    `SELECT * FROM lakekeeper.${qualified} LIMIT 10;`,
  ].join('\n')
  const trino = [
    '# etc/catalog/lakekeeper.properties',
    'connector.name=iceberg',
    'iceberg.catalog.type=rest',
    `iceberg.rest-catalog.uri=${uri}`,
    `iceberg.rest-catalog.warehouse=${warehouse}`,
    ...(oidc ? ['iceberg.rest-catalog.security=OAUTH2', 'iceberg.rest-catalog.oauth2.credential=<client-id>:<client-secret>', `iceberg.rest-catalog.oauth2.server-uri=${tokenEndpoint}`] : []),
  ].join('\n')
  const duck = [
    'INSTALL iceberg; LOAD iceberg;',
    ...(oidc ? [`CREATE SECRET lakekeeper_secret (TYPE iceberg, CLIENT_ID '<client-id>', CLIENT_SECRET '<client-secret>', OAUTH2_SERVER_URI '${tokenEndpoint}');`] : []),
    `ATTACH '${warehouse}' AS lakekeeper (TYPE iceberg, ENDPOINT '${uri}'${oidc ? ", SECRET lakekeeper_secret" : ", AUTHORIZATION_TYPE 'none'"});`,
    `SELECT * FROM lakekeeper.${qualified} LIMIT 10;`,
  ].join('\n')
  return h('div', { class: 'connect' },
    oidc ? h('p', null, 'Replace <client-id> and <client-secret> with an application client of your identity provider. The console never shows your own token.') : h('p', null, 'This server accepts anonymous calls: no credential is needed.'),
    h('h3', null, 'PyIceberg'), code(py, 'PyIceberg snippet'),
    h('h3', null, 'Spark'), code(spark, 'Spark snippet'),
    h('h3', null, 'Trino'), code(trino, 'Trino snippet'),
    h('h3', null, 'DuckDB'), code(duck, 'DuckDB snippet'))
}
