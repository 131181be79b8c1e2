namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>Paths of the deployment material in the checkout.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Chart => Path.Combine(Root, "deploy", "helm", "lakekeeper");

    public static string ChartFile(params string[] parts) => Path.Combine([Chart, .. parts]);

    public static string Docker(params string[] parts) => Path.Combine([Root, "deploy", "docker", .. parts]);

    public static string EntrypointScript => Docker("lakekeeper");

    public static string BadValues(string file) =>
        Path.Combine(Root, "tests", "Lakekeeper.Deploy.Tests", "BadValues", file);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lakekeeper.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find Lakekeeper.sln above " + AppContext.BaseDirectory);
    }
}
