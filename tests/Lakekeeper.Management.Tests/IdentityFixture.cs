using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// The standalone server behind a real OpenID provider (npm oidc-provider), bootstrapped by
/// <c>oidc~admin</c> (also an instance admin); roles nest at most two deep and the token's
/// <c>roles</c> claim names role assignments.
/// </summary>
public sealed class IdentityFixture : IAsyncLifetime
{
    public static readonly OidcClient Admin = new("admin", "RS256", new Dictionary<string, object> { ["name"] = "Ada Admin", ["email"] = "ada@example.com" });

    public static readonly OidcClient Alice = new("alice", "ES256", new Dictionary<string, object> { ["name"] = "Alice Example", ["email"] = "alice@example.com" });

    public static readonly OidcClient Erin = new("erin", "RS256", new Dictionary<string, object> { ["name"] = "Erin Analyst", ["roles"] = new[] { "analyst" } });

    public static readonly OidcClient Frank = new("frank", "RS256", new Dictionary<string, object> { ["name"] = "Frank Smith", ["email"] = "frank.smith@example.org" });

    private readonly Dictionary<string, string> _tokens = [];

    public OidcProvider Idp { get; private set; } = null!;

    public StandaloneApp App { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        Idp = await OidcProvider.StartAsync([Admin, Alice, Erin, Frank]);
        App = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["OPENID_PROVIDER_URI"] = Idp.IssuerText,
            // Identity, not authorization, is under test: an identity provider alone would select builtin.
            ["AUTHZ_BACKEND"] = "allowall",
            ["OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            ["OPENID_ROLES_CLAIM"] = "roles",
            ["ROLE:MAX_NESTING_DEPTH"] = "2",
            ["INSTANCE_ADMINS"] = """["oidc~admin"]""",
            ["Log:Level"] = "Information",
        }, Logs);
        using var bootstrap = await SendAsync(Admin, HttpMethod.Post, "/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true });
        if (!bootstrap.IsSuccessStatusCode)
        {
            throw new InvalidOperationException("bootstrap failed: " + await bootstrap.Content.ReadAsStringAsync());
        }
    }

    public async Task<string> TokenAsync(OidcClient client)
    {
        if (!_tokens.TryGetValue(client.Id, out var token))
        {
            token = await Idp.GetTokenAsync(client);
            _tokens[client.Id] = token;
        }

        return token;
    }

    public async Task<HttpResponseMessage> SendAsync(
        OidcClient? client, HttpMethod method, string path, object? body = null, Guid? project = null, Guid? assumeRole = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (client is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + await TokenAsync(client));
        }

        if (project is { } p)
        {
            request.Headers.Add("x-project-id", p.ToString());
        }

        if (assumeRole is { } r)
        {
            request.Headers.Add("x-assume-role", r.ToString());
        }

        if (body is not null)
        {
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        return await App.Client.SendAsync(request);
    }

    /// <summary>Sends and reads: the status and the JSON body (default when empty).</summary>
    public async Task<(int Status, JsonElement Body)> CallAsync(
        OidcClient? client, HttpMethod method, string path, object? body = null, Guid? project = null, Guid? assumeRole = null)
    {
        using var response = await SendAsync(client, method, path, body, project, assumeRole);
        var text = await response.Content.ReadAsStringAsync();
        if (path.StartsWith("/management/v1/", StringComparison.Ordinal))
        {
            // Every identity test is also a contract test of the endpoints it calls.
            Contracts.ManagementContract.Check(method.Method, path, (int)response.StatusCode, text);
        }

        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Idp.DisposeAsync();
    }
}
