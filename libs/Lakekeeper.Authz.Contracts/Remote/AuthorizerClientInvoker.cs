using Grpc.Core;

namespace Lakekeeper.Authz.V1;

/// <summary>The generated client's call invoker, so that other clients can share its channel and connections.</summary>
public static partial class Authorizer
{
    public partial class AuthorizerClient
    {
        internal CallInvoker Invoker => CallInvoker;
    }
}
