namespace Lakekeeper.Abstractions.Hosting;

/// <summary>
/// The shared token services present to each other on the internal port
/// (<c>LAKEKEEPER__SERVICE_TOKEN</c>): a client sends it in <see cref="HeaderName"/>, the server
/// refuses internal calls without it. Reaching an internal port is then not enough to call it.
/// </summary>
public static class ServiceToken
{
    /// <summary>The configuration key (environment variable <c>LAKEKEEPER__SERVICE_TOKEN</c>).</summary>
    public const string Key = "SERVICE_TOKEN";

    public const string Variable = "LAKEKEEPER__SERVICE_TOKEN";

    public const string HeaderName = "x-lakekeeper-service-token";
}
