using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Deploy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Deploy.Tests;

/// <summary>The chart's files themselves (no rendering needed): metadata, schema, documentation, matrix.</summary>
public sealed partial class ChartPackageTests
{
    [Fact]
    public void The_chart_is_a_helm_3_application_chart_for_a_kubernetes_range_whose_app_version_is_the_build_version()
    {
        var chart = YamlNodes.LoadFile(Repository.ChartFile("Chart.yaml"));
        var version = File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim();

        Assert.Equal("v2", chart.Str("apiVersion"));
        Assert.Equal("lakekeeper", chart.Str("name"));
        Assert.Equal("application", chart.Str("type"));
        Assert.Matches(@"^>=\s*1\.\d+\.\d+-0$", chart.Str("kubeVersion"));
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", chart.Str("version"));
        Assert.Equal(version, chart.Str("appVersion"));
        // The image tag defaults to appVersion, so the default install runs the build's version.
        Assert.True(string.IsNullOrEmpty(YamlNodes.LoadFile(Repository.ChartFile("values.yaml")).Str("image", "tag")));
    }

    [Fact]
    public void The_assemblies_take_their_version_from_the_same_file()
    {
        var props = File.ReadAllText(Path.Combine(Repository.Root, "Directory.Build.props"));

        Assert.Contains("VERSION", props);
        var informational = typeof(ChartPackageTests).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        Assert.StartsWith(File.ReadAllText(Path.Combine(Repository.Root, "VERSION")).Trim(), informational, StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_is_draft_7_and_knows_every_top_level_value()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Repository.ChartFile("values.schema.json")));
        var values = YamlNodes.LoadFile(Repository.ChartFile("values.yaml"));

        Assert.Equal("http://json-schema.org/draft-07/schema#", schema.RootElement.GetProperty("$schema").GetString());
        Assert.False(schema.RootElement.GetProperty("additionalProperties").GetBoolean());
        var properties = schema.RootElement.GetProperty("properties");
        foreach (var key in values.Keys())
        {
            Assert.True(properties.TryGetProperty(key, out _), $"values.schema.json does not know {key}");
        }

        Assert.Equal(["microservices", "standalone"], properties.GetProperty("topology").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        foreach (var component in ChartMatrix.MicroserviceComponents.Append("standalone"))
        {
            Assert.Equal(0, properties.GetProperty(component).GetProperty("properties").GetProperty("replicaCount").GetProperty("minimum").GetInt32());
        }
    }

    [Fact]
    public void The_readme_table_documents_every_value_and_every_param_comment()
    {
        var readme = File.ReadAllText(Repository.ChartFile("README.md"));
        var documented = ReadmeRow().Matches(readme).Select(m => m.Groups["key"].Value).ToHashSet(StringComparer.Ordinal);
        var valuesText = File.ReadAllText(Repository.ChartFile("values.yaml"));
        var values = YamlNodes.LoadFile(Repository.ChartFile("values.yaml"));
        var parameters = ParamComment().Matches(valuesText).Select(m => m.Groups["key"].Value).ToList();

        Assert.NotEmpty(parameters);
        foreach (var parameter in parameters)
        {
            Assert.True(documented.Contains(parameter), $"README.md has no row for `{parameter}`");
        }

        foreach (var leaf in Leaves(values, ""))
        {
            Assert.True(documented.Contains(leaf) || documented.Any(d => leaf.StartsWith(d + ".", StringComparison.Ordinal)),
                $"values.yaml sets {leaf}, which README.md does not document");
            Assert.True(parameters.Contains(leaf) || parameters.Any(p => leaf.StartsWith(p + ".", StringComparison.Ordinal)),
                $"values.yaml sets {leaf} without an @param comment");
        }
    }

    [Fact]
    public void Every_values_file_in_ci_is_in_the_test_matrix()
    {
        var files = Directory.GetFiles(Repository.ChartFile("ci"), "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        Assert.Equal(ChartMatrix.Files.Order(StringComparer.Ordinal), files);
    }

    [Fact]
    public void The_notes_tell_how_engines_connect()
    {
        var notes = File.ReadAllText(Repository.ChartFile("templates", "NOTES.txt"));

        Assert.Contains("/catalog", notes);
        Assert.Contains("warehouse=", notes);
        Assert.Contains("port-forward", notes);
        Assert.Contains("helm test", notes);
    }

    /// <summary>Dotted paths of the values that are scalars, lists or empty maps (what a user sets).</summary>
    private static IEnumerable<string> Leaves(YamlNode node, string prefix) => node switch
    {
        YamlMappingNode { Children.Count: > 0 } mapping when !IsFreeForm(prefix) =>
            mapping.Children.SelectMany(kv => Leaves(kv.Value, prefix.Length == 0 ? ((YamlScalarNode)kv.Key).Value! : prefix + "." + ((YamlScalarNode)kv.Key).Value)),
        _ => [prefix],
    };

    /// <summary>Objects passed through as a whole (resources, security contexts, probes, strategies).</summary>
    private static bool IsFreeForm(string path) =>
        path.EndsWith(".resources", StringComparison.Ordinal) || path is "podSecurityContext" or "containerSecurityContext" or "updateStrategy"
        || path.StartsWith("probes.", StringComparison.Ordinal);

    [GeneratedRegex(@"^\|\s*`(?<key>[A-Za-z0-9_.]+)`\s*\|", RegexOptions.Multiline)]
    private static partial Regex ReadmeRow();

    [GeneratedRegex(@"## @param (?<key>[A-Za-z0-9_.]+) ")]
    private static partial Regex ParamComment();
}
