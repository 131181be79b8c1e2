namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>One benchmark the tool can run; add new ones to the list in Program.cs.</summary>
internal interface IScenario
{
    string Name { get; }

    string Description { get; }

    /// <returns>The process exit code.</returns>
    Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken);
}
