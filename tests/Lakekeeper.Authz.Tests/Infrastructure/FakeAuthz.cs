using System.Net;
using Grpc.Core;
using Lakekeeper.Authz.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Authz.Tests.Infrastructure;

/// <summary>
/// An authz endpoint on Grpc.AspNetCore whose methods do what the test says (a stand-in for a slow,
/// failing or misbehaving authz service), and which records what each call carried.
/// </summary>
public sealed class FakeAuthz : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Service _service;

    private FakeAuthz(WebApplication app, Uri address, Service service)
    {
        _app = app;
        _service = service;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Method name, the deadline the server saw and the caller's traceparent, per call.</summary>
    public IReadOnlyList<(string Method, DateTime Deadline, string? TraceParent)> Calls => _service.Calls;

    public static async Task<FakeAuthz> StartAsync(Func<CheckRequest, ServerCallContext, Task<CheckResponse>>? check = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var service = new Service(check ?? ((_, _) => Task.FromResult(new CheckResponse { Allowed = true })));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new FakeAuthz(app, new Uri(address), service);
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private sealed class Service(Func<CheckRequest, ServerCallContext, Task<CheckResponse>> check) : V1.Authorizer.AuthorizerBase
    {
        private readonly List<(string, DateTime, string?)> _calls = [];

        public IReadOnlyList<(string Method, DateTime Deadline, string? TraceParent)> Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
        {
            Record(context);
            return check(request, context);
        }

        public override Task<BatchCheckResponse> BatchCheck(BatchCheckRequest request, ServerCallContext context)
        {
            Record(context);
            var response = new BatchCheckResponse();
            response.Allowed.AddRange(request.Items.Select(_ => true));
            return Task.FromResult(response);
        }

        public override Task<ListObjectsResponse> ListObjects(ListObjectsRequest request, ServerCallContext context)
        {
            Record(context);
            return Task.FromResult(new ListObjectsResponse { Unrestricted = true });
        }

        public override Task<WriteRelationshipsResponse> WriteRelationships(WriteRelationshipsRequest request, ServerCallContext context)
        {
            Record(context);
            return Task.FromResult(new WriteRelationshipsResponse());
        }

        public override Task<DeleteRelationshipsResponse> DeleteRelationships(DeleteRelationshipsRequest request, ServerCallContext context)
        {
            Record(context);
            return Task.FromResult(new DeleteRelationshipsResponse());
        }

        public override Task<ReadRelationshipsResponse> ReadRelationships(ReadRelationshipsRequest request, ServerCallContext context)
        {
            Record(context);
            return Task.FromResult(new ReadRelationshipsResponse());
        }

        private void Record(ServerCallContext context, [System.Runtime.CompilerServices.CallerMemberName] string method = "")
        {
            lock (_calls)
            {
                _calls.Add((method, context.Deadline, context.RequestHeaders.GetValue("traceparent")));
            }
        }
    }
}
