using Lakekeeper.Testing;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>Runs Node scripts with the packages of <c>tests/node</c> (installed by <c>./lakekeeper test</c>).</summary>
internal static class Node
{
    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Lakekeeper.sln")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("Lakekeeper.sln not found above the test binaries.");
        }
    }

    public static async Task<ExternalProcess.Result> RunAsync(string script, params string[] arguments)
    {
        var modules = Path.Combine(RepositoryRoot, "tests", "node", "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "@openfga", "sdk")))
        {
            throw new InvalidOperationException($"@openfga/sdk is not installed in {modules}: run (cd tests/node && npm ci).");
        }

        return await ExternalProcess.RunAsync("node", [Path.Combine(AppContext.BaseDirectory, "Peers", script), .. arguments], TimeSpan.FromMinutes(2),
            environment: new Dictionary<string, string> { ["NODE_PATH"] = modules });
    }
}
