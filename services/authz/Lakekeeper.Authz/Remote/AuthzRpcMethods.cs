using Lakekeeper.Authz.V1;
using Lakekeeper.Rpc;

namespace Lakekeeper.Authz.Remote;

/// <summary>The methods of <c>lakekeeper.authz.v1.Authorizer</c> (protos/authz.proto), named from its descriptor.</summary>
public static class AuthzRpcMethods
{
    public static string ServiceName { get; } = AuthzReflection.Descriptor.Services.Single(s => s.Name == "Authorizer").FullName;

    public static RpcMethod<CheckRequest, CheckResponse> Check { get; } = new(ServiceName, "Check");

    public static RpcMethod<BatchCheckRequest, BatchCheckResponse> BatchCheck { get; } = new(ServiceName, "BatchCheck");

    public static RpcMethod<ListObjectsRequest, ListObjectsResponse> ListObjects { get; } = new(ServiceName, "ListObjects");

    public static RpcMethod<WriteRelationshipsRequest, WriteRelationshipsResponse> WriteRelationships { get; } =
        new(ServiceName, "WriteRelationships");

    public static RpcMethod<DeleteRelationshipsRequest, DeleteRelationshipsResponse> DeleteRelationships { get; } =
        new(ServiceName, "DeleteRelationships");

    public static RpcMethod<ReadRelationshipsRequest, ReadRelationshipsResponse> ReadRelationships { get; } =
        new(ServiceName, "ReadRelationships");
}
