using System.Security.Cryptography;
using System.Text;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Catalog;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// How a mutation's transaction ends. A service calls <see cref="CommitAsync"/> with the outcome it
/// is about to return; when the request carries an <c>Idempotency-Key</c>, the outcome is first
/// rendered as the client will receive it (by the renderer the HTTP layer handed to the gate) and
/// recorded in the same transaction, so the change and its recorded answer commit together. The
/// service never sees the rendering.
/// </summary>
internal sealed class Completion<T>
{
    private readonly IdempotencyScope? _idempotency;
    private readonly Func<T, CatalogResponse> _render;
    private readonly NpgsqlDataSource _dataSource;

    internal Completion(IdempotencyScope? idempotency, Func<T, CatalogResponse> render, NpgsqlDataSource dataSource)
    {
        _idempotency = idempotency;
        _render = render;
        _dataSource = dataSource;
    }

    /// <summary>The outcome as rendered for the record, when one was written (the gate answers with the same bytes).</summary>
    internal CatalogResponse? Rendered { get; private set; }

    /// <summary>
    /// Records the outcome with the change (when the request has a key) and commits. A record that
    /// loses to a concurrent request with the same key rolls the change back
    /// (<see cref="IdempotencyRaceException"/>); the gate then replays the winner's outcome.
    /// </summary>
    public async Task CommitAsync(DbTransaction tx, T outcome, CancellationToken cancellationToken)
    {
        await RecordAsync(tx, outcome, cancellationToken);
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>An outcome that changed nothing (e.g. a commit whose updates were no-ops): only its record, when there is a key.</summary>
    public async Task CommitUnchangedAsync(T outcome, CancellationToken cancellationToken)
    {
        if (_idempotency is null)
        {
            return;
        }

        await using var tx = await DbTransaction.BeginAsync(_dataSource, cancellationToken);
        await CommitAsync(tx, outcome, cancellationToken);
    }

    private async Task RecordAsync(DbTransaction tx, T outcome, CancellationToken cancellationToken)
    {
        if (_idempotency is null)
        {
            return;
        }

        Rendered = _render(outcome);
        if (!await _idempotency.RecordAsync(tx, Rendered, cancellationToken))
        {
            throw new IdempotencyRaceException();
        }
    }
}

/// <summary>The <c>Idempotency-Key</c> of one request, and what its record is filed under.</summary>
internal sealed class IdempotencyScope(string scope, string key, string operation, byte[] requestHash, TimeSpan lifetime)
{
    /// <summary>False: another request with this key finished first; roll back and replay it.</summary>
    public Task<bool> RecordAsync(DbTransaction tx, CatalogResponse response, CancellationToken cancellationToken) =>
        IdempotencyRepository.RecordAsync(tx, scope, key,
            new IdempotencyRecord(operation, requestHash, response.StatusCode, response.Body, response.HeadersJson), lifetime, cancellationToken);
}

/// <summary>Thrown by a service whose in-transaction record lost to a concurrent request with the same key.</summary>
internal sealed class IdempotencyRaceException : Exception
{
}

/// <summary>
/// Honours <c>Idempotency-Key</c> on mutations: a retried request with the same key gets the first
/// outcome (2xx or a deterministic 4xx) replayed without running again; 5xx is never stored.
/// </summary>
internal sealed class IdempotencyGate(IdempotencyRepository records, NpgsqlDataSource dataSource, IOptions<CatalogOptions> options)
{
    public const string HeaderName = "Idempotency-Key";
    private readonly TimeSpan _lifetime = options.Value.IdempotencyKeyLifetime;

    /// <param name="render">How the HTTP layer answers with a successful outcome; also what the record stores.</param>
    /// <param name="execute">The mutation; it commits through the <see cref="Completion{T}"/> it is given.</param>
    public async Task<CatalogResponse> RunAsync<T>(
        string? key, string scope, string operation, string method, string target, ReadOnlyMemory<byte> body,
        Func<T, CatalogResponse> render, Func<Completion<T>, Task<Result<T>>> execute, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key))
        {
            var completion = new Completion<T>(null, render, dataSource);
            return Answer(await execute(completion), completion, render);
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
        var recorded = new Completion<T>(idempotency, render, dataSource);
        CatalogResponse response;
        try
        {
            response = Answer(await execute(recorded), recorded, render);
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

    private static CatalogResponse Answer<T>(Result<T> result, Completion<T> completion, Func<T, CatalogResponse> render) =>
        result.IsFailure ? CatalogResponse.Error(result.Error) : completion.Rendered ?? render(result.Value);

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
