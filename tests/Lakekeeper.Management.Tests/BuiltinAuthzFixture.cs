using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.Management.Tests;

/// <summary>
/// The standalone server with the <c>builtin</c> authorizer behind a real OpenID provider (npm
/// oidc-provider): <c>oidc~admin</c> bootstraps (and is an instance admin); the other users start with
/// no grants. The token's <c>roles</c> claim names role assignments (Carol's names <c>auditors</c>).
/// Each test uses its own users and objects, so the tests of a class do not depend on their order.
/// </summary>
public sealed class BuiltinAuthzFixture : IAsyncLifetime
{
    public static readonly OidcClient Admin = new("admin", "RS256", new Dictionary<string, object> { ["name"] = "Ada Admin" });

    public static readonly OidcClient Bob = new("bob", "RS256", new Dictionary<string, object> { ["name"] = "Bob" });

    public static readonly OidcClient Carol = new("carol", "RS256", new Dictionary<string, object> { ["name"] = "Carol", ["roles"] = new[] { "auditors" } });

    public static readonly OidcClient Dave = new("dave", "RS256", new Dictionary<string, object> { ["name"] = "Dave" });

    public static readonly OidcClient Erin = new("erin", "RS256", new Dictionary<string, object> { ["name"] = "Erin" });

    public static readonly OidcClient Frank = new("frank", "RS256", new Dictionary<string, object> { ["name"] = "Frank" });

    public static readonly OidcClient Grace = new("grace", "RS256", new Dictionary<string, object> { ["name"] = "Grace" });

    private readonly Dictionary<string, string> _tokens = [];

    public OidcProvider Idp { get; private set; } = null!;

    public StandaloneApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Idp = await OidcProvider.StartAsync([Admin, Bob, Carol, Dave, Erin, Frank, Grace]);
        App = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["OPENID_PROVIDER_URI"] = Idp.IssuerText,
            ["AUTHZ_BACKEND"] = "builtin",
            ["OPENID_AUDIENCE"] = OidcProvider.DefaultAudience,
            ["OPENID_ROLES_CLAIM"] = "roles",
            ["INSTANCE_ADMINS"] = """["oidc~admin"]""",
        });
        await OkAsync(Admin, HttpMethod.Post, "/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true });
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Idp.DisposeAsync();
    }

    public async Task<HttpResponseMessage> SendAsync(OidcClient client, HttpMethod method, string path, object? body = null, Guid? project = null)
    {
        if (!_tokens.TryGetValue(client.Id, out var token))
        {
            token = await Idp.GetTokenAsync(client);
            _tokens[client.Id] = token;
        }

        using var request = new HttpRequestMessage(method, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        if (project is { } p)
        {
            request.Headers.Add("x-project-id", p.ToString());
        }

        if (body is not null)
        {
            request.Content = body is string text ? new StringContent(text, System.Text.Encoding.UTF8, "application/json") : JsonContent.Create(body);
        }

        return await App.Client.SendAsync(request);
    }

    /// <summary>The status and the JSON body (default when empty); management answers are checked against the committed contract.</summary>
    public async Task<(int Status, JsonElement Body)> CallAsync(OidcClient client, HttpMethod method, string path, object? body = null, Guid? project = null)
    {
        using var response = await SendAsync(client, method, path, body, project);
        var text = await response.Content.ReadAsStringAsync();
        if (path.StartsWith("/management/v1/", StringComparison.Ordinal))
        {
            Contracts.ManagementContract.Check(method.Method, path.Split('?')[0], (int)response.StatusCode, text);
        }

        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public async Task<JsonElement> OkAsync(OidcClient client, HttpMethod method, string path, object? body = null, Guid? project = null)
    {
        var (status, json) = await CallAsync(client, method, path, body, project);
        Assert.True(status is >= 200 and < 300, $"{method} {path} as {client.Id}: {status} {json}");
        return json;
    }

    /// <summary>Asserts the status; returns the body.</summary>
    public async Task<JsonElement> ExpectAsync(int expected, OidcClient client, HttpMethod method, string path, object? body = null, Guid? project = null)
    {
        var (status, json) = await CallAsync(client, method, path, body, project);
        Assert.True(status == expected, $"{method} {path} as {client.Id}: expected {expected}, got {status} {json}");
        return json;
    }

    /// <summary>A file warehouse created by the admin (in <paramref name="project"/>, else the default project); its id.</summary>
    public async Task<string> CreateWarehouseAsync(string name, Guid? project = null)
    {
        var root = Path.Combine(App.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        var created = await OkAsync(Admin, HttpMethod.Post, "/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
        }, project);
        return created.GetProperty("warehouse-id").GetString()!;
    }

    public async Task<Guid> CreateProjectAsync(string name) =>
        (await OkAsync(Admin, HttpMethod.Post, "/management/v1/project", new Dictionary<string, object> { ["project-name"] = name })).GetProperty("project-id").GetGuid();

    public async Task<Guid> DefaultProjectAsync() => (await OkAsync(Admin, HttpMethod.Get, "/management/v1/project")).GetProperty("project-id").GetGuid();

    /// <summary>Writes one assignment through the permissions API, e.g. <c>warehouse/{id}</c>, <c>select</c>, user <c>oidc~bob</c>.</summary>
    public Task GrantAsync(string resource, string privilege, string? user = null, string? role = null, Guid? project = null) =>
        OkAsync(Admin, HttpMethod.Post, $"/management/v1/permissions/{resource}/assignments",
            new { writes = new[] { user is not null ? (object)new { type = privilege, user } : new { type = privilege, role } } }, project);

    public async Task CreateNamespaceAsync(string warehouse, params string[] levels) =>
        await OkAsync(Admin, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", new { @namespace = levels });

    public async Task CreateTableAsync(string warehouse, string ns, string name) =>
        await OkAsync(Admin, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/{ns}/tables", new
        {
            name,
            schema = new { type = "struct", fields = new[] { new { id = 1, name = "id", required = false, type = "long" } } },
        });

    /// <summary>A query on the app's database (ids of what the catalog holds, the tuples the builtin authorizer stores).</summary>
    public async Task<List<string>> QueryAsync(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var parameter in parameters)
        {
            command.Parameters.AddWithValue(parameter);
        }

        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        }

        return rows;
    }
}
