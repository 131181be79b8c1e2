using System.Collections.Concurrent;
using System.Text;
using Lakekeeper.Abstractions.Hosting;
using Lakekeeper.Security.Secrets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Security.Tests;

public sealed class SecretKeySettingsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lakekeeper-security-tests-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Without_a_key_the_service_refuses_to_start_and_explains_local_mode()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync([]));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("LAKEKEEPER__SECRETS__ENCRYPTIONKEY: is required", failure, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", failure, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__SECRETS__LOCALKEYFILE=<path>", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("c2hvcnQ=", "must decode to exactly 32 bytes (AES-256), not 5")]
    [InlineData("not*base64", "must be base64")]
    public async Task A_bad_key_is_refused_with_the_variable_named(string key, string reason)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new() { ["Secrets:EncryptionKey"] = key }));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("LAKEKEEPER__SECRETS__ENCRYPTIONKEY: ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
        Assert.DoesNotContain(key, failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_previous_key_names_its_index()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Secrets:EncryptionKey"] = Keys.NewBase64(),
            ["Secrets:PreviousKeys:0"] = Keys.NewBase64(),
            ["Secrets:PreviousKeys:1"] = Convert.ToBase64String(new byte[16]),
        }));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith("LAKEKEEPER__SECRETS__PREVIOUSKEYS__1: must decode to exactly 32 bytes", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_and_a_local_key_file_together_are_ambiguous()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync(new()
        {
            ["Secrets:EncryptionKey"] = Keys.NewBase64(),
            ["Secrets:LocalKeyFile"] = Path.Combine(_folder, "key"),
        }));

        Assert.Contains("LAKEKEEPER__SECRETS__LOCALKEYFILE are both set", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_key_starts_the_service_and_is_never_logged()
    {
        var key = Keys.NewBase64();
        var logs = new ConcurrentQueue<string>();

        using var host = await StartAsync(new() { ["Secrets:EncryptionKey"] = key }, logs);
        var protector = host.Services.GetRequiredService<ISecretProtector>();

        Assert.Equal(Keys.IdOf(key), protector.CurrentKeyId);
        Assert.Equal("x", protector.UnprotectString(protector.ProtectString("x", "o"), "o"));
        Assert.Contains(logs, l => l.Contains(Keys.IdOf(key), StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(key, host.Services.GetRequiredService<IOptions<SecretsOptions>>().Value.ToString(), StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Local_mode_generates_a_private_key_file_at_start_and_reuses_it()
    {
        var path = Path.Combine(_folder, "state", "nested", "secret.key");
        var logs = new ConcurrentQueue<string>();
        string protectedValue;
        string firstId;

        using (var first = await StartAsync(new() { ["Secrets:LocalKeyFile"] = path }, logs))
        {
            // Created while the host started, before anything asked for the protector.
            Assert.True(File.Exists(path));
            var protector = first.Services.GetRequiredService<ISecretProtector>();
            firstId = protector.CurrentKeyId;
            protectedValue = protector.ProtectString("credential", "warehouse:1");
            await first.StopAsync(Ct);
        }

        var content = await File.ReadAllTextAsync(path, Ct);
        using var second = await StartAsync(new() { ["Secrets:LocalKeyFile"] = path }, logs);
        var again = second.Services.GetRequiredService<ISecretProtector>();

        Assert.Equal(firstId, Keys.IdOf(content.Trim()));
        Assert.Equal(32, Convert.FromBase64String(content.Trim()).Length);
        Assert.Equal(firstId, again.CurrentKeyId);
        Assert.Equal("credential", again.UnprotectString(protectedValue, "warehouse:1"));
        Assert.Equal(content, await File.ReadAllTextAsync(path, Ct));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        }

        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        Assert.Single(logs, l => l.Contains("Generated secret encryption key", StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains(content.Trim(), StringComparison.Ordinal));
        await second.StopAsync(Ct);
    }

    [Fact]
    public async Task Processes_starting_at_once_agree_on_one_local_key()
    {
        var path = Path.Combine(_folder, "race.key");

        var keys = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => LocalKeyFile.LoadOrCreate(path, out _), Ct)));

        Assert.Single(keys.Select(Convert.ToBase64String).Distinct());
        Assert.Equal(Convert.ToBase64String(keys[0]), (await File.ReadAllTextAsync(path, Ct)).Trim());
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public async Task A_local_key_file_readable_by_others_is_refused()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix permissions only");
            return;
        }

        var path = Path.Combine(_folder, "open.key");
        await File.WriteAllTextAsync(path, Keys.NewBase64() + "\n", Ct);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<FatalStartupException>(() => LocalKeyFile.LoadOrCreate(path, out _));

        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_local_key_file_is_refused_not_replaced()
    {
        var path = Path.Combine(_folder, "damaged.key");
        await File.WriteAllTextAsync(path, "truncated", Ct);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var error = await Assert.ThrowsAsync<FatalStartupException>(() => StartAsync(new() { ["Secrets:LocalKeyFile"] = path }));

        Assert.Contains("is damaged", error.Message, StringComparison.Ordinal);
        Assert.Contains("Restore it from a backup", error.Message, StringComparison.Ordinal);
        Assert.Equal("truncated", await File.ReadAllTextAsync(path, Ct));
    }

    [Fact]
    public void A_folder_as_the_key_file_is_refused()
    {
        var error = Assert.Throws<FatalStartupException>(() => LocalKeyFile.LoadOrCreate(_folder, out _));

        Assert.Contains("is a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_different_keys_with_the_same_id_are_refused()
    {
        var a = new SecretKey(new byte[32]);
        var forged = new SecretKey(Enumerable.Repeat((byte)1, 32).ToArray());
        forged.Id.AsSpan().Clear();
        a.Id.CopyTo(forged.Id, 0);

        Assert.Throws<FatalStartupException>(() => new SecretKeyRing(a, [forged]));
        Assert.Equal(1, new SecretKeyRing(a, [new SecretKey(new byte[32])]).Count);
    }

    [Fact]
    public void Options_ToString_never_shows_keys()
    {
        var key = Keys.NewBase64();
        var previous = Keys.NewBase64();

        var text = new SecretsOptions { EncryptionKey = key, PreviousKeys = [previous] }.ToString();

        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(previous, text, StringComparison.Ordinal);
        Assert.Contains("1 key(s)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Loading_without_any_key_is_a_fatal_startup_error()
    {
        var error = Assert.Throws<FatalStartupException>(() => SecretKeyRing.Load(new SecretsOptions(), NullLogger.Instance));

        Assert.Contains("LAKEKEEPER__SECRETS__ENCRYPTIONKEY", error.Message, StringComparison.Ordinal);
    }

    private static async Task<IHost> StartAsync(Dictionary<string, string?> settings, ConcurrentQueue<string>? logs = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(new CollectingLoggerProvider(logs));
        }

        builder.Services.AddSecretProtection(builder.Configuration);
        var host = builder.Build();
        try
        {
            await host.StartAsync(Ct);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    private sealed class CollectingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Collector(lines);

        public void Dispose()
        {
        }

        private sealed class Collector(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = new StringBuilder(formatter(state, exception));
                if (state is IEnumerable<KeyValuePair<string, object?>> properties)
                {
                    foreach (var (name, value) in properties)
                    {
                        line.Append(' ').Append(name).Append('=').Append(value);
                    }
                }

                lines.Enqueue(line.ToString());
            }
        }
    }
}
