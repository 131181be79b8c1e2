using System.Text.Json;
using Lakekeeper.Events.Sinks;
using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;
using Microsoft.Extensions.Configuration;
using NATS.Client.Core;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// NATS authentication as Lakekeeper configures it (<c>LAKEKEEPER__NATS_USER</c>/<c>__NATS_PASSWORD</c>,
/// <c>__NATS_TOKEN</c>, <c>__NATS_CREDS_FILE</c>), each against a real nats-server that requires it.
/// With wrong credentials the events wait in the outbox (health degraded), the secrets appear in no
/// log line, and the events are delivered, each once and in order, as soon as the credentials match.
/// </summary>
public sealed class NatsAuthenticationTests
{
    private const string Subject = "lakekeeper.auth.events";
    private const string Stream = "lakekeeper_auth";

    [Fact]
    public void Lakekeepers_nats_variables_reach_the_nats_clients_options()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["NATS_ADDRESS"] = "nats://nats.example:4222",
            ["NATS_TOPIC"] = "events",
            ["NATS_USER"] = "relay",
            ["NATS_PASSWORD"] = "pw",
            ["NATS_TOKEN"] = "tok",
            ["NATS_CREDS_FILE"] = "/etc/nats/relay.creds",
        }).Build();
        var options = new EventSinkOptions();
        new EventSinkOptionsSetup(configuration).Configure(options);

        var nats = NatsSink.Connect(options);
        Assert.Equal("nats://nats.example:4222", nats.Url);
        Assert.Equal("relay", nats.AuthOpts.Username);
        Assert.Equal("pw", nats.AuthOpts.Password);
        Assert.Equal("tok", nats.AuthOpts.Token);
        Assert.Equal("/etc/nats/relay.creds", nats.AuthOpts.CredsFile);
    }

    [Theory]
    [InlineData("password")]
    [InlineData("password-in-address")]
    [InlineData("token")]
    public async Task Wrong_credentials_keep_events_in_the_outbox_unlogged_and_they_go_once_the_server_accepts_them(string kind)
    {
        // The relay already has the new secret; the server still expects the old one until an
        // operator reloads its configuration file.
        var old = "old-" + kind + "-" + Guid.NewGuid().ToString("N");
        var rotated = "new-" + kind + "-" + Guid.NewGuid().ToString("N");
        string Config(string secret) => kind.StartsWith("password", StringComparison.Ordinal)
            ? $$"""authorization { users: [ { user: "lakekeeper", password: "{{secret}}" } ] }"""
            : $$"""authorization { token: "{{secret}}" }""";
        await using var nats = await NatsServer.StartWithConfigAsync(Config(old));
        await AssertRefusedAsync(nats.Url, NatsAuthOpts.Default);

        var settings = Settings(nats.Url);
        var auth = NatsAuthOpts.Default;
        if (kind == "password")
        {
            settings["NATS_USER"] = "lakekeeper";
            settings["NATS_PASSWORD"] = rotated;
            auth = auth with { Username = "lakekeeper", Password = rotated };
        }
        else if (kind == "password-in-address")
        {
            // nats://user:password@host, which the NATS clients accept as well.
            settings["NATS_ADDRESS"] = nats.Url.Replace("nats://", $"nats://lakekeeper:{rotated}@", StringComparison.Ordinal);
            auth = auth with { Username = "lakekeeper", Password = rotated };
        }
        else
        {
            settings["NATS_TOKEN"] = rotated;
            auth = auth with { Token = rotated };
        }

        var logs = new CapturedLogs();
        await using var app = await StandaloneApp.StartAsync(settings, logs);
        var catalog = await CommitSomeAsync(app, kind);
        await Eventually.TrueAsync(async () => await RelayHealthAsync(app) == "Degraded", TimeSpan.FromSeconds(60), "the relay to report degraded health");
        Assert.All(await catalog.OutboxAsync(), e => Assert.False(e.Published));
        Assert.Contains(logs.Lines, l => l.Contains("NATS is unavailable", StringComparison.Ordinal) && l.Contains("Authorization Violation", StringComparison.Ordinal));

        await nats.ReloadAsync(Config(rotated));
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        await AssertDeliveredOnceInOrderAsync(catalog, nats.Url, auth);
        await Eventually.TrueAsync(async () => await RelayHealthAsync(app) == "Healthy", TimeSpan.FromSeconds(60), "the relay to be healthy again");

        Assert.NotEmpty(logs.Lines);
        AssertNotIn(logs.Text, old, rotated);
    }

    [Fact]
    public async Task A_creds_file_works_in_operator_jwt_mode_and_a_user_of_an_unknown_account_is_refused_without_losing_events()
    {
        using var trusted = new NatsOperator("lakekeeper-test");
        using var account = trusted.CreateAccount("events");
        var (goodCreds, goodSeed, goodJwt) = NatsOperator.CreateUser(account, "relay");

        // A user signed by an account of another operator: well formed, but not trusted by the server.
        using var stranger = new NatsOperator("someone-else");
        using var strangerAccount = stranger.CreateAccount("events");
        var (badCreds, badSeed, badJwt) = NatsOperator.CreateUser(strangerAccount, "relay");

        var folder = Directory.CreateTempSubdirectory("lakekeeper-nats-jwt-").FullName;
        var goodFile = Path.Combine(folder, "relay.creds");
        var badFile = Path.Combine(folder, "wrong.creds");
        await File.WriteAllTextAsync(goodFile, goodCreds);
        await File.WriteAllTextAsync(badFile, badCreds);
        await using var nats = await NatsServer.StartWithConfigAsync(trusted.ServerConfig());
        await AssertRefusedAsync(nats.Url, NatsAuthOpts.Default);
        await AssertRefusedAsync(nats.Url, NatsAuthOpts.Default with { CredsFile = badFile });

        // The catalog's own relay has the wrong file: its events wait.
        var settings = Settings(nats.Url);
        settings["NATS_CREDS_FILE"] = badFile;
        var logs = new CapturedLogs();
        await using var app = await StandaloneApp.StartAsync(settings, logs);
        var catalog = await CommitSomeAsync(app, "creds");
        await Eventually.TrueAsync(async () => await RelayHealthAsync(app) == "Degraded", TimeSpan.FromSeconds(60), "the relay to report degraded health");
        Assert.All(await catalog.OutboxAsync(), e => Assert.False(e.Published));
        Assert.Contains(logs.Lines, l => l.Contains("NATS is unavailable", StringComparison.Ordinal) && l.Contains("Authorization Violation", StringComparison.Ordinal));

        // The events service, configured through the environment with the right file, delivers them.
        await using (var events = await ServiceProcess.StartAsync("events", FreePort.Next(), new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = app.ConnectionString,
            ["LAKEKEEPER__NATS_ADDRESS"] = nats.Url,
            ["LAKEKEEPER__NATS_TOPIC"] = Subject,
            ["LAKEKEEPER__NATS_CREDS_FILE"] = goodFile,
            ["LAKEKEEPER__EVENTS__NATSSTREAM"] = Stream,
            ["LAKEKEEPER__EVENTS__POLLINTERVAL"] = "00:00:00.200",
        }))
        {
            await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
            await AssertDeliveredOnceInOrderAsync(catalog, nats.Url, NatsAuthOpts.Default with { CredsFile = goodFile });
            await events.StopAsync(TimeSpan.FromSeconds(30));
            AssertNotIn(events.Output, goodSeed, goodJwt, badSeed, badJwt);
        }

        Assert.NotEmpty(logs.Lines);
        AssertNotIn(logs.Text, goodSeed, goodJwt, badSeed, badJwt);
        Directory.Delete(folder, recursive: true);
    }

    private static Dictionary<string, string?> Settings(string natsUrl) => new()
    {
        ["NATS_ADDRESS"] = natsUrl,
        ["NATS_TOPIC"] = Subject,
        ["Events:NatsStream"] = Stream,
        ["Events:PublishTimeout"] = "00:00:02",
        ["Events:MaxBackoff"] = "00:00:00.500",
        ["Events:PollInterval"] = "00:00:00.200",
    };

    /// <summary>A namespace, a table and five commits: seven events.</summary>
    private static async Task<CatalogClient> CommitSomeAsync(StandaloneApp app, string name)
    {
        var catalog = await CatalogClient.StartAsync(app, name);
        await catalog.CreateNamespaceAsync(name);
        await catalog.CreateTableAsync(name, "t");
        for (var i = 0; i < 5; i++)
        {
            await catalog.CommitAsync(name, "t", "n", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.Equal(7, (await catalog.OutboxAsync()).Count);
        return catalog;
    }

    /// <summary>The stream holds every event of the outbox once, and the table's events in commit order.</summary>
    private static async Task AssertDeliveredOnceInOrderAsync(CatalogClient catalog, string url, NatsAuthOpts auth)
    {
        var outbox = await catalog.OutboxAsync();
        var stream = await JetStreamReader.ReadAllAsync(url, Stream, auth);
        var ids = stream.Select(m => Guid.Parse(m.Event.Id!)).ToList();
        Assert.Equal(outbox.Select(e => e.Id).Order(), ids.Order());
        var table = outbox[1].ObjectId;
        Assert.Equal(outbox.Where(e => e.ObjectId == table).Select(e => e.Id), ids.Where(id => outbox.Single(e => e.Id == id).ObjectId == table));
    }

    private static async Task AssertRefusedAsync(string url, NatsAuthOpts auth)
    {
        await using var client = new NatsConnection(new NatsOpts { Url = url, AuthOpts = auth, MaxReconnectRetry = 0 });
        await Assert.ThrowsAnyAsync<NatsException>(async () => await client.ConnectAsync());
    }

    private static void AssertNotIn(string text, params string[] secrets)
    {
        foreach (var secret in secrets)
        {
            Assert.False(text.Contains(secret, StringComparison.Ordinal), $"a secret ({secret[..6]}…) was logged");
        }
    }

    private static async Task<string?> RelayHealthAsync(StandaloneApp app)
    {
        using var response = await app.Client.GetAsync("/health/ready");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("checks").TryGetProperty("events-relay", out var check) ? check.GetProperty("status").GetString() : null;
    }
}
