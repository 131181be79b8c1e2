using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// <c>task/control</c> on a task whose worker is inside it (a purge held by a frozen S3, s3rver under
/// SIGSTOP): <c>stop</c> ends the attempt at its next heartbeat and the task runs again later;
/// <c>cancel</c> ends it for good; the worker is free for the next task afterwards.
/// </summary>
public sealed class RunningTaskControlTests
{
    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string url, object? body = null, int expected = 0)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == 0 ? response.IsSuccessStatusCode : (int)response.StatusCode == expected, $"{method} {url}: {(int)response.StatusCode} {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Stop_and_cancel_reach_a_running_task_at_its_next_heartbeat()
    {
        await using var s3 = await S3rverServer.StartAsync();
        await using var app = await StandaloneApp.StartAsync(new Dictionary<string, string?>
        {
            ["TASK_POLL_INTERVAL"] = "200ms",
            ["TASK_TABULAR_PURGE_WORKERS"] = "1",
            ["Storage:RequestTimeoutSeconds"] = "600",
            ["Storage:MaxRetries"] = "0",
        });
        var http = app.Client;
        await SendAsync(http, HttpMethod.Post, "/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true });
        var warehouse = (await SendAsync(http, HttpMethod.Post, "/management/v1/warehouse", new Dictionary<string, object>
        {
            ["warehouse-name"] = "control",
            ["storage-profile"] = new Dictionary<string, object>
            {
                ["type"] = "s3", ["bucket"] = S3rverServer.Bucket, ["region"] = "us-east-1", ["endpoint"] = s3.Endpoint.ToString(),
                ["path-style-access"] = true, ["key-prefix"] = "control",
            },
            ["storage-credential"] = new Dictionary<string, object>
            {
                ["type"] = "s3", ["credential-type"] = "access-key",
                ["access-key-id"] = S3rverServer.AccessKeyId, ["secret-access-key"] = S3rverServer.SecretAccessKey,
            },
        })).GetProperty("warehouse-id").GetString()!;
        var management = $"/management/v1/warehouse/{warehouse}";
        await SendAsync(http, HttpMethod.Post, $"{management}/task-queue/tabular_purge/config",
            """{"queue-config":{},"max-seconds-since-last-heartbeat":3}""");
        await SendAsync(http, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", new { @namespace = new[] { "ns" } });
        var prefixes = new Dictionary<string, string>();
        foreach (var name in new[] { "held", "after" })
        {
            var table = await SendAsync(http, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/ns/tables", new
            {
                name,
                schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
            });
            prefixes[name] = table.GetProperty("metadata").GetProperty("location").GetString()![$"s3://{S3rverServer.Bucket}/".Length..] + "/";
        }

        await s3.PauseAsync();
        await SendAsync(http, HttpMethod.Delete, $"/catalog/v1/{warehouse}/namespaces/ns/tables/held?purgeRequested=true");
        var taskId = await Eventually.ReturnsAsync(async () =>
        {
            var list = await SendAsync(http, HttpMethod.Post, $"{management}/task/list", """{"queue-name":["tabular_purge"],"status":["RUNNING"]}""");
            return list.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task-id").GetString()).SingleOrDefault();
        }, TimeSpan.FromSeconds(60), "the purge worker to be inside the task");

        // stop: the attempt ends at the next heartbeat and is logged; the task stays, to run again.
        await SendAsync(http, HttpMethod.Post, $"{management}/task/control", $$"""{"action":{"action-type":"stop"},"task-ids":["{{taskId}}"]}""", expected: 204);
        await Eventually.TrueAsync(async () =>
            (await SendAsync(http, HttpMethod.Get, $"{management}/task/by-id/{taskId}")).GetProperty("attempts").EnumerateArray()
                .Any(a => a.GetProperty("attempt").GetInt32() == 1 && a.GetProperty("message").GetString()!.Contains("Stopped through task/control", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(60), "the stopped attempt to be logged");
        var afterStop = await SendAsync(http, HttpMethod.Get, $"{management}/task/by-id/{taskId}");
        Assert.Contains(afterStop.GetProperty("status").GetString(), new[] { "SCHEDULED", "RUNNING" });

        // cancel: ends the task for good, whether it is waiting for its retry or running again.
        await SendAsync(http, HttpMethod.Post, $"{management}/task/control", $$"""{"action":{"action-type":"cancel"},"task-ids":["{{taskId}}"]}""", expected: 204);
        var cancelled = await Eventually.ReturnsAsync(async () =>
        {
            var details = await SendAsync(http, HttpMethod.Get, $"{management}/task/by-id/{taskId}");
            return details.GetProperty("status").GetString() == "CANCELLED" ? details.GetRawText() : null;
        }, TimeSpan.FromSeconds(60), "the task to be cancelled");
        Assert.Contains("task/control", JsonDocument.Parse(cancelled).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);

        // The worker is free again: the next purge runs once storage answers; the cancelled one never did.
        await s3.ResumeAsync();
        await SendAsync(http, HttpMethod.Delete, $"/catalog/v1/{warehouse}/namespaces/ns/tables/after?purgeRequested=true");
        await Eventually.TrueAsync(async () => !await HasObjectsAsync(s3, prefixes["after"]), TimeSpan.FromSeconds(60), "the next purge");
        Assert.True(await HasObjectsAsync(s3, prefixes["held"]), "the cancelled purge deleted nothing");
        Assert.Equal("CANCELLED", (await SendAsync(http, HttpMethod.Get, $"{management}/task/by-id/{taskId}")).GetProperty("status").GetString());
    }

    private static async Task<bool> HasObjectsAsync(S3rverServer s3, string prefix)
    {
        using var http = new HttpClient();
        var listing = await http.GetStringAsync(new Uri(s3.Endpoint, $"/{S3rverServer.Bucket}?list-type=2&prefix={Uri.EscapeDataString(prefix)}"));
        return listing.Contains("<Key>", StringComparison.Ordinal);
    }
}
