using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>Null-safe navigation of parsed YAML (manifests, values files).</summary>
internal static class YamlNodes
{
    public static YamlNode? At(this YamlNode? node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode mapping || !mapping.Children.TryGetValue(new YamlScalarNode(key), out node))
            {
                return null;
            }
        }

        return node;
    }

    public static string? Str(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlScalarNode { Value: var value } scalar && scalar.Tag != "tag:yaml.org,2002:null" && value is not (null or "~" or "null")
            ? value
            : null;

    public static IReadOnlyList<YamlNode> Seq(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlSequenceNode sequence ? [.. sequence.Children] : [];

    public static IReadOnlyDictionary<string, string> StrMap(this YamlNode? node, params string[] path)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (node.At(path) is YamlMappingNode mapping)
        {
            foreach (var (key, value) in mapping.Children)
            {
                if (key is YamlScalarNode { Value: { } name } && value is YamlScalarNode { Value: var text })
                {
                    result[name] = text ?? "";
                }
            }
        }

        return result;
    }

    public static IReadOnlyList<string> Keys(this YamlNode? node, params string[] path) =>
        node.At(path) is YamlMappingNode mapping
            ? [.. mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "")]
            : [];

    /// <summary>Every document of a multi-document YAML stream that is a mapping (comment-only documents are skipped).</summary>
    public static IReadOnlyList<YamlMappingNode> LoadAll(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    public static YamlMappingNode LoadFile(string path)
    {
        var documents = LoadAll(File.ReadAllText(path));
        return documents.Count == 1 ? documents[0] : throw new InvalidDataException($"{path}: expected one YAML mapping, found {documents.Count}");
    }
}
