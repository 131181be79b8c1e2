using System.Text.Json;
using Lakekeeper.Testing;
using Npgsql;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// The rest of the 403/404 matrix (views, register, metrics, credentials, renames, multi-table
/// transactions, namespace properties, the config of a hidden warehouse, the events API, warehouse
/// creation), the tuples that follow lifecycle operations (soft drop and undrop, expiration, hard drop,
/// recursive namespace drop, namespace move), and the issue's "done means" walk-through.
/// </summary>
public abstract partial class AuthorizationTests<TTopology>
{
    private const string Bob = "oidc~bob";

    [Fact]
    public async Task Every_catalog_endpoint_is_403_when_visible_404_when_hidden_changes_nothing_and_works_once_granted()
    {
        // In a warehouse of its own (Bob holds nothing in demo, which the other tests rely on), the admin builds
        // mx (Bob will see it) and mh (hidden from him), each with two tables and two views.
        var wh = await CreateWarehouseAsync("matrix");
        foreach (var ns in new[] { "mx", "mh" })
        {
            await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces", new { @namespace = new[] { ns } });
            await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces/{ns}/tables", new { name = "t", schema = Schema });
            await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces/{ns}/tables", new { name = "t2", schema = Schema });
            await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces/{ns}/views", ViewBody("v", ns));
            await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces/{ns}/views", ViewBody("vd", ns));
        }

        // A dropped table's metadata file, to register (the drop keeps the files).
        var source = await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces/mx/tables", new { name = "src", schema = Schema });
        var sourceMetadata = source.GetProperty("metadata-location").GetString()!;
        await Ok(Topology.Admin, HttpMethod.Delete, $"/catalog/v1/{wh}/namespaces/mx/tables/src");
        var mx = await NamespaceIdAsync("mx", warehouse: wh);
        var before = await SnapshotAsync(wh, "mx");

        // describe on mx: Bob sees it and what is in it, reads metadata, and may do nothing else.
        await Grant(mx, "describe", write: true);
        var views = await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/views");
        Assert.Equal<string>(["v", "vd"], views.GetProperty("identifiers").EnumerateArray().Select(v => v.GetProperty("name").GetString()!).Order().ToArray());
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/views/v");
        await ExpectStatus(204, Topology.Bob, HttpMethod.Head, $"/catalog/v1/{wh}/namespaces/mx/views/v");
        await Ok(Topology.Bob, HttpMethod.Post, $"/catalog/v1/{wh}/namespaces/mx/tables/t/metrics", MetricsBody("t"));

        var refused = Changes("mx", sourceMetadata);
        foreach (var (what, method, path, body) in refused)
        {
            await Expect(403, Topology.Bob, method, path.Replace("{p}", wh, StringComparison.Ordinal), body);
        }

        // In mh, hidden, every one of them (and the reads) is the 404 of something missing, word for word.
        foreach (var (what, method, path, body) in Changes("mh", sourceMetadata).Concat(Reads("mh")))
        {
            var missing = what.StartsWith("namespace", StringComparison.Ordinal)
                ? path.Replace("/namespaces/mh", "/namespaces/gone", StringComparison.Ordinal)
                : path.Replace("/tables/t", "/tables/gone", StringComparison.Ordinal).Replace("/views/v", "/views/gone", StringComparison.Ordinal);
            var missingBody = what.StartsWith("namespace", StringComparison.Ordinal) ? body : Rename(body, "gone");
            var (name, missingName) = what.StartsWith("namespace", StringComparison.Ordinal) ? ("mh", "gone") : (what.Contains("view", StringComparison.Ordinal) ? "v" : "t", "gone");
            if (method == HttpMethod.Head)
            {
                await ExpectStatus(404, Topology.Bob, method, path.Replace("{p}", wh, StringComparison.Ordinal));
                continue;
            }

            await Hidden(what, method, path.Replace("{p}", wh, StringComparison.Ordinal), missing.Replace("{p}", wh, StringComparison.Ordinal),
                name, missingName, body, missingBody);
        }

        // Nothing changed: the owner finds mx as it was, and mh's table and view.
        Assert.Equal(before, await SnapshotAsync(wh, "mx"));
        foreach (var gone in new[] { "tables/t9", "tables/reg", "views/v2", "views/v9" })
        {
            await Expect(404, Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/{gone}");
        }

        await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mh/tables/t");
        await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mh/views/v");

        // The config of a hidden warehouse, and its prefix, are those of a missing one.
        var sealedWarehouse = await CreateWarehouseAsync("sealed");
        await Hidden("config", HttpMethod.Get, "/catalog/v1/config?warehouse=sealed", "/catalog/v1/config?warehouse=nowhere", "sealed", "nowhere");
        var nowhere = Guid.NewGuid().ToString();
        await Hidden("list namespaces", HttpMethod.Get, $"/catalog/v1/{sealedWarehouse}/namespaces", $"/catalog/v1/{nowhere}/namespaces", sealedWarehouse, nowhere);
        await Hidden("config by id", HttpMethod.Get, $"/catalog/v1/config?warehouse={sealedWarehouse}", $"/catalog/v1/config?warehouse={nowhere}", sealedWarehouse, nowhere);

        // The events API shows Bob only what he can see (builtin engine, real tuples).
        var bobsNamespaces = await EventNamespacesAsync(Topology.Bob, wh);
        var adminsNamespaces = await EventNamespacesAsync(Topology.Admin, wh);
        Assert.Contains("mh", adminsNamespaces);
        Assert.Contains("mx", bobsNamespaces);
        Assert.DoesNotContain("mh", bobsNamespaces);
        await Hidden("events", HttpMethod.Post, $"/catalog/v1/{sealedWarehouse}/events", $"/catalog/v1/{nowhere}/events", sealedWarehouse, nowhere, new { });

        // Granted create and modify, every one of the refused changes goes through.
        await Grant(mx, "create", write: true);
        await Grant(mx, "modify", write: true);
        foreach (var (what, method, path, body) in refused)
        {
            await Ok(Topology.Bob, method, path.Replace("{p}", wh, StringComparison.Ordinal), body);
        }

        foreach (var committed in new[] { "t9", "t2" })
        {
            var table = await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/tables/{committed}");
            Assert.Equal("yes", table.GetProperty("metadata").GetProperty("properties").GetProperty("tx").GetString());
        }

        Assert.Equal(sourceMetadata, (await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/tables/reg")).GetProperty("metadata-location").GetString());
        await Expect(404, Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/views/v");
        await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/views/v2");
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{wh}/namespaces/mx/tables/t2/credentials");
    }

    /// <summary>
    /// What Bob may not do with <c>describe</c> on <paramref name="ns"/> (and what a hidden namespace must
    /// hide). Names starting with "namespace" address the namespace (its missing twin is "gone"), the
    /// others a table or view (its missing twin is named "gone").
    /// </summary>
    private static (string What, HttpMethod Method, string Path, object? Body)[] Changes(string ns, string metadataLocation) =>
    [
        ("namespace create view", HttpMethod.Post, $"/catalog/v1/{{p}}/namespaces/{ns}/views", ViewBody("v9", ns)),
        ("view replace", HttpMethod.Post, $"/catalog/v1/{{p}}/namespaces/{ns}/views/v", new { requirements = Array.Empty<object>(), updates = SetProperty("k", "v") }),
        ("view rename", HttpMethod.Post, "/catalog/v1/{p}/views/rename",
            new { source = new { @namespace = new[] { ns }, name = "v" }, destination = new { @namespace = new[] { ns }, name = "v2" } }),
        ("namespace register table", HttpMethod.Post, $"/catalog/v1/{{p}}/namespaces/{ns}/register", new Dictionary<string, object> { ["name"] = "reg", ["metadata-location"] = metadataLocation }),
        ("table credentials", HttpMethod.Get, $"/catalog/v1/{{p}}/namespaces/{ns}/tables/t/credentials", null),
        ("table transaction", HttpMethod.Post, "/catalog/v1/{p}/transactions/commit", new Dictionary<string, object>
        {
            ["table-changes"] = new[]
            {
                new { identifier = new { @namespace = new[] { ns }, name = "t" }, requirements = Array.Empty<object>(), updates = SetProperty("tx", "yes") },
                new { identifier = new { @namespace = new[] { ns }, name = "t2" }, requirements = Array.Empty<object>(), updates = SetProperty("tx", "yes") },
            },
        }),
        ("table rename", HttpMethod.Post, "/catalog/v1/{p}/tables/rename",
            new { source = new { @namespace = new[] { ns }, name = "t" }, destination = new { @namespace = new[] { ns }, name = "t9" } }),
        ("namespace properties", HttpMethod.Post, $"/catalog/v1/{{p}}/namespaces/{ns}/properties", new { updates = new { k = "v" } }),
        ("view drop", HttpMethod.Delete, $"/catalog/v1/{{p}}/namespaces/{ns}/views/vd", null),
    ];

    /// <summary>Reads that <c>describe</c> allows, and a hidden namespace hides.</summary>
    private static (string What, HttpMethod Method, string Path, object? Body)[] Reads(string ns) =>
    [
        ("namespace list views", HttpMethod.Get, $"/catalog/v1/{{p}}/namespaces/{ns}/views", null),
        ("view load", HttpMethod.Get, $"/catalog/v1/{{p}}/namespaces/{ns}/views/v", null),
        ("view exists", HttpMethod.Head, $"/catalog/v1/{{p}}/namespaces/{ns}/views/v", null),
        ("view drop", HttpMethod.Delete, $"/catalog/v1/{{p}}/namespaces/{ns}/views/v", null),
        ("table metrics", HttpMethod.Post, $"/catalog/v1/{{p}}/namespaces/{ns}/tables/t/metrics", MetricsBody("t")),
    ];

    /// <summary>The body with the table or view named <c>t</c> or <c>v</c> replaced by <paramref name="name"/>.</summary>
    private static object? Rename(object? body, string name)
    {
        if (body is null)
        {
            return null;
        }

        var json = JsonSerializer.Serialize(body);
        return JsonDocument.Parse(json.Replace("\"name\":\"t\"", $"\"name\":\"{name}\"", StringComparison.Ordinal)
            .Replace("\"name\":\"v\"", $"\"name\":\"{name}\"", StringComparison.Ordinal)).RootElement.Clone();
    }

    [Fact]
    public async Task Tuples_follow_soft_drop_undrop_expiration_hard_drop_recursive_drop_and_namespace_moves()
    {
        // Soft deletion: a soft-dropped table keeps its tuples; an undrop gives the grantee his access back.
        var soft = await CreateWarehouseAsync("softauthz", new Dictionary<string, object> { ["type"] = "soft", ["expiration-seconds"] = 3600 });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{soft}/namespaces", new { @namespace = new[] { "lc" } });
        var created = await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{soft}/namespaces/lc/tables", new { name = "t", schema = Schema });
        var tableId = created.GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        await GrantOn($"warehouse/{soft}/table/{tableId}", "select", write: true);
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{soft}/namespaces/lc/tables/t");
        var tuples = await TuplesNamingAsync("lakekeeper_table", tableId);
        Assert.Contains($"lakekeeper_table:{tableId}#select@user:{Bob}", tuples);

        await Ok(Topology.Admin, HttpMethod.Delete, $"/catalog/v1/{soft}/namespaces/lc/tables/t");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{soft}/namespaces/lc/tables/t");
        Assert.Equal(tuples, await TuplesNamingAsync("lakekeeper_table", tableId));
        await ExpectStatus(204, Topology.Admin, HttpMethod.Post, $"/management/v1/warehouse/{soft}/deleted-tabulars/undrop",
            new { targets = new[] { new { type = "table", id = tableId } } });
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{soft}/namespaces/lc/tables/t");

        // ... and when its soft deletion expires, they are purged.
        await Ok(Topology.Admin, HttpMethod.Delete, $"/catalog/v1/{soft}/namespaces/lc/tables/t");
        var scheduled = await Ok(Topology.Admin, HttpMethod.Post, $"/management/v1/warehouse/{soft}/task/list", new Dictionary<string, object>
        {
            ["queue-name"] = new[] { "soft_deletion" }, ["status"] = new[] { "SCHEDULED" },
        });
        var taskId = Assert.Single(scheduled.GetProperty("tasks").EnumerateArray()).GetProperty("task-id").GetString()!;
        await ExpectStatus(204, Topology.Admin, HttpMethod.Post, $"/management/v1/warehouse/{soft}/task/control", new Dictionary<string, object>
        {
            ["action"] = new Dictionary<string, string> { ["action-type"] = "run-now" }, ["task-ids"] = new[] { taskId },
        });
        await Eventually.TrueAsync(async () => (await TuplesNamingAsync("lakekeeper_table", tableId)).Count == 0,
            TimeSpan.FromSeconds(60), "the expired table's tuples to be purged");

        // A hard drop purges at once (in a warehouse with the default, hard, delete profile).
        var hardWarehouse = await CreateWarehouseAsync("hardauthz");
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces", new { @namespace = new[] { "hard" } });
        var hard = (await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces/hard/tables", new { name = "t", schema = Schema }))
            .GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        await GrantOn($"warehouse/{hardWarehouse}/table/{hard}", "select", write: true);
        Assert.NotEmpty(await TuplesNamingAsync("lakekeeper_table", hard));
        await Ok(Topology.Admin, HttpMethod.Delete, $"/catalog/v1/{hardWarehouse}/namespaces/hard/tables/t");
        Assert.Empty(await TuplesNamingAsync("lakekeeper_table", hard));

        // A recursive namespace drop purges every namespace, table and view below.
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces", new { @namespace = new[] { "rc" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces", new { @namespace = new[] { "rc", "inner" } });
        var rcTable = (await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces/rc/tables", new { name = "t", schema = Schema }))
            .GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        var innerTable = (await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces/rc%1Finner/tables", new { name = "t", schema = Schema }))
            .GetProperty("metadata").GetProperty("table-uuid").GetString()!;
        var innerView = (await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces/rc%1Finner/views", ViewBody("v", "rc")))
            .GetProperty("metadata").GetProperty("view-uuid").GetString()!;
        var rc = await NamespaceIdAsync("rc", warehouse: hardWarehouse);
        var inner = await NamespaceIdAsync("rc", "inner", hardWarehouse);
        await GrantOn($"warehouse/{hardWarehouse}/table/{innerTable}", "select", write: true);
        await GrantOn($"warehouse/{hardWarehouse}/view/{innerView}", "select", write: true);
        await GrantOn($"namespace/{inner}", "describe", write: true);
        (string Type, string Id)[] subtree =
            [("namespace", rc), ("namespace", inner), ("lakekeeper_table", rcTable), ("lakekeeper_table", innerTable), ("lakekeeper_view", innerView)];
        foreach (var (type, id) in subtree)
        {
            Assert.NotEmpty(await TuplesNamingAsync(type, id));
        }

        await ExpectStatus(204, Topology.Admin, HttpMethod.Delete, $"/catalog/v1/{hardWarehouse}/namespaces/rc?recursive=true");
        foreach (var (type, id) in subtree)
        {
            var left = await TuplesNamingAsync(type, id);
            Assert.True(left.Count == 0, $"{type}:{id} kept {string.Join(", ", left)}");
        }

        // A move re-parents: a grant on the old parent no longer reaches the moved namespace's tables, one on the new parent does.
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces", new { @namespace = new[] { "from" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces", new { @namespace = new[] { "to" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces", new { @namespace = new[] { "from", "mv" } });
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{hardWarehouse}/namespaces/from%1Fmv/tables", new { name = "t", schema = Schema });
        var from = await NamespaceIdAsync("from", warehouse: hardWarehouse);
        var to = await NamespaceIdAsync("to", warehouse: hardWarehouse);
        var mv = await NamespaceIdAsync("from", "mv", hardWarehouse);
        await Grant(from, "select", write: true);
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{hardWarehouse}/namespaces/from%1Fmv/tables/t");
        await Ok(Topology.Admin, HttpMethod.Post, $"/management/v1/warehouse/{hardWarehouse}/namespace/{mv}/move", new { destination = new[] { "to", "mv" } });
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{hardWarehouse}/namespaces/to%1Fmv/tables/t");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/catalog/v1/{hardWarehouse}/namespaces/to%1Fmv");
        await Grant(to, "select", write: true);
        await Ok(Topology.Bob, HttpMethod.Get, $"/catalog/v1/{hardWarehouse}/namespaces/to%1Fmv/tables/t");
        Assert.Contains($"namespace:{mv}#parent@namespace:{to}", await TuplesNamingAsync("namespace", mv));
        Assert.DoesNotContain($"namespace:{mv}#parent@namespace:{from}", await TuplesNamingAsync("namespace", mv));

        // And the authorizer's hierarchy agrees with the catalog's: reconcile finds no drift.
        var reconcile = await ReconcileAsync();
        Assert.True(reconcile.ExitCode == 0, reconcile.Output);
    }

    [Fact]
    public async Task Creating_a_warehouse_needs_create_on_the_project_403_when_visible_404_when_hidden()
    {
        // Bob sees the default project: he holds a grant in one of its warehouses.
        var seenWarehouse = await CreateWarehouseAsync("seen");
        var demoSeen = await NamespaceOfBobAsync(seenWarehouse, "wh_seen");
        await Grant(demoSeen, "describe", write: true);
        await Expect(403, Topology.Bob, HttpMethod.Post, "/management/v1/warehouse", WarehouseBody("bobs-wh"));

        // A project he holds nothing in is hidden: its 404 is that of a missing project.
        var project = (await Ok(Topology.Admin, HttpMethod.Post, "/management/v1/project", new Dictionary<string, object> { ["project-name"] = "elsewhere" }))
            .GetProperty("project-id").GetString()!;
        var missingProject = Guid.NewGuid().ToString();
        using (var hidden = await SendAsync(Topology.Bob, HttpMethod.Post, "/management/v1/warehouse", WarehouseBody("bobs-wh"), project))
        using (var missing = await SendAsync(Topology.Admin, HttpMethod.Post, "/management/v1/warehouse", WarehouseBody("bobs-wh"), missingProject))
        {
            var hiddenBody = await hidden.Content.ReadAsStringAsync();
            Assert.True((int)hidden.StatusCode == 404, hiddenBody);
            Assert.Equal(404, (int)missing.StatusCode);
            Assert.Equal((await missing.Content.ReadAsStringAsync()).Replace(missingProject, project, StringComparison.Ordinal), hiddenBody);
        }

        // Nothing was created, in either project.
        foreach (var p in new string?[] { null, project })
        {
            using var list = await SendAsync(Topology.Admin, HttpMethod.Get, "/management/v1/warehouse", null, p);
            var text = await list.Content.ReadAsStringAsync();
            Assert.True(list.IsSuccessStatusCode, text);
            Assert.DoesNotContain("bobs-wh", text, StringComparison.Ordinal);
        }

        // Granted create on the project, he creates one there (and owns it).
        await GrantOn($"project/{project}", "create", write: true);
        using var created = await SendAsync(Topology.Bob, HttpMethod.Post, "/management/v1/warehouse", WarehouseBody("bobs-wh"), project);
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, createdText);
        var warehouse = JsonDocument.Parse(createdText).RootElement.GetProperty("warehouse-id").GetString()!;
        await Ok(Topology.Bob, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", new { @namespace = new[] { "mine" } });
    }

    [Fact]
    public async Task Done_means_a_user_granted_select_on_one_namespace_sees_only_it_is_refused_commits_and_loses_it_on_revoke()
    {
        // The admin (bootstrapped by the fixture) creates a warehouse with two namespaces.
        var warehouse = await CreateWarehouseAsync("donemeans");
        var catalog = $"/catalog/v1/{warehouse}";
        foreach (var ns in new[] { "shared", "private" })
        {
            await Ok(Topology.Admin, HttpMethod.Post, $"{catalog}/namespaces", new { @namespace = new[] { ns } });
            await Ok(Topology.Admin, HttpMethod.Post, $"{catalog}/namespaces/{ns}/tables", new { name = "a", schema = Schema });
            await Ok(Topology.Admin, HttpMethod.Post, $"{catalog}/namespaces/{ns}/tables", new { name = "b", schema = Schema });
        }

        var shared = await NamespaceIdAsync("shared", warehouse: warehouse);
        await Grant(shared, "select", write: true);

        // B sees only that namespace and its tables.
        var namespaces = await Ok(Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces");
        Assert.Equal<string>(["shared"], namespaces.GetProperty("namespaces").EnumerateArray().Select(n => n[0].GetString()!).ToArray());
        var tables = await Ok(Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/shared/tables");
        Assert.Equal<string>(["a", "b"], tables.GetProperty("identifiers").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order().ToArray());
        var location = (await Ok(Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/shared/tables/a")).GetProperty("metadata-location").GetString();

        // 403 on commit, changing nothing.
        await Expect(403, Topology.Bob, HttpMethod.Post, $"{catalog}/namespaces/shared/tables/a", new { requirements = Array.Empty<object>(), updates = SetProperty("k", "v") });
        Assert.Equal(location, (await Ok(Topology.Admin, HttpMethod.Get, $"{catalog}/namespaces/shared/tables/a")).GetProperty("metadata-location").GetString());

        // 404 on everything else.
        await Expect(404, Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/private");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/private/tables");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/private/tables/a");
        await Expect(404, Topology.Bob, HttpMethod.Post, $"{catalog}/namespaces/private/tables/a", new { requirements = Array.Empty<object>(), updates = SetProperty("k", "v") });
        await Expect(404, Topology.Bob, HttpMethod.Get, $"/management/v1/permissions/namespace/{await NamespaceIdAsync("private", warehouse: warehouse)}/assignments");

        // The admin revokes; B loses access within the documented bound (the change notification; docs/authz.md).
        await Grant(shared, "select", write: false);
        await Eventually.TrueAsync(async () =>
        {
            using var listing = await SendAsync(Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/shared/tables/a");
            return (int)listing.StatusCode == 404;
        }, TimeSpan.FromSeconds(5), "the revoke to hide shared.a from B");
        await Expect(404, Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces/shared/tables");
        // Holding nothing in it any more, B does not see the warehouse either.
        await Expect(404, Topology.Bob, HttpMethod.Get, $"{catalog}/namespaces");
    }

    // ---- helpers ----

    private static object[] SetProperty(string key, string value) =>
        [new Dictionary<string, object> { ["action"] = "set-properties", ["updates"] = new Dictionary<string, string> { [key] = value } }];

    private static Dictionary<string, object> ViewBody(string name, string ns) => new()
    {
        ["name"] = name,
        ["schema"] = Schema,
        ["view-version"] = new Dictionary<string, object>
        {
            ["version-id"] = 1,
            ["schema-id"] = 0,
            ["timestamp-ms"] = 1,
            ["summary"] = new Dictionary<string, string>(),
            ["representations"] = new[] { new { type = "sql", sql = "select 1", dialect = "spark" } },
            ["default-namespace"] = new[] { ns },
        },
        ["properties"] = new Dictionary<string, string>(),
    };

    private static Dictionary<string, object> MetricsBody(string table) => new()
    {
        ["report-type"] = "scan-report",
        ["table-name"] = table,
        ["snapshot-id"] = 1,
        ["filter"] = new { type = "true" },
        ["schema-id"] = 0,
        ["projected-field-ids"] = Array.Empty<int>(),
        ["projected-field-names"] = Array.Empty<string>(),
        ["metrics"] = new Dictionary<string, object>(),
    };

    private Dictionary<string, object> WarehouseBody(string name)
    {
        var root = Path.Combine(topology.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        return new Dictionary<string, object>
        {
            ["warehouse-name"] = name,
            ["storage-profile"] = new Dictionary<string, object> { ["type"] = "file", ["root"] = root },
        };
    }

    private async Task<string> CreateWarehouseAsync(string name, Dictionary<string, object>? deleteProfile = null)
    {
        var body = WarehouseBody(name);
        if (deleteProfile is not null)
        {
            body["delete-profile"] = deleteProfile;
        }

        return (await Ok(Topology.Admin, HttpMethod.Post, "/management/v1/warehouse", body)).GetProperty("warehouse-id").GetString()!;
    }

    /// <summary>A namespace the admin creates for Bob to hold a grant on.</summary>
    private async Task<string> NamespaceOfBobAsync(string warehouse, string name)
    {
        await Ok(Topology.Admin, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", new { @namespace = new[] { name } });
        return await NamespaceIdAsync(name, warehouse: warehouse);
    }

    /// <summary>What the owner sees of a namespace: its properties, and each table's and view's metadata location.</summary>
    private async Task<string> SnapshotAsync(string warehouse, string ns)
    {
        var parts = new List<string> { (await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/{ns}")).GetProperty("properties").GetRawText() };
        foreach (var kind in new[] { "tables", "views" })
        {
            var listed = await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/{ns}/{kind}");
            foreach (var name in listed.GetProperty("identifiers").EnumerateArray().Select(i => i.GetProperty("name").GetString()!).Order())
            {
                var loaded = await Ok(Topology.Admin, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/{ns}/{kind}/{name}");
                parts.Add($"{kind}/{name}={loaded.GetProperty("metadata-location").GetString()}");
            }
        }

        return string.Join('\n', parts);
    }

    /// <summary>Every stored tuple (of the builtin engine's store) that names the object, on either side.</summary>
    private async Task<List<string>> TuplesNamingAsync(string type, string id)
    {
        await using var connection = new NpgsqlConnection(topology.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT object_type || ':' || object_id || '#' || relation || '@' || user_type || ':' || user_id
                   || CASE WHEN user_relation = '' THEN '' ELSE '#' || user_relation END
            FROM authz_tuple
            WHERE (object_type = $1 AND object_id = $2) OR (user_type = $1 AND user_id = $2)
            ORDER BY 1
            """, connection);
        command.Parameters.AddWithValue(type);
        command.Parameters.AddWithValue(id);
        var tuples = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tuples.Add(reader.GetString(0));
        }

        return tuples;
    }

    /// <summary>The namespaces named by the events of <paramref name="warehouse"/> that <paramref name="client"/> is shown, every page.</summary>
    private async Task<HashSet<string>> EventNamespacesAsync(OidcClient client, string warehouse)
    {
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        string? token = null;
        for (var page = 0; page < 100; page++)
        {
            var body = new Dictionary<string, object> { ["page-size"] = 100 };
            if (token is not null)
            {
                body["continuation-token"] = token;
            }

            var answer = await Ok(client, HttpMethod.Post, $"/catalog/v1/{warehouse}/events", body);
            var events = answer.GetProperty("events").EnumerateArray().ToList();
            if (events.Count == 0)
            {
                return namespaces;
            }

            foreach (var operation in events.Select(e => e.GetProperty("operation")))
            {
                var path = operation.TryGetProperty("identifier", out var identifier) ? identifier.GetProperty("namespace")
                    : operation.TryGetProperty("namespace", out var ns) ? ns : default;
                if (path.ValueKind == JsonValueKind.Array)
                {
                    namespaces.Add(string.Join('.', path.EnumerateArray().Select(p => p.GetString())));
                }
            }

            token = answer.TryGetProperty("continuation-token", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            if (token is null)
            {
                return namespaces;
            }
        }

        return namespaces;
    }

    private async Task GrantOn(string resource, string privilege, bool write)
    {
        var change = new[] { new { type = privilege, user = Bob } };
        using var response = await SendAsync(Topology.Admin, HttpMethod.Post, $"/management/v1/permissions/{resource}/assignments",
            write ? new { writes = change } : (object)new { deletes = change });
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.NoContent, await response.Content.ReadAsStringAsync());
    }

    private async Task ExpectStatus(int status, OidcClient client, HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(client, method, path, body);
        Assert.True((int)response.StatusCode == status,
            $"{client.Id} {method} {path}: expected {status}, got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
