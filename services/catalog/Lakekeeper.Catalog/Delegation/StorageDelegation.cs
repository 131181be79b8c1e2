using System.Globalization;
using System.Runtime.ExceptionServices;
using Lakekeeper.Authz;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Iceberg;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Catalog.Delegation;

internal enum DelegationMode
{
    /// <summary>Storage settings only (file warehouses, <c>client-managed</c>, or nothing possible).</summary>
    None,

    /// <summary>Short-lived STS credentials scoped to the table.</summary>
    VendedCredentials,

    /// <summary>The engine asks the catalog's signer to sign each S3 request.</summary>
    RemoteSigning,
}

/// <summary>The decision for one load: the mechanism and (for vended credentials) the access level, and the part of the ETag they shape.</summary>
/// <remarks><see cref="WarehouseVersion"/> is null for warehouses without storage settings in the body (file storage).</remarks>
internal sealed record DelegationPlan(DelegationMode Mode, S3AccessLevel? Level, long? WarehouseVersion)
{
    /// <summary>
    /// Everything of the decision that shapes a response body, for its ETag (a 304 never serves another
    /// caller's credentials); null when nothing does (file storage).
    /// </summary>
    public string? ETagPart => WarehouseVersion is null && Mode == DelegationMode.None
        ? null
        : string.Create(CultureInfo.InvariantCulture, $"{Mode}:{Level?.ToString() ?? "-"}:{WarehouseVersion}");
}

/// <summary>One <c>storage-credentials</c> entry: the table location and the credential's settings.</summary>
internal sealed record StorageCredentialEntry(string Prefix, IReadOnlyDictionary<string, string> Config);

/// <summary>
/// What a load response carries for data access: the table <c>config</c>, at most one credential, whether
/// to add <c>remote-signing-config</c>, and the plan it follows (another than the one asked for when
/// vending failed and remote signing was given instead: the response's ETag is that plan's).
/// </summary>
internal sealed record DelegatedAccess(IReadOnlyDictionary<string, string> Config, StorageCredentialEntry? Credential, bool RemoteSigningConfig, DelegationPlan Plan);

/// <summary>
/// How engines reach a table's data (docs/signing.md): vended STS credentials when the client takes
/// them (asked for, or no preference) and the warehouse has STS on, else remote signing when the client
/// takes it and the warehouse allows it, else storage settings only; when STS fails, a client that takes
/// remote signing gets it instead. Vended credentials are read-only
/// for callers with <c>can_read_data</c> and read-write-delete for <c>can_write_data</c> (read-write
/// where engines may not delete: <c>push-s3-delete-disabled</c>); a caller with neither gets none. A warehouse key is never handed out.
/// </summary>
internal sealed partial class StorageDelegation(IAuthorizer authorizer, AccessGuard access, IS3CredentialVendor vendor, ILogger<StorageDelegation> logger)
{
    public const string SignerName = "S3V4RestSigner";

    /// <summary>Decides the mechanism (and level) without vending anything: cheap enough to compute before a 304.</summary>
    public async ValueTask<DelegationPlan> PlanAsync(WarehouseContext warehouse, TabularId table, DelegationRequest request, CancellationToken cancellationToken)
    {
        var header = request.Header;
        if (warehouse.Profile is not S3StorageProfile s3)
        {
            return new DelegationPlan(DelegationMode.None, null, null);
        }

        if (header.ClientManaged && !header.VendedCredentials && !header.RemoteSigning)
        {
            return new DelegationPlan(DelegationMode.None, null, warehouse.Version);
        }

        if (header.AcceptsVendedCredentials && s3.StsEnabled)
        {
            if (warehouse.Credential is not S3AccessKeyCredential)
            {
                LogNoVending(logger, warehouse.Name, "the warehouse has no access-key credential to call STS with");
            }
            else if (await LevelAsync(warehouse, table, cancellationToken) is { } level)
            {
                return new DelegationPlan(DelegationMode.VendedCredentials, level, warehouse.Version);
            }
            else
            {
                LogNoVending(logger, warehouse.Name, $"the caller has neither {Relations.CanReadData} nor {Relations.CanWriteData} on table {table}");
                return new DelegationPlan(DelegationMode.None, null, warehouse.Version);
            }
        }

        if (header.AcceptsRemoteSigning && s3.IsRemoteSigningEnabled)
        {
            return new DelegationPlan(DelegationMode.RemoteSigning, null, warehouse.Version);
        }

        if (header.VendedCredentials || header.RemoteSigning)
        {
            LogNoVending(logger, warehouse.Name, (s3.StsEnabled, s3.IsRemoteSigningEnabled, header.RemoteSigning) switch
            {
                (false, true, false) => "sts-enabled is false and the client does not accept remote signing",
                (false, false, _) => "sts-enabled and remote-signing-enabled are both false",
                _ => "the client accepts only remote signing, which is disabled for the warehouse",
            });
        }

        return new DelegationPlan(DelegationMode.None, null, warehouse.Version);
    }

    /// <summary>Materialises a plan: the signer settings, or credentials from STS (cached).</summary>
    public async Task<Result<DelegatedAccess>> ApplyAsync(
        WarehouseContext warehouse, DelegationPlan plan, TabularId table, string location, TableIdentifier identifier, DelegationRequest request,
        CancellationToken cancellationToken)
    {
        switch (plan.Mode)
        {
            case DelegationMode.RemoteSigning:
                return RemoteSigning(warehouse, plan, table, request);

            case DelegationMode.VendedCredentials:
            {
                var (credential, failure) = await TryVendAsync(warehouse, plan.Level!.Value, location, identifier, cancellationToken);
                if (failure is not null)
                {
                    // STS refused or could not be reached: a client that takes remote signing gets it
                    // instead, in a warehouse that allows it (every request is then checked by the signer).
                    if (request.Header.AcceptsRemoteSigning && ((S3StorageProfile)warehouse.Profile).IsRemoteSigningEnabled)
                    {
                        LogSigningInstead(logger, warehouse.Name, location, failure.Message);
                        return RemoteSigning(warehouse, new DelegationPlan(DelegationMode.RemoteSigning, null, plan.WarehouseVersion), table, request);
                    }

                    return Refuse(warehouse, location, failure);
                }

                var config = new Dictionary<string, string>(warehouse.ClientConfig, StringComparer.Ordinal);
                foreach (var (key, value) in credential!.Config)
                {
                    config[key] = value;
                }

                config["client.refresh-credentials-enabled"] = "true";
                return new DelegatedAccess(config, credential, RemoteSigningConfig: false, plan);
            }

            default:
                return new DelegatedAccess(warehouse.ClientConfig, null, RemoteSigningConfig: false, plan);
        }
    }

    private static DelegatedAccess RemoteSigning(WarehouseContext warehouse, DelegationPlan plan, TabularId table, DelegationRequest request)
    {
        var endpoint = $"v1/signer/{warehouse.Id}/tabular-id/{table}/v1/aws/s3/sign";
        var config = new Dictionary<string, string>(warehouse.ClientConfig, StringComparer.Ordinal)
        {
            ["s3.remote-signing-enabled"] = "true",
            ["s3.signer"] = SignerName,
            ["signer.uri"] = request.CatalogUri,
            ["s3.signer.uri"] = request.CatalogUri,
            ["signer.endpoint"] = endpoint,
            ["s3.signer.endpoint"] = endpoint,
        };
        return new DelegatedAccess(config, null, RemoteSigningConfig: true, plan);
    }

    /// <summary>Fresh credentials for <c>GET …/credentials</c>: none unless the warehouse vends and the caller may read.</summary>
    public async Task<Result<StorageCredentialEntry?>> CredentialsAsync(
        WarehouseContext warehouse, TabularId table, string location, TableIdentifier identifier, CancellationToken cancellationToken)
    {
        if (warehouse.Profile is not S3StorageProfile { StsEnabled: true } || warehouse.Credential is not S3AccessKeyCredential
            || await LevelAsync(warehouse, table, cancellationToken) is not { } level)
        {
            return (StorageCredentialEntry?)null;
        }

        var (entry, failure) = await TryVendAsync(warehouse, level, location, identifier, cancellationToken);
        return failure is null ? entry : Refuse(warehouse, location, failure);
    }

    /// <summary>
    /// A refused or failed vending: a transient failure (STS unreachable, throttled) goes on to the error
    /// boundary (503 with Retry-After); a refusal (role, trust policy, key) is a 503 whose details are in
    /// the log, never in the answer.
    /// </summary>
    private IcebergError Refuse(WarehouseContext warehouse, string location, StorageException failure)
    {
        if (failure.IsTransient)
        {
            ExceptionDispatchInfo.Throw(failure);
        }

        LogVendingFailed(logger, warehouse.Name, location, failure.Message);
        return new IcebergError(503, "ServiceUnavailableException", "Could not vend storage credentials for the table; the server log says why");
    }

    private async Task<(StorageCredentialEntry? Entry, StorageException? Failure)> TryVendAsync(
        WarehouseContext warehouse, S3AccessLevel level, string location, TableIdentifier identifier, CancellationToken cancellationToken)
    {
        var s3 = (S3StorageProfile)warehouse.Profile;
        VendedS3Credentials vended;
        try
        {
            vended = await vendor.VendAsync($"{warehouse.Id}@{warehouse.Version}", s3, (S3AccessKeyCredential)warehouse.Credential!,
                StorageLocation.Parse(location), level, cancellationToken);
        }
        catch (StorageException ex)
        {
            return (null, ex);
        }

        var expiresAt = vended.Expiration.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
        var refresh = "v1/" + warehouse.Id + "/namespaces/" + string.Join("%1F", identifier.Namespace.Select(Uri.EscapeDataString))
            + "/tables/" + Uri.EscapeDataString(identifier.Name) + "/credentials";
        return (new StorageCredentialEntry(location, new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["s3.access-key-id"] = vended.AccessKeyId,
            ["s3.secret-access-key"] = vended.SecretAccessKey,
            ["s3.session-token"] = vended.SessionToken,
            ["s3.session-token-expires-at-ms"] = expiresAt,
            ["expiration-time"] = expiresAt,
            ["client.refresh-credentials-endpoint"] = refresh,
        }), null);
    }

    /// <summary>
    /// The caller's level on the table: write → read-write-delete (read-write where engines may not
    /// delete), read → read-only, else none.
    /// </summary>
    private async ValueTask<S3AccessLevel?> LevelAsync(WarehouseContext warehouse, TabularId table, CancellationToken cancellationToken)
    {
        // Single checks (cached briefly by the gRPC binding), writers first: most callers that get credentials write.
        var target = AuthzObject.Table(table.ToString());
        if (await authorizer.CheckAsync(access.Caller, target, Relations.CanWriteData, cancellationToken))
        {
            return warehouse.ClientDeletesDisabled ? S3AccessLevel.ReadWrite : S3AccessLevel.ReadWriteDelete;
        }

        return await authorizer.CheckAsync(access.Caller, target, Relations.CanReadData, cancellationToken) ? S3AccessLevel.Read : null;
    }

    [LoggerMessage(EventId = 330, Level = LogLevel.Information, Message = "No storage credentials for a table of warehouse {Warehouse}: {Reason}")]
    private static partial void LogNoVending(ILogger logger, string warehouse, string reason);

    [LoggerMessage(EventId = 331, Level = LogLevel.Error, Message = "Vending credentials for {Location} in warehouse {Warehouse} failed: {Reason}")]
    private static partial void LogVendingFailed(ILogger logger, string warehouse, string location, string reason);

    [LoggerMessage(EventId = 332, Level = LogLevel.Warning,
        Message = "Vending credentials for {Location} in warehouse {Warehouse} failed ({Reason}); the client gets remote signing instead")]
    private static partial void LogSigningInstead(ILogger logger, string warehouse, string location, string reason);
}
