using Grpc.Core;
using Lakekeeper.Authz.Remote;
using Lakekeeper.Authz.V1;

namespace Lakekeeper.Authz.Server;

/// <summary>
/// The six methods of <c>lakekeeper.authz.v1.Authorizer</c> served from the in-process authorizer.
/// Invalid arguments answer INVALID_ARGUMENT with the reason; everything else is the engine's answer.
/// Any other exception becomes UNKNOWN without details (Grpc.AspNetCore's default), logged by the host.
/// </summary>
internal sealed class AuthzGrpcService(IAuthorizer authorizer) : V1.Authorizer.AuthorizerBase
{
    private static readonly CheckResponse Allowed = new() { Allowed = true };
    private static readonly CheckResponse Denied = new() { Allowed = false };
    private static readonly ListObjectsResponse Unrestricted = new() { Unrestricted = true };
    private static readonly WriteRelationshipsResponse Written = new();
    private static readonly DeleteRelationshipsResponse Deleted = new();

    public override async Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
    {
        var allowed = await Guard(() => authorizer.CheckAsync(
            ProtoMapping.FromProto(request.Principal),
            ProtoMapping.FromProto(request.Object, "object"),
            request.Relation,
            context.CancellationToken));
        return allowed ? Allowed : Denied;
    }

    public override async Task<BatchCheckResponse> BatchCheck(BatchCheckRequest request, ServerCallContext context)
    {
        var answers = await Guard(() =>
        {
            var items = new Authz.CheckItem[request.Items.Count];
            for (var i = 0; i < items.Length; i++)
            {
                var item = request.Items[i];
                items[i] = new Authz.CheckItem(ProtoMapping.FromProto(item.Object, $"items[{i}].object"), item.Relation);
            }

            return authorizer.BatchCheckAsync(ProtoMapping.FromProto(request.Principal), items, context.CancellationToken);
        });
        var response = new BatchCheckResponse();
        response.Allowed.AddRange(answers);
        return response;
    }

    public override async Task<ListObjectsResponse> ListObjects(ListObjectsRequest request, ServerCallContext context)
    {
        var list = await Guard(() => authorizer.ListObjectsAsync(
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

    public override async Task<WriteRelationshipsResponse> WriteRelationships(WriteRelationshipsRequest request, ServerCallContext context)
    {
        await Guard(async () =>
        {
            await authorizer.WriteRelationshipsAsync(ProtoMapping.FromProto(request.Relationships), context.CancellationToken);
            return true;
        });
        return Written;
    }

    public override async Task<DeleteRelationshipsResponse> DeleteRelationships(DeleteRelationshipsRequest request, ServerCallContext context)
    {
        await Guard(async () =>
        {
            await authorizer.DeleteRelationshipsAsync(ProtoMapping.FromProto(request.Relationships), context.CancellationToken);
            return true;
        });
        return Deleted;
    }

    public override async Task<ReadRelationshipsResponse> ReadRelationships(ReadRelationshipsRequest request, ServerCallContext context)
    {
        var page = await Guard(() => authorizer.ReadRelationshipsAsync(
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

    /// <summary>Runs the call; an <see cref="ArgumentException"/> (mapping or validation) is INVALID_ARGUMENT.</summary>
    private static async ValueTask<T> Guard<T>(Func<ValueTask<T>> call)
    {
        try
        {
            return await call();
        }
        catch (ArgumentException ex)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ex.Message));
        }
    }
}
