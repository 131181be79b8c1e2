using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Lakekeeper.Testing;
using Microsoft.Playwright;

namespace Lakekeeper.Console.Tests;

/// <summary>
/// A deployment as the console's users meet it: the hosts as processes on loopback (standalone, or every
/// service behind the gateway), a fresh database, the built console, and Debian's Chromium driven by
/// Playwright. With <see cref="WithIdentityProvider"/>, a real OpenID provider (npm oidc-provider) with
/// the console's public client; otherwise anonymous.
/// </summary>
public abstract class ConsoleDeployment : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";
    public const string UiClientId = "lakekeeper-ui";

    /// <summary>A second user (client credentials at the identity provider; principal <c>oidc~bob</c>) whom the admin grants access.</summary>
    public static readonly OidcClient Bob = new("bob");
    private readonly List<ServiceProcess> _processes = [];
    private IPlaywright? _playwright;

    protected abstract bool Microservices { get; }

    protected virtual bool WithIdentityProvider => false;

    /// <summary>Lifetime of the console's access tokens at the identity provider (short, to see a refresh).</summary>
    protected virtual int UiAccessTokenSeconds => 3600;

    /// <summary>The authorization backend with an identity provider (<c>LAKEKEEPER__AUTHZ_BACKEND</c>).</summary>
    protected virtual string AuthzBackend => "allowall";

    public string Topology => Microservices ? "microservices" : "standalone";

    public Uri BaseAddress { get; private set; } = null!;

    public OidcProvider? Idp { get; private set; }

    public IBrowser Browser { get; private set; } = null!;

    public string WarehouseRoot { get; private set; } = null!;

    /// <summary>Screenshots of every page a test visits, under the test output (screenshots/&lt;topology&gt;/).</summary>
    public string ScreenshotFolder { get; private set; } = null!;

    public string Outputs => string.Concat(_processes.Select(p => $"\n--- {p.Name}:\n{p.Output}"));

    public static string ConsoleDist => Path.Combine(ServiceProcess.RepositoryRoot, "console", "dist");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(Path.Combine(ConsoleDist, "index.html")))
        {
            throw new InvalidOperationException($"The console is not built ({ConsoleDist} has no index.html): run `npm ci && npm run build` in console/, or ./lakekeeper test.");
        }

        if (!File.Exists(Chromium))
        {
            throw new InvalidOperationException($"{Chromium} is missing: install Debian's Chromium (apt-get install -y chromium), as ./lakekeeper test does.");
        }

        var postgres = await PostgresServer.SharedAsync();
        WarehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-console-").FullName;
        ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "screenshots", Topology + (WithIdentityProvider ? "-oidc" : "") + (AuthzBackend == "allowall" ? "" : "-" + AuthzBackend));
        Directory.CreateDirectory(ScreenshotFolder);
        var port = FreePort.Next();
        var common = new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = await postgres.CreateDatabaseAsync(),
            ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = WarehouseRoot,
            ["LAKEKEEPER__UI__ASSETS_PATH"] = ConsoleDist,
            // The S3 wizard's tests use s3rver on loopback, which the SSRF guard refuses unless allowed.
            ["LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS"] = "127.0.0.1:*",
        };
        if (WithIdentityProvider)
        {
            var origin = $"http://127.0.0.1:{port}";
            Idp = await OidcProvider.StartAsync([new OidcClient("admin"), Bob], uiClient: new JsonObject
            {
                ["client_id"] = UiClientId,
                ["redirect_uris"] = new JsonArray(origin + "/ui/callback"),
                ["post_logout_redirect_uris"] = new JsonArray(origin + "/ui/logout"),
                ["access_token_ttl"] = UiAccessTokenSeconds,
            });
            common["LAKEKEEPER__OPENID_PROVIDER_URI"] = Idp.IssuerText;
            common["LAKEKEEPER__OPENID_AUDIENCE"] = OidcProvider.DefaultAudience;
            common["LAKEKEEPER__UI__OPENID_CLIENT_ID"] = UiClientId;
            // The login tests are about logging in; allowall keeps the pages the same as without a provider (the
            // permissions page included). The permissions tests use builtin (StandaloneConsoleWithBuiltinAuthz); its
            // enforcement is tested end to end in Lakekeeper.EndToEnd.Tests (AuthorizationTests).
            common["LAKEKEEPER__AUTHZ_BACKEND"] = AuthzBackend;
        }

        BaseAddress = Microservices ? await StartMicroservicesAsync(port, common) : (await RunAsync("standalone", port, common)).BaseAddress;
        // Polling assertions wait up to 15 s (Playwright's 5 s default is short on a loaded 2-core CI machine).
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root (as on CI) cannot use Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    private async Task<Uri> StartMicroservicesAsync(int port, Dictionary<string, string> common)
    {
        var authzGrpc = FreePort.Next();
        await RunAsync("authz", FreePort.Next(), new Dictionary<string, string>(common) { ["LAKEKEEPER__SERVER__INTERNALPORT"] = authzGrpc.ToString(CultureInfo.InvariantCulture) });
        var withAuthz = new Dictionary<string, string>(common) { ["LAKEKEEPER__AUTHZ__ENDPOINT"] = $"http://127.0.0.1:{authzGrpc}" };
        var started = await Task.WhenAll(
            RunAsync("catalog", FreePort.Next(), withAuthz),
            RunAsync("signer", FreePort.Next(), withAuthz),
            RunAsync("management", FreePort.Next(), withAuthz),
            RunAsync("events", FreePort.Next(), common));
        var gateway = await RunAsync("gateway", port, new Dictionary<string, string>
        {
            ["LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS"] = started[0].BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS__D1__ADDRESS"] = started[1].BaseAddress.ToString(),
            ["LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS__D1__ADDRESS"] = started[2].BaseAddress.ToString(),
        });
        return gateway.BaseAddress;
    }

    private async Task<ServiceProcess> RunAsync(string service, int port, IReadOnlyDictionary<string, string> environment)
    {
        var process = await ServiceProcess.StartAsync(service, port, environment, TimeSpan.FromSeconds(90));
        lock (_processes)
        {
            _processes.Add(process);
        }

        return process;
    }

    /// <summary>A new browser context (its own storage) and page at 1280×900, with the console's messages collected.</summary>
    public async Task<ConsolePage> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, BaseURL = BaseAddress.ToString() });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return new ConsolePage(this, context, page);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        // The services' logs beside the screenshots, for whoever reads a failure.
        if (ScreenshotFolder is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(ScreenshotFolder, "services.log"), Outputs);
        }

        if (Idp is not null)
        {
            await Idp.DisposeAsync();
        }

        try
        {
            Directory.Delete(WarehouseRoot, recursive: true);
        }
        catch (IOException)
        {
            // Best effort for a temp folder.
        }
    }
}

public sealed class StandaloneConsole : ConsoleDeployment
{
    protected override bool Microservices => false;
}

public sealed class MicroservicesConsole : ConsoleDeployment
{
    protected override bool Microservices => true;
}

public sealed class StandaloneConsoleWithLogin : ConsoleDeployment
{
    protected override bool Microservices => false;

    protected override bool WithIdentityProvider => true;

    // 65 s: the console renews 60 s before expiry, so a refresh happens about 5 s after login.
    protected override int UiAccessTokenSeconds => 65;
}

public sealed class MicroservicesConsoleWithLogin : ConsoleDeployment
{
    protected override bool Microservices => true;

    protected override bool WithIdentityProvider => true;

    protected override int UiAccessTokenSeconds => 65;
}

/// <summary>Login with the identity provider and the builtin authorization backend, which enforces the grants made on the permissions page.</summary>
public sealed class StandaloneConsoleWithBuiltinAuthz : ConsoleDeployment
{
    protected override bool Microservices => false;

    protected override bool WithIdentityProvider => true;

    protected override string AuthzBackend => "builtin";
}

public sealed class MicroservicesConsoleWithBuiltinAuthz : ConsoleDeployment
{
    protected override bool Microservices => true;

    protected override bool WithIdentityProvider => true;

    protected override string AuthzBackend => "builtin";
}
