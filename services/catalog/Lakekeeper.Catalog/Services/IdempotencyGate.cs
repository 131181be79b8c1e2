using System.Security.Cryptography;
using System.Text;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// The <c>Idempotency-Key</c> of one request. Services call <see cref="RecordAsync"/> inside the
/// transaction of their change, so the change and its recorded outcome commit together.
/// </summary>
internal sealed class IdempotencyScope(string scope, string key, string operation, byte[] requestHash, TimeSpan lifetime)
{
    public string Key => key;

    /// <summary>False: another request with this key finished first; roll back and replay it.</summary>
    public Task<bool> RecordAsync(DbTransaction tx, CatalogResponse response, CancellationToken cancellationToken) =>
        IdempotencyRepository.RecordAsync(tx, scope, key,
            new IdempotencyRecord(operation, requestHash, response.StatusCode, response.Body, response.HeadersJson), lifetime, cancellationToken);

    /// <summary>
    /// Records the outcome with the change (when the request has a key) and commits. A record that
    /// loses to a concurrent request with the same key rolls the change back
    /// (<see cref="IdempotencyRaceException"/>); the gate then replays the winner's outcome.
    /// </summary>
    public static async Task CommitAsync(DbTransaction tx, IdempotencyScope? idempotency, CatalogResponse response, CancellationToken cancellationToken)
    {
        if (idempotency is not null && !await idempotency.RecordAsync(tx, response, cancellationToken))
        {
            throw new IdempotencyRaceException();
        }

        await tx.CommitAsync(CancellationToken.None);
    }

    internal string Scope => scope;

    internal string Operation => operation;

    internal byte[] RequestHash => requestHash;
}

/// <summary>Thrown by a service whose in-transaction record lost to a concurrent request with the same key.</summary>
internal sealed class IdempotencyRaceException : Exception
{
}

/// <summary>
/// Honours <c>Idempotency-Key</c> on mutations: a retried request with the same key gets the first
/// outcome (2xx or a deterministic 4xx) replayed without running again; 5xx is never stored.
/// </summary>
internal sealed class IdempotencyGate(IdempotencyRepository records, Npgsql.NpgsqlDataSource dataSource, IOptions<CatalogOptions> options)
{
    public const string HeaderName = "Idempotency-Key";
    private readonly TimeSpan _lifetime = options.Value.IdempotencyKeyLifetime;

    public async Task<CatalogResponse> RunAsync(
        string? key, string scope, string operation, string method, string target, ReadOnlyMemory<byte> body,
        Func<IdempotencyScope?, Task<CatalogResponse>> execute, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            return await execute(null);
        }

        if (key.Length > 64 || !Guid.TryParse(key, out _))
        {
            return CatalogResponse.Error(IcebergError.BadRequest("Idempotency-Key must be a UUID (36 characters)"));
        }

        var hash = Hash(method, target, body.Span);
        if (await ReplayAsync(scope, key, operation, hash, cancellationToken) is { } replay)
        {
            return replay;
        }

        var idempotency = new IdempotencyScope(scope, key, operation, hash, _lifetime);
        CatalogResponse response;
        try
        {
            response = await execute(idempotency);
        }
        catch (IdempotencyRaceException)
        {
            return await ReplayAsync(scope, key, operation, hash, cancellationToken)
                ?? CatalogResponse.Error(new IcebergError(409, "CommitFailedException", "A request with this Idempotency-Key is in progress; retry"));
        }

        if (response.StatusCode is >= 400 and < 500)
        {
            // Failures change nothing, so their record is written on its own. A concurrent request
            // with this key that recorded first (often the reason this one failed, e.g. its create
            // won) is the outcome: replay it, so every request with the key gets the same answer.
            await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
            if (await idempotency.RecordAsync(tx, response, cancellationToken))
            {
                await tx.CommitAsync(CancellationToken.None);
            }
            else
            {
                return await ReplayAsync(scope, key, operation, hash, cancellationToken) ?? response;
            }
        }

        return response;
    }

    private async Task<CatalogResponse?> ReplayAsync(string scope, string key, string operation, byte[] hash, CancellationToken cancellationToken)
    {
        var record = await records.FindAsync(scope, key, cancellationToken);
        if (record is null)
        {
            return null;
        }

        if (record.Operation != operation || !record.RequestHash.AsSpan().SequenceEqual(hash))
        {
            return CatalogResponse.Error(new IcebergError(422, "UnprocessableEntityException",
                "Idempotency-Key was already used for a different request"));
        }

        return CatalogResponse.FromStored(record.StatusCode, record.Body, record.HeadersJson);
    }

    private static byte[] Hash(string method, string target, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(method + " " + target + "\n"));
        hash.AppendData(body);
        return hash.GetHashAndReset();
    }
}
