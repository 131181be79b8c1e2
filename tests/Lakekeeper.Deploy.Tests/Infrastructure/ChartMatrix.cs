using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>
/// The values files every render test runs on: the chart's ci/*.yaml (the chart-testing convention,
/// also what ../shared/tools/helm-render/check-charts.sh renders). Renders are cached per process.
/// </summary>
internal static partial class ChartMatrix
{
    public const string Defaults = "default-values.yaml";
    public const string Standalone = "standalone-values.yaml";
    public const string HpaAndIngress = "microservices-hpa-ingress-values.yaml";
    public const string ExternalSecrets = "external-secrets-values.yaml";
    public const string AllFeatures = "all-features-values.yaml";

    public static readonly string[] Files = [Defaults, Standalone, HpaAndIngress, ExternalSecrets, AllFeatures];

    public static readonly string[] MicroserviceComponents = ["authz", "catalog", "events", "gateway", "management", "signer"];

    private static readonly ConcurrentDictionary<string, Lazy<Task<RenderResult>>> Renders = new(StringComparer.Ordinal);

    public static TheoryData<string> ValuesFiles => [.. Files];

    public static string PathOf(string file) => Repository.ChartFile("ci", file);

    /// <summary>Renders the chart with one matrix file (once per process) and returns its manifests.</summary>
    public static async Task<Manifests> ManifestsAsync(string file)
    {
        var result = await RenderAsync(RenderRequest.For(PathOf(file)));
        return result.Manifests();
    }

    public static Task<RenderResult> RenderAsync(RenderRequest request)
    {
        var renderer = ChartRenderer.Require();
        return Renders.GetOrAdd(request.ToString(), _ => new Lazy<Task<RenderResult>>(() => renderer.TemplateAsync(request))).Value;
    }

    public static EffectiveValues Values(string file) => new(YamlNodes.LoadFile(PathOf(file)));

    public static string[] Components(string file) =>
        Values(file).Str("topology") == "standalone" ? ["standalone"] : MicroserviceComponents;

    /// <summary>A setting whose name says it holds a secret (a path to a file, an endpoint or a claim name does not).</summary>
    public static bool LooksSecret(string name) => SecretName().IsMatch(name) && !NotSecret().IsMatch(name);

    [GeneratedRegex("password|secret|token|encryptionkey|previouskeys|api_key", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex("_?(endpoint|file|uri|claim)$", RegexOptions.IgnoreCase)]
    private static partial Regex NotSecret();
}

/// <summary>A values file read over the chart's values.yaml (enough for the tests' look-ups).</summary>
internal sealed class EffectiveValues(YamlMappingNode file)
{
    private static readonly YamlMappingNode ChartDefaults = YamlNodes.LoadFile(Repository.ChartFile("values.yaml"));

    public YamlMappingNode File => file;

    public string? Str(params string[] path) => file.At(path) is not null ? file.Str(path) : ChartDefaults.Str(path);

    public bool Flag(params string[] path) => Str(path) == "true";

    public YamlNode? At(params string[] path) => file.At(path) ?? ChartDefaults.At(path);

    /// <summary>Every scalar in the file (not the defaults) under a key that names a secret.</summary>
    public IEnumerable<string> InlineSecrets() => Scalars(file, "").Where(s => ChartMatrix.LooksSecret(s.Key) && s.Value.Length > 0 && !s.Key.EndsWith("Key", StringComparison.Ordinal) && !s.Key.Contains("existingSecret", StringComparison.OrdinalIgnoreCase)).Select(s => s.Value);

    private static IEnumerable<(string Key, string Value)> Scalars(YamlNode node, string key) => node switch
    {
        YamlScalarNode scalar => [(key, scalar.Value ?? "")],
        YamlMappingNode mapping => mapping.Children.SelectMany(kv => Scalars(kv.Value, ((YamlScalarNode)kv.Key).Value ?? "")),
        YamlSequenceNode sequence => sequence.Children.SelectMany(c => Scalars(c, key)),
        _ => [],
    };
}
