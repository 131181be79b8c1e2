using System.Xml.Linq;

namespace Lakekeeper.Architecture.Tests;

/// <summary>
/// The repository's projects and their <c>ProjectReference</c>s, read from the <c>.csproj</c> files
/// (paths relative to the repository root, with forward slashes).
/// </summary>
internal sealed class ProjectGraph
{
    private readonly Dictionary<string, IReadOnlyList<string>> _references;

    private ProjectGraph(Dictionary<string, IReadOnlyList<string>> references) => _references = references;

    public static ProjectGraph Instance { get; } = Load(RepositoryRoot());

    public IEnumerable<string> Projects => _references.Keys;

    /// <summary>The projects under a folder, e.g. <c>libs/</c>.</summary>
    public IEnumerable<string> Under(string folder) => _references.Keys.Where(p => p.StartsWith(folder, StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    public IReadOnlyList<string> Direct(string project) => _references[project];

    /// <summary>Every project <paramref name="project"/> builds, directly or through others.</summary>
    public IReadOnlySet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(Direct(project));
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next) && _references.TryGetValue(next, out var more))
            {
                foreach (var reference in more)
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    private static ProjectGraph Load(string root)
    {
        var references = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories))
        {
            var relative = Relative(root, file);
            if (relative.Split('/').Any(segment => segment is "bin" or "obj" or "node_modules" || segment.StartsWith('.')))
            {
                continue;
            }

            var directory = Path.GetDirectoryName(file)!;
            references[relative] = XDocument.Load(file).Descendants("ProjectReference")
                .Select(e => Relative(root, Path.GetFullPath(Path.Combine(directory, e.Attribute("Include")!.Value.Replace('\\', '/')))))
                .ToList();
        }

        return new ProjectGraph(references);
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static string RepositoryRoot()
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
