using System.Net;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lakekeeper.Console.Tests;

/// <summary>
/// The console's management pages against the standalone host, Postgres and (for S3) npm s3rver: the
/// tasks page (filters, pages, details, run now, cancel, queue settings), warehouse management (rename,
/// activate, protection, delete profile, statistics chart, delete), the S3 wizard with its dry run, the
/// credential rotation behind its dry run, and project rename. Every action is checked through the API,
/// not only in the page.
/// </summary>
public sealed class ConsoleManagementTests(StandaloneConsole deployment) : IClassFixture<StandaloneConsole>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly HttpClient _http = new() { BaseAddress = deployment.BaseAddress };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Tasks_page_filters_pages_shows_details_runs_now_cancels_and_saves_queue_settings()
    {
        await BootstrapAsync();
        var warehouse = await CreateFileWarehouseAsync("tasks-wh", soft: true);
        await PostAsync($"/catalog/v1/{warehouse}/namespaces", """{"namespace":["analytics"]}""");
        var ids = new Dictionary<string, string>();
        foreach (var name in new[] { "t1", "t2", "t3", "t4" })
        {
            await ConsoleFlowTests<StandaloneConsole>.CreateTableWithSnapshotsAsync(_http, warehouse, name, 1);
            ids[name] = (await GetAsync($"/catalog/v1/{warehouse}/namespaces/analytics/tables/{name}")).GetProperty("metadata").GetProperty("table-uuid").GetString()!;
            using var dropped = await _http.DeleteAsync($"/catalog/v1/{warehouse}/namespaces/analytics/tables/{name}");
            Assert.True(dropped.IsSuccessStatusCode, await dropped.Content.ReadAsStringAsync());
        }

        // The four expirations the soft drops scheduled, as the API lists them.
        var listed = await TasksAsync(warehouse, """{"queue-name":["soft_deletion"]}""");
        Assert.Equal(4, listed.Count);
        string TaskOf(string table) => listed.Single(t => t.GetProperty("entity").GetProperty("table-id").GetString() == ids[table]).GetProperty("task-id").GetString()!;

        await using var tab = await deployment.OpenAsync();
        var page = tab.Page;
        await tab.StepsAsync(async () =>
        {
            await tab.GotoAsync($"/ui/warehouses/{warehouse}/tasks");
            await tab.ExpectHeadingAsync("Tasks");
            var rows = page.Locator("table:has(caption:text('Tasks, newest first')) tbody tr");
            await Expect(rows).ToHaveCountAsync(4);
            foreach (var name in ids.Keys)
            {
                await Expect(rows.Filter(new() { HasText = $"analytics.{name}" })).ToContainTextAsync("SCHEDULED");
            }

            await Expect(page.GetByText("Page 1")).ToBeVisibleAsync();
            await tab.CheckAsync("tasks-list");

            // Pages of two, by URL: Next shows the other two, Previous the first two again.
            await tab.GotoAsync($"/ui/warehouses/{warehouse}/tasks?size=2");
            await Expect(rows).ToHaveCountAsync(2);
            var firstPage = await rows.AllTextContentsAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Next page" }).ClickAsync();
            await Expect(page.GetByText("Page 2")).ToBeVisibleAsync();
            await Expect(rows).ToHaveCountAsync(2);
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Next page" })).ToBeDisabledAsync();
            var secondPage = await rows.AllTextContentsAsync();
            Assert.Empty(secondPage.Intersect(firstPage));
            await page.GetByRole(AriaRole.Button, new() { Name = "Previous page" }).ClickAsync();
            await Expect(rows).ToHaveCountAsync(2);
            Assert.Equal(firstPage, await rows.AllTextContentsAsync());

            // Filters go into the URL: nothing is cancelled yet; queue and table find the one task.
            await page.GetByLabel("cancelled", new() { Exact = true }).CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            await Expect(page.GetByText("No task matches these filters.")).ToBeVisibleAsync();
            Assert.Contains("status=CANCELLED", page.Url, StringComparison.Ordinal);
            await page.GetByLabel("cancelled", new() { Exact = true }).UncheckAsync();
            await page.GetByLabel("Queue", new() { Exact = true }).SelectOptionAsync("soft_deletion");
            await page.GetByLabel("Object", new() { Exact = true }).SelectOptionAsync("table");
            await page.GetByLabel("Object id").FillAsync(ids["t2"]);
            await page.GetByRole(AriaRole.Button, new() { Name = "Apply filters" }).ClickAsync();
            await Expect(rows).ToHaveCountAsync(1);
            await Expect(rows).ToContainTextAsync("analytics.t2");
            await tab.CheckAsync("tasks-filtered");

            // Cancel t2 from its row (asked first); the API then says CANCELLED and t2 no longer expires.
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel task: analytics.t2" }).ClickAsync();
            var dialog = page.GetByRole(AriaRole.Dialog);
            await Expect(dialog).ToContainTextAsync("leaves the table dropped");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel task" }).ClickAsync();
            await Expect(page.GetByText($"Cancelled: {TaskOf("t2")}")).ToBeVisibleAsync();
            Assert.Equal("CANCELLED", (await GetAsync($"/management/v1/warehouse/{warehouse}/task/by-id/{TaskOf("t2")}")).GetProperty("status").GetString());
            var deleted = await GetAsync($"/management/v1/warehouse/{warehouse}/deleted-tabulars");
            Assert.Equal(JsonValueKind.Null, deleted.GetProperty("tabulars").EnumerateArray().Single(t => t.GetProperty("id").GetString() == ids["t2"]).GetProperty("expiration-date").ValueKind);

            // A task that finished behind the page's back: the page shows the server's refusal, nothing changes.
            await tab.GotoAsync($"/ui/warehouses/{warehouse}/tasks?status=SCHEDULED");
            await Expect(rows).ToHaveCountAsync(3);
            await PostAsync($"/management/v1/warehouse/{warehouse}/task/control", $$"""{"action":{"action-type":"cancel"},"task-ids":["{{TaskOf("t3")}}"]}""", HttpStatusCode.NoContent);
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel task: analytics.t3" }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel task" }).ClickAsync();
            var refusal = page.GetByRole(AriaRole.Alert);
            await Expect(refusal).ToContainTextAsync("Nothing was changed (cancel task):");
            await Expect(refusal).ToContainTextAsync(TaskOf("t3"));
            await tab.CheckAsync("tasks-refused");

            // Several at once: the selected rows are cancelled together.
            await page.GetByLabel("Select the task on analytics.t4").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Cancel selected" }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Cancel selected" }).ClickAsync();
            await Expect(page.GetByText($"Cancelled: {TaskOf("t4")}")).ToBeVisibleAsync();
            Assert.Equal("CANCELLED", (await GetAsync($"/management/v1/warehouse/{warehouse}/task/by-id/{TaskOf("t4")}")).GetProperty("status").GetString());
            await Expect(rows).ToHaveCountAsync(1);

            // Details of t1, then run it now: the worker expires it and the API no longer lists it as deleted.
            await page.GetByRole(AriaRole.Link, new() { Name = "Details of the task on analytics.t1" }).ClickAsync();
            await tab.ExpectHeadingAsync("Task on analytics.t1");
            await Expect(page.Locator("dl.facts")).ToContainTextAsync(ids["t1"]);
            await Expect(page.Locator("pre.code").First).ToContainTextAsync("\"tabular-type\": \"table\"");
            await Expect(page.GetByText("No earlier attempt: this is the first.")).ToBeVisibleAsync();
            await tab.CheckAsync("task-details");
            await page.GetByRole(AriaRole.Button, new() { Name = "Run now: analytics.t1" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog)).ToContainTextAsync("deletes the table or view for good");
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
            await Expect(page.GetByText("Scheduled to run now")).ToBeVisibleAsync();
            await Eventually.TrueAsync(async () =>
                (await GetAsync($"/management/v1/warehouse/{warehouse}/task/by-id/{TaskOf("t1")}")).GetProperty("status").GetString() == "SUCCESS", Deadline, "t1's expiration to succeed");
            deleted = await GetAsync($"/management/v1/warehouse/{warehouse}/deleted-tabulars");
            Assert.DoesNotContain(deleted.GetProperty("tabulars").EnumerateArray(), t => t.GetProperty("id").GetString() == ids["t1"]);
            await page.ReloadAsync();
            await Expect(page.Locator(".facts .badge")).ToHaveTextAsync("SUCCESS");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Run now: analytics.t1" })).ToHaveCountAsync(0);

            // Queue settings: saved, then read back through the API.
            await tab.GotoAsync($"/ui/warehouses/{warehouse}/tasks");
            await page.GetByLabel("Attempts before a task fails (soft_deletion)").FillAsync("3");
            await page.GetByLabel("Seconds without heartbeat before another worker takes over (soft_deletion)").FillAsync("300");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save soft_deletion settings" }).ClickAsync();
            await Expect(page.GetByText("Saved the soft_deletion settings")).ToBeVisibleAsync();
            var config = await GetAsync($"/management/v1/warehouse/{warehouse}/task-queue/soft_deletion/config");
            Assert.Equal(3, config.GetProperty("queue-config").GetProperty("max-attempts").GetInt32());
            Assert.Equal(300, config.GetProperty("max-seconds-since-last-heartbeat").GetInt64());
            await page.ReloadAsync();
            await Expect(page.GetByLabel("Attempts before a task fails (soft_deletion)")).ToHaveValueAsync("3");
            await tab.CheckAsync("tasks-queue-settings");
        });
    }

    [Fact]
    public async Task Warehouse_page_renames_deactivates_protects_sets_the_delete_profile_charts_statistics_and_deletes()
    {
        await BootstrapAsync();
        var warehouse = await CreateFileWarehouseAsync("ops", soft: false);
        await using var tab = await deployment.OpenAsync();
        var page = tab.Page;
        await tab.StepsAsync(async () =>
        {
            await tab.GotoAsync($"/ui/warehouses/{warehouse}");
            await tab.ExpectHeadingAsync("ops");

            // Rename.
            await page.GetByLabel("New name").FillAsync("ops-renamed");
            await page.GetByRole(AriaRole.Button, new() { Name = "Rename", Exact = true }).ClickAsync();
            await tab.ExpectHeadingAsync("ops-renamed");
            Assert.Equal("ops-renamed", (await WarehouseAsync(warehouse)).GetProperty("name").GetString());

            // Deactivate (still listed, as inactive) and activate again.
            await page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" }).ClickAsync();
            await Expect(page.GetByText("Deactivated: engines cannot reach this warehouse")).ToBeVisibleAsync();
            Assert.Equal("inactive", (await WarehouseAsync(warehouse)).GetProperty("status").GetString());
            await tab.GotoAsync("/ui/warehouses");
            await Expect(page.GetByRole(AriaRole.Row).Filter(new() { HasText = "ops-renamed" })).ToContainTextAsync("inactive");
            await page.GetByRole(AriaRole.Link, new() { Name = "ops-renamed" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Activate" }).ClickAsync();
            await Expect(page.GetByText("Activated")).ToBeVisibleAsync();
            Assert.Equal("active", (await WarehouseAsync(warehouse)).GetProperty("status").GetString());

            // Protection: a protected warehouse is not deleted, and the page says why in the server's words.
            await page.GetByRole(AriaRole.Button, new() { Name = "Protect from deletion" }).ClickAsync();
            await Expect(page.GetByText("Protected: the warehouse cannot be deleted")).ToBeVisibleAsync();
            Assert.True((await WarehouseAsync(warehouse)).GetProperty("protected").GetBoolean());
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete warehouse" }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete warehouse" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The warehouse was not deleted:");
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("protected");
            Assert.True((await WarehouseAsync(warehouse)).GetProperty("protected").GetBoolean());
            await tab.CheckAsync("warehouse-protected-refusal");
            await page.GetByRole(AriaRole.Button, new() { Name = "Remove protection" }).ClickAsync();
            await Expect(page.GetByText("Protection removed")).ToBeVisibleAsync();
            Assert.False((await WarehouseAsync(warehouse)).GetProperty("protected").GetBoolean());

            // Delete profile: soft for two hours, then hard again.
            await page.GetByLabel("When a table or view is dropped").SelectOptionAsync("soft");
            await page.GetByLabel("Keep dropped tables for (seconds)").FillAsync("7200");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save delete profile" }).ClickAsync();
            await Expect(page.GetByText("Delete profile saved")).ToBeVisibleAsync();
            var profile = (await WarehouseAsync(warehouse)).GetProperty("delete-profile");
            Assert.Equal("soft", profile.GetProperty("type").GetString());
            Assert.Equal(7200, profile.GetProperty("expiration-seconds").GetInt64());
            await page.GetByLabel("When a table or view is dropped").SelectOptionAsync("hard");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save delete profile" }).ClickAsync();
            await Expect(page.GetByText("Delete profile saved")).ToBeVisibleAsync();
            Assert.Equal("hard", (await WarehouseAsync(warehouse)).GetProperty("delete-profile").GetProperty("type").GetString());

            // Statistics: three tables and a view made by an engine, then one table dropped; the chart follows.
            await PostAsync($"/catalog/v1/{warehouse}/namespaces", """{"namespace":["analytics"]}""");
            foreach (var name in new[] { "a", "b", "c" })
            {
                await ConsoleFlowTests<StandaloneConsole>.CreateTableWithSnapshotsAsync(_http, warehouse, name, 1);
            }

            await PostAsync($"/catalog/v1/{warehouse}/namespaces/analytics/views", """
                {"name":"v","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":false,"type":"long"}]},
                 "view-version":{"version-id":1,"schema-id":0,"timestamp-ms":1700000000000,"summary":{},"representations":[{"type":"sql","sql":"select 1","dialect":"trino"}],"default-namespace":["analytics"]},"properties":{}}
                """);
            await ExpectStatisticsAsync(tab, warehouse, tables: 3, views: 1);
            await tab.CheckAsync("warehouse-statistics");
            using (var dropped = await _http.DeleteAsync($"/catalog/v1/{warehouse}/namespaces/analytics/tables/b"))
            {
                Assert.True(dropped.IsSuccessStatusCode, await dropped.Content.ReadAsStringAsync());
            }

            await ExpectStatisticsAsync(tab, warehouse, tables: 2, views: 1);

            // Delete: refused while it holds tables; with the option, it goes, and the API no longer knows it.
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete warehouse" }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete warehouse" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The warehouse was not deleted:");
            using (var stillThere = await _http.GetAsync($"/management/v1/warehouse/{warehouse}"))
            {
                Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
            }

            await page.GetByLabel("Also delete its namespaces, tables and views").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete warehouse" }).ClickAsync();
            await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete warehouse" }).ClickAsync();
            await tab.ExpectHeadingAsync("Warehouses");
            using var gone = await _http.GetAsync($"/management/v1/warehouse/{warehouse}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        });
    }

    [Fact]
    public async Task S3_wizard_shows_each_check_of_the_dry_run_creates_and_the_credential_rotates_only_after_its_checks_pass()
    {
        await BootstrapAsync();
        await using var s3 = await S3rverServer.StartAsync("console-lake");
        await using var tab = await deployment.OpenAsync();
        var page = tab.Page;
        await tab.StepsAsync(async () =>
        {
            await tab.GotoAsync("/ui/warehouses/new");
            await tab.ExpectHeadingAsync("Create a warehouse");
            await page.GetByLabel("Warehouse name").FillAsync("lake");
            await page.GetByLabel("Storage", new() { Exact = true }).SelectOptionAsync("s3");
            await page.GetByLabel("Bucket").FillAsync("console-lake");
            await page.GetByLabel("Region", new() { Exact = true }).FillAsync("us-east-1");
            await page.GetByLabel("Endpoint", new() { Exact = true }).FillAsync(s3.Endpoint.ToString());
            await page.GetByLabel("Key prefix").FillAsync("warehouses/lake");
            await page.GetByLabel("Path-style access (MinIO, s3rver, …)").CheckAsync();
            await page.GetByLabel("Flavor").SelectOptionAsync("s3-compat");
            // STS vending against an STS that is not there: its check must fail and block the create.
            await page.GetByLabel("Vend temporary credentials (STS)").CheckAsync();
            await page.GetByLabel("STS endpoint").FillAsync($"http://127.0.0.1:{FreePort.Next()}");
            await page.GetByLabel("STS role ARN").FillAsync("arn:aws:iam::000000000000:role/console");
            await page.GetByLabel("URL style engines sign with").SelectOptionAsync("path");
            await tab.CheckAsync("s3-wizard-storage");
            await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            await page.GetByLabel("Access key id").FillAsync(S3rverServer.AccessKeyId);
            await page.GetByLabel("Secret access key").FillAsync(S3rverServer.SecretAccessKey);
            await tab.CheckAsync("s3-wizard-credential");
            await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();

            var checks = page.Locator("table:has(caption:text('Checks')) tbody tr");
            await Expect(page.Locator(".checks p.error")).ToContainTextAsync("checks failed");
            var create = page.GetByRole(AriaRole.Button, new() { Name = "Create warehouse" });
            await Expect(create).ToBeDisabledAsync();
            await tab.CheckAsync("s3-wizard-failed-check");
            // The page shows what the server's dry run says, check by check.
            var report = await PostAsync("/management/v1/warehouse-creation-validation", CreateBody(s3, sts: true));
            Assert.False(report.GetProperty("valid").GetBoolean());
            var expected = report.GetProperty("checks").EnumerateArray().ToList();
            await Expect(checks).ToHaveCountAsync(expected.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                await Expect(checks.Nth(i)).ToContainTextAsync(expected[i].GetProperty("name").GetString()!);
                await Expect(checks.Nth(i).Locator(".badge")).ToHaveTextAsync(expected[i].GetProperty("status").GetString()!);
            }

            // Without STS every check passes and the warehouse is created as the form said.
            foreach (var _ in Enumerable.Range(0, 3))
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Back" }).ClickAsync();
            }

            await page.GetByLabel("Vend temporary credentials (STS)").UncheckAsync();
            foreach (var _ in Enumerable.Range(0, 3))
            {
                await page.GetByRole(AriaRole.Button, new() { Name = "Next" }).ClickAsync();
            }

            await Expect(page.GetByText("Every check passed.")).ToBeVisibleAsync();
            await Expect(checks.Filter(new() { HasText = "lakekeeper-read-write" }).Locator(".badge")).ToHaveTextAsync("passed");
            await tab.CheckAsync("s3-wizard-checks-passed");
            await create.ClickAsync();
            await tab.ExpectHeadingAsync("lake");
            var warehouse = page.Url.Split('/')[^1];
            var stored = (await WarehouseAsync(warehouse)).GetProperty("storage-profile");
            Assert.Equal("s3", stored.GetProperty("type").GetString());
            Assert.Equal("console-lake", stored.GetProperty("bucket").GetString());
            Assert.Equal("warehouses/lake", stored.GetProperty("key-prefix").GetString());
            Assert.True(stored.GetProperty("path-style-access").GetBoolean());
            Assert.False(stored.GetProperty("sts-enabled").GetBoolean());
            Assert.Equal("path", stored.GetProperty("remote-signing-url-style").GetString());
            Assert.Equal("s3-compat", stored.GetProperty("flavor").GetString());
            // The secret is never shown.
            Assert.DoesNotContain(S3rverServer.SecretAccessKey, await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);

            // Storage access as stored: every check passes.
            await page.GetByRole(AriaRole.Button, new() { Name = "Check storage access" }).ClickAsync();
            await Expect(page.Locator(".checks p.ok").First).ToHaveTextAsync("Every check passed.");

            // A key s3rver does not know: the dry run fails, the stored credential stays (access still passes).
            var rotate = page.GetByRole(AriaRole.Form, new() { Name = "Rotate the credential" });
            await rotate.GetByLabel("Access key id").FillAsync("NOT-A-KEY");
            await rotate.GetByLabel("Secret access key").FillAsync("wrong");
            await rotate.GetByRole(AriaRole.Button, new() { Name = "Check and rotate credential" }).ClickAsync();
            await Expect(rotate.GetByRole(AriaRole.Alert).Last).ToContainTextAsync("The credential was not replaced: a check failed");
            await Expect(rotate.Locator("tbody tr").Filter(new() { HasText = "lakekeeper-read-write" }).Locator(".badge")).ToHaveTextAsync("failed");
            await tab.CheckAsync("s3-rotate-refused");
            var access = await PostAsync($"/management/v1/warehouse/{warehouse}/storage/validate-access", null);
            Assert.True(access.GetProperty("valid").GetBoolean(), access.ToString());

            // The right key: checked, then stored.
            await rotate.GetByLabel("Access key id").FillAsync(S3rverServer.AccessKeyId);
            await rotate.GetByLabel("Secret access key").FillAsync(S3rverServer.SecretAccessKey);
            await rotate.GetByRole(AriaRole.Button, new() { Name = "Check and rotate credential" }).ClickAsync();
            await Expect(rotate.GetByText("Credential replaced")).ToBeVisibleAsync();
            Assert.Equal(string.Empty, await rotate.GetByLabel("Secret access key").InputValueAsync());

            // Settings the form does not show, set through the API: saving the form must keep them.
            var profile = System.Text.Json.Nodes.JsonNode.Parse((await WarehouseAsync(warehouse)).GetProperty("storage-profile").GetRawText())!.AsObject();
            profile["allow-alternative-protocols"] = true;
            profile["sts-session-tags"] = new System.Text.Json.Nodes.JsonObject { ["team"] = "console" };
            profile["storage-layout"] = System.Text.Json.Nodes.JsonNode.Parse("""{"type":"tabular-only","tabular":"{uuid}"}""");
            await PostAsync($"/management/v1/warehouse/{warehouse}/storage", new System.Text.Json.Nodes.JsonObject { ["storage-profile"] = profile }.ToJsonString());
            await tab.GotoAsync($"/ui/warehouses/{warehouse}");
            await tab.ExpectHeadingAsync("lake");

            // Storage settings: remote signing off, engines may not delete, checked and saved.
            var settings = page.GetByRole(AriaRole.Form, new() { Name = "Storage settings" });
            await settings.GetByLabel("Remote signing").UncheckAsync();
            await settings.GetByLabel("Engines may delete files").SelectOptionAsync("true");
            await settings.GetByRole(AriaRole.Button, new() { Name = "Check and save settings" }).ClickAsync();
            await Expect(page.GetByText("Storage settings saved")).ToBeVisibleAsync();
            var saved = (await WarehouseAsync(warehouse)).GetProperty("storage-profile");
            Assert.False(saved.GetProperty("remote-signing-enabled").GetBoolean());
            Assert.True(saved.GetProperty("push-s3-delete-disabled").GetBoolean());
            Assert.True(saved.GetProperty("allow-alternative-protocols").GetBoolean());
            Assert.Equal("console", saved.GetProperty("sts-session-tags").GetProperty("team").GetString());
            Assert.Equal("tabular-only", saved.GetProperty("storage-layout").GetProperty("type").GetString());
            await tab.CheckAsync("s3-warehouse");
        });
    }

    [Fact]
    public async Task A_project_is_renamed_through_the_projects_page()
    {
        await BootstrapAsync();
        var created = await PostAsync("/management/v1/project", """{"project-name":"console-rename-me"}""", HttpStatusCode.Created, HttpStatusCode.OK);
        var id = created.GetProperty("project-id").GetString()!;
        await using var tab = await deployment.OpenAsync();
        var page = tab.Page;
        await tab.StepsAsync(async () =>
        {
            await tab.GotoAsync("/ui/projects");
            await tab.ExpectHeadingAsync("Projects");
            await page.GetByLabel("New name for console-rename-me").FillAsync("console-renamed");
            await page.GetByRole(AriaRole.Form, new() { Name = "Rename console-rename-me" }).GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
            await Expect(page.GetByText("Renamed to console-renamed")).ToBeVisibleAsync();
            var projects = await GetAsync("/management/v1/project-list");
            Assert.Contains(projects.GetProperty("projects").EnumerateArray(), p => p.GetProperty("project-id").GetString() == id && p.GetProperty("project-name").GetString() == "console-renamed");

            // A project deleted behind the page's back: the server's refusal is shown in plain words.
            using (var deleted = new HttpRequestMessage(HttpMethod.Delete, "/management/v1/project"))
            {
                deleted.Headers.Add("x-project-id", id);
                using var response = await _http.SendAsync(deleted);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            }

            await page.GetByLabel("New name for console-renamed").FillAsync("console-too-late");
            await page.GetByRole(AriaRole.Form, new() { Name = "Rename console-renamed" }).GetByRole(AriaRole.Button, new() { Name = "Rename" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("The project was not renamed:");
            projects = await GetAsync("/management/v1/project-list");
            Assert.DoesNotContain(projects.GetProperty("projects").EnumerateArray(), p => p.GetProperty("project-id").GetString() == id);
        });
    }

    private async Task ExpectStatisticsAsync(ConsolePage tab, string warehouse, int tables, int views)
    {
        await tab.GotoAsync($"/ui/warehouses/{warehouse}");
        var stats = tab.Page.Locator("#statistics");
        await Expect(stats.Locator("dd").Nth(0)).ToHaveTextAsync(tables.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(stats.Locator("dd").Nth(1)).ToHaveTextAsync(views.ToString(System.Globalization.CultureInfo.InvariantCulture));
        // The chart names the latest counts, and its data table has the points the API answers.
        await Expect(stats.GetByRole(AriaRole.Img, new() { Name = "Tables and views over time" })).ToBeVisibleAsync();
        await Expect(stats.Locator("svg desc")).ToContainTextAsync($"latest Tables: {tables}, Views: {views}");
        await Expect(stats.Locator("svg path.line")).ToHaveCountAsync(2);
        await stats.GetByText("Data of “Tables and views over time”").ClickAsync();
        var api = (await GetAsync($"/management/v1/warehouse/{warehouse}/statistics")).GetProperty("stats");
        var latest = api.EnumerateArray().MaxBy(s => s.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(tables, latest.GetProperty("number-of-tables").GetInt64());
        Assert.Equal(views, latest.GetProperty("number-of-views").GetInt64());
        await Expect(stats.Locator("details tbody tr")).ToHaveCountAsync(api.GetArrayLength() * 2);
        var at = latest.GetProperty("timestamp").GetDateTimeOffset().ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await Expect(stats.Locator("details tbody tr").Filter(new() { HasText = "Tables" }).Filter(new() { HasText = at })).ToContainTextAsync(tables.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string CreateBody(S3rverServer s3, bool sts) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["warehouse-name"] = "lake",
        ["storage-profile"] = new Dictionary<string, object?>
        {
            ["type"] = "s3", ["bucket"] = "console-lake", ["region"] = "us-east-1", ["endpoint"] = s3.Endpoint.ToString(), ["key-prefix"] = "warehouses/lake",
            ["path-style-access"] = true, ["flavor"] = "s3-compat", ["sts-enabled"] = sts, ["sts-endpoint"] = sts ? $"http://127.0.0.1:{FreePort.Next()}" : null,
            ["sts-role-arn"] = sts ? "arn:aws:iam::000000000000:role/console" : null, ["remote-signing-enabled"] = true, ["remote-signing-url-style"] = "path",
        },
        ["storage-credential"] = new Dictionary<string, object?> { ["type"] = "s3", ["credential-type"] = "access-key", ["access-key-id"] = S3rverServer.AccessKeyId, ["secret-access-key"] = S3rverServer.SecretAccessKey },
        ["delete-profile"] = new Dictionary<string, object?> { ["type"] = "hard" },
    });

    private async Task BootstrapAsync()
    {
        var info = await GetAsync("/management/v1/info");
        if (!info.GetProperty("bootstrapped").GetBoolean())
        {
            using var response = await _http.PostAsync("/management/v1/bootstrap", Json("""{"accept-terms-of-use":true}"""));
            // Another test of this class may have bootstrapped in between.
            Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.BadRequest || response.StatusCode == HttpStatusCode.Conflict, await response.Content.ReadAsStringAsync());
        }
    }

    private async Task<string> CreateFileWarehouseAsync(string name, bool soft)
    {
        var root = Path.Combine(deployment.WarehouseRoot, name);
        Directory.CreateDirectory(root);
        var profile = soft ? """{"type":"soft","expiration-seconds":3600}""" : """{"type":"hard"}""";
        var created = await PostAsync("/management/v1/warehouse", $$"""{"warehouse-name":"{{name}}","storage-profile":{"type":"file","root":{{JsonSerializer.Serialize(root)}}},"delete-profile":{{profile}}}""", HttpStatusCode.Created);
        return created.GetProperty("warehouse-id").GetString()!;
    }

    private async Task<List<JsonElement>> TasksAsync(string warehouse, string filter) =>
        [.. (await PostAsync($"/management/v1/warehouse/{warehouse}/task/list", filter)).GetProperty("tasks").EnumerateArray()];

    private async Task<JsonElement> WarehouseAsync(string warehouse) => await GetAsync($"/management/v1/warehouse/{warehouse}");

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<JsonElement> PostAsync(string path, string? body, params HttpStatusCode[] expected)
    {
        using var response = await _http.PostAsync(path, body is null ? null : Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected.Length == 0 ? response.IsSuccessStatusCode : expected.Contains(response.StatusCode), $"POST {path}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
