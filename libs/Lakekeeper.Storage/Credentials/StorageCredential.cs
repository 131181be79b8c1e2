using System.Text.Json.Serialization;

namespace Lakekeeper.Storage.Credentials;

/// <summary>
/// The secret a warehouse uses to reach its storage. Serialised as JSON with a <c>type</c>
/// discriminator (see <see cref="StorageJson"/>); the catalog encrypts that JSON with
/// <c>ISecretProtector</c> before storing it. <see cref="object.ToString"/> never shows secrets.
/// </summary>
[JsonConverter(typeof(StorageCredentialJsonConverter))]
public abstract record StorageCredential
{
    private protected StorageCredential()
    {
    }

    /// <summary>The discriminator: <c>s3</c>.</summary>
    [JsonIgnore]
    public abstract string Type { get; }

    /// <summary>Field-level problems (<c>access-key-id: is required</c>); empty when valid.</summary>
    public abstract IReadOnlyList<string> Validate();

    /// <summary>Writes every field that identifies this credential, for an in-memory cache key.</summary>
    internal abstract void WriteFingerprint(System.Security.Cryptography.IncrementalHash hash);
}

/// <summary>
/// An S3 access key: <c>{"type":"s3","credential-type":"access-key","access-key-id":"…","secret-access-key":"…"}</c>,
/// with an optional <c>session-token</c> for temporary keys.
/// </summary>
public sealed record S3AccessKeyCredential : StorageCredential
{
    public const string TypeName = "s3";

    public const string CredentialTypeName = "access-key";

    [JsonPropertyName("access-key-id")]
    public required string AccessKeyId { get; init; }

    [JsonPropertyName("secret-access-key")]
    public required string SecretAccessKey { get; init; }

    [JsonPropertyName("session-token")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionToken { get; init; }

    [JsonIgnore]
    public override string Type => TypeName;

    public override IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(AccessKeyId))
        {
            errors.Add("access-key-id: is required");
        }
        else if (AccessKeyId.Length > 128 || AccessKeyId.Any(c => c <= ' ' || c >= 0x7F))
        {
            errors.Add("access-key-id: must be at most 128 printable ASCII characters without spaces");
        }

        if (string.IsNullOrEmpty(SecretAccessKey))
        {
            errors.Add("secret-access-key: is required");
        }
        else if (SecretAccessKey.Any(c => c < ' ' || c >= 0x7F))
        {
            errors.Add("secret-access-key: must be printable ASCII");
        }

        if (SessionToken is { } token && (token.Length == 0 || token.Any(c => c < ' ' || c >= 0x7F)))
        {
            errors.Add("session-token: must be non-empty printable ASCII when set");
        }

        return errors;
    }

    /// <summary>Shows the access key id only; the secret and token are redacted.</summary>
    public override string ToString() =>
        $"S3AccessKeyCredential {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = ***, SessionToken = {(SessionToken is null ? "(none)" : "***")} }}";

    internal override void WriteFingerprint(System.Security.Cryptography.IncrementalHash hash)
    {
        Append(hash, TypeName);
        Append(hash, AccessKeyId);
        Append(hash, SecretAccessKey);
        Append(hash, SessionToken ?? string.Empty);
    }

    private static void Append(System.Security.Cryptography.IncrementalHash hash, string value)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(bytes);
    }
}
