using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests.Lifecycle;

/// <summary>
/// The task API in Lakekeeper's paths: queue configuration per warehouse and per project, listing
/// with filters and paging, details with attempts, and control (cancel, run-now, run-at; all or
/// none), with every bad input refused by name.
/// </summary>
public sealed class TaskApiTests(LifecycleFixture fixture) : IClassFixture<LifecycleFixture>
{
    [Fact]
    public async Task Queue_configuration_is_kept_per_warehouse_and_checked_field_by_field()
    {
        var url = fixture.Management("task-queue/soft_deletion/config");
        var initial = await fixture.SendAsync(HttpMethod.Get, url);
        Assert.Equal(200, initial.Status);
        Assert.Equal(JsonValueKind.Object, initial.Json.GetProperty("queue-config").ValueKind);
        Assert.Empty(initial.Json.GetProperty("queue-config").EnumerateObject());

        var set = await fixture.SendAsync(HttpMethod.Post, url, """{"queue-config":{"max-attempts":3,"max-concurrent":2},"max-seconds-since-last-heartbeat":30}""");
        Assert.Equal(204, set.Status);
        var read = (await fixture.SendAsync(HttpMethod.Get, url)).Json;
        Assert.Equal(3, read.GetProperty("queue-config").GetProperty("max-attempts").GetInt32());
        Assert.Equal(2, read.GetProperty("queue-config").GetProperty("max-concurrent").GetInt32());
        Assert.Equal(30, read.GetProperty("max-seconds-since-last-heartbeat").GetInt64());

        // Another warehouse and another queue are untouched.
        Assert.Empty((await fixture.SendAsync(HttpMethod.Get, fixture.Management("task-queue/soft_deletion/config", fixture.Plain))).Json
            .GetProperty("queue-config").EnumerateObject());
        Assert.Empty((await fixture.SendAsync(HttpMethod.Get, fixture.Management("task-queue/tabular_purge/config"))).Json
            .GetProperty("queue-config").EnumerateObject());

        foreach (var (body, field) in new[]
        {
            ("{}", "queue-config"),
            ("""{"queue-config":[]}""", "queue-config"),
            ("""{"queue-config":{"max-attempts":0}}""", "queue-config.max-attempts"),
            ("""{"queue-config":{"max-concurrent":"two"}}""", "queue-config.max-concurrent"),
            ("""{"queue-config":{"retention-period":"P1D"}}""", "retention-period"),
            ("""{"queue-config":{},"max-seconds-since-last-heartbeat":0}""", "max-seconds-since-last-heartbeat"),
            ("""{"queue-config":{},"heartbeat":5}""", "'heartbeat'"),
        })
        {
            var refused = await fixture.SendAsync(HttpMethod.Post, url, body);
            Assert.True(refused.Status == 400, $"{body}: {refused}");
            Assert.Contains(field, refused.ErrorMessage, StringComparison.Ordinal);
        }

        // Nothing of the refused bodies stuck.
        Assert.Equal(3, (await fixture.SendAsync(HttpMethod.Get, url)).Json.GetProperty("queue-config").GetProperty("max-attempts").GetInt32());

        var unknownQueue = await fixture.SendAsync(HttpMethod.Get, fixture.Management("task-queue/expire_snapshots/config"));
        Assert.Equal(404, unknownQueue.Status);
        Assert.Contains("soft_deletion, tabular_purge", unknownQueue.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, fixture.Management("task-queue/task_log_cleanup/config"))).Status);
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, $"/management/v1/warehouse/{Guid.NewGuid()}/task-queue/soft_deletion/config")).Status);
    }

    [Fact]
    public async Task The_project_queue_is_configured_under_the_project()
    {
        var url = "/management/v1/project/task-queue/task_log_cleanup/config";
        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Post, url, """{"queue-config":{"retention-period":"P30D","cleanup-period":"P2D"}}""")).Status);
        var read = (await fixture.SendAsync(HttpMethod.Get, url)).Json.GetProperty("queue-config");
        Assert.Equal("P30D", read.GetProperty("retention-period").GetString());
        Assert.Equal("P2D", read.GetProperty("cleanup-period").GetString());

        var bad = await fixture.SendAsync(HttpMethod.Post, url, """{"queue-config":{"retention-period":"ninety days"}}""");
        Assert.Equal(400, bad.Status);
        Assert.Contains("queue-config.retention-period", bad.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, url, """{"queue-config":{"max-concurrent":1}}""")).Status);
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, "/management/v1/project/task-queue/soft_deletion/config")).Status);
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, url, project: Guid.NewGuid().ToString())).Status);
        var badHeader = await fixture.SendAsync(HttpMethod.Get, url, project: "nope");
        Assert.Equal(400, badHeader.Status);
        Assert.Contains("x-project-id", badHeader.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tasks_are_listed_newest_first_filtered_and_paged()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await fixture.DroppedTableAsync("tk_list", $"t{i}"));
        }

        var tasks = new List<string>();
        foreach (var id in ids)
        {
            tasks.Add(await fixture.ExpirationTaskAsync(id));
        }

        string Mine(string? token = null, params (string Name, object Value)[] extra)
        {
            var body = new Dictionary<string, object?>
            {
                ["entities"] = ids.Select(id => new Dictionary<string, string> { ["type"] = "table", ["table-id"] = id }).ToList(),
                ["page-size"] = 2,
                ["page-token"] = token,
            };
            foreach (var (name, value) in extra)
            {
                body[name] = value;
            }

            return JsonSerializer.Serialize(body);
        }

        var first = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/list"), Mine());
        Assert.Equal(200, first.Status);
        var page1 = first.Json.GetProperty("tasks").EnumerateArray().ToList();
        Assert.Equal([tasks[2], tasks[1]], page1.Select(t => t.GetProperty("task-id").GetString()));
        var task = page1[0];
        Assert.Equal("soft_deletion", task.GetProperty("queue-name").GetString());
        Assert.Equal("SCHEDULED", task.GetProperty("status").GetString());
        Assert.Equal(fixture.Warehouse, task.GetProperty("warehouse-id").GetString());
        Assert.Equal(Guid.Empty.ToString(), task.GetProperty("project-id").GetString());
        Assert.Equal(0, task.GetProperty("attempt").GetInt32());
        Assert.Equal("table", task.GetProperty("entity").GetProperty("type").GetString());
        Assert.Equal(["tk_list", "t2"], task.GetProperty("entity-name").EnumerateArray().Select(e => e.GetString()));
        Assert.True(task.GetProperty("scheduled-for").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(50));

        var second = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/list"), Mine(first.Json.GetProperty("next-page-token").GetString()));
        Assert.Equal(200, second.Status);
        Assert.Equal([tasks[0]], second.Json.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task-id").GetString()));
        Assert.Equal(JsonValueKind.Null, second.Json.GetProperty("next-page-token").ValueKind);

        // Filters: status, queue, time.
        var later = DateTimeOffset.UtcNow.AddMinutes(1).ToString("yyyy-MM-dd HH:mm:ss+00:00", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var filter in new (string, object)[] { ("status", new[] { "RUNNING" }), ("queue-name", new[] { "tabular_purge" }), ("created-after", later) })
        {
            var filtered = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/list"), Mine(null, filter));
            Assert.True(filtered.Status == 200, filtered.ToString());
            Assert.Empty(filtered.Json.GetProperty("tasks").EnumerateArray());
        }

        Assert.Empty((await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/list", fixture.Plain), "{}")).Json.GetProperty("tasks").EnumerateArray());
    }

    [Fact]
    public async Task Task_listing_refuses_bad_input_by_name()
    {
        foreach (var (body, field) in new[]
        {
            ("""{"status":["DONE"]}""", "status[0]"),
            ("""{"queue-name":["task_log_cleanup"]}""", "queue-name[0]"),
            ("""{"entities":[{"type":"table"}]}""", "entities[0].table-id"),
            ("""{"entities":[{"type":"namespace"}]}""", "entities[0].type"),
            ("""{"page-size":0}""", "page-size"),
            ("""{"page-token":"!!"}""", "page-token"),
            ("""{"created-after":"yesterday"}""", "$.created-after"),
            ("""{"created-after":"2030-01-01T00:00:00Z","created-before":"2020-01-01T00:00:00Z"}""", "created-after"),
            ("""{"sort":"asc"}""", "'sort'"),
        })
        {
            var reply = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/list"), body);
            Assert.True(reply.Status == 400, $"{body}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal(400, (await fixture.SendAsync(HttpMethod.Post, "/management/v1/project/task/list", """{"entities":[{"type":"warehouse"}]}""")).Status);
    }

    [Fact]
    public async Task Run_at_and_run_now_move_a_waiting_task_and_cancel_ends_it_all_or_none()
    {
        var table = await fixture.DroppedTableAsync("tk_control", "t");
        var task = await fixture.ExpirationTaskAsync(table);
        var other = await fixture.ExpirationTaskAsync(await fixture.DroppedTableAsync("tk_control", "u"));

        var at = new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);
        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/control"),
            $$"""{"action":{"action-type":"run-at","scheduled-for":"2031-05-06 07:08:09+00:00"},"task-ids":["{{task}}"]}""")).Status);
        var details = (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}"))).Json;
        Assert.Equal(at, details.GetProperty("scheduled-for").GetDateTimeOffset());
        // The expiration date follows the task.
        var deleted = (await fixture.SendAsync(HttpMethod.Get, fixture.Management("deleted-tabulars?pageSize=1000"))).Json;
        Assert.Equal(at, deleted.GetProperty("tabulars").EnumerateArray().Single(e => e.GetProperty("id").GetString() == table).GetProperty("expiration-date").GetDateTimeOffset());

        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/control"),
            $$"""{"action":{"action-type":"run-now"},"task-ids":["{{task}}"]}""")).Status);
        Assert.True((await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}"))).Json.GetProperty("scheduled-for").GetDateTimeOffset()
            <= DateTimeOffset.UtcNow.AddSeconds(5));

        // One unknown id: nothing changes, and the unknown one is named.
        var unknown = Guid.NewGuid();
        var partly = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/control"),
            $$"""{"action":{"action-type":"cancel"},"task-ids":["{{task}}","{{unknown}}"]}""");
        Assert.Equal(404, partly.Status);
        Assert.Contains(unknown.ToString(), partly.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("SCHEDULED", (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}"))).Json.GetProperty("status").GetString());

        // Another warehouse's view of the task: unknown.
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}", fixture.Plain))).Status);

        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/control"),
            $$"""{"action":{"action-type":"cancel"},"task-ids":["{{task}}","{{other}}"]}""")).Status);
        var cancelled = (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}"))).Json;
        Assert.Equal("CANCELLED", cancelled.GetProperty("status").GetString());
        Assert.Contains("task/control", cancelled.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("default", cancelled.GetProperty("task-data").GetProperty("deletion-kind").GetString());
        var finished = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/list"), """{"status":["CANCELLED"]}""");
        Assert.Contains(finished.Json.GetProperty("tasks").EnumerateArray(), t => t.GetProperty("task-id").GetString() == task);

        // Finished: a second control is a conflict that names it.
        var again = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/control"), $$"""{"action":{"action-type":"run-now"},"task-ids":["{{task}}"]}""");
        Assert.Equal(409, again.Status);
        Assert.Contains("already finished (cancelled)", again.ErrorMessage, StringComparison.Ordinal);

        // With its expiration cancelled, the table stays dropped (and undroppable) with no expiration date.
        deleted = (await fixture.SendAsync(HttpMethod.Get, fixture.Management("deleted-tabulars?pageSize=1000"))).Json;
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("tabulars").EnumerateArray().Single(e => e.GetProperty("id").GetString() == table)
            .GetProperty("expiration-date").ValueKind);
        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Post, fixture.Management("deleted-tabulars/undrop"),
            $$"""{"targets":[{"type":"table","id":"{{table}}"}]}""")).Status);
    }

    [Fact]
    public async Task Task_control_and_details_refuse_bad_input_by_name()
    {
        var task = await fixture.ExpirationTaskAsync(await fixture.DroppedTableAsync("tk_bad", "t"));
        foreach (var (body, field) in new[]
        {
            ("{}", "task-ids"),
            ($$"""{"task-ids":["{{task}}"]}""", "action"),
            ($$"""{"action":{"action-type":"pause"},"task-ids":["{{task}}"]}""", "action.action-type"),
            ($$"""{"action":{"action-type":"run-at"},"task-ids":["{{task}}"]}""", "action.scheduled-for"),
            ($$"""{"action":{"action-type":"run-at","scheduled-for":"soon"},"task-ids":["{{task}}"]}""", "scheduled-for"),
            ($$"""{"action":{"action-type":"cancel","scheduled-for":"2030-01-01T00:00:00Z"},"task-ids":["{{task}}"]}""", "scheduled-for"),
            ("""{"action":{"action-type":"cancel"},"task-ids":["x"]}""", "$.task-ids[0]"),
            ($$"""{"action":{"action-type":"cancel"},"task-ids":[{{string.Join(",", Enumerable.Range(0, 101).Select(_ => $"\"{Guid.NewGuid()}\""))}}]}""", "at most 100"),
        })
        {
            var reply = await fixture.SendAsync(HttpMethod.Post, fixture.Management("task/control"), body);
            Assert.True(reply.Status == 400, $"{body}: {reply}");
            Assert.Contains(field, reply.ErrorMessage, StringComparison.Ordinal);
        }

        Assert.Equal("SCHEDULED", (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}"))).Json.GetProperty("status").GetString());
        var badAttempts = await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{task}?numAttempts=-1"));
        Assert.Equal(400, badAttempts.Status);
        Assert.Contains("numAttempts", badAttempts.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{Guid.NewGuid()}"))).Status);
    }

    [Fact]
    public async Task The_projects_log_cleanup_is_a_project_task_that_runs_and_reschedules_itself()
    {
        var list = "/management/v1/project/task/list";
        var scheduled = await Eventually.ReturnsAsync(async () =>
        {
            var reply = await fixture.SendAsync(HttpMethod.Post, list, """{"queue-name":["task_log_cleanup"],"status":["SCHEDULED"]}""");
            return reply.Json.GetProperty("tasks").EnumerateArray().Select(t => t.GetProperty("task-id").GetString()).FirstOrDefault();
        }, TimeSpan.FromSeconds(30), "the project's log cleanup to be scheduled");
        var info = (await fixture.SendAsync(HttpMethod.Get, $"/management/v1/project/task/by-id/{scheduled}")).Json;
        Assert.Equal(Guid.Empty.ToString(), info.GetProperty("project-id").GetString());
        Assert.False(info.TryGetProperty("warehouse-id", out _));
        // Project tasks are not a warehouse's.
        Assert.Equal(404, (await fixture.SendAsync(HttpMethod.Get, fixture.Management($"task/by-id/{scheduled}"))).Status);

        Assert.Equal(204, (await fixture.SendAsync(HttpMethod.Post, "/management/v1/project/task/control",
            $$"""{"action":{"action-type":"run-now"},"task-ids":["{{scheduled}}"]}""")).Status);
        var done = await Eventually.ReturnsAsync(async () =>
        {
            var reply = await fixture.SendAsync(HttpMethod.Get, $"/management/v1/project/task/by-id/{scheduled}");
            return reply.Json.GetProperty("status").GetString() == "SUCCESS" ? reply : null;
        }, TimeSpan.FromSeconds(30), "the log cleanup to run");
        Assert.Contains("task log", done.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        var next = await fixture.SendAsync(HttpMethod.Post, list, """{"queue-name":["task_log_cleanup"],"status":["SCHEDULED"]}""");
        var successor = Assert.Single(next.Json.GetProperty("tasks").EnumerateArray());
        Assert.NotEqual(scheduled, successor.GetProperty("task-id").GetString());
        Assert.True(successor.GetProperty("scheduled-for").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(12));
    }
}
