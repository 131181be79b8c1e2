using Lakekeeper.Testing;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>One standalone app (own database, own warehouse folder) and warehouse shared by a test class.</summary>
public sealed class CommitsAppFixture : IAsyncLifetime
{
    public StandaloneApp App { get; private set; } = null!;

    internal CommitsCatalog Catalog { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        App = await StandaloneApp.StartAsync();
        Catalog = await CommitsCatalog.ForAsync(App);
    }

    public async ValueTask DisposeAsync() => await App.DisposeAsync();
}
