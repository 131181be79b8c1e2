using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Lakekeeper.Console.Tests;

/// <summary>
/// The console's numbers for docs/benchmarks.md: the first load of /ui (bytes transferred, time until
/// the page is usable on loopback) and the table page of a table with 1,000 snapshots. They print
/// numbers and assert none of them: run with LAKEKEEPER_CONSOLE_BENCH=1
/// (<c>LAKEKEEPER_CONSOLE_BENCH=1 dotnet test tests/Lakekeeper.Console.Tests --filter ConsoleBenchmarks --logger "console;verbosity=detailed"</c>).
/// </summary>
public sealed class ConsoleBenchmarks
{
    private const int Rounds = 7;

    [Fact]
    public async Task First_load_and_the_table_page_with_1000_snapshots()
    {
        Assert.SkipUnless(Environment.GetEnvironmentVariable("LAKEKEEPER_CONSOLE_BENCH") == "1", "a benchmark: set LAKEKEEPER_CONSOLE_BENCH=1 to run it");
        var deployment = new StandaloneConsole();
        await deployment.InitializeAsync();
        var report = new StringBuilder();
        try
        {
            using var http = new HttpClient { BaseAddress = deployment.BaseAddress };
            (await http.PostAsync("/management/v1/bootstrap", new StringContent("""{"accept-terms-of-use":true}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            var root = Path.Combine(deployment.WarehouseRoot, "bench");
            Directory.CreateDirectory(root);
            using var created = await http.PostAsync("/management/v1/warehouse", new StringContent(
                JsonSerializer.Serialize(new Dictionary<string, object> { ["warehouse-name"] = "bench", ["storage-profile"] = new Dictionary<string, string> { ["type"] = "file", ["root"] = root } }), Encoding.UTF8, "application/json"));
            created.EnsureSuccessStatusCode();
            var warehouse = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("warehouse-id").GetString()!;
            (await http.PostAsync($"/catalog/v1/{warehouse}/namespaces", new StringContent("""{"namespace":["analytics"]}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
            await ConsoleFlowTests<StandaloneConsole>.CreateTableWithSnapshotsAsync(http, warehouse, "big", 1000);

            // Warm the server and the browser once (JIT, first file load), then measure cold browser caches.
            await FirstLoadAsync(deployment);
            var loads = new List<(double Ms, long Bytes, long Encoded)>();
            for (var i = 0; i < Rounds; i++)
            {
                loads.Add(await FirstLoadAsync(deployment));
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"first load of /ui/ (server page, cold browser cache, {Rounds} rounds): usable after median {Median(loads.Select(l => l.Ms)):F0} ms (min {loads.Min(l => l.Ms):F0}, max {loads.Max(l => l.Ms):F0}); transferred {loads[0].Bytes} bytes ({loads[0].Encoded} bytes of bodies, compressed)");

            var path = $"/ui/warehouses/{warehouse}/namespaces/analytics/tables/big#snapshots";
            await TablePageAsync(deployment, path);
            var pages = new List<(double Total, double Render, double ShowAll)>();
            for (var i = 0; i < Rounds; i++)
            {
                pages.Add(await TablePageAsync(deployment, path));
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"table page, 1,000 snapshots ({Rounds} rounds, median): navigation to charts and the first 100 rows {Median(pages.Select(p => p.Total)):F0} ms (max {pages.Max(p => p.Total):F0}); of which rendering after loadTable answered {Median(pages.Select(p => p.Render)):F0} ms; all 1,000 rows on 'Show all' {Median(pages.Select(p => p.ShowAll)):F0} ms");
        }
        finally
        {
            await deployment.DisposeAsync();
        }

        var text = report.ToString();
        System.Console.WriteLine(text);
        TestContext.Current.SendDiagnosticMessage(text);
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "console-benchmarks.txt"), text);
    }

    private static async Task<(double Ms, long Bytes, long Encoded)> FirstLoadAsync(ConsoleDeployment deployment)
    {
        await using var tab = await deployment.OpenAsync();
        var watch = Stopwatch.StartNew();
        await tab.GotoAsync("/ui/");
        await Expect(tab.Page.GetByText("Next:")).ToBeVisibleAsync();
        await Expect(tab.Page.Locator("[aria-busy]")).ToHaveCountAsync(0);
        var ms = watch.Elapsed.TotalMilliseconds;
        var sizes = await tab.Page.EvaluateAsync<JsonElement>("""
            () => {
              const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
              return { transfer: all.reduce((s, e) => s + e.transferSize, 0), encoded: all.reduce((s, e) => s + e.encodedBodySize, 0) }
            }
            """);
        return (ms, sizes.GetProperty("transfer").GetInt64(), sizes.GetProperty("encoded").GetInt64());
    }

    private static async Task<(double Total, double Render, double ShowAll)> TablePageAsync(ConsoleDeployment deployment, string path)
    {
        await using var tab = await deployment.OpenAsync();
        var page = tab.Page;
        await tab.GotoAsync("/ui/");
        await Expect(page.GetByText("Next:")).ToBeVisibleAsync();
        var watch = Stopwatch.StartNew();
        await tab.GotoAsync(path);
        await Expect(page.Locator("figure.chart svg path.line")).ToHaveCountAsync(3);
        await Expect(page.Locator("table:has(caption:text('Snapshots, newest first')) tbody tr")).ToHaveCountAsync(100);
        var total = watch.Elapsed.TotalMilliseconds;
        var render = await page.EvaluateAsync<double>("""
            () => {
              const load = performance.getEntriesByType('resource').find(e => e.name.includes('/tables/big'))
              return performance.now() - load.responseEnd
            }
            """);
        var show = page.GetByRole(AriaRole.Button, new() { Name = "Show all 1000 snapshots" });
        watch.Restart();
        await show.ClickAsync();
        await Expect(page.Locator("table:has(caption:text('Snapshots, newest first')) tbody tr")).ToHaveCountAsync(1000);
        return (total, render, watch.Elapsed.TotalMilliseconds);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
