namespace Lakekeeper.Abstractions.Hosting;

/// <summary>
/// A command a service binary runs instead of serving, e.g. <c>migrate</c>. Modules register theirs;
/// the host (<c>RunCommandAsync</c> in ServiceDefaults) dispatches on the first argument.
/// </summary>
public interface IHostCommand
{
    string Name { get; }

    string Description { get; }

    /// <summary>Runs the command; the return value is the process exit code.</summary>
    Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken);
}

/// <summary>
/// A start-up failure with a message meant for the operator (what is wrong and what to run),
/// printed without a stack trace.
/// </summary>
public sealed class FatalStartupException(string message) : Exception(message);
