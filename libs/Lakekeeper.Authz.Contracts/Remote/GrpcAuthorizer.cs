using Grpc.Core;
using Grpc.Net.ClientFactory;
using Lakekeeper.Authz.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Remote;

/// <summary>
/// <see cref="IAuthorizer"/> as a gRPC client of the authz service (microservices topology), on the
/// generated <see cref="V1.Authorizer.AuthorizerClient"/> from <c>Grpc.Net.ClientFactory</c>. Every call
/// carries a deadline of <see cref="AuthzOptions.TimeoutMs"/>. INVALID_ARGUMENT comes back as
/// <see cref="ArgumentException"/>; every other failure (unavailable, deadline exceeded, internal,
/// connection refused …) as <see cref="AuthorizerUnavailableException"/>. The caller's own token
/// firing is an <see cref="OperationCanceledException"/>, not a failure.
/// </summary>
internal sealed partial class GrpcAuthorizer(
    GrpcClientFactory clients, IOptions<AuthzOptions> options, ILogger<GrpcAuthorizer> logger) : IAuthorizer
{
    private readonly V1.Authorizer.AuthorizerClient _client = clients.CreateClient<V1.Authorizer.AuthorizerClient>(AuthzRegistration.ClientName);
    private readonly TimeSpan _timeout = TimeSpan.FromMilliseconds(options.Value.TimeoutMs);

    public string Endpoint { get; } = options.Value.EndpointUri is not null
        ? options.Value.Endpoint!.Trim()
        : throw new InvalidOperationException("LAKEKEEPER__AUTHZ__ENDPOINT is not set; the authorizer runs in process.");

    public async ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
    {
        var request = new CheckRequest
        {
            Principal = ProtoMapping.ToProto(principal),
            Object = ProtoMapping.ToProto(target),
            Relation = relation ?? string.Empty,
        };
        var reply = await CallAsync(nameof(_client.Check), _client.CheckAsync(request, Options(cancellationToken)), cancellationToken);
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

        var reply = await CallAsync(nameof(_client.BatchCheck), _client.BatchCheckAsync(request, Options(cancellationToken)), cancellationToken);
        if (reply.Allowed.Count != items.Count)
        {
            LogFailure(logger, nameof(_client.BatchCheck), StatusCode.Internal, "answer count differs from item count", null);
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
        var reply = await CallAsync(nameof(_client.ListObjects), _client.ListObjectsAsync(request, Options(cancellationToken)), cancellationToken);
        return reply.Unrestricted ? ObjectList.All : ObjectList.Of(reply.ObjectIds);
    }

    public async ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        var request = new WriteRelationshipsRequest();
        request.Relationships.AddRange(ToProto(relationships));
        await CallAsync(nameof(_client.WriteRelationships), _client.WriteRelationshipsAsync(request, Options(cancellationToken)), cancellationToken);
    }

    public async ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default)
    {
        var request = new DeleteRelationshipsRequest();
        request.Relationships.AddRange(ToProto(relationships));
        await CallAsync(nameof(_client.DeleteRelationships), _client.DeleteRelationshipsAsync(request, Options(cancellationToken)), cancellationToken);
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
        var reply = await CallAsync(nameof(_client.ReadRelationships), _client.ReadRelationshipsAsync(request, Options(cancellationToken)), cancellationToken);
        try
        {
            return new RelationshipPage(ProtoMapping.FromProto(reply.Relationships), ProtoMapping.NullIfEmpty(reply.NextPageToken));
        }
        catch (ArgumentException ex)
        {
            throw new AuthorizerUnavailableException("The authorization service returned an incomplete relationship.", ex);
        }
    }

    private static IEnumerable<V1.Relationship> ToProto(IReadOnlyList<Relationship> relationships)
    {
        ArgumentNullException.ThrowIfNull(relationships);
        foreach (var relationship in relationships)
        {
            ArgumentNullException.ThrowIfNull(relationship, nameof(relationships));
            yield return ProtoMapping.ToProto(relationship);
        }
    }

    /// <summary>Every call gets its own deadline: the authz service must answer within the timeout.</summary>
    private CallOptions Options(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken);

    private async Task<TResponse> CallAsync<TResponse>(string method, AsyncUnaryCall<TResponse> call, CancellationToken cancellationToken)
    {
        using (call)
        {
            try
            {
                return await call.ResponseAsync;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                throw new AuthzArgumentException(ex.Status.Detail, ex);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                // The caller went away (its token fired): not a failure of the authz service. (The
                // channel option ThrowOperationCanceledOnCancellation would also turn an exceeded
                // deadline into a cancellation, hiding the outage, so it stays off.)
                throw new OperationCanceledException("The caller cancelled the authorization call.", ex, cancellationToken);
            }
            catch (RpcException ex)
            {
                LogFailure(logger, method, ex.StatusCode, ex.Status.Detail, ex.Status.DebugException);
                throw new AuthorizerUnavailableException($"The authorization service at {Endpoint} failed: {ex.StatusCode}.", ex);
            }
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Authorization call {Method} failed with {StatusCode}: {Detail}")]
    private static partial void LogFailure(ILogger logger, string method, StatusCode statusCode, string detail, Exception? exception);
}
