using Lakekeeper.Testing;

namespace Lakekeeper.Storage.Tests.Infrastructure;

/// <summary>The shared s3rver test server, started once per test class.</summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = S3rverServer.Bucket;
    public const string AccessKeyId = S3rverServer.AccessKeyId;
    public const string SecretAccessKey = S3rverServer.SecretAccessKey;

    private S3rverServer? _server;

    public Uri Endpoint => _server!.Endpoint;

    public async ValueTask InitializeAsync() => _server = await S3rverServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
