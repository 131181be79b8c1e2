using Lakekeeper.Testing;

namespace Lakekeeper.Events.Tests.Support;

/// <summary>
/// A real nats-server with JetStream and two relays on one database: the standalone app (catalog and
/// relay) and a second standalone process's worth of relay on the same database.
/// </summary>
public sealed class NatsRelayFixture : IAsyncLifetime
{
    public const string Subject = "lakekeeper.test.events";
    public const string Stream = "lakekeeper_test";

    public NatsServer Nats { get; private set; } = null!;

    public StandaloneApp App => _app!;

    private StandaloneApp? _app;
    private StandaloneApp? _secondRelay;

    public static Dictionary<string, string?> Settings(string natsUrl) => new()
    {
        ["NATS_ADDRESS"] = natsUrl,
        ["NATS_TOPIC"] = Subject,
        ["Events:NatsStream"] = Stream,
        ["Events:PublishTimeout"] = "00:00:02",
        ["Events:MaxBackoff"] = "00:00:01",
        ["Events:PollInterval"] = "00:00:00.200",
    };

    public async ValueTask InitializeAsync()
    {
        Nats = await NatsServer.StartAsync();
        _app = await StandaloneApp.StartAsync(Settings(Nats.Url));
        var second = Settings(Nats.Url);
        second["Database:ConnectionString"] = _app.ConnectionString;
        _secondRelay = await StandaloneApp.StartAsync(second);
    }

    public async ValueTask DisposeAsync()
    {
        if (_secondRelay is not null)
        {
            await _secondRelay.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await Nats.DisposeAsync();
    }
}
