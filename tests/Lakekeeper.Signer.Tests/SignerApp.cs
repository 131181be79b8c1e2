using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Signer.Tests;

/// <summary>
/// The standalone host (catalog, signer, management in one process) with an <c>s3</c> warehouse on a
/// real S3-compatible server (s3rver, path style, region us-east-1), a namespace <c>ns</c> with tables
/// <c>t1</c> and <c>t2</c> and a view <c>v</c>; everything the app logs is recorded.
/// </summary>
public class SignerApp : IAsyncLifetime
{
    public const string Region = "us-east-1";

    public StandaloneApp App { get; private set; } = null!;

    public S3rverServer S3 { get; private set; } = null!;

    public CapturedLogs Logs { get; } = new();

    /// <summary>The warehouse id, the catalog <c>{prefix}</c>.</summary>
    public string Prefix { get; private set; } = null!;

    public HttpClient Client => App.Client;

    /// <summary>Settings the app runs with besides the test kit's own (none by default).</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Settings => null;

    /// <summary>Changes the app's services after the host composed them (nothing by default).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Prepares <see cref="Client"/> once the app runs, before the fixture's first request (nothing by default).</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public virtual async ValueTask InitializeAsync()
    {
        S3 = await S3rverServer.StartAsync();
        App = await StandaloneApp.StartAsync(Settings, Logs, ConfigureServices);
        await OnStartedAsync();
        (await Client.PostAsJsonAsync("/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true })).EnsureSuccessStatusCode();
        Prefix = await CreateWarehouseAsync("lake", Profile());
        await SendAsync(HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", """{"namespace":["ns"]}""");
        await CreateTableAsync("t1");
        await CreateTableAsync("t2");
        await SendAsync(HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/ns/views", """
            {"name":"v","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"}]},
             "view-version":{"version-id":1,"timestamp-ms":1,"schema-id":0,"summary":{},"default-namespace":["ns"],
               "representations":[{"type":"sql","sql":"select 1","dialect":"spark"}]},"properties":{}}
            """);
    }

    /// <summary>The s3 profile of the test warehouses; <paramref name="extra"/> adds or replaces settings.</summary>
    public Dictionary<string, object> Profile(IReadOnlyDictionary<string, object>? extra = null)
    {
        var profile = new Dictionary<string, object>
        {
            ["type"] = "s3",
            ["bucket"] = S3rverServer.Bucket,
            ["region"] = Region,
            ["endpoint"] = S3.Endpoint.ToString(),
            ["path-style-access"] = true,
            ["key-prefix"] = "wh-" + Guid.NewGuid().ToString("N")[..8],
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, object>())
        {
            profile[key] = value;
        }

        return profile;
    }

    public static Dictionary<string, object> Credential() => new()
    {
        ["type"] = "s3",
        ["credential-type"] = "access-key",
        ["access-key-id"] = S3rverServer.AccessKeyId,
        ["secret-access-key"] = S3rverServer.SecretAccessKey,
    };

    public async Task<string> CreateWarehouseAsync(string name, Dictionary<string, object> profile)
    {
        using var created = await Client.PostAsJsonAsync("/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = profile,
            ["storage-credential"] = Credential(),
        });
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("warehouse-id").GetString()!;
    }

    public async Task<JsonElement> CreateTableAsync(string name, string? prefix = null, string ns = "ns")
    {
        var (status, json, _) = await SendAsync(HttpMethod.Post, $"/catalog/v1/{prefix ?? Prefix}/namespaces/{ns}/tables",
            $$$"""{"name":"{{{name}}}","schema":{"type":"struct","fields":[{"id":1,"name":"id","required":true,"type":"long"}]}}""");
        Assert.Equal(200, status);
        return json;
    }

    /// <summary>The table's location (<c>s3://bucket/…</c>).</summary>
    public async Task<string> LocationAsync(string table, string? prefix = null)
    {
        var (_, json, _) = await SendAsync(HttpMethod.Get, $"/catalog/v1/{prefix ?? Prefix}/namespaces/ns/tables/{table}");
        return json.GetProperty("metadata").GetProperty("location").GetString()!;
    }

    /// <summary>The path-style URL s3rver serves an object of <paramref name="location"/> at, plus <paramref name="suffix"/>.</summary>
    public string Url(string location, string suffix = "") =>
        S3.Endpoint.ToString().TrimEnd('/') + "/" + location["s3://".Length..] + suffix;

    public async Task<(int Status, JsonElement Json, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, string? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = text.Length > 0 && text.TrimStart().StartsWith('{') ? JsonDocument.Parse(text).RootElement.Clone() : default;
        return ((int)response.StatusCode, json, response);
    }

    /// <summary>A sign request body.</summary>
    public static string SignBody(string method, string uri, string region = Region, IReadOnlyDictionary<string, string[]>? headers = null, string? body = null, string? provider = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["region"] = region,
            ["uri"] = uri,
            ["method"] = method,
            ["headers"] = headers ?? new Dictionary<string, string[]> { ["amz-sdk-invocation-id"] = ["1"] },
            ["body"] = body,
            ["provider"] = provider,
        });

    public virtual async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await S3.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
