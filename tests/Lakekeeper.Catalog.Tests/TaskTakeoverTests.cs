using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests;

/// <summary>
/// A worker process killed (SIGKILL) in the middle of a task: the task stays claimed by the dead
/// worker until its heartbeat is older than the queue's <c>max-seconds-since-last-heartbeat</c>, then
/// another process takes it over and finishes it; the abandoned attempt is logged as failed. The
/// task is a purge on a real S3-compatible server (s3rver) that the test freezes (SIGSTOP), so the
/// worker is provably inside the task, renewing its heartbeat, when it is killed.
/// </summary>
public sealed class TaskTakeoverTests
{
    private const int HeartbeatTimeoutSeconds = 3;

    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = connectionString,
        ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
        ["LAKEKEEPER__TASK_POLL_INTERVAL"] = "200ms",
        ["LAKEKEEPER__TASK_TABULAR_PURGE_WORKERS"] = "1",
        // A frozen S3 must hold the first worker for the whole test, not time out into a retry.
        ["LAKEKEEPER__STORAGE__REQUESTTIMEOUTSECONDS"] = "600",
        ["LAKEKEEPER__STORAGE__MAXRETRIES"] = "0",
        // s3rver listens on loopback, which main's SSRF guard refuses unless the operator allows it.
        ["LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS"] = "127.0.0.1:*",
    };

    private static async Task<(int Status, JsonElement Json)> SendAsync(HttpClient http, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {url}: {(int)response.StatusCode} {text}");
        return ((int)response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task A_worker_killed_mid_task_leaves_the_task_to_another_process_once_its_heartbeat_expires()
    {
        await using var s3 = await S3rverServer.StartAsync();
        var postgres = await PostgresServer.SharedAsync();
        var settings = Settings(await postgres.CreateDatabaseAsync());

        string warehouse;
        string tableId;
        string tablePrefix;
        JsonElement running;
        var first = await ServiceProcess.StartAsync("standalone", FreePort.Next(), settings);
        try
        {
            using var http = new HttpClient { BaseAddress = first.BaseAddress };
            await SendAsync(http, HttpMethod.Post, "/management/v1/bootstrap", new Dictionary<string, object> { ["accept-terms-of-use"] = true });
            var created = await SendAsync(http, HttpMethod.Post, "/management/v1/warehouse", new Dictionary<string, object>
            {
                ["warehouse-name"] = "takeover",
                ["storage-profile"] = new Dictionary<string, object>
                {
                    ["type"] = "s3", ["bucket"] = S3rverServer.Bucket, ["region"] = "us-east-1", ["endpoint"] = s3.Endpoint.ToString(),
                    ["path-style-access"] = true, ["key-prefix"] = "takeover",
                },
                ["storage-credential"] = new Dictionary<string, object>
                {
                    ["type"] = "s3", ["credential-type"] = "access-key",
                    ["access-key-id"] = S3rverServer.AccessKeyId, ["secret-access-key"] = S3rverServer.SecretAccessKey,
                },
            });
            warehouse = created.Json.GetProperty("warehouse-id").GetString()!;
            await SendAsync(http, HttpMethod.Post, $"/management/v1/warehouse/{warehouse}/task-queue/tabular_purge/config",
                new Dictionary<string, object>
                {
                    ["queue-config"] = new Dictionary<string, object>(), ["max-seconds-since-last-heartbeat"] = HeartbeatTimeoutSeconds,
                });

            await SendAsync(http, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces", new { @namespace = new[] { "ns" } });
            var table = await SendAsync(http, HttpMethod.Post, $"/catalog/v1/{warehouse}/namespaces/ns/tables", new
            {
                name = "t",
                schema = new { type = "struct", fields = new object[] { new { id = 1, name = "id", required = true, type = "long" } } },
            });
            tableId = table.Json.GetProperty("metadata").GetProperty("table-uuid").GetString()!;
            var location = table.Json.GetProperty("metadata").GetProperty("location").GetString()!;
            tablePrefix = location[$"s3://{S3rverServer.Bucket}/".Length..] + "/";
            Assert.True(await HasObjectsAsync(s3, tablePrefix), "the table's metadata is in the bucket");

            // Storage hangs; the drop itself does not touch it, the purge it queues does.
            await s3.PauseAsync();
            await SendAsync(http, HttpMethod.Delete, $"/catalog/v1/{warehouse}/namespaces/ns/tables/t?purgeRequested=true");

            // The worker is inside the task: claimed, and its heartbeat renewed since.
            running = JsonDocument.Parse(await Eventually.ReturnsAsync(async () =>
            {
                var list = await SendAsync(http, HttpMethod.Post, $"/management/v1/warehouse/{warehouse}/task/list",
                    new Dictionary<string, object> { ["queue-name"] = new[] { "tabular_purge" } });
                var task = list.Json.GetProperty("tasks").EnumerateArray().SingleOrDefault();
                return task.ValueKind == JsonValueKind.Object && task.GetProperty("status").GetString() == "RUNNING"
                    && task.GetProperty("last-heartbeat-at").GetDateTimeOffset() > task.GetProperty("picked-up-at").GetDateTimeOffset()
                    ? task.GetRawText()
                    : null;
            }, TimeSpan.FromSeconds(60), "the purge worker to be inside the task, beating")).RootElement;
            Assert.Equal(1, running.GetProperty("attempt").GetInt32());

            first.Kill();
            Assert.True(first.HasExited);
        }
        finally
        {
            await first.DisposeAsync();
        }

        await s3.ResumeAsync();
        var taskId = running.GetProperty("task-id").GetString()!;
        var lastSeenBeat = running.GetProperty("last-heartbeat-at").GetDateTimeOffset();

        await using var second = await ServiceProcess.StartAsync("standalone", FreePort.Next(), settings);
        using var http2 = new HttpClient { BaseAddress = second.BaseAddress };
        var last = string.Empty;
        JsonElement details;
        try
        {
            details = JsonDocument.Parse(await Eventually.ReturnsAsync(async () =>
            {
                var reply = await SendAsync(http2, HttpMethod.Get, $"/management/v1/warehouse/{warehouse}/task/by-id/{taskId}");
                last = reply.Json.GetRawText();
                return reply.Json.GetProperty("status").GetString() == "SUCCESS" ? last : null;
            }, TimeSpan.FromSeconds(90), "the second process to take the purge over and finish it")).RootElement;
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message} The task: {last}\nThe second process said:\n{second.Output}", ex);
        }

        // Taken over, not restarted from scratch by chance: a second attempt, picked up only after the
        // dead worker's heartbeat had expired, and the first attempt logged as abandoned.
        Assert.Equal(2, details.GetProperty("attempt").GetInt32());
        Assert.True(details.GetProperty("picked-up-at").GetDateTimeOffset() >= lastSeenBeat.AddSeconds(HeartbeatTimeoutSeconds),
            $"picked up at {details.GetProperty("picked-up-at")}, the dead worker's heartbeat was seen at {lastSeenBeat:O}");
        var abandoned = Assert.Single(details.GetProperty("attempts").EnumerateArray(), a => a.GetProperty("attempt").GetInt32() == 1);
        Assert.Equal("FAILED", abandoned.GetProperty("status").GetString());
        Assert.Contains("taken over", abandoned.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(tableId, details.GetProperty("entity").GetProperty("table-id").GetString());
        Assert.False(await HasObjectsAsync(s3, tablePrefix), "the purge emptied the table's prefix");

        // One task, listed once, however many attempts it took.
        var listed = await SendAsync(http2, HttpMethod.Post, $"/management/v1/warehouse/{warehouse}/task/list", "{}");
        var only = Assert.Single(listed.Json.GetProperty("tasks").EnumerateArray(), t => t.GetProperty("task-id").GetString() == taskId);
        Assert.Equal("SUCCESS", only.GetProperty("status").GetString());
    }

    private static async Task<bool> HasObjectsAsync(S3rverServer s3, string prefix)
    {
        using var http = new HttpClient();
        var listing = await http.GetStringAsync(new Uri(s3.Endpoint, $"/{S3rverServer.Bucket}?list-type=2&prefix={Uri.EscapeDataString(prefix)}"));
        return listing.Contains("<Key>", StringComparison.Ordinal);
    }
}
