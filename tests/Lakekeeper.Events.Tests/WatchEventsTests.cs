using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Lakekeeper.Events.Tests.Support;
using Lakekeeper.Testing;

namespace Lakekeeper.Events.Tests;

/// <summary>
/// <c>watch-events</c>, the command behind <c>./lakekeeper events</c>, run as the events host's process
/// against a real nats-server that requires a password: it replays the JetStream stream (<c>--all</c>)
/// and follows it, subscribes with core NATS when no stream covers the subject, with wrong
/// credentials or no server says why in one line and exits 69, never printing the secret, and needs no
/// database setting.
/// </summary>
public sealed class WatchEventsTests
{
    private const string Subject = "lakekeeper.watch.events";
    private const string Stream = "lakekeeper_watch";
    private const string User = "watcher";

    [Fact]
    public async Task The_stream_is_replayed_in_order_and_followed_with_the_servers_password()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await using var nats = await NatsServer.StartWithConfigAsync(Config(password));
        await using var app = await StandaloneApp.StartAsync(Settings(nats.Url, password, stream: true));
        var catalog = await CatalogClient.StartAsync(app, "watched");
        await catalog.CreateNamespaceAsync("w");
        await catalog.CreateTableAsync("w", "t");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));

        await using var watcher = Watcher.Start(nats.Url, password, "--all");
        var written = (await catalog.OutboxAsync()).Select(e => e.Id).ToList();
        await watcher.WaitForAsync(lines => lines.Count >= written.Count, "the replayed events");
        Assert.Contains("JetStream stream " + Stream, watcher.Errors, StringComparison.Ordinal);

        await catalog.CommitAsync("w", "t", "k", "live");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        written = (await catalog.OutboxAsync()).Select(e => e.Id).ToList();
        await watcher.WaitForAsync(lines => lines.Count >= written.Count, "the event committed while watching");

        Assert.Equal(written, watcher.Lines.Select(EventId));
        Assert.DoesNotContain(password, watcher.Errors + string.Join('\n', watcher.Lines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_relay_creates_its_stream_at_start_so_a_watcher_started_before_any_change_reads_the_stream()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await using var nats = await NatsServer.StartWithConfigAsync(Config(password));
        var logs = new CapturedLogs();
        await using var app = await StandaloneApp.StartAsync(Settings(nats.Url, password, stream: true), logs);
        await Eventually.TrueAsync(
            () => Task.FromResult(logs.Lines.Any(l => l.Contains($"through JetStream stream {Stream} (created)", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(60), "the relay to create its stream without any event");

        await using var watcher = Watcher.Start(nats.Url, password);
        await watcher.WaitForErrorsAsync("JetStream stream " + Stream);

        // The first change after that reaches the watcher through the stream.
        var catalog = await CatalogClient.StartAsync(app, "first");
        await catalog.CreateNamespaceAsync("first");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
        var written = (await catalog.OutboxAsync()).Select(e => e.Id).ToList();
        await watcher.WaitForAsync(lines => lines.Count >= written.Count, "the first event");
        Assert.Equal(written, watcher.Lines.Select(EventId));
    }

    [Fact]
    public async Task Without_a_stream_it_subscribes_and_prints_what_is_published_while_it_watches()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        await using var nats = await NatsServer.StartWithConfigAsync(Config(password));
        await using var app = await StandaloneApp.StartAsync(Settings(nats.Url, password, stream: false));
        var catalog = await CatalogClient.StartAsync(app, "subscribed");

        await using var watcher = Watcher.Start(nats.Url, password);
        await watcher.WaitForErrorsAsync("(core NATS)");

        // Core NATS keeps nothing: what is published before the subscription reaches the server is not
        // seen. Namespaces are created until the first one is printed, then one more.
        var created = 0;
        await Eventually.TrueAsync(async () =>
        {
            await catalog.CreateNamespaceAsync("s" + created++);
            await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));
            return watcher.Lines.Count > 0;
        }, TimeSpan.FromSeconds(60), "the first event printed");
        await catalog.CreateNamespaceAsync("last");
        await catalog.AllPublishedAsync(TimeSpan.FromSeconds(60));

        var written = (await catalog.OutboxAsync()).Select(e => e.Id).ToList();
        await watcher.WaitForAsync(lines => lines.Count > 0 && EventId(lines[^1]) == written[^1], "the event published after the subscription");
        var printed = watcher.Lines.Select(EventId).ToList();
        Assert.Equal(written.Skip(written.Count - printed.Count), printed);
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("password in the address")]
    [InlineData("no server")]
    public async Task A_refused_or_missing_server_is_one_line_and_exit_69_without_the_secret(string what)
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        await using var nats = await NatsServer.StartWithConfigAsync(Config(password));
        var url = what switch
        {
            "password in the address" => nats.Url.Replace("nats://", $"nats://{User}:{wrong}@", StringComparison.Ordinal),
            "no server" => $"nats://127.0.0.1:{FreePort.Next()}",
            _ => nats.Url,
        };

        await using var watcher = Watcher.Start(url, what == "wrong password" ? wrong : null);
        var exitCode = await watcher.ExitCodeAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(69, exitCode);
        Assert.StartsWith("Cannot watch events: ", watcher.Errors.Trim(), StringComparison.Ordinal);
        Assert.Contains(what == "no server" ? "can not connect" : "Authorization Violation", watcher.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", watcher.Errors, StringComparison.Ordinal); // no stack trace
        Assert.DoesNotContain(wrong, watcher.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(password, watcher.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_nats_settings_it_names_them_and_asks_for_nothing_else()
    {
        await using var watcher = Watcher.Start(natsUrl: null, password: null);
        var exitCode = await watcher.ExitCodeAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(64, exitCode);
        Assert.Contains("LAKEKEEPER__NATS_ADDRESS", watcher.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("DATABASE", watcher.Errors, StringComparison.OrdinalIgnoreCase);
    }

    private static string Config(string password) =>
        $$"""authorization { users: [ { user: "{{User}}", password: "{{password}}" } ] }""";

    private static Dictionary<string, string?> Settings(string natsUrl, string password, bool stream)
    {
        var settings = new Dictionary<string, string?>
        {
            ["NATS_ADDRESS"] = natsUrl,
            ["NATS_TOPIC"] = Subject,
            ["NATS_USER"] = User,
            ["NATS_PASSWORD"] = password,
            ["Events:PublishTimeout"] = "00:00:02",
            ["Events:MaxBackoff"] = "00:00:00.500",
            ["Events:PollInterval"] = "00:00:00.200",
        };
        if (stream)
        {
            settings["Events:NatsStream"] = Stream;
        }

        return settings;
    }

    private static Guid EventId(string line) => Guid.Parse(JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!);

    /// <summary>The events host running <c>watch-events</c>; its output lines collected as they come.</summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly StringBuilder _errors = new();

        private Watcher(Process process)
        {
            _process = process;
        }

        public IReadOnlyList<string> Lines => [.. _lines];

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        public static Watcher Start(string? natsUrl, string? password, params string[] arguments)
        {
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            info.ArgumentList.Add(ServiceProcess.HostDll("events"));
            info.ArgumentList.Add("watch-events");
            foreach (var argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }

            // No database setting: the command needs none (the host's other settings are not checked).
            if (natsUrl is not null)
            {
                info.Environment["LAKEKEEPER__NATS_ADDRESS"] = natsUrl;
                info.Environment["LAKEKEEPER__NATS_TOPIC"] = Subject;
            }

            if (password is not null)
            {
                info.Environment["LAKEKEEPER__NATS_USER"] = User;
                info.Environment["LAKEKEEPER__NATS_PASSWORD"] = password;
            }

            var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the events host");
            var watcher = new Watcher(process);
            process.OutputDataReceived += (_, e) =>
            {
                if (!string.IsNullOrWhiteSpace(e.Data))
                {
                    watcher._lines.Enqueue(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                lock (watcher._errors)
                {
                    watcher._errors.AppendLine(e.Data);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return watcher;
        }

        public async Task WaitForAsync(Func<IReadOnlyList<string>, bool> done, string what)
        {
            await Eventually.TrueAsync(() => Task.FromResult(done(Lines) || _process.HasExited), TimeSpan.FromSeconds(60), what);
            Assert.False(_process.HasExited, "watch-events exited: " + Errors);
        }

        public Task WaitForErrorsAsync(string text) =>
            Eventually.TrueAsync(() => Task.FromResult(Errors.Contains(text, StringComparison.Ordinal)), TimeSpan.FromSeconds(60), $"'{text}' from watch-events");

        public async Task<int> ExitCodeAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }

        public ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }

            _process.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
