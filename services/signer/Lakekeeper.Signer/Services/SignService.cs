using Lakekeeper.Authz;
using Lakekeeper.Persistence.Catalog;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Signing;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Signer.Services;

/// <summary>A table named by namespace levels and name (the spec's per-table route).</summary>
internal sealed record NamedTable(IReadOnlyList<string> Namespace, string Name);

/// <summary>
/// Which route a sign request came by: the warehouse prefix and, on Lakekeeper's table-scoped route,
/// the table id, or on the spec's route the table's name.
/// </summary>
internal sealed record SignTarget(string Prefix, string? TabularId, string Route)
{
    public NamedTable? Table { get; init; }
}

/// <summary>A signed request: the URI to send to and every header to send with it; <see cref="Cacheable"/> for GET/HEAD.</summary>
internal sealed record SignedRequest(string Uri, IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, bool Cacheable);

/// <summary>
/// Signs an engine's S3 request when every object it touches lies inside one table of the warehouse
/// and the caller may read (GET, HEAD, list) or write (PUT, POST, DELETE) that table's data:
/// warehouse from the prefix → the request's rules (<see cref="S3RequestAnalysis"/>) → the table by
/// id, else by location → containment → authorization → SigV4 with the warehouse's key. Every refusal
/// is logged with its reason.
/// </summary>
internal sealed partial class SignService(
    SignerWarehouses warehouses,
    SignerTables tables,
    TabularRepository tabulars,
    SignerAccess access,
    TimeProvider time,
    ILogger<SignService> logger)
{
    public async Task<(SignedRequest? Signed, ErrorResponse? Error)> SignAsync(SignTarget target, SignRequest request, CancellationToken cancellationToken)
    {
        if (request.Provider is { } provider && !string.Equals(provider, "s3", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse(target, request, new ErrorResponse(400, "BadRequestException", $"provider '{SignRequestJson.Shorten(provider)}' is not supported; only 's3'"));
        }

        if (!Guid.TryParse(target.Prefix, out var warehouseGuid) || await warehouses.GetAsync(new WarehouseId(warehouseGuid), cancellationToken) is not { } warehouse)
        {
            return Refuse(target, request, NoSuchWarehouse(target.Prefix));
        }

        if (warehouse.Profile is not S3StorageProfile profile)
        {
            return Refuse(target, request, ErrorResponse.BadRequest("The warehouse does not store its data in S3: there is nothing to sign"));
        }

        if (!profile.IsRemoteSigningEnabled)
        {
            return Refuse(target, request, Forbidden("Remote signing is disabled for this warehouse (remote-signing-enabled is false)"));
        }

        if (warehouse.Credential is not S3AccessKeyCredential key)
        {
            return Refuse(target, request, Forbidden("The warehouse has no storage credential to sign with"));
        }

        if (!S3RequestUrl.TryParse(request.Uri, out var url, out var urlError))
        {
            return Refuse(target, request, ErrorResponse.BadRequest(urlError));
        }

        if (!S3RequestAnalysis.TryAnalyze(request.Method, url, request.Region, request.Headers, request.Body, profile, out var s3, out var refusal))
        {
            return Refuse(target, request, refusal.Refusal switch
            {
                S3SignRefusal.BadRequest => ErrorResponse.BadRequest(refusal.Message),
                S3SignRefusal.MethodNotAllowed => new ErrorResponse(405, "MethodNotAllowedException", refusal.Message),
                _ => Forbidden(refusal.Message),
            });
        }

        if (s3.RemovesObjects && profile.ClientDeletesDisabled(warehouse.SoftDeletion))
        {
            return Refuse(target, request, Forbidden(
                $"{s3.Operation} is not signed: engines do not delete objects in this warehouse (push-s3-delete-disabled{(profile.PushS3DeleteDisabled is null ? ", on with soft deletion" : string.Empty)}); the catalog deletes the files of dropped tables"));
        }

        // From the table cache first; a refusal is only ever decided on a fresh lookup.
        var (table, notFound, cached) = await FindTableAsync(warehouse.Id, target, s3, fresh: false, cancellationToken);
        if (table is null && cached)
        {
            (table, notFound, _) = await FindTableAsync(warehouse.Id, target, s3, fresh: true, cancellationToken);
        }

        if (table is null)
        {
            return Refuse(target, request, notFound!);
        }

        var relation = s3.Kind == S3AccessKind.Read ? Relations.CanReadData : Relations.CanWriteData;
        if (await access.MissingAsync(warehouse.Id.ToString(), table.Id.ToString(), relation, cancellationToken) is { } missing)
        {
            return Refuse(target, request, Forbidden("Forbidden: " + missing));
        }

        var (headers, _) = S3RemoteSigning.Sign(request.Method, url, request.Headers, request.Body,
            new SigV4Credential(key.AccessKeyId, key.SecretAccessKey, key.SessionToken), profile.Region, time.GetUtcNow());
        LogSigned(logger, s3.Operation, table.Id.ToString(), target.Route);
        return (new SignedRequest(request.Uri, headers, request.Method.ToUpperInvariant() is "GET" or "HEAD"), null);
    }

    /// <summary>
    /// The table the request is for, or why there is none the request may use; <c>Cached</c> when a
    /// cached lookup took part in the answer (a refusal is then asked again, fresh).
    /// </summary>
    private async Task<(TabularRow? Table, ErrorResponse? Refusal, bool Cached)> FindTableAsync(
        WarehouseId warehouse, SignTarget target, S3Access s3, bool fresh, CancellationToken cancellationToken)
    {
        var (table, cached) = await ResolveTableAsync(warehouse, target, s3, fresh, cancellationToken);
        if (table is null)
        {
            return (null, target.Table is { } named
                ? Forbidden($"Table does not exist: {string.Join('.', named.Namespace)}.{named.Name}")
                : Forbidden($"No table of this warehouse contains {Describe(s3)}"), cached);
        }

        if (table.Type == TabularType.View)
        {
            return (null, Forbidden("Views have no data files: a view is never signed for"), cached);
        }

        var outside = StorageLocation.TryParse(table.Location, out var tableLocation, out _)
            ? S3RequestAnalysis.CheckInside(s3, tableLocation)
            : "the table's location is not a location the catalog accepts";
        return outside is null ? (table, null, cached) : (null, Forbidden("Forbidden: " + outside), cached);
    }

    /// <summary>
    /// The table the request is for.
    /// <list type="bullet">
    /// <item>The spec's per-table route: the table of that name, strictly (a client of Iceberg 1.11 signs
    /// per table, so another table's file through it is refused);</item>
    /// <item>Lakekeeper's tabular-id route (the one table configs advertise): the table with that id when
    /// it contains the request's data, else the table whose location does (older PyIceberg reuses one
    /// signer URI for every table; authorization then applies to the table found);</item>
    /// <item>the warehouse route: the table whose location contains the data.</item>
    /// </list>
    /// </summary>
    private async Task<(TabularRow? Table, bool Cached)> ResolveTableAsync(WarehouseId warehouse, SignTarget target, S3Access s3, bool fresh, CancellationToken cancellationToken)
    {
        if (target.Table is { } named)
        {
            return await tables.GetAsync(warehouse, named.Namespace, named.Name, fresh, cancellationToken);
        }

        var cached = false;
        if (target.TabularId is { } text && Guid.TryParse(text, out var id))
        {
            (var byId, cached) = await tables.GetByIdAsync(warehouse, new TabularId(id), fresh, cancellationToken);
            if (byId is not null && StorageLocation.TryParse(byId.Location, out var location, out _) && S3RequestAnalysis.CheckInside(s3, location) is null)
            {
                return (byId, cached);
            }
        }

        if (s3.LookupLocation is not { } lookup)
        {
            return (null, cached);
        }

        var candidates = new List<string>();
        for (var current = lookup; current is not null && current.Path.Length > 0; current = current.Parent)
        {
            candidates.Add(current.ToString());
        }

        return (candidates.Count == 0 ? null : await tabulars.FindByLocationAsync(warehouse, candidates, cancellationToken), cached);
    }

    private static string Describe(S3Access s3) =>
        s3.ListPrefix is { } prefix ? $"the listing prefix '{SignRequestJson.Shorten(prefix)}'" : $"'{SignRequestJson.Shorten(s3.LookupLocation?.ToString() ?? s3.Bucket)}'";

    /// <summary>Logs a request refused before it could be read (too large, not a sign request) and returns its error.</summary>
    public ErrorResponse RefuseUnread(SignTarget target, ErrorResponse error)
    {
        LogRefused(logger, error.Code, target.Route, SignRequestJson.Shorten(target.Prefix), "-", "-", error.Message);
        return error;
    }

    private (SignedRequest?, ErrorResponse?) Refuse(SignTarget target, SignRequest request, ErrorResponse error)
    {
        LogRefused(logger, error.Code, target.Route, target.Prefix, request.Method, SignRequestJson.Shorten(StripQuery(request.Uri)), error.Message);
        return (null, error);
    }

    /// <summary>The URI without its query (which may carry tokens such as presigned signatures) for the log.</summary>
    private static string StripQuery(string uri)
    {
        var question = uri.IndexOf('?', StringComparison.Ordinal);
        return question < 0 ? uri : uri[..question] + "?…";
    }

    private static ErrorResponse NoSuchWarehouse(string prefix) =>
        new(404, "NoSuchWarehouseException", $"Warehouse does not exist: {SignRequestJson.Shorten(prefix)}");

    private static ErrorResponse Forbidden(string message) => new(403, "ForbiddenException", message);

    [LoggerMessage(EventId = 620, Level = LogLevel.Warning,
        Message = "Refused to sign ({Status}) on {Route} for warehouse {Warehouse}: {Method} {Uri}: {Reason}")]
    private static partial void LogRefused(ILogger logger, int status, string route, string warehouse, string method, string uri, string reason);

    [LoggerMessage(EventId = 621, Level = LogLevel.Debug, Message = "Signed {Operation} for table {Table} ({Route})")]
    private static partial void LogSigned(ILogger logger, string operation, string table, string route);
}
