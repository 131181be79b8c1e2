using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>The documents a render produced, with the look-ups the chart tests need.</summary>
internal sealed class Manifests(IReadOnlyList<YamlMappingNode> documents)
{
    public const string ComponentLabel = "app.kubernetes.io/component";

    public IReadOnlyList<YamlMappingNode> All => documents;

    public IEnumerable<YamlMappingNode> OfKind(string kind) => documents.Where(d => d.Str("kind") == kind);

    public YamlMappingNode? Find(string kind, string name) =>
        OfKind(kind).FirstOrDefault(d => d.Str("metadata", "name") == name);

    public YamlMappingNode Get(string kind, string name) =>
        Find(kind, name) ?? throw new Xunit.Sdk.XunitException($"no {kind} named {name}; rendered: {Summary()}");

    /// <summary>The resource of a kind that carries a component's label (and is not a hook).</summary>
    public YamlMappingNode? ForComponent(string kind, string component) =>
        OfKind(kind).FirstOrDefault(d => d.Str("metadata", "labels", ComponentLabel) == component && !IsHook(d));

    public IReadOnlyList<string> DeploymentComponents() =>
        [.. OfKind("Deployment").Select(d => d.Str("metadata", "labels", ComponentLabel) ?? "").Order(StringComparer.Ordinal)];

    /// <summary>Every ConfigMap's data, flattened: (configmap name, key, value).</summary>
    public IEnumerable<(string ConfigMap, string Key, string Value)> ConfigMapEntries() =>
        OfKind("ConfigMap").SelectMany(c => c.StrMap("data").Select(kv => (c.Str("metadata", "name") ?? "", kv.Key, kv.Value)));

    /// <summary>Every Secret's data, decoded (and stringData as is): (secret name, key, value).</summary>
    public IEnumerable<(string Secret, string Key, string Value)> SecretEntries() =>
        OfKind("Secret").SelectMany(s =>
            s.StrMap("data").Select(kv => (s.Str("metadata", "name") ?? "", kv.Key, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(kv.Value))))
                .Concat(s.StrMap("stringData").Select(kv => (s.Str("metadata", "name") ?? "", kv.Key, kv.Value))));

    public static bool IsHook(YamlNode resource) => resource.Str("metadata", "annotations", "helm.sh/hook") is not null;

    public static bool LabelsMatch(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels) =>
        selector.Count > 0 && selector.All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);

    public string Summary() =>
        string.Join(", ", documents.GroupBy(d => d.Str("kind")).Select(g => $"{g.Key}({g.Count()})"));
}

/// <summary>A pod template (Deployment, Job) or a Pod's spec, and its containers.</summary>
internal sealed record PodSpec(YamlNode Spec, IReadOnlyDictionary<string, string> Labels)
{
    public static PodSpec Of(YamlNode workload) =>
        workload.Str("kind") == "Pod"
            ? new PodSpec(workload.At("spec")!, workload.StrMap("metadata", "labels"))
            : new PodSpec(workload.At("spec", "template", "spec")!, workload.StrMap("spec", "template", "metadata", "labels"));

    public IReadOnlyList<YamlNode> Containers => Spec.Seq("containers");

    public IReadOnlyList<YamlNode> AllContainers => [.. Spec.Seq("initContainers"), .. Spec.Seq("containers")];

    public YamlNode Container(string name) =>
        Containers.FirstOrDefault(c => c.Str("name") == name) ?? throw new Xunit.Sdk.XunitException($"no container {name}");

    /// <summary>A container's env entries by name.</summary>
    public static IReadOnlyDictionary<string, YamlNode> Env(YamlNode container) =>
        container.Seq("env").ToDictionary(e => e.Str("name") ?? "", e => e, StringComparer.Ordinal);

    /// <summary>(secret, key) of every secretKeyRef in the pod: env, envFrom secretRef and secret volumes.</summary>
    public IEnumerable<(string Secret, string? Key)> SecretReferences()
    {
        foreach (var container in AllContainers)
        {
            foreach (var env in container.Seq("env"))
            {
                if (env.At("valueFrom", "secretKeyRef") is { } reference)
                {
                    yield return (reference.Str("name") ?? "", reference.Str("key"));
                }
            }

            foreach (var from in container.Seq("envFrom"))
            {
                if (from.Str("secretRef", "name") is { } name)
                {
                    yield return (name, null);
                }
            }
        }

        foreach (var volume in Spec.Seq("volumes"))
        {
            if (volume.Str("secret", "secretName") is { } name)
            {
                yield return (name, null);
            }
        }
    }

    public IEnumerable<string> ConfigMapReferences() =>
        AllContainers.SelectMany(c => c.Seq("envFrom").Select(f => f.Str("configMapRef", "name"))
                .Concat(c.Seq("env").Select(e => e.Str("valueFrom", "configMapKeyRef", "name"))))
            .Concat(Spec.Seq("volumes").Select(v => v.Str("configMap", "name")))
            .OfType<string>();
}
