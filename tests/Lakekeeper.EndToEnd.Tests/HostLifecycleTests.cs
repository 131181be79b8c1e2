using System.Security.Cryptography;
using Lakekeeper.Testing;

namespace Lakekeeper.EndToEnd.Tests;

/// <summary>
/// A service binary as an operator meets it: the <c>migrate</c> command, refusing an old schema,
/// refusing bad settings by naming the variable, and stopping cleanly on SIGTERM.
/// </summary>
public sealed class HostLifecycleTests
{
    private static Dictionary<string, string> Settings(string connectionString) => new()
    {
        ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = connectionString,
        ["LAKEKEEPER__DATABASE__STARTUPTIMEOUTSECONDS"] = "5",
        ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = Path.GetTempPath().TrimEnd('/'),
    };

    private static Task<ExternalProcess.Result> RunAsync(string command, IReadOnlyDictionary<string, string> environment) =>
        ExternalProcess.RunAsync("dotnet", [ServiceProcess.HostDll("standalone"), command], TimeSpan.FromMinutes(2), environment: environment);

    [Fact]
    public async Task A_service_refuses_an_unmigrated_database_until_migrate_runs()
    {
        var postgres = await PostgresServer.SharedAsync();
        var settings = Settings(await postgres.CreateEmptyDatabaseAsync());

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync("standalone", FreePort.Next(), settings));
        Assert.Contains("schema is at version 0", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'migrate'", refused.Message, StringComparison.Ordinal);

        var migrated = await RunAsync("migrate", settings);
        Assert.True(migrated.ExitCode == 0, migrated.Output);
        Assert.Contains("schema is at version", migrated.Output, StringComparison.Ordinal);
        var again = await RunAsync("migrate", settings);
        Assert.Contains("Database schema is current", again.Output, StringComparison.Ordinal);

        await using var service = await ServiceProcess.StartAsync("standalone", FreePort.Next(), settings);
        Assert.False(service.HasExited);
    }

    [Fact]
    public async Task A_missing_or_bad_setting_stops_start_up_naming_the_variable()
    {
        var postgres = await PostgresServer.SharedAsync();
        var settings = Settings(await postgres.CreateDatabaseAsync());
        settings.Remove("LAKEKEEPER__DATABASE__CONNECTIONSTRING");
        settings["LAKEKEEPER__CATALOG__COMMITATTEMPTS"] = "0";

        var result = await RunAsync("serve", settings);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("LAKEKEEPER__DATABASE__CONNECTIONSTRING is required", result.Output, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__CATALOG__COMMITATTEMPTS must be between 1 and 100", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_encryption_key_outside_local_mode_the_service_refuses_to_start()
    {
        var postgres = await PostgresServer.SharedAsync();
        var settings = Settings(await postgres.CreateDatabaseAsync());
        settings.Remove("LAKEKEEPER__SECRETS__ENCRYPTIONKEY");

        var result = await RunAsync("serve", settings);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("LAKEKEEPER__SECRETS__ENCRYPTIONKEY", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_stops_the_service_cleanly()
    {
        var postgres = await PostgresServer.SharedAsync();
        await using var service = await ServiceProcess.StartAsync("standalone", FreePort.Next(), Settings(await postgres.CreateDatabaseAsync()));

        await service.StopAsync(TimeSpan.FromSeconds(30));

        Assert.True(service.HasExited);
        Assert.Equal(0, service.ExitCode);
        Assert.Contains("Application is shutting down", service.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_identity_provider_that_cannot_be_reached_stops_the_start_naming_the_setting_unless_allowed()
    {
        var postgres = await PostgresServer.SharedAsync();
        var settings = Settings(await postgres.CreateDatabaseAsync());
        settings["LAKEKEEPER__OPENID_PROVIDER_URI"] = $"http://127.0.0.1:{FreePort.Next()}/realms/nowhere";

        var result = await RunAsync("serve", settings);
        Assert.Equal(75, result.ExitCode);
        Assert.Contains("LAKEKEEPER__OPENID_PROVIDER_URI: the identity provider at", result.Output, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__OPENID_REQUIRE_CONNECTED_ON_STARTUP=false", result.Output, StringComparison.Ordinal);

        settings["LAKEKEEPER__OPENID_REQUIRE_CONNECTED_ON_STARTUP"] = "false";
        await using var service = await ServiceProcess.StartAsync("standalone", FreePort.Next(), settings);
        using var client = new HttpClient { BaseAddress = service.BaseAddress };
        using var refused = await client.GetAsync("/management/v1/whoami");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Bad_authentication_settings_stop_the_start_naming_each_variable()
    {
        var postgres = await PostgresServer.SharedAsync();
        var settings = Settings(await postgres.CreateDatabaseAsync());
        settings["LAKEKEEPER__OPENID_PROVIDER_URI"] = "not a url";
        settings["LAKEKEEPER__OPENID_PROVIDERS__OKTA__URI"] = "ftp://example.com";
        settings["LAKEKEEPER__OPENID_PROVIDERS__OKTA__REQUIRED_CLAIMS__GROUP__ANY_OF"] = "admins";
        settings["LAKEKEEPER__INSTANCE_ADMINS"] = "[\"no-tilde\"]";
        settings["LAKEKEEPER__ROLE__MAX_NESTING_DEPTH"] = "0";

        var result = await RunAsync("serve", settings);

        Assert.Equal(78, result.ExitCode);
        Assert.Contains("LAKEKEEPER__OPENID_PROVIDER_URI: must be the http(s) URL", result.Output, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__OPENID_PROVIDERS__OKTA__URI: must be the http(s) URL", result.Output, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__OPENID_PROVIDERS__OKTA__REQUIRED_CLAIMS__GROUP__CLAIM is required", result.Output, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__INSTANCE_ADMINS: 'no-tilde' is not a user id", result.Output, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__ROLE__MAX_NESTING_DEPTH: must be a whole number from 1 to 100", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_identity_provider_the_start_up_log_says_loudly_that_everyone_is_anonymous()
    {
        var postgres = await PostgresServer.SharedAsync();
        await using var service = await ServiceProcess.StartAsync("standalone", FreePort.Next(), Settings(await postgres.CreateDatabaseAsync()));
        Assert.Contains("AUTHENTICATION IS OFF: no identity provider is configured", service.Output, StringComparison.Ordinal);
    }
}
