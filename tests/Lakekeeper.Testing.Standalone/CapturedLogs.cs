using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Testing;

/// <summary>
/// Every log line of a host at every level (a provider-specific filter lifts the host's own
/// category filters for it), formatted with exceptions and scopes, for tests that check what a
/// log must or must never contain.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Text => string.Join('\n', _lines);

    public static void AddTo(ILoggingBuilder logging, CapturedLogs logs)
    {
        logging.AddProvider(logs);
        logging.AddFilter<CapturedLogs>(null, LogLevel.Trace);
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            owner._lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            owner._lines.Enqueue($"{logLevel} {category} [{eventId.Name}] {formatter(state, exception)} {{{properties}}} {exception}");
        }
    }
}
