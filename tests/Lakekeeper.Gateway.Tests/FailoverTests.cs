using System.Collections.Concurrent;
using System.Net;
using Lakekeeper.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Model;

namespace Lakekeeper.Gateway.Tests;

/// <summary>
/// A replica that dies or resets behind the gateway: its first transport failure takes it out of rotation,
/// requests that cannot have reached an upstream (or are safe to repeat) are retried on another
/// destination, a request whose body may have been delivered is not.
/// </summary>
public sealed class FailoverTests
{
    private const string Path = "/catalog/v1/config";

    [Fact]
    public async Task A_loop_of_GETs_loses_no_request_when_one_of_three_replicas_is_killed()
    {
        await using var first = await UpstreamServer.StartAsync("first");
        var second = await UpstreamServer.StartAsync("second");
        await using var third = await UpstreamServer.StartAsync("third");
        var settings = CatalogBehind([first.Address, second.Address, third.Address], other: first.Address);
        await using var gateway = await GatewayServer.StartAsync(settings);

        const int Workers = 4;
        var failures = new ConcurrentQueue<string>();
        var completed = 0;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterKill = new int[Workers];
        var loops = Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            // Each worker goes on until it has sent 60 requests after the kill.
            while (Volatile.Read(ref afterKill[worker]) < 60)
            {
                var wasKilled = killed.Task.IsCompleted;
                try
                {
                    using var response = await gateway.Client.GetAsync(Path, Deadline.Test);
                    if (!response.IsSuccessStatusCode)
                    {
                        failures.Enqueue($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Deadline.Test)}");
                    }
                }
                catch (HttpRequestException e)
                {
                    failures.Enqueue(e.Message);
                }

                Interlocked.Increment(ref completed);
                if (wasKilled)
                {
                    afterKill[worker]++;
                }
            }
        })).ToList();

        await Deadline.EventuallyAsync(() => Volatile.Read(ref completed) >= 40, "40 requests before the kill");
        await second.KillAsync();
        killed.SetResult();
        await Task.WhenAll(loops).WaitAsync("every worker to send 60 requests after the kill");

        Assert.Empty(failures);
        Assert.NotEmpty(second.Requests);
        Assert.Equal(DestinationHealth.Unhealthy, gateway.Health("catalog", "d2").Passive);
        Assert.DoesNotContain(gateway.Cluster("catalog").DestinationsState.AvailableDestinations, d => d.DestinationId == "d2");
    }

    [Fact]
    public async Task A_dead_replica_is_not_chosen_again_until_its_probes_pass_and_then_gets_traffic_again()
    {
        var dead = false;
        UpstreamServer? second = null;
        await using var first = await UpstreamServer.StartAsync("first");
        second = await UpstreamServer.StartAsync("second", context => Volatile.Read(ref dead) ? AbortAsync(context) : second!.AnswerAsync(context));
        await using var _ = second;
        // The replica's readiness is served apart from its requests, so the test can fail both separately.
        var probes = await UpstreamServer.StartAsync("second-health");
        var healthPort = probes.Port;
        var settings = CatalogBehind([first.Address, second.Address], other: first.Address);
        settings["Gateway:Clusters:catalog:Destinations:d2:Health"] = probes.Address;
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Interval"] = "00:00:00.2";
        settings["Gateway:Clusters:catalog:HealthCheck:Passive:ReactivationPeriod"] = "00:00:03";
        await using var gateway = await GatewayServer.StartAsync(settings);
        await Deadline.EventuallyAsync(() => gateway.Health("catalog", "d2").Active == DestinationHealth.Healthy, "the first probes to pass");
        Assert.Equal(["first", "second"], await gateway.GetUpstreamsAsync(4));

        // The replica dies: its requests are reset, its probes refused.
        Volatile.Write(ref dead, true);
        await probes.DisposeAsync();
        var before = second.Requests.Count;
        await SendUntilAsync(gateway, () => gateway.Health("catalog", "d2") is { Passive: DestinationHealth.Unhealthy, Active: DestinationHealth.Unhealthy },
            "the dead replica to be ejected and to fail its probes");
        // After the reactivation period the passive ejection ends; the failing probes keep it out.
        await SendUntilAsync(gateway, () => gateway.Health("catalog", "d2").Passive == DestinationHealth.Unknown, "the reactivation period to end");
        Assert.Equal(["first"], await gateway.GetUpstreamsAsync(20));
        Assert.InRange(second.Requests.Count - before, 0, 1);

        // Back: probes pass again, requests are answered.
        Volatile.Write(ref dead, false);
        await using var revived = await UpstreamServer.StartAsync("second-health", port: healthPort);
        var afterDeath = second.Requests.Count;
        await SendUntilAsync(gateway, () => second.Requests.Count > afterDeath, "the revived replica to receive requests again");
        Assert.Equal(["first", "second"], await gateway.GetUpstreamsAsync(4));
    }

    [Fact]
    public async Task A_GET_reset_before_its_answer_is_retried_but_a_POST_whose_body_was_received_is_not()
    {
        await using var good = await UpstreamServer.StartAsync("good");
        await using var resetting = await UpstreamServer.StartAsync("resetting", AbortAsync);
        var settings = CatalogBehind([good.Address, resetting.Address], other: good.Address);
        // Keep the resetting destination in rotation, so that every rule is exercised on it.
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Enabled"] = "false";
        settings["Gateway:Clusters:catalog:HealthCheck:Passive:Enabled"] = "false";
        await using var gateway = await GatewayServer.StartAsync(settings);

        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.Client.GetAsync($"{Path}?get={i}", Deadline.Test);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Contains(resetting.Requests, r => r.Method == "GET");
        Assert.Equal(4, good.Requests.Count(r => r.Method == "GET"));

        var statuses = new Dictionary<string, int>();
        for (var i = 0; i < 4; i++)
        {
            var id = $"post-{i}";
            using var content = new StringContent($$"""{"id":"{{id}}"}""", System.Text.Encoding.UTF8, "application/json");
            using var response = await gateway.Client.PostAsync($"{Path}?id={id}", content, Deadline.Test);
            statuses[id] = (int)response.StatusCode;
        }

        var reset = resetting.Requests.Where(r => r.Method == "POST").Select(r => r.RawTarget).ToList();
        var answered = good.Requests.Where(r => r.Method == "POST").Select(r => r.RawTarget).ToList();
        Assert.NotEmpty(reset);
        Assert.Empty(reset.Intersect(answered));
        Assert.Equal(4, reset.Count + answered.Count);
        Assert.All(reset, target => Assert.Equal(502, statuses[target.Split("id=")[1]]));
        Assert.All(answered, target => Assert.Equal(200, statuses[target.Split("id=")[1]]));
    }

    [Theory]
    [InlineData("refused", "GET")]
    [InlineData("refused", "POST")]
    [InlineData("connect timeout", "GET")]
    [InlineData("connect timeout", "POST")]
    public async Task A_request_to_a_destination_it_cannot_connect_to_is_sent_to_another_with_its_body_and_ejects_it(string failure, string method)
    {
        var bodies = new ConcurrentQueue<string>();
        await using var good = await UpstreamServer.StartAsync("good", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            bodies.Enqueue(await reader.ReadToEndAsync(context.RequestAborted));
        });
        // Refused: a closed port. Connect timeout: an address that never completes the handshake.
        using var hole = failure == "connect timeout" ? await BlackHole.OpenAsync() : null;
        var unreachable = hole?.Address ?? $"http://127.0.0.1:{UpstreamServer.ClosedPort()}";
        var settings = CatalogBehind([unreachable, good.Address], other: good.Address);
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Enabled"] = "false";
        settings["Gateway:HttpClient:ConnectTimeout"] = "00:00:00.5";
        await using var gateway = await GatewayServer.StartAsync(settings);

        // Round-robin over two: one of the two is first sent to the unreachable destination.
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), Path);
            if (method == "POST")
            {
                request.Content = new StringContent($"body {i}");
            }

            using var response = await gateway.Client.SendAsync(request, Deadline.Test);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Deadline.Test)}");
        }

        Assert.Equal(2, good.Requests.Count(r => r.Method == method));
        Assert.Equal(DestinationHealth.Unhealthy, gateway.Health("catalog", "d1").Passive);
        if (method == "POST")
        {
            Assert.Equal(["body 0", "body 1"], bodies);
        }
    }

    [Fact]
    public async Task A_connected_destination_that_does_not_answer_in_time_is_neither_retried_nor_ejected()
    {
        await using var good = await UpstreamServer.StartAsync("good");
        await using var silent = await UpstreamServer.StartAsync("silent", context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        var settings = CatalogBehind([silent.Address, good.Address], other: good.Address);
        settings["Gateway:Clusters:catalog:HealthCheck:Active:Enabled"] = "false";
        settings["Gateway:Clusters:catalog:HttpRequest:ActivityTimeout"] = "00:00:00.5";
        await using var gateway = await GatewayServer.StartAsync(settings);

        var statuses = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.Client.GetAsync($"{Path}?n={i}", Deadline.Test);
            statuses.Add((int)response.StatusCode);
        }

        Assert.Equal([200, 504], statuses.Order());
        Assert.Single(silent.Requests);
        Assert.Single(good.Requests);
        Assert.NotEqual(DestinationHealth.Unhealthy, gateway.Health("catalog", "d1").Passive);
    }

    /// <summary>The catalog cluster on <paramref name="catalog"/>; the signer and management clusters on <paramref name="other"/>.</summary>
    private static Settings CatalogBehind(string[] catalog, string other) =>
        new Settings().Cluster("catalog", catalog).Cluster("signer", other).Cluster("management", other);

    /// <summary>Reads the whole request, then drops the connection without answering.</summary>
    private static async Task AbortAsync(HttpContext context)
    {
        await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
        context.Abort();
    }

    /// <summary>Sends requests, every one of which must succeed, until <paramref name="condition"/> holds.</summary>
    private static Task SendUntilAsync(GatewayServer gateway, Func<bool> condition, string what) =>
        Deadline.EventuallyAsync(async () =>
        {
            await gateway.GetUpstreamAsync();
            return condition();
        }, what);
}
