using System.Text.Json.Nodes;
using Lakekeeper.Fga.Model;

namespace Lakekeeper.Authz.Fga;

/// <summary>
/// Lakekeeper's permission model (<c>Model/lakekeeper.fga</c>, converted to <c>Model/lakekeeper.json</c>
/// by OpenFGA's syntax transformer; a test fails when the two drift), compiled once.
/// </summary>
internal static class LakekeeperModel
{
    private static readonly Lazy<string> JsonText = new(static () =>
    {
        using var stream = typeof(LakekeeperModel).Assembly.GetManifestResourceStream("Lakekeeper.Authz.Model.lakekeeper.json")
            ?? throw new InvalidOperationException("The embedded permission model is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    private static readonly Lazy<AuthorizationModel> Compiled = new(static () => ModelCompiler.Compile(JsonText.Value));

    /// <summary>The model as JSON (OpenFGA's form).</summary>
    public static string Json => JsonText.Value;

    public static AuthorizationModel Model => Compiled.Value;

    /// <summary>
    /// Whether two models say the same (ids, metadata order and absent-versus-empty members aside):
    /// both are read into OpenFGA's document shape and compared as JSON trees.
    /// </summary>
    public static bool SameModel(string left, string right) =>
        JsonNode.DeepEquals(Normalize(left), Normalize(right));

    private static JsonNode? Normalize(string json)
    {
        var document = ModelJson.Parse(json);
        document.Id = null;
        if (document.Conditions is { Count: 0 })
        {
            document.Conditions = null;
        }

        foreach (var type in document.TypeDefinitions ?? [])
        {
            type.Relations ??= [];
            if (type.Metadata is { } metadata)
            {
                metadata.Module = null;
                metadata.SourceInfo = null;
                foreach (var relation in metadata.Relations?.Values.ToList() ?? [])
                {
                    relation.Module = null;
                    relation.SourceInfo = null;
                }

                if (metadata.Relations is null or { Count: 0 })
                {
                    type.Metadata = null;
                }
            }
        }

        return JsonNode.Parse(ModelJson.Serialize(document));
    }
}
