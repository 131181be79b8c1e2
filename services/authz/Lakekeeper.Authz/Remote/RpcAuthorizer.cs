using Google.Protobuf;
using Lakekeeper.Authz.V1;
using Lakekeeper.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Remote;

/// <summary>
/// <see cref="IAuthorizer"/> as a gRPC client of the authz service (microservices topology). Every
/// call carries a deadline of <see cref="AuthzOptions.TimeoutMs"/>. INVALID_ARGUMENT comes back as
/// <see cref="ArgumentException"/>; every other failure as <see cref="AuthorizerUnavailableException"/>.
/// </summary>
internal sealed partial class RpcAuthorizer : IAuthorizer, IDisposable
{
    private readonly RpcChannel _channel;
    private readonly TimeSpan _timeout;
    private readonly ILogger<RpcAuthorizer> _logger;

    public RpcAuthorizer(IOptions<AuthzOptions> options, ILogger<RpcAuthorizer> logger)
    {
        var settings = options.Value;
        var endpoint = settings.EndpointUri
            ?? throw new InvalidOperationException("LAKEKEEPER__AUTHZ__ENDPOINT is not set; the authorizer runs in process.");
        _channel = new RpcChannel(endpoint);
        _timeout = TimeSpan.FromMilliseconds(settings.TimeoutMs);
        _logger = logger;
    }

    public Uri Endpoint => _channel.Address;

    public async ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
    {
        var request = new CheckRequest
        {
            Principal = ProtoMapping.ToProto(principal),
            Object = ProtoMapping.ToProto(target),
            Relation = relation ?? string.Empty,
        };
        var reply = await CallAsync(AuthzRpcMethods.Check, request, cancellationToken);
        return reply.Allowed;
    }

    public async ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        var request = new BatchCheckRequest { Principal = ProtoMapping.ToProto(principal) };
        foreach (var item in items)
        {
            request.Items.Add(new V1.CheckItem { Object = ProtoMapping.ToProto(item.Object), Relation = item.Relation ?? string.Empty });
        }

        var reply = await CallAsync(AuthzRpcMethods.BatchCheck, request, cancellationToken);
        if (reply.Allowed.Count != items.Count)
        {
            LogFailure(_logger, AuthzRpcMethods.BatchCheck.Path, StatusCode.Internal, "answer count differs from item count");
            throw new AuthorizerUnavailableException(
                $"The authorization service answered {reply.Allowed.Count} of {items.Count} batch check items.");
        }

        return [.. reply.Allowed];
    }

    public async ValueTask<ObjectList> ListObjectsAsync(
        Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default)
    {
        var request = new ListObjectsRequest
        {
            Principal = ProtoMapping.ToProto(principal),
            ObjectType = objectType ?? string.Empty,
            Relation = relation ?? string.Empty,
            Within = within is { } container ? ProtoMapping.ToProto(container) : null,
        };
        var reply = await CallAsync(AuthzRpcMethods.ListObjects, request, cancellationToken);
        return reply.Unrestricted ? ObjectList.All : ObjectList.Of(reply.ObjectIds);
    }

    public async ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        var request = new WriteRelationshipsRequest();
        request.Relationships.AddRange(ToProto(relationships));
        await CallAsync(AuthzRpcMethods.WriteRelationships, request, cancellationToken);
    }

    public async ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        var request = new DeleteRelationshipsRequest();
        request.Relationships.AddRange(ToProto(relationships));
        await CallAsync(AuthzRpcMethods.DeleteRelationships, request, cancellationToken);
    }

    public async ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var request = new ReadRelationshipsRequest
        {
            Object = ProtoMapping.ToProto(query.Object),
            Relation = query.Relation ?? string.Empty,
            Subject = query.Subject is { } subject ? ProtoMapping.ToProto(subject) : null,
            PageSize = query.PageSize,
            PageToken = query.PageToken ?? string.Empty,
        };
        var reply = await CallAsync(AuthzRpcMethods.ReadRelationships, request, cancellationToken);
        try
        {
            return new RelationshipPage(ProtoMapping.FromProto(reply.Relationships), ProtoMapping.NullIfEmpty(reply.NextPageToken));
        }
        catch (ArgumentException ex)
        {
            throw new AuthorizerUnavailableException("The authorization service returned an incomplete relationship.", ex);
        }
    }

    public void Dispose() => _channel.Dispose();

    private static IEnumerable<V1.Relationship> ToProto(IReadOnlyList<Relationship> relationships)
    {
        ArgumentNullException.ThrowIfNull(relationships);
        foreach (var relationship in relationships)
        {
            ArgumentNullException.ThrowIfNull(relationship, nameof(relationships));
            yield return ProtoMapping.ToProto(relationship);
        }
    }

    private async Task<TResponse> CallAsync<TRequest, TResponse>(
        RpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        try
        {
            var options = new CallOptions { Deadline = DateTime.UtcNow + _timeout, CancellationToken = cancellationToken };
            return await _channel.CallAsync(method, request, options);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            throw new ArgumentException(ex.Status.Detail, ex);
        }
        catch (RpcException ex)
        {
            LogFailure(_logger, method.Path, ex.StatusCode, ex.Status.Detail);
            throw new AuthorizerUnavailableException(
                $"The authorization service at {_channel.Address} failed: {ex.StatusCode}.", ex);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Authorization call {Method} failed with {StatusCode}: {Detail}")]
    private static partial void LogFailure(ILogger logger, string method, StatusCode statusCode, string detail);
}
