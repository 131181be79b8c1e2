using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lakekeeper.Console.Tests;

/// <summary>
/// Login with a real identity provider (npm oidc-provider): authorization code + PKCE from the browser,
/// the token refreshed before it expires, calls made with it, logout at the provider. The token is
/// never rendered nor written to the browser console.
/// </summary>
public abstract class ConsoleLoginTests<TDeployment>(TDeployment deployment) : IClassFixture<TDeployment>
    where TDeployment : ConsoleDeployment
{
    [Fact]
    public async Task A_user_logs_in_with_the_identity_provider_stays_logged_in_across_a_refresh_and_logs_out()
    {
        await using var tab = await deployment.OpenAsync();
        await tab.StepsAsync(() => LoginAndLogoutAsync(tab));
    }

    private async Task LoginAndLogoutAsync(ConsolePage tab)
    {
        var page = tab.Page;
        await tab.GotoAsync("/ui/warehouses");
        await tab.ExpectHeadingAsync("Lakekeeper");
        await Expect(page.Locator("#anonymous-banner")).ToHaveCountAsync(0);
        await tab.CheckAsync("01-login");

        // The provider's login page, then back to the page the user asked for.
        await page.GetByRole(AriaRole.Button, new() { Name = "Log in" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(deployment.Idp!.IssuerText)));
        await page.Locator("input[name=login]").FillAsync("alice");
        await page.Locator("input[name=password]").FillAsync("any password");
        await page.Locator("button[type=submit]").ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(deployment.BaseAddress.AbsoluteUri + "ui/warehouses")));
        await tab.ExpectHeadingAsync("Warehouses");
        await Expect(page.GetByText("Signed in as")).ToContainTextAsync("alice");
        Assert.DoesNotContain("code=", page.Url, StringComparison.Ordinal);

        // Calls carry the token: the server knows the user, and bootstraps it as admin.
        await tab.GotoAsync("/ui/");
        await tab.ExpectHeadingAsync("Server");
        await Expect(page.GetByRole(AriaRole.Definition).Filter(new() { HasText = "oidc~alice" })).ToBeVisibleAsync();
        await page.GetByLabel("I accept the terms of use").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Bootstrap", Exact = true }).ClickAsync();
        await Expect(page.GetByText("The server is bootstrapped.")).ToBeVisibleAsync();
        await tab.CheckAsync("02-logged-in");

        // The token is in this tab's session storage only, and is refreshed before it expires (65 s tokens).
        var first = await tab.AccessTokenAsync();
        Assert.NotNull(first);
        Assert.True(await page.EvaluateAsync<bool>("""
            () => Object.keys(sessionStorage).some(k => k.startsWith('oidc.user:') && Boolean(JSON.parse(sessionStorage.getItem(k)).refresh_token))
            """), "the provider issued no refresh token to the console");
        // (Cookies ignore ports: the provider's own HttpOnly session cookie on 127.0.0.1 is seen here too.)
        Assert.DoesNotContain(await tab.Context.CookiesAsync([deployment.BaseAddress.AbsoluteUri]), c => c.Value.Contains(first!, StringComparison.Ordinal) || !c.HttpOnly);
        var expiresIn = await page.EvaluateAsync<double>("""
            () => { const k = Object.keys(sessionStorage).find(k => k.startsWith('oidc.user:')); return JSON.parse(sessionStorage.getItem(k)).expires_at - Date.now() / 1000 }
            """);
        Assert.InRange(expiresIn, 1, 70);
        var refreshed = await Eventually.ReturnsAsync(async () => await tab.AccessTokenAsync() is { } now && now != first ? now : null,
            TimeSpan.FromSeconds(60), "the console to refresh its access token");
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Warehouses" }).ClickAsync();
        await Expect(page.GetByText("No warehouses in this project yet.")).ToBeVisibleAsync();

        using (var http = new HttpClient { BaseAddress = deployment.BaseAddress })
        {
            using var anonymous = await http.GetAsync("/management/v1/whoami");
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", refreshed);
            using var whoami = await http.GetAsync("/management/v1/whoami");
            Assert.Equal("oidc~alice", JsonDocument.Parse(await whoami.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString());
        }

        // The user is listed and found by search.
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search users" }).FillAsync("ali");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Cell, new() { Name = "oidc~alice" })).ToBeVisibleAsync();
        await tab.CheckAsync("users");

        var text = await page.EvaluateAsync<string>("() => document.documentElement.outerHTML");
        foreach (var token in new[] { first!, refreshed })
        {
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(tab.Messages, m => m.Contains(token, StringComparison.Ordinal));
        }

        // Logout at the provider, back to the console, nothing left in storage.
        await page.GetByRole(AriaRole.Button, new() { Name = "Log out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex("^" + Regex.Escape(deployment.Idp!.IssuerText)));
        await page.Locator("button[name=logout][value=yes], button[value=yes]").First.ClickAsync();
        await Expect(page.GetByText("You are logged out.")).ToBeVisibleAsync();
        await tab.ExpectHeadingAsync("Lakekeeper");
        Assert.Null(await tab.AccessTokenAsync());
        await tab.CheckAsync("03-logged-out");
    }

    [Fact]
    public async Task The_console_settings_name_the_provider_and_client_and_the_policy_allows_calling_it()
    {
        using var http = new HttpClient { BaseAddress = deployment.BaseAddress };
        using var config = await http.GetAsync("/ui/config.json");
        var settings = JsonDocument.Parse(await config.Content.ReadAsStringAsync()).RootElement;
        Assert.True(settings.GetProperty("authentication-required").GetBoolean());
        var openid = settings.GetProperty("openid");
        Assert.Equal(deployment.Idp!.IssuerText, openid.GetProperty("provider-uri").GetString());
        Assert.Equal(ConsoleDeployment.UiClientId, openid.GetProperty("client-id").GetString());
        Assert.Equal("/callback", openid.GetProperty("redirect-path").GetString());
        Assert.Equal("/logout", openid.GetProperty("post-logout-redirect-path").GetString());
        ConsoleFlowTests<TDeployment>.AssertSecurityHeaders(config);
        var csp = Assert.Single(config.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains($"connect-src 'self' {deployment.Idp.Issuer.GetLeftPart(UriPartial.Authority)};", csp, StringComparison.Ordinal);
    }
}

public sealed class StandaloneConsoleLoginTests(StandaloneConsoleWithLogin deployment) : ConsoleLoginTests<StandaloneConsoleWithLogin>(deployment);

public sealed class MicroservicesConsoleLoginTests(MicroservicesConsoleWithLogin deployment) : ConsoleLoginTests<MicroservicesConsoleWithLogin>(deployment);
