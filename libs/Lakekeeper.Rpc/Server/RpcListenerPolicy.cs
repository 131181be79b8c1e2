using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Rpc.Server;

/// <summary>
/// gRPC endpoints match only HTTP/2 requests on the internal port. Elsewhere they are invalid
/// candidates, so the public port answers as if they did not exist (the host's fallback).
/// </summary>
internal sealed class RpcListenerPolicy(IOptions<RpcServerOptions> options) : MatcherPolicy, IEndpointSelectorPolicy
{
    // After the built-in policies (HTTP method, host) so we only narrow what they left.
    public override int Order => 1000;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<RpcEndpointMetadata>() is not null)
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        if (IsInternal(httpContext))
        {
            return Task.CompletedTask;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<RpcEndpointMetadata>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    private bool IsInternal(HttpContext context)
    {
        if (!HttpProtocol.IsHttp2(context.Request.Protocol))
        {
            return false;
        }

        var port = options.Value.Port;
        return port is null or 0 || context.Connection.LocalPort == port;
    }
}
