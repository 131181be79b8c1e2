using System.Text;
using System.Text.Json;
using Lakekeeper.Fga;
using Npgsql;
using NpgsqlTypes;

namespace Lakekeeper.Authz.Fga;

/// <summary>A store: one set of models and tuples.</summary>
internal sealed record FgaStore(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A stored model version, as its JSON document.</summary>
internal sealed record FgaModelRecord(string Id, string SchemaVersion, string Json, DateTimeOffset CreatedAt);

/// <summary>Stores and model versions in Postgres (<c>authz_store</c>, <c>authz_model</c>).</summary>
internal sealed class FgaStoreRepository(NpgsqlDataSource dataSource)
{
    public async Task<FgaStore> CreateStoreAsync(string name, CancellationToken cancellationToken)
    {
        var id = Ulid.NewUlid();
        await using var command = dataSource.CreateCommand(
            "INSERT INTO authz_store (store_id, name) VALUES ($1, $2) RETURNING created_at, updated_at");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new FgaStore(id, name, reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1));
    }

    public async Task<FgaStore?> GetStoreAsync(string id, CancellationToken cancellationToken)
    {
        if (!Ulid.IsValid(id))
        {
            return null;
        }

        await using var command = dataSource.CreateCommand(
            "SELECT store_id, name, created_at, updated_at FROM authz_store WHERE store_id = $1 AND deleted_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadStore(reader) : null;
    }

    /// <summary>Stores by id (creation order), optionally only those named <paramref name="name"/>.</summary>
    public async Task<(IReadOnlyList<FgaStore> Stores, string? Next)> ListStoresAsync(
        int pageSize, string? continuationToken, string? name, CancellationToken cancellationToken)
    {
        var after = continuationToken is { Length: > 0 } ? PageToken.Decode(continuationToken, "stores")[0] : string.Empty;
        await using var command = dataSource.CreateCommand(
            """
            SELECT store_id, name, created_at, updated_at FROM authz_store
            WHERE deleted_at IS NULL AND store_id > $1 AND ($2::text IS NULL OR name = $2)
            ORDER BY store_id LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = after });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)name ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1 });
        var stores = new List<FgaStore>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stores.Add(ReadStore(reader));
        }

        if (stores.Count <= pageSize)
        {
            return (stores, null);
        }

        stores.RemoveAt(stores.Count - 1);
        return (stores, PageToken.Encode("stores", stores[^1].Id));
    }

    /// <summary>Deletes the store with its models and tuples; false when there was none.</summary>
    public async Task<bool> DeleteStoreAsync(string id, CancellationToken cancellationToken)
    {
        if (!Ulid.IsValid(id))
        {
            return false;
        }

        await using var command = dataSource.CreateCommand("DELETE FROM authz_store WHERE store_id = $1 AND deleted_at IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <returns>The new model's id, or null when the store does not exist.</returns>
    public async Task<string?> WriteModelAsync(string storeId, string schemaVersion, string json, CancellationToken cancellationToken)
    {
        var id = Ulid.NewUlid();
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO authz_model (store_id, model_id, schema_version, model)
            SELECT store_id, $2, $3, $4 FROM authz_store WHERE store_id = $1 AND deleted_at IS NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = storeId });
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = schemaVersion });
        command.Parameters.Add(new NpgsqlParameter { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? id : null;
    }

    /// <summary>A model by id, or the latest when <paramref name="modelId"/> is null.</summary>
    public async Task<FgaModelRecord?> ReadModelAsync(string storeId, string? modelId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT model_id, schema_version, model::text, created_at FROM authz_model
            WHERE store_id = $1 AND ($2::text IS NULL OR model_id = $2)
            ORDER BY model_id DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = storeId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)modelId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadModel(reader) : null;
    }

    /// <summary>Model versions, newest first.</summary>
    public async Task<(IReadOnlyList<FgaModelRecord> Models, string? Next)> ListModelsAsync(
        string storeId, int pageSize, string? continuationToken, CancellationToken cancellationToken)
    {
        var before = continuationToken is { Length: > 0 } ? PageToken.Decode(continuationToken, "models")[0] : null;
        await using var command = dataSource.CreateCommand(
            """
            SELECT model_id, schema_version, model::text, created_at FROM authz_model
            WHERE store_id = $1 AND ($2::text IS NULL OR model_id < $2)
            ORDER BY model_id DESC LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = storeId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)before ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = pageSize + 1 });
        var models = new List<FgaModelRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            models.Add(ReadModel(reader));
        }

        if (models.Count <= pageSize)
        {
            return (models, null);
        }

        models.RemoveAt(models.Count - 1);
        return (models, PageToken.Encode("models", models[^1].Id));
    }

    private static FgaStore ReadStore(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3));

    private static FgaModelRecord ReadModel(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3));
}

/// <summary>
/// Continuation tokens: base64url of a small JSON array naming what it pages (so a token of one listing
/// is refused by another) and where the last page ended. Anything else is <c>invalid_continuation_token</c>.
/// </summary>
internal static class PageToken
{
    public static string Encode(string kind, params string[] position) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes<string[]>([kind, .. position]))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string[] Decode(string token, string kind)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 += new string('=', (4 - (base64.Length % 4)) % 4);
            var parts = JsonSerializer.Deserialize<string[]>(Encoding.UTF8.GetString(Convert.FromBase64String(base64)));
            if (parts is { Length: > 1 } && parts[0] == kind && parts.All(static p => p is not null))
            {
                return parts[1..];
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            // Falls through to the refusal.
        }

        throw new FgaException(FgaErrorCodes.InvalidContinuationToken, "Invalid continuation token");
    }
}
