using System.Net;
using Lakekeeper.Authz;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>
/// The authz service as its Program.cs composes it, on loopback: public and internal ports chosen by
/// the OS, the OpenFGA API on a free port when asked, settings as environment variables would give them.
/// </summary>
internal sealed class AuthzHost : IAsyncDisposable
{
    public const string ApiKey = "test-key-0123456789abcdef";

    private readonly WebApplication _app;

    private AuthzHost(WebApplication app, int? apiPort)
    {
        _app = app;
        ApiPort = apiPort;
    }

    public int? ApiPort { get; }

    public Uri ApiAddress => new($"http://127.0.0.1:{ApiPort}/");

    /// <summary>The public listener: of the two the OS chose, the one that answers an HTTP/1.1 health probe (the internal one speaks HTTP/2 only).</summary>
    public async Task<Uri> PublicAddressAsync()
    {
        using var http = new HttpClient();
        foreach (var address in _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).Where(a => a.Port != ApiPort))
        {
            try
            {
                using var response = await http.GetAsync(new Uri(address, "/health/live"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return address;
                }
            }
            catch (HttpRequestException)
            {
                // The internal HTTP/2-only listener.
            }
        }

        throw new InvalidOperationException("No public listener answered.");
    }

    public IServiceProvider Services => _app.Services;

    public IAuthorizer Authorizer => _app.Services.GetRequiredService<IAuthorizer>();

    public static async Task<AuthzHost> StartAsync(string connectionString, bool api, params (string Key, string? Value)[] settings)
    {
        var apiPort = api ? FreePort.Next() : (int?)null;
        var values = new Dictionary<string, string?>
        {
            ["Server:ListenPort"] = "0",
            ["Server:InternalPort"] = "0",
            ["Server:BindAddress"] = "127.0.0.1",
            ["Server:ShutdownTimeoutSeconds"] = "1",
            ["Database:ConnectionString"] = connectionString,
            ["Log:Level"] = "Warning",
        };
        if (apiPort is { } port)
        {
            values["Authz:OPENFGA_API_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            values["Authz:OPENFGA_API_KEYS"] = ApiKey;
        }

        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(values);
        builder.AddServiceDefaults("authz");
        builder.Logging.ClearProviders();
        builder.AddAuthzServer();
        var app = builder.Build();
        app.UseServiceDefaults();
        app.MapServiceDefaults();
        app.MapAuthzServer();
        await app.StartAsync();
        return new AuthzHost(app, apiPort);
    }

    /// <summary>An HTTP client for the OpenFGA API, with the bearer key unless told otherwise.</summary>
    public HttpClient ApiClient(string? key = ApiKey)
    {
        var client = new HttpClient { BaseAddress = ApiAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        return client;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>One migrated database per test class.</summary>
public sealed class FgaDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        ConnectionString = await server.CreateDatabaseAsync();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
