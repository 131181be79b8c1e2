using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage;

/// <summary>
/// JSON for profiles and credentials, the same whatever serializer options a caller uses: the
/// types carry their own converters (kebab-case fields, <c>type</c> discriminator in any position,
/// unknown fields and nulls for required fields rejected).
/// </summary>
public static class StorageJson
{
    public static string Serialize(StorageProfile profile) =>
        JsonSerializer.Serialize(profile, StorageJsonContext.Default.StorageProfile);

    public static string Serialize(StorageCredential credential) =>
        JsonSerializer.Serialize(credential, StorageJsonContext.Default.StorageCredential);

    /// <summary>UTF-8 JSON of a credential, the plaintext the catalog encrypts.</summary>
    public static byte[] SerializeToUtf8Bytes(StorageCredential credential) =>
        JsonSerializer.SerializeToUtf8Bytes(credential, StorageJsonContext.Default.StorageCredential);

    public static bool TryDeserializeProfile(
        string json, [NotNullWhen(true)] out StorageProfile? profile, [NotNullWhen(false)] out string? error) =>
        TryDeserialize(json, StorageJsonContext.Default.StorageProfile, "storage profile", out profile, out error);

    public static bool TryDeserializeCredential(
        ReadOnlySpan<byte> utf8Json, [NotNullWhen(true)] out StorageCredential? credential, [NotNullWhen(false)] out string? error)
    {
        credential = null;
        try
        {
            credential = JsonSerializer.Deserialize(utf8Json, StorageJsonContext.Default.StorageCredential);
        }
        catch (JsonException ex)
        {
            // Messages from our converters and the serializer name fields and paths, never values.
            error = "invalid storage credential: " + ex.Message;
            return false;
        }

        error = credential is null ? "invalid storage credential: null" : null;
        return credential is not null;
    }

    public static bool TryDeserializeCredential(
        string json, [NotNullWhen(true)] out StorageCredential? credential, [NotNullWhen(false)] out string? error) =>
        TryDeserializeCredential(System.Text.Encoding.UTF8.GetBytes(json), out credential, out error);

    /// <summary>
    /// A stored warehouse's profile and (decrypted) credential. They were validated when stored, so a
    /// failure here is a fault of the database, not of a request: it throws, naming the warehouse.
    /// </summary>
    public static (StorageProfile Profile, StorageCredential? Credential) ReadStored(string warehouse, string profileJson, ReadOnlySpan<byte> credentialJson)
    {
        if (!TryDeserializeProfile(profileJson, out var profile, out var error))
        {
            throw new InvalidOperationException($"Warehouse {warehouse} has an unreadable storage profile: {error}");
        }

        StorageCredential? credential = null;
        if (!credentialJson.IsEmpty && !TryDeserializeCredential(credentialJson, out credential, out error))
        {
            throw new InvalidOperationException($"Warehouse {warehouse} has an unreadable storage credential: {error}");
        }

        return (profile, credential);
    }

    private static bool TryDeserialize<T>(
        string json, JsonTypeInfo<T> typeInfo, string what, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out string? error)
        where T : class
    {
        value = null;
        try
        {
            value = JsonSerializer.Deserialize(json, typeInfo);
        }
        catch (JsonException ex)
        {
            error = $"invalid {what}: {ex.Message}";
            return false;
        }

        error = value is null ? $"invalid {what}: null" : null;
        return value is not null;
    }

    /// <summary>Reads a discriminated object: finds <c>type</c> anywhere, removes it, binds the rest.</summary>
    internal static JsonObject ReadObject(ref Utf8JsonReader reader, string what, out string type)
    {
        var node = JsonNode.Parse(ref reader) as JsonObject
            ?? throw new JsonException($"a {what} must be a JSON object");
        if (!node.TryGetPropertyValue("type", out var typeNode) || typeNode is null)
        {
            throw new JsonException($"{what}: 'type' is required");
        }

        if (typeNode.GetValueKind() != JsonValueKind.String)
        {
            throw new JsonException($"{what}: 'type' must be a string");
        }

        type = typeNode.GetValue<string>();
        node.Remove("type");
        return node;
    }

    internal static void WriteObject<T>(Utf8JsonWriter writer, T value, JsonTypeInfo<T> typeInfo, params ReadOnlySpan<(string Name, string Value)> leading)
    {
        var node = JsonSerializer.SerializeToNode(value, typeInfo) as JsonObject
            ?? throw new JsonException("expected an object");
        writer.WriteStartObject();
        foreach (var (name, text) in leading)
        {
            writer.WriteString(name, text);
        }

        foreach (var (name, child) in node)
        {
            writer.WritePropertyName(name);
            if (child is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                child.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
    }
}

/// <summary>Reads and writes storage profiles by their <c>type</c> (public so that other JSON contexts can use it).</summary>
public sealed class StorageProfileJsonConverter : JsonConverter<StorageProfile>
{
    public override StorageProfile Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var node = StorageJson.ReadObject(ref reader, "storage profile", out var type);
        StorageProfile? profile = type switch
        {
            FileStorageProfile.TypeName => node.Deserialize(StorageJsonContext.Default.FileStorageProfile),
            S3StorageProfile.TypeName => node.Deserialize(StorageJsonContext.Default.S3StorageProfile),
            "adls" or "gcs" or "onelake" or "stackit" => throw new JsonException(
                $"storage profile: type '{type}' is not supported by this server; use 's3' (AWS or S3-compatible) or 'file'"),
            _ => throw new JsonException(
                $"storage profile: unknown type '{Locations.StorageLocation.Shorten(type)}'; expected 'file' or 's3'"),
        };
        return profile ?? throw new JsonException("storage profile: null");
    }

    public override void Write(Utf8JsonWriter writer, StorageProfile value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case FileStorageProfile file:
                StorageJson.WriteObject(writer, file, StorageJsonContext.Default.FileStorageProfile, ("type", file.Type));
                break;
            case S3StorageProfile s3:
                StorageJson.WriteObject(writer, s3, StorageJsonContext.Default.S3StorageProfile, ("type", s3.Type));
                break;
            default:
                throw new JsonException($"unsupported storage profile {value.GetType().Name}");
        }
    }
}

/// <summary>Reads and writes storage credentials by their <c>type</c> (public so that other JSON contexts can use it).</summary>
public sealed class StorageCredentialJsonConverter : JsonConverter<StorageCredential>
{
    public override StorageCredential Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var node = StorageJson.ReadObject(ref reader, "storage credential", out var type);
        if (type != S3AccessKeyCredential.TypeName)
        {
            throw new JsonException(
                $"storage credential: unknown type '{Locations.StorageLocation.Shorten(type)}'; expected 's3'");
        }

        if (node.TryGetPropertyValue("credential-type", out var kind))
        {
            if (kind is null || kind.GetValueKind() != JsonValueKind.String ||
                kind.GetValue<string>() != S3AccessKeyCredential.CredentialTypeName)
            {
                throw new JsonException("storage credential: 'credential-type' must be 'access-key'");
            }

            node.Remove("credential-type");
        }

        // Lakekeeper's documentation spells the keys with an "aws-" prefix; both spellings are accepted.
        foreach (var (alias, name) in new[] { ("aws-access-key-id", "access-key-id"), ("aws-secret-access-key", "secret-access-key") })
        {
            if (node.TryGetPropertyValue(alias, out var value))
            {
                if (node.ContainsKey(name))
                {
                    throw new JsonException($"storage credential: give '{name}' or '{alias}', not both");
                }

                node.Remove(alias);
                node[name] = value;
            }
        }

        return node.Deserialize(StorageJsonContext.Default.S3AccessKeyCredential)
            ?? throw new JsonException("storage credential: null");
    }

    public override void Write(Utf8JsonWriter writer, StorageCredential value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case S3AccessKeyCredential s3:
                StorageJson.WriteObject(
                    writer, s3, StorageJsonContext.Default.S3AccessKeyCredential,
                    ("type", s3.Type), ("credential-type", S3AccessKeyCredential.CredentialTypeName));
                break;
            default:
                throw new JsonException($"unsupported storage credential {value.GetType().Name}");
        }
    }
}

[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(StorageProfile))]
[JsonSerializable(typeof(FileStorageProfile))]
[JsonSerializable(typeof(S3StorageProfile))]
[JsonSerializable(typeof(StorageCredential))]
[JsonSerializable(typeof(S3AccessKeyCredential))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
