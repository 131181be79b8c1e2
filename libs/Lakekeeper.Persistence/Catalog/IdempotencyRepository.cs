using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Catalog;

/// <summary>The stored final outcome of a request made with an <c>Idempotency-Key</c>.</summary>
public sealed record IdempotencyRecord(string Operation, byte[] RequestHash, int StatusCode, byte[]? Body, string HeadersJson);

public sealed class IdempotencyRepository(NpgsqlDataSource dataSource)
{
    public async Task<IdempotencyRecord?> FindAsync(string scope, string key, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "SELECT operation, request_hash, status_code, response_body, response_headers::text FROM idempotency_record WHERE scope = $1 AND idempotency_key = $2 AND expires_at > now()",
            scope, key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new IdempotencyRecord(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetInt32(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.GetString(4))
            : null;
    }

    /// <summary>
    /// Records an outcome in the caller's transaction, so it becomes durable together with the
    /// change it describes. False: a live record for this key exists already (a concurrent request
    /// with the same key finished first); the caller must roll back and replay that record.
    /// </summary>
    public static async Task<bool> RecordAsync(DbTransaction tx, string scope, string key, IdempotencyRecord record, TimeSpan lifetime, CancellationToken cancellationToken)
    {
        await using var command = tx.Command(
            """
            INSERT INTO idempotency_record (scope, idempotency_key, operation, request_hash, status_code, response_body, response_headers, expires_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, now() + $8)
            ON CONFLICT (scope, idempotency_key) DO UPDATE
               SET operation = EXCLUDED.operation, request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
                   response_body = EXCLUDED.response_body, response_headers = EXCLUDED.response_headers,
                   created_at = now(), expires_at = EXCLUDED.expires_at
             WHERE idempotency_record.expires_at <= now()
            """,
            scope, key, record.Operation, record.RequestHash, record.StatusCode, record.Body, new Json(record.HeadersJson), lifetime);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Removes expired records; returns how many.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "DELETE FROM idempotency_record WHERE expires_at <= now()");
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
