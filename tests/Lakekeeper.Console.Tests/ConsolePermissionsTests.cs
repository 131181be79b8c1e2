using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lakekeeper.Console.Tests;

/// <summary>
/// Grant and revoke on the permissions page with a real identity provider and the builtin backend: the
/// admin logs in with the browser, grants another user <c>select</c> on a namespace, and that user's own
/// token (from the provider) then lists and loads what the grant covers; after the revoke, it no longer does.
/// </summary>
public abstract class ConsolePermissionsTests<TDeployment>(TDeployment deployment) : IClassFixture<TDeployment>
    where TDeployment : ConsoleDeployment
{
    private const string BobId = "oidc~bob";

    [Fact]
    public async Task The_admin_grants_a_user_select_on_a_namespace_and_revokes_it_and_the_server_enforces_both()
    {
        await using var tab = await deployment.OpenAsync();
        await tab.StepsAsync(() => GrantAndRevokeAsync(tab));
    }

    private async Task GrantAndRevokeAsync(ConsolePage tab)
    {
        var page = tab.Page;
        using var admin = new HttpClient { BaseAddress = deployment.BaseAddress };
        using var bob = new HttpClient { BaseAddress = deployment.BaseAddress };
        bob.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await deployment.Idp!.GetTokenAsync(ConsoleDeployment.Bob));

        // The admin logs in with the browser and bootstraps the server (becoming its admin).
        await tab.GotoAsync("/ui/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(deployment.Idp.IssuerText)));
        await page.Locator("input[name=login]").FillAsync("alice");
        await page.Locator("input[name=password]").FillAsync("any password");
        await page.Locator("button[type=submit]").ClickAsync();
        await tab.ExpectHeadingAsync("Server");
        await page.GetByLabel("I accept the terms of use").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Bootstrap", Exact = true }).ClickAsync();
        await Expect(page.GetByText("The server is bootstrapped.")).ToBeVisibleAsync();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await tab.AccessTokenAsync()
            ?? throw new InvalidOperationException("the console holds no access token after login"));

        // The admin's warehouse, namespace and table (through the API, with the console's token).
        var root = Path.Combine(deployment.WarehouseRoot, "granted");
        Directory.CreateDirectory(root);
        var warehouse = (await SendAsync(admin, HttpMethod.Post, "/management/v1/warehouse",
            JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "granted", ["storage-profile"] = new { type = "file", root } }), HttpStatusCode.Created))
            .GetProperty("warehouse-id").GetString()!;
        await SendAsync(admin, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", """{"namespace":["sales"]}""", HttpStatusCode.OK);
        await SendAsync(admin, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/sales/tables",
            """{"name":"orders","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":false,"type":"long"}]}}""", HttpStatusCode.OK);

        var sales = (await SendAsync(admin, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/sales?returnUuid=true", null, HttpStatusCode.OK))
            .GetProperty("namespace-uuid").GetString()!;
        var assignmentsPath = $"/management/v1/permissions/namespace/{sales}/assignments";

        // Bob is known to the server (his first call) and sees nothing of the namespace.
        Assert.Equal(BobId, (await SendAsync(bob, HttpMethod.Get, "/management/v1/whoami", null, HttpStatusCode.OK)).GetProperty("id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bob, $"/catalog/v1/{warehouse}/namespaces/sales/tables"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(bob, $"/catalog/v1/{warehouse}/namespaces/sales/tables/orders"));

        // The admin grants Bob select on the namespace on its permissions page (linked from the namespace).
        await tab.GotoAsync($"/ui/warehouses/{warehouse}/namespaces/sales");
        await page.GetByRole(AriaRole.Main).GetByRole(AriaRole.Link, new() { Name = "Permissions", Exact = true }).ClickAsync();
        await tab.ExpectHeadingAsync($"Permissions: namespace/{sales}");
        var assignments = page.GetByRole(AriaRole.Table, new() { Name = "Assignments" });
        var bobsRow = page.GetByRole(AriaRole.Row).Filter(new() { HasText = $"user {BobId}" });
        await Expect(bobsRow).ToHaveCountAsync(0);
        await page.GetByLabel("Relation").SelectOptionAsync("select");
        await page.GetByLabel("Principal type").SelectOptionAsync("user");
        await page.GetByLabel("User or role id").FillAsync(BobId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Grant", Exact = true }).ClickAsync();
        await Expect(assignments.GetByRole(AriaRole.Row).Filter(new() { HasText = $"user {BobId}" })).ToContainTextAsync("select");
        await tab.CheckAsync("granted");

        // The API lists the assignment, and Bob's own token lists and loads what select on the namespace covers.
        Assert.Contains((await SendAsync(admin, HttpMethod.Get, assignmentsPath, null, HttpStatusCode.OK)).GetProperty("assignments").EnumerateArray(), IsBobsSelect);
        // (Microservices: the catalog may hold Bob's earlier denial in its read cache until the change notification clears it.)
        await Eventually.TrueAsync(async () => await StatusAsync(bob, $"/catalog/v1/{warehouse}/namespaces/sales/tables") == HttpStatusCode.OK,
            TimeSpan.FromSeconds(5), "the grant to show the namespace to Bob");
        var tables = await SendAsync(bob, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/sales/tables", null, HttpStatusCode.OK);
        Assert.Contains(tables.GetProperty("identifiers").EnumerateArray(), t => t.GetProperty("name").GetString() == "orders");
        await SendAsync(bob, HttpMethod.Get, $"/catalog/v1/{warehouse}/namespaces/sales/tables/orders", null, HttpStatusCode.OK);
        // Select is a read grant: Bob still cannot create in the namespace.
        using (var create = await SendRawAsync(bob, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", """{"namespace":["sales","bobs"]}"""))
        {
            Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        }

        // The admin revokes it on the same page.
        await bobsRow.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"Revoke select from {BobId}?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Expect(bobsRow).ToHaveCountAsync(0);
        await tab.CheckAsync("revoked");

        // Gone from the assignments, and Bob loses access within the documented bound (docs/authz.md: standalone decides
        // in process, at once; microservices' read cache is cleared by the change notification; 5 s leaves room for a loaded machine).
        Assert.DoesNotContain((await SendAsync(admin, HttpMethod.Get, assignmentsPath, null, HttpStatusCode.OK)).GetProperty("assignments").EnumerateArray(), IsBobsSelect);
        await Eventually.TrueAsync(async () => await StatusAsync(bob, $"/catalog/v1/{warehouse}/namespaces/sales/tables") == HttpStatusCode.NotFound
            && await StatusAsync(bob, $"/catalog/v1/{warehouse}/namespaces/sales/tables/orders") == HttpStatusCode.NotFound,
            TimeSpan.FromSeconds(5), "the revoke to hide the namespace from Bob");
    }

    private static bool IsBobsSelect(JsonElement a) =>
        a.GetProperty("type").GetString() == "select" && a.TryGetProperty("user", out var user) && user.GetString() == BobId;

    private static async Task<HttpStatusCode> StatusAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendRawAsync(HttpClient http, HttpMethod method, string path, string? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        return await http.SendAsync(request);
    }

    private async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        using var response = await SendRawAsync(http, method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: {(int)response.StatusCode} {text}{deployment.Outputs}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}

public sealed class StandaloneConsolePermissionsTests(StandaloneConsoleWithBuiltinAuthz deployment) : ConsolePermissionsTests<StandaloneConsoleWithBuiltinAuthz>(deployment);

public sealed class MicroservicesConsolePermissionsTests(MicroservicesConsoleWithBuiltinAuthz deployment) : ConsolePermissionsTests<MicroservicesConsoleWithBuiltinAuthz>(deployment);
