using Amazon.Runtime;

namespace Lakekeeper.Storage.S3;

/// <summary>
/// Gives every AWS SDK client (S3, STS) one shared <see cref="HttpClient"/>: the connection pool, TLS
/// sessions and DNS state are the expensive part, so clients stay cheap and can be dropped from a
/// cache without cutting off requests in flight. Disposing the factory disposes the client.
/// </summary>
internal sealed class SdkHttpClientFactory(HttpClient client) : HttpClientFactory, IDisposable
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => client;

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    public override string? GetConfigUniqueString(IClientConfig clientConfig) => null;

    public void Dispose() => client.Dispose();
}
