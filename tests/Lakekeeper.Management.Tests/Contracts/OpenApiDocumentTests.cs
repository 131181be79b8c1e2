using System.Text.Json;
using System.Text.Json.Nodes;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Management.Tests.Contracts;

/// <summary>
/// The management OpenAPI document is generated from the endpoints and committed; this fails when
/// the two drift. To accept a change of the API, regenerate the file:
/// <c>LAKEKEEPER_UPDATE_CONTRACTS=1 dotnet test tests/Lakekeeper.Management.Tests --filter OpenApiDocumentTests</c>.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private StandaloneApp _app = null!;

    public async ValueTask InitializeAsync() => _app = await StandaloneApp.StartAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task The_committed_management_document_is_the_one_the_code_generates()
    {
        using var response = await _app.Client.GetAsync("/api-docs/management/v1/openapi.json");
        Assert.Equal(200, (int)response.StatusCode);
        var served = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        if (Environment.GetEnvironmentVariable("LAKEKEEPER_UPDATE_CONTRACTS") == "1")
        {
            await File.WriteAllTextAsync(ManagementContract.FilePath,
                served.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }

        var committed = JsonNode.Parse(await File.ReadAllTextAsync(ManagementContract.FilePath))!;
        var difference = FirstDifference(committed, served, "$");
        Assert.True(difference is null,
            $"contracts/{ManagementContract.FileName} differs from the document the code generates at {difference}. If the API change is intended, " +
            "regenerate it: LAKEKEEPER_UPDATE_CONTRACTS=1 dotnet test tests/Lakekeeper.Management.Tests --filter OpenApiDocumentTests");
    }

    [Fact]
    public void The_document_covers_every_management_route_the_host_maps()
    {
        var documented = ManagementContract.Document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .ToHashSet(StringComparer.Ordinal);
        var mapped = _app.Services.GetServices<Microsoft.AspNetCore.Routing.EndpointDataSource>()
            .SelectMany(s => s.Endpoints).OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/management/", StringComparison.Ordinal) == true)
            // Left out on purpose (ExcludeFromDescription): Lakekeeper's older undrop path, and the catch-all
            // task-queue routes that answer 404 naming the queues (docs/lifecycle.md).
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m =>
                $"{m} {System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.TrimEnd('/'), ":[a-z]+}", "}")}"))
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.Equal([], mapped.Where(m => !documented.Contains(m)).ToList());
    }

    [Fact]
    public async Task The_catalog_document_is_the_pinned_Iceberg_spec_as_JSON()
    {
        using var response = await _app.Client.GetAsync("/api-docs/catalog/v1/openapi.json");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var yaml = new YamlDotNet.RepresentationModel.YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(Path.Combine(ServiceProcess.RepositoryRoot, "contracts", "iceberg-rest-catalog-open-api.yaml"))));
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)yaml.Documents[0].RootNode;
        var paths = ((YamlDotNet.RepresentationModel.YamlMappingNode)root.Children["paths"]).Children.Keys.Select(k => k.ToString()).ToList();

        Assert.Equal(root.Children["openapi"].ToString(), document["openapi"]!.GetValue<string>());
        Assert.Equal(paths, document["paths"]!.AsObject().Select(p => p.Key).ToList());
        // Types survive the conversion: booleans stay booleans, references stay references.
        Assert.Equal("#/components/parameters/prefix", document["paths"]!["/v1/{prefix}/namespaces"]!["parameters"]![0]!["$ref"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.True, Resolve(document, "#/components/parameters/prefix")!["required"]!.GetValueKind());
    }

    [Fact]
    public async Task The_api_browser_serves_both_documents_without_a_cdn()
    {
        using var page = await _app.Client.GetAsync("/swagger-ui/");
        Assert.Equal(200, (int)page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        // Relative to the application's base path (Scalar resolves them so), which keeps a path prefix working.
        Assert.Contains("\"api-docs/management/v1/openapi.json\"", html, StringComparison.Ordinal);
        Assert.Contains("\"api-docs/catalog/v1/openapi.json\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.jsdelivr.net", html, StringComparison.Ordinal);

        var script = System.Text.RegularExpressions.Regex.Match(html, "<script[^>]+src=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(script);
        using var asset = await _app.Client.GetAsync(new Uri(new Uri(_app.BaseAddress, "/swagger-ui/"), script));
        Assert.Equal(200, (int)asset.StatusCode);
        Assert.True((await asset.Content.ReadAsByteArrayAsync()).Length > 100_000, "the browser's script should be served from the assembly");
    }

    private static JsonNode? Resolve(JsonNode document, string reference) =>
        reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries).Aggregate((JsonNode?)document, (node, key) => node?[key]);

    private static string? FirstDifference(JsonNode? expected, JsonNode? actual, string where)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    if (!e.ContainsKey(key) || !a.ContainsKey(key))
                    {
                        return $"{where}.{key} ({(e.ContainsKey(key) ? "only in the committed file" : "only in the generated document")})";
                    }

                    if (FirstDifference(e[key], a[key], $"{where}.{key}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    if (i >= e.Count || i >= a.Count)
                    {
                        return $"{where}[{i}] (arrays of different lengths)";
                    }

                    if (FirstDifference(e[i], a[i], $"{where}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(expected, actual) ? null : $"{where} ({expected?.ToJsonString()} vs {actual?.ToJsonString()})";
        }
    }
}
