using System.Text.RegularExpressions;

namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>The image's entry point (deploy/docker/lakekeeper): which service name runs which host assembly.</summary>
internal static partial class EntrypointScript
{
    public static IReadOnlyDictionary<string, string> HostAssemblies()
    {
        var text = File.ReadAllText(Repository.EntrypointScript);
        var start = text.IndexOf("host_dll() {", StringComparison.Ordinal);
        var end = text.IndexOf("\n}", start, StringComparison.Ordinal);
        return MappingLine().Matches(text[start..end]).ToDictionary(m => m.Groups["service"].Value, m => m.Groups["dll"].Value, StringComparer.Ordinal);
    }

    public static IEnumerable<string> Services() => HostAssemblies().Keys;

    [GeneratedRegex(@"^\s*(?<service>[a-z]+)\) echo (?<dll>[A-Za-z.]+\.dll) ;;", RegexOptions.Multiline)]
    private static partial Regex MappingLine();
}
