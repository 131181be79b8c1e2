using System.Text.Json;
using Lakekeeper.Testing;
using Microsoft.Playwright;

namespace Lakekeeper.Console.Tests;

/// <summary>A browser tab on the console: screenshots, the accessibility check, and what the page logged.</summary>
public sealed class ConsolePage(ConsoleDeployment deployment, IBrowserContext context, IPage page) : IAsyncDisposable
{
    private static readonly Lazy<string> AxeSource = new(() =>
    {
        var path = Path.Combine(ServiceProcess.RepositoryRoot, "tests", "node", "node_modules", "axe-core", "axe.min.js");
        return File.Exists(path) ? File.ReadAllText(path) : throw new InvalidOperationException($"{path} is missing: install the test peers with npm ci --prefix tests/node");
    });

    private readonly List<string> _messages = Track(page);

    public IPage Page => page;

    public IBrowserContext Context => context;

    /// <summary>Everything the page wrote to the browser console and every uncaught error.</summary>
    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    private static List<string> Track(IPage page)
    {
        var messages = new List<string>();
        page.Console += (_, message) => { lock (messages) { messages.Add($"{message.Type}: {message.Text}"); } };
        page.PageError += (_, error) => { lock (messages) { messages.Add("pageerror: " + error); } };
        return messages;
    }

    public async Task GotoAsync(string path) => await page.GotoAsync(new Uri(deployment.BaseAddress, path).ToString());

    public ILocator Heading => page.Locator("h1");

    /// <summary>Waits until the page's heading says <paramref name="text"/>.</summary>
    public async Task ExpectHeadingAsync(string text) =>
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(text);

    public async Task ScreenshotAsync(string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(deployment.ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>
    /// Runs axe-core (npm) in the page, evaluated through the DevTools protocol so the page's CSP needs no
    /// exception; answers the serious and critical violations (WCAG 2.x A and AA rules and best practices).
    /// </summary>
    public async Task<IReadOnlyList<string>> AccessibilityViolationsAsync()
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(AxeSource.Value);
        }

        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await window.axe.run(document, { resultTypes: ['violations'] })
              return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`)
            }
            """);
        return [.. violations.EnumerateArray().Select(v => v.GetString()!)];
    }

    /// <summary>Screenshot and accessibility check of the page as it is now.</summary>
    public async Task CheckAsync(string name)
    {
        await ScreenshotAsync(name);
        var violations = await AccessibilityViolationsAsync();
        Assert.True(violations.Count == 0, $"{name}: serious accessibility violations:\n{string.Join('\n', violations)}");
    }

    /// <summary>Runs a test's steps; a failure also tells what the browser logged and where the page was.</summary>
    public async Task StepsAsync(Func<Task> steps)
    {
        try
        {
            await steps();
        }
        catch (Exception ex) when (ex is not Xunit.Sdk.SkipException)
        {
            await ScreenshotAsync("failure");
            throw new InvalidOperationException($"{ex.Message}\nAt {page.Url}. The browser logged:\n{string.Join('\n', Messages)}", ex);
        }
    }

    /// <summary>The access token the console holds after login (its session storage), or null.</summary>
    public async Task<string?> AccessTokenAsync() => await page.EvaluateAsync<string?>("""
        () => {
          for (let i = 0; i < sessionStorage.length; i++) {
            const key = sessionStorage.key(i)
            if (key.startsWith('oidc.user:')) return JSON.parse(sessionStorage.getItem(key)).access_token ?? null
          }
          return null
        }
        """);

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}
