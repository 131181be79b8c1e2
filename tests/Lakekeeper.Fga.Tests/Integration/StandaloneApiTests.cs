using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Lakekeeper.Testing;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>The standalone host serves the OpenFGA API too, beside the catalog and its identity provider.</summary>
public sealed class StandaloneApiTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_standalone_host_serves_the_api_with_its_keys_while_the_catalog_asks_for_tokens()
    {
        await using var idp = await OidcProvider.StartAsync([new OidcClient("someone")]);
        var port = FreePort.Next();
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["OPENID_PROVIDER_URI"] = idp.IssuerText,
            ["OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            ["Authz:OPENFGA_API_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Authz:OPENFGA_API_KEYS"] = AuthzHost.ApiKey,
        });

        using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuthzHost.ApiKey);
        // The builtin backend (chosen by the identity provider) keeps its store here: the API sees it.
        using var created = await api.PostAsJsonAsync("stores", new { name = "from-standalone" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var stores = JsonNode.Parse(await api.GetStringAsync("stores", Ct))!["stores"]!.AsArray();
        Assert.Contains(stores, s => s!["name"]!.GetValue<string>() == "from-standalone");

        // The catalog still wants a token; the API's key is not one.
        using var catalog = new HttpRequestMessage(HttpMethod.Get, "/management/v1/info");
        catalog.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AuthzHost.ApiKey);
        using var refused = await app.Client.SendAsync(catalog, Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
