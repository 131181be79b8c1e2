using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;
using Npgsql;

namespace Lakekeeper.Events.Sinks;

/// <summary>
/// NATS: JetStream when a stream covers the subject (each publish carries <c>Nats-Msg-Id</c> = the
/// event id, so the server drops a republished event, and waits for the stream's acknowledgement),
/// core NATS otherwise (a round counts as delivered once a PING after its publishes is answered).
/// The body is the structured CloudEvent, as Lakekeeper sends it.
/// </summary>
internal sealed partial class NatsSink : IEventSink
{
    /// <summary>The session advisory lock relays take to create the stream (an arbitrary, fixed number).</summary>
    private const long StreamCreationLock = 0x4C4B_4E41_5453;

    private readonly NatsConnection _connection;
    private readonly NpgsqlDataSource _database;
    private readonly INatsJSContext _jetStream;
    private readonly string _subject;
    private readonly string? _createStream;
    private readonly ILogger _logger;
    private readonly EventsMetrics _metrics;
    private bool? _useJetStream;

    public NatsSink(EventSinkOptions options, EventsOptions events, NpgsqlDataSource database, EventsMetrics metrics, ILogger<NatsSink> logger)
    {
        _metrics = metrics;
        _database = database;
        _subject = options.NatsTopic!;
        _createStream = events.NatsStream;
        _logger = logger;
        _connection = new NatsConnection(Connect(options));
        _jetStream = _connection.CreateJetStreamContext();
    }

    public string Name => "nats";

    /// <summary>The client settings from Lakekeeper's NATS variables (also used by the watch command).</summary>
    internal static NatsOpts Connect(EventSinkOptions options) => NatsOpts.Default with
    {
        Url = options.NatsAddress!,
        Name = "lakekeeper-events",
        AuthOpts = NatsAuthOpts.Default with
        {
            Username = options.NatsUser,
            Password = options.NatsPassword,
            Token = options.NatsToken,
            CredsFile = options.NatsCredsFile,
        },
        MaxReconnectRetry = -1,
        ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
        ReconnectWaitMax = TimeSpan.FromSeconds(2),
    };

    /// <summary>
    /// Connects and finds (or creates) the stream before the first event, so that a consumer started
    /// right after the catalog — <c>./lakekeeper events</c> — reads the stream rather than core NATS.
    /// </summary>
    public Task PrepareAsync(CancellationToken cancellationToken) => ReadyAsync(cancellationToken);

    public async Task<int[]> PublishAsync(IReadOnlyList<IReadOnlyList<RelayedEvent>> chains, CancellationToken cancellationToken)
    {
        var acknowledged = new int[chains.Count];
        if (!await ReadyAsync(cancellationToken))
        {
            return acknowledged;
        }

        if (_useJetStream == true)
        {
            await Task.WhenAll(chains.Select((chain, i) => PublishChainAsync(chain, acknowledged, i, cancellationToken)));
            if (acknowledged.Where((count, i) => count < chains[i].Count).Any())
            {
                _useJetStream = null; // Look again next time: the stream may have gone.
            }

            return acknowledged;
        }

        try
        {
            foreach (var chain in chains)
            {
                foreach (var e in chain)
                {
                    await _connection.PublishAsync(_subject, e.Structured, Headers(), cancellationToken: cancellationToken);
                }
            }

            // Core NATS has no acknowledgement: an answered PING means the server has read everything before it.
            await _connection.PingAsync(cancellationToken);
            for (var i = 0; i < chains.Count; i++)
            {
                acknowledged[i] = chains[i].Count;
            }
        }
        catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
        {
            LogUnavailable(_logger, Reason(ex));
            _useJetStream = null;
        }

        return acknowledged;
    }

    private async Task PublishChainAsync(IReadOnlyList<RelayedEvent> chain, int[] acknowledged, int index, CancellationToken cancellationToken)
    {
        foreach (var e in chain)
        {
            try
            {
                // Headers per message: the client adds Nats-Msg-Id to the object it is given.
                var ack = await _jetStream.PublishAsync(_subject, e.Structured, headers: Headers(),
                    opts: new NatsJSPubOpts { MsgId = e.Id.ToString() }, cancellationToken: cancellationToken);
                if (ack.Duplicate)
                {
                    // Stored before (a relay died between publishing and marking): the stream kept one copy.
                    _metrics.Duplicates.Add(1, new KeyValuePair<string, object?>("sink", Name));
                }
                else
                {
                    ack.EnsureSuccess();
                }
            }
            catch (Exception ex) when (ex is NatsException or OperationCanceledException or TimeoutException)
            {
                LogUnavailable(_logger, Reason(ex));
                return;
            }

            acknowledged[index]++;
        }
    }

    /// <summary>Connected, and the publishing mode known; false (logged) while the server or the database is away.</summary>
    private async Task<bool> ReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            // While the client reconnects, ConnectAsync waits for the server however long it takes and
            // takes no token: the round's timeout bounds the wait (the round then fails and is retried,
            // and releases its claims, instead of holding them until the broker is back).
            await _connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
            _useJetStream ??= await DetectJetStreamAsync(cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is NatsException or NpgsqlException or OperationCanceledException or TimeoutException)
        {
            LogUnavailable(_logger, Reason(ex));
            return false;
        }
    }

    /// <summary>
    /// Whether a JetStream stream covers the subject (creating the configured one if none does). Core
    /// NATS only when the server has no JetStream or no stream is wanted: a server that has JetStream
    /// but cannot answer yet (just restarted) fails the round, so nothing is published unstored.
    /// </summary>
    private async Task<bool> DetectJetStreamAsync(CancellationToken cancellationToken)
    {
        if (_connection.ServerInfo is { JetStreamAvailable: false })
        {
            LogMode(_logger, _subject, "core NATS (the server has no JetStream)");
            return false;
        }

        await foreach (var stream in _jetStream.ListStreamNamesAsync(_subject, cancellationToken))
        {
            LogMode(_logger, _subject, "JetStream stream " + stream);
            return true;
        }

        if (_createStream is { Length: > 0 } name)
        {
            // Relays that create the stream at the same moment can make the server create it twice
            // (losing what the first one stored): one relay at a time looks and creates.
            await using var connection = await _database.OpenConnectionAsync(cancellationToken);
            await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock($1)", connection) { Parameters = { new() { Value = StreamCreationLock } } })
            {
                await take.ExecuteNonQueryAsync(cancellationToken);
            }

            try
            {
                await foreach (var stream in _jetStream.ListStreamNamesAsync(_subject, cancellationToken))
                {
                    LogMode(_logger, _subject, "JetStream stream " + stream);
                    return true;
                }

                await _jetStream.CreateStreamAsync(new StreamConfig(name, [_subject]) { Storage = StreamConfigStorage.File }, cancellationToken);
                LogMode(_logger, _subject, "JetStream stream " + name + " (created)");
                return true;
            }
            finally
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection) { Parameters = { new() { Value = StreamCreationLock } } };
                await release.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        LogMode(_logger, _subject, "core NATS (no JetStream stream covers the subject)");
        return false;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();

    /// <summary>
    /// The message and its causes (e.g. "Authorization Violation" under "can not connect"). The client
    /// writes addresses with the password masked, and neither it nor the server repeats a token, a
    /// password or a seed in an error.
    /// </summary>
    internal static string Reason(Exception exception)
    {
        var reasons = new List<string>();
        for (var e = exception; e is not null && reasons.Count < 4; e = e.InnerException)
        {
            if (!reasons.Contains(e.Message, StringComparer.Ordinal))
            {
                reasons.Add(e.Message);
            }
        }

        return string.Join(": ", reasons);
    }

    private static NatsHeaders Headers() => new() { ["Content-Type"] = ChangeEventFormat.ContentType };

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "NATS is unavailable: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Publishing change events to NATS subject {Subject} through {Mode}")]
    private static partial void LogMode(ILogger logger, string subject, string mode);
}
