namespace Lakekeeper.Abstractions.Hosting;

/// <summary>
/// A command a service binary runs instead of serving, e.g. <c>migrate</c>. Modules register theirs;
/// the host (<c>RunCommandAsync</c> in ServiceDefaults) dispatches on the first argument.
/// </summary>
public interface IHostCommand
{
    string Name { get; }

    string Description { get; }

    /// <summary>
    /// Whether the command needs the service's own settings (the database above all), so that they are
    /// all checked before it runs. A command that only reads its own options (a client of a broker, say)
    /// says <c>false</c> and is not refused for a setting it never uses; its options are still
    /// validated when it reads them.
    /// </summary>
    bool UsesServiceSettings => true;

    /// <summary>Runs the command; the return value is the process exit code.</summary>
    Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>
/// A start-up failure with a message meant for the operator (what is wrong and what to run),
/// printed without a stack trace.
/// </summary>
public sealed class FatalStartupException(string message) : Exception(message);
