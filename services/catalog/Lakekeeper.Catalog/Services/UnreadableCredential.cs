using System.Runtime.CompilerServices;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// The object store of a warehouse whose stored credential cannot be decrypted (the row was altered,
/// or its key left the key ring too early). Calls that need no storage — loads, lists, namespaces,
/// drops without purge — keep working; every storage operation fails with
/// <see cref="StorageCredentialUnavailableException"/> (503 naming the warehouse and the key id).
/// </summary>
internal sealed class UnreadableCredentialStore(StorageLocation baseLocation, StorageCredentialUnavailableException failure) : IObjectStore
{
    public StorageLocation BaseLocation { get; } = baseLocation;

    public Task<StorageWriteResult> WriteAsync(StorageLocation location, ReadOnlyMemory<byte> content, bool createOnly, CancellationToken cancellationToken) =>
        throw failure;

    public Task<StorageReadResult> ReadAsync(StorageLocation location, CancellationToken cancellationToken) => throw failure;

    public Task<bool> ExistsAsync(StorageLocation location, CancellationToken cancellationToken) => throw failure;

    public Task DeleteAsync(StorageLocation location, CancellationToken cancellationToken) => throw failure;

    public Task<long> DeletePrefixAsync(StorageLocation prefix, CancellationToken cancellationToken) => throw failure;

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(StorageLocation prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        throw failure;
#pragma warning disable CS0162 // An iterator needs a yield to be one.
        yield break;
#pragma warning restore CS0162
    }
}

/// <summary>A warehouse's stored credential could not be decrypted; what to restore is in the message.</summary>
internal sealed class StorageCredentialUnavailableException(WarehouseId warehouse, string keyId, SecretProtectionError reason)
    : Exception(Describe(warehouse, keyId, reason))
{
    public const string ErrorType = "StorageCredentialUnavailableException";

    public static string Describe(WarehouseId warehouse, string keyId, SecretProtectionError reason) => reason switch
    {
        SecretProtectionError.UnknownKey =>
            $"The storage credential of warehouse {warehouse} is encrypted with key {keyId}, which is not configured: add that key to LAKEKEEPER__SECRETS__PREVIOUSKEYS, or store the credential again",
        _ =>
            $"The storage credential of warehouse {warehouse} (key {keyId}) cannot be decrypted ({reason}): store the credential again",
    };

    /// <summary>The key id in an envelope (version 1: <c>0x01 | key id (4 bytes) | …</c>), or <c>unknown</c>.</summary>
    public static string KeyIdOf(ReadOnlySpan<byte> envelope) =>
        envelope.Length >= 5 && envelope[0] == 1 ? Convert.ToHexStringLower(envelope[1..5]) : "unknown";
}

/// <summary>503 with a stable type: the operator must restore a key or the credential; clients retry later.</summary>
internal sealed class StorageCredentialUnavailableTranslator : IExceptionTranslator
{
    public ErrorResponse? Translate(Exception exception) => exception is StorageCredentialUnavailableException unavailable
        ? new ErrorResponse(503, StorageCredentialUnavailableException.ErrorType, unavailable.Message) { RetryAfterSeconds = 60 }
        : null;
}
