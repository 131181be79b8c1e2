using System.Net.Http.Headers;
using System.Net.Http.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests.Authentication;

/// <summary>
/// The standalone server with two real OpenID providers (npm oidc-provider): the primary one
/// ("oidc") and a partner ("partner") whose tokens must carry <c>groups</c> containing
/// <c>lake-users</c>. Every log line of the server is captured.
/// </summary>
public sealed class OidcFixture : IAsyncLifetime
{
    public static readonly OidcClient Alice = new("alice", "RS256", new Dictionary<string, object>
    {
        ["name"] = "Alice Example",
        ["email"] = "alice@example.com",
    });

    public static readonly OidcClient Bob = new("bob", "ES256");

    public static readonly OidcClient Carol = new("carol", "RS256", new Dictionary<string, object> { ["groups"] = new[] { "lake-users", "other" } });

    public static readonly OidcClient Dave = new("dave", "RS256", new Dictionary<string, object> { ["groups"] = new[] { "other" } });

    public OidcProvider Primary { get; private set; } = null!;

    public OidcProvider Partner { get; private set; } = null!;

    public StandaloneApp App { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Primary = await OidcProvider.StartAsync([Alice, Bob]);
        Partner = await OidcProvider.StartAsync([Carol, Dave]);
        App = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["OPENID_PROVIDER_URI"] = Primary.IssuerText,
            // Authentication, not authorization, is under test: an identity provider alone would select builtin.
            ["AUTHZ_BACKEND"] = "allowall",
            ["OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            ["OPENID_PROVIDERS:PARTNER:URI"] = Partner.IssuerText,
            ["OPENID_PROVIDERS:PARTNER:AUDIENCE"] = "other-audience," + OidcProvider.DefaultAudience,
            ["OPENID_PROVIDERS:PARTNER:REQUIRED_CLAIMS:MEMBER:CLAIM"] = "groups",
            ["OPENID_PROVIDERS:PARTNER:REQUIRED_CLAIMS:MEMBER:ANY_OF"] = "lake-users",
            ["AUTHENTICATION:KEYREFRESHINTERVALSECONDS"] = "1",
        }, Logs);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await App.Client.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Primary.DisposeAsync();
        await Partner.DisposeAsync();
    }
}

internal static class Bearer
{
    public static AuthenticationHeaderValue Of(string token) => new("Bearer", token);
}
