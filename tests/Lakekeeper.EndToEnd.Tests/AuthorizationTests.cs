using System.Net.Http.Json;
using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// Authorization as a new user meets it, with the builtin authorizer and a real identity provider, in
/// both topologies: the admin owns what it creates; Bob holds nothing, so everything is hidden (404 with
/// the body of a missing object) until the admin grants him <c>select</c> on one namespace; then he sees
/// that namespace and its tables and nothing else, is refused (403) every change, and nothing changes.
/// A rename into another namespace takes the table out of reach of the old namespace's grant (Lakekeeper
/// #2000); a revoke stops him at once.
/// </summary>
public abstract partial class AuthorizationTests<TTopology>(TTopology topology) : IClassFixture<TTopology>
    where TTopology : Topology
{
    private static readonly object Schema = new Dictionary<string, object>
    {
        ["type"] = "struct",
        ["schema-id"] = 0,
        ["fields"] = new[] { new Dictionary<string, object> { ["id"] = 1, ["name"] = "id", ["required"] = false, ["type"] = "long" } },
    };

    private readonly Dictionary<string, string> _tokens = [];

    private string Prefix => topology.WarehouseId;

    [Fact]
    public async Task Hidden_is_404_visible_but_forbidden_is_403_and_grants_follow_renames_and_revokes()
    {
        // The admin (who bootstrapped) builds: fin.t1, fin.t3, hr.t2.
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", new { @namespace = new[] { "fin" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", new { @namespace = new[] { "hr" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/fin/tables", new { name = "t1", schema = Schema });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/fin/tables", new { name = "t3", schema = Schema });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/hr/tables", new { name = "t2", schema = Schema });
        var fin = await NamespaceIdAsync("fin");
        var hr = await NamespaceIdAsync("hr");

        // Bob holds nothing: everything is hidden, with the very body of something missing.
        await Hidden("config", HttpMethod.Get, "/catalog/v1/config?warehouse=demo", "/catalog/v1/config?warehouse=nowhere", "demo", "nowhere");
        var missingWarehouse = Guid.NewGuid().ToString();
        await Hidden("list namespaces", HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces", $"/catalog/v1/{missingWarehouse}/namespaces", Prefix, missingWarehouse);
        await Hidden("load table", HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t1", $"/catalog/v1/{missingWarehouse}/namespaces/fin/tables/t1",
            Prefix, missingWarehouse);
        await Hidden("create namespace", HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", $"/catalog/v1/{missingWarehouse}/namespaces", Prefix, missingWarehouse,
            new { @namespace = new[] { "bobs" } });
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/management/v1/warehouse/{Prefix}");
        await Expect(404, Topology.Bob, HttpMethod.Delete, $"/management/v1/warehouse/{Prefix}");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/management/v1/permissions/namespace/{fin}/assignments");

        // Bob cannot grant himself anything.
        await Expect(404, Topology.Bob, HttpMethod.Post, $"/management/v1/permissions/namespace/{fin}/assignments",
            new { writes = new[] { new { type = "select", user = "oidc~bob" } } });

        // The admin grants Bob select on fin.
        await Grant(fin, "select", write: true);
        var assignments = await Ok(Topology.Admin, HttpMethod.Get, $"/management/v1/permissions/namespace/{fin}/assignments");
        Assert.Contains(assignments.GetProperty("assignments").EnumerateArray(),
            a => a.GetProperty("type").GetString() == "select" && a.GetProperty("user").GetString() == "oidc~bob");

        // Bob sees fin and its tables, and only those.
        await Ok(Topology.Bob, HttpMethod.Get, "/catalog/v1/config?warehouse=demo");
        var namespaces = await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces");
        Assert.Equal<string>(["fin"], namespaces.GetProperty("namespaces").EnumerateArray().Select(n => n[0].GetString()!).ToArray());
        var tables = await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/fin/tables");
        Assert.Equal<string>(["t1", "t3"], tables.GetProperty("identifiers").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray());
        var loaded = await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t1");
        var location = loaded.GetProperty("metadata-location").GetString();
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/fin");

        // ... and is refused every change (403), which changes nothing.
        await Expect(403, Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t1",
            new { requirements = Array.Empty<object>(), updates = new[] { new Dictionary<string, object> { ["action"] = "set-properties", ["updates"] = new { k = "v" } } } });
        await Expect(403, Topology.Bob, HttpMethod.Delete, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t1");
        await Expect(403, Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/fin/tables", new { name = "bobs", schema = Schema });
        await Expect(403, Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/fin/properties", new { updates = new { k = "v" } });
        await Expect(403, Topology.Bob, HttpMethod.Delete, $"/catalog/v1/{Prefix}/namespaces/fin");
        await Expect(403, Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/tables/rename",
            new { source = new { @namespace = new[] { "fin" }, name = "t1" }, destination = new { @namespace = new[] { "fin" }, name = "t9" } });
        await Expect(403, Topology.Bob, HttpMethod.Post, $"/management/v1/permissions/namespace/{fin}/assignments",
            new { writes = new[] { new { type = "select", user = "oidc~eve" } } });
        await Expect(403, Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", new { @namespace = new[] { "bobs" } });
        Assert.Equal(location, (await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t1")).GetProperty("metadata-location").GetString());
        await Ok(Topology.Admin, HttpMethod.Head, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t1");

        // hr stays hidden.
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables/t2");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables");

        // Renamed into hr, t1 is no longer reached by the grant on fin (Lakekeeper #2000) ...
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/tables/rename",
            new { source = new { @namespace = new[] { "fin" }, name = "t1" }, destination = new { @namespace = new[] { "hr" }, name = "t1" } });
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables/t1");
        tables = await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/fin/tables");
        Assert.Equal<string>(["t3"], tables.GetProperty("identifiers").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray());

        // ... while a grant on hr is.
        await Grant(hr, "select", write: true);
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables/t1");

        // A revoke reaches reads within the documented bound (docs/authz.md: the change notification).
        await Grant(hr, "select", write: false);
        await Eventually.TrueAsync(async () =>
        {
            using var response = await SendAsync(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables/t1");
            return (int)response.StatusCode == 404;
        }, TimeSpan.FromSeconds(5), "the revoke to hide hr.t1 from Bob");

        // The owner drops and recreates: the new table is the owner's, Bob's old grants do not come back.
        await Ok(Topology.Admin, HttpMethod.Delete, $"/catalog/v1/{Prefix}/namespaces/fin/tables/t3");
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/hr/tables", new { name = "t3", schema = Schema });
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables/t3");
        await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/hr/tables/t3");
    }

    [Fact]
    public async Task A_grant_of_modify_lets_a_user_commit_and_its_revoke_stops_the_next_commit()
    {
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", new { @namespace = new[] { "ops" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/ops/tables", new { name = "events", schema = Schema });
        var ops = await NamespaceIdAsync("ops");
        await Grant(ops, "modify", write: true);

        // Bob commits while the admin revokes: once the revoke has answered, no commit of his is accepted.
        var commits = Task.Run(async () =>
        {
            var accepted = new List<DateTime>();
            for (var i = 0; i < 30; i++)
            {
                var started = DateTime.UtcNow;
                using var response = await SendAsync(Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/ops/tables/events",
                    new { requirements = Array.Empty<object>(), updates = new[] { new Dictionary<string, object> { ["action"] = "set-properties", ["updates"] = new { n = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } } } });
                var status = (int)response.StatusCode;
                Assert.True(status is 200 or 403 or 404, $"commit {i}: {status} {await response.Content.ReadAsStringAsync()}");
                if (status == 200)
                {
                    accepted.Add(started);
                }
            }

            return accepted;
        });
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/ops/tables/events");
        await Grant(ops, "modify", write: false);
        var revokedAt = DateTime.UtcNow;
        // A commit sent after the revoke answered is never accepted (write actions are never answered from a cache).
        var acceptedAt = await commits;
        Assert.DoesNotContain(acceptedAt, started => started > revokedAt);
        await Expect(404, Topology.Bob, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/ops/tables/events",
            new { requirements = Array.Empty<object>(), updates = new[] { new Dictionary<string, object> { ["action"] = "set-properties", ["updates"] = new { late = "yes" } } } });
        var properties = (await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/ops/tables/events")).GetProperty("metadata").GetProperty("properties");
        Assert.False(properties.TryGetProperty("late", out _));
    }

    [Fact]
    public async Task A_grant_to_a_role_reaches_its_members_until_they_leave()
    {
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", new { @namespace = new[] { "sales" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces/sales/tables", new { name = "orders", schema = Schema });
        var sales = await NamespaceIdAsync("sales");
        await Ok(Topology.Bob, HttpMethod.Get, "/management/v1/whoami");
        var role = (await Ok(Topology.Admin, HttpMethod.Post, "/management/v1/role", new { name = "analysts" })).GetProperty("id").GetString();
        await Ok(Topology.Admin, HttpMethod.Post, $"/management/v1/permissions/namespace/{sales}/assignments",
            new { writes = new[] { new { type = "select", role } } });
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/sales/tables/orders");

        await Ok(Topology.Admin, HttpMethod.Post, $"/management/v1/role/{role}/members", new { members = new[] { new { type = "user", id = "oidc~bob" } } });
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/sales/tables/orders");
        await Expect(403, Topology.Bob, HttpMethod.Delete, $"/catalog/v1/{Prefix}/namespaces/sales/tables/orders");

        await Ok(Topology.Admin, HttpMethod.Delete, $"/management/v1/role/{role}/members/user/oidc~bob");
        await Eventually.TrueAsync(async () =>
        {
            using var response = await SendAsync(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{Prefix}/namespaces/sales/tables/orders");
            return (int)response.StatusCode == 404;
        }, TimeSpan.FromSeconds(5), "Bob leaving the role to hide sales.orders");
    }

    [Fact]
    public async Task Reconcile_reports_a_lost_hierarchy_tuple_in_a_dry_run_and_repairs_it_with_apply()
    {
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{Prefix}/namespaces", new { @namespace = new[] { "archive" } });
        var archive = await NamespaceIdAsync("archive");
        var before = await ReconcileAsync();
        Assert.True(before.ExitCode == 0, "a deployment kept by the outbox has no drift: " + before.Output);
        await using (var connection = new NpgsqlConnection(topology.ConnectionString))
        {
            // Drift: the namespace's link to its warehouse is lost (as if a delivery had gone astray).
            await connection.OpenAsync();
            await using var delete = new NpgsqlCommand(
                "DELETE FROM authz_tuple WHERE object_type = 'namespace' AND object_id = $1 AND relation = 'parent'", connection);
            delete.Parameters.AddWithValue(archive);
            Assert.Equal(1, await delete.ExecuteNonQueryAsync());
        }

        var missing = $"write  namespace:{archive}#parent@warehouse:{Prefix}";
        var dryRun = await ReconcileAsync();
        Assert.True(dryRun.ExitCode == 2, dryRun.Output);
        Assert.Contains(missing, dryRun.Output, StringComparison.Ordinal);
        Assert.Contains("Dry run: nothing changed", dryRun.Output, StringComparison.Ordinal);
        Assert.Equal(2, (await ReconcileAsync()).ExitCode);

        var applied = await ReconcileAsync("--apply");
        Assert.True(applied.ExitCode == 0, applied.Output);
        var after = await ReconcileAsync();
        Assert.True(after.ExitCode == 0, after.Output);
        Assert.Contains("No drift", after.Output, StringComparison.Ordinal);
    }

    /// <summary><c>reconcile</c> run by an operator with the standalone binary against the deployment's database.</summary>
    private Task<ExternalProcess.Result> ReconcileAsync(params string[] options)
    {
        var settings = topology.Settings.Where(s => !s.Key.StartsWith("LAKEKEEPER__OPENID", StringComparison.Ordinal))
            .ToDictionary(s => s.Key, s => s.Value);
        settings["LAKEKEEPER__AUTHZ_BACKEND"] = "builtin";
        return ExternalProcess.RunAsync("dotnet", [ServiceProcess.HostDll("standalone"), "reconcile", .. options], TimeSpan.FromMinutes(2), environment: settings);
    }

    private async Task Grant(string namespaceId, string privilege, bool write)
    {
        var change = new[] { new { type = privilege, user = "oidc~bob" } };
        using var response = await SendAsync(Topology.Admin, HttpMethod.Post, $"/management/v1/permissions/namespace/{namespaceId}/assignments",
            write ? new { writes = change } : (object)new { deletes = change });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Bob's answer on <paramref name="path"/> is the 404 a missing object gets on <paramref name="missingPath"/>, name for name.</summary>
    private async Task Hidden(string what, HttpMethod method, string path, string missingPath, string name, string missingName, object? body = null,
        object? missingBody = null)
    {
        using var hidden = await SendAsync(Topology.Bob, method, path, body);
        using var missing = await SendAsync(Topology.Admin, method, missingPath, missingBody ?? body);
        var hiddenBody = await hidden.Content.ReadAsStringAsync();
        Assert.True((int)hidden.StatusCode == 404, $"{what}: {(int)hidden.StatusCode} {hiddenBody}");
        Assert.True((int)missing.StatusCode == 404, $"{what} (missing): {(int)missing.StatusCode} {await missing.Content.ReadAsStringAsync()}");
        Assert.Equal((await missing.Content.ReadAsStringAsync()).Replace(missingName, name, StringComparison.Ordinal), hiddenBody);
    }

    private async Task<string> NamespaceIdAsync(string name, string? child = null, string? warehouse = null)
    {
        await using var connection = new NpgsqlConnection(topology.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT namespace_id FROM namespace WHERE warehouse_id = $1 AND name = $2", connection);
        command.Parameters.AddWithValue(Guid.Parse(warehouse ?? Prefix));
        command.Parameters.AddWithValue(child is null ? new[] { name } : [name, child]);
        return ((Guid)(await command.ExecuteScalarAsync())!).ToString();
    }

    private async Task<JsonElement> Ok(OidcClient client, HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(client, method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{client.Id} {method} {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task Expect(int status, OidcClient client, HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(client, method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{client.Id} {method} {path}: expected {status}, got {(int)response.StatusCode} {text}");
        if (status >= 400)
        {
            Assert.Equal(status, JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetInt32());
        }
    }

    private async Task<HttpResponseMessage> SendAsync(OidcClient client, HttpMethod method, string path, object? body = null, string? projectId = null)
    {
        if (!_tokens.TryGetValue(client.Id, out var token))
        {
            token = await topology.Idp.GetTokenAsync(client);
            _tokens[client.Id] = token;
        }

        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        if (projectId is not null)
        {
            request.Headers.Add("x-project-id", projectId);
        }
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await topology.Client.SendAsync(request);
    }
}

public sealed class StandaloneAuthorizationTests(StandaloneTopology topology) : AuthorizationTests<StandaloneTopology>(topology);

public sealed class MicroservicesAuthorizationTests(MicroservicesTopology topology) : AuthorizationTests<MicroservicesTopology>(topology);
