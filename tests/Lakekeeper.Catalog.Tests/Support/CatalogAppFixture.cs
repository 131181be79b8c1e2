using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>
/// One standalone app (real Kestrel, fresh database, private warehouse folder) shared by the tests
/// of one class, with a <c>file</c> warehouse named <c>demo</c>. Tests use their own namespace names,
/// so they do not see each other's objects.
/// </summary>
public class CatalogAppFixture : IAsyncLifetime
{
    private StandaloneApp? _app;
    private CatalogHttp? _http;
    private string? _prefix;

    public StandaloneApp App => _app ?? throw new InvalidOperationException("The app is not started");

    /// <summary>The warehouse id, used as <c>{prefix}</c>.</summary>
    public string Prefix => _prefix ?? throw new InvalidOperationException("The app is not started");

    public CatalogHttp Http => _http ?? throw new InvalidOperationException("The app is not started");

    /// <summary>The warehouse's root folder (the <c>file</c> storage profile root).</summary>
    public string WarehouseFolder => Path.Combine(App.WarehouseRoot, "demo");

    public async ValueTask InitializeAsync()
    {
        _app = await StandaloneApp.StartAsync(Overrides());
        _prefix = await _app.CreateWarehouseAsync();
        _http = new CatalogHttp(_app.Client, _prefix, WarehouseFolder);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Settings that replace the test defaults of <see cref="StandaloneApp"/>.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? Overrides() => null;
}

/// <summary>An app that serves the prefix-less routes from the warehouse <c>demo</c>.</summary>
public sealed class DefaultWarehouseAppFixture : CatalogAppFixture
{
    protected override IReadOnlyDictionary<string, string?> Overrides() =>
        new Dictionary<string, string?> { ["Catalog:DefaultWarehouse"] = "demo" };
}

/// <summary>An app with a small request body limit (64 KiB).</summary>
public sealed class SmallBodyAppFixture : CatalogAppFixture
{
    public const int Limit = 65536;

    protected override IReadOnlyDictionary<string, string?> Overrides() =>
        new Dictionary<string, string?> { ["Server:MaxRequestBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
}
