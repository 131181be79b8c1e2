using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.V1;
using Lakekeeper.Rpc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Authz.Server;

/// <summary>
/// The six methods of <c>lakekeeper.authz.v1.Authorizer</c> served from the in-process authorizer.
/// Invalid arguments answer INVALID_ARGUMENT with the reason; everything else is the engine's answer.
/// The authorizer is resolved on the first call, not while endpoints are mapped, so bad settings
/// surface through start-up validation (one clear message) rather than from <c>MapAuthzServer</c>.
/// </summary>
internal sealed class AuthzRpcService(IServiceProvider services)
{
    private static readonly CheckResponse Allowed = new() { Allowed = true };
    private static readonly CheckResponse Denied = new() { Allowed = false };
    private static readonly ListObjectsResponse Unrestricted = new() { Unrestricted = true };
    private static readonly WriteRelationshipsResponse Written = new();
    private static readonly DeleteRelationshipsResponse Deleted = new();

    private IAuthorizer? _authorizer;

    private IAuthorizer Authorizer => _authorizer ??= services.GetRequiredService<IAuthorizer>();

    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapUnary(AuthzRpcMethods.Check, CheckAsync);
        endpoints.MapUnary(AuthzRpcMethods.BatchCheck, BatchCheckAsync);
        endpoints.MapUnary(AuthzRpcMethods.ListObjects, ListObjectsAsync);
        endpoints.MapUnary(AuthzRpcMethods.WriteRelationships, WriteRelationshipsAsync);
        endpoints.MapUnary(AuthzRpcMethods.DeleteRelationships, DeleteRelationshipsAsync);
        endpoints.MapUnary(AuthzRpcMethods.ReadRelationships, ReadRelationshipsAsync);
    }

    private ValueTask<CheckResponse> CheckAsync(CheckRequest request, ServerCallContext context)
    {
        try
        {
            var pending = Authorizer.CheckAsync(
                ProtoMapping.FromProto(request.Principal),
                ProtoMapping.FromProto(request.Object, "object"),
                request.Relation,
                context.CancellationToken);
            return pending.IsCompletedSuccessfully ? new(pending.Result ? Allowed : Denied) : AwaitCheckAsync(pending);
        }
        catch (ArgumentException ex)
        {
            throw InvalidArgument(ex);
        }
    }

    private async ValueTask<BatchCheckResponse> BatchCheckAsync(BatchCheckRequest request, ServerCallContext context)
    {
        var answers = await Guard(() =>
        {
            var items = new Authz.CheckItem[request.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                var item = request.Items[i];
                items[i] = new Authz.CheckItem(ProtoMapping.FromProto(item.Object, $"items[{i}].object"), item.Relation);
            }

            return Authorizer.BatchCheckAsync(ProtoMapping.FromProto(request.Principal), items, context.CancellationToken);
        });
        var response = new BatchCheckResponse();
        response.Allowed.AddRange(answers);
        return response;
    }

    private async ValueTask<ListObjectsResponse> ListObjectsAsync(ListObjectsRequest request, ServerCallContext context)
    {
        var list = await Guard(() => Authorizer.ListObjectsAsync(
            ProtoMapping.FromProto(request.Principal),
            request.ObjectType,
            request.Relation,
            request.Within is null ? null : ProtoMapping.FromProto(request.Within, "within"),
            context.CancellationToken));
        if (list.Unrestricted)
        {
            return Unrestricted;
        }

        var response = new ListObjectsResponse();
        response.ObjectIds.AddRange(list.Ids);
        return response;
    }

    private async ValueTask<WriteRelationshipsResponse> WriteRelationshipsAsync(WriteRelationshipsRequest request, ServerCallContext context)
    {
        await Guard(async () =>
        {
            await Authorizer.WriteRelationshipsAsync(ProtoMapping.FromProto(request.Relationships), context.CancellationToken);
            return true;
        });
        return Written;
    }

    private async ValueTask<DeleteRelationshipsResponse> DeleteRelationshipsAsync(DeleteRelationshipsRequest request, ServerCallContext context)
    {
        await Guard(async () =>
        {
            await Authorizer.DeleteRelationshipsAsync(ProtoMapping.FromProto(request.Relationships), context.CancellationToken);
            return true;
        });
        return Deleted;
    }

    private async ValueTask<ReadRelationshipsResponse> ReadRelationshipsAsync(ReadRelationshipsRequest request, ServerCallContext context)
    {
        var page = await Guard(() => Authorizer.ReadRelationshipsAsync(
            new RelationshipQuery(
                ProtoMapping.FromProto(request.Object, "object"),
                ProtoMapping.NullIfEmpty(request.Relation),
                request.Subject is null ? null : ProtoMapping.FromProto(request.Subject, "subject"),
                request.PageSize,
                ProtoMapping.NullIfEmpty(request.PageToken)),
            context.CancellationToken));
        var response = new ReadRelationshipsResponse { NextPageToken = page.NextPageToken ?? string.Empty };
        foreach (var relationship in page.Relationships)
        {
            response.Relationships.Add(ProtoMapping.ToProto(relationship));
        }

        return response;
    }

    private static async ValueTask<CheckResponse> AwaitCheckAsync(ValueTask<bool> pending) =>
        await pending ? Allowed : Denied;

    private static async ValueTask<T> Guard<T>(Func<ValueTask<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ArgumentException ex)
        {
            throw InvalidArgument(ex);
        }
    }

    private static RpcException InvalidArgument(ArgumentException exception) =>
        new(StatusCode.InvalidArgument, exception.Message);
}
