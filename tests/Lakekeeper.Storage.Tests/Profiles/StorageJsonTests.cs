using System.Text.Json;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.Tests.Profiles;

public sealed class StorageJsonTests
{
    [Fact]
    public void An_s3_profile_reads_with_the_discriminator_anywhere_as_jsonb_stores_it()
    {
        // Postgres jsonb orders keys by length, then bytes: "type" is not first.
        const string json = """{"bucket":"lake","region":"us-east-1","endpoint":"http://127.0.0.1:9000","key-prefix":"wh","path-style-access":true,"sts-enabled":false,"type":"s3"}""";

        Assert.True(StorageJson.TryDeserializeProfile(json, out var profile, out var error), error);

        var s3 = Assert.IsType<S3StorageProfile>(profile);
        Assert.Equal("lake", s3.Bucket);
        Assert.Equal("us-east-1", s3.Region);
        Assert.Equal(new Uri("http://127.0.0.1:9000"), s3.Endpoint);
        Assert.Equal("wh", s3.KeyPrefix);
        Assert.True(s3.PathStyleAccess);
    }

    [Fact]
    public void Profiles_round_trip_with_the_discriminator_first_and_kebab_case_fields()
    {
        StorageProfile profile = new S3StorageProfile { Bucket = "lake", Region = "us-east-1", KeyPrefix = "wh", PathStyleAccess = true };

        var json = StorageJson.Serialize(profile);

        Assert.StartsWith("""{"type":"s3",""", json, StringComparison.Ordinal);
        Assert.Contains("\"path-style-access\":true", json, StringComparison.Ordinal);
        Assert.Contains("\"key-prefix\":\"wh\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("endpoint", json, StringComparison.Ordinal);
        Assert.True(StorageJson.TryDeserializeProfile(json, out var back, out _));
        Assert.Equal(profile, back);
    }

    [Fact]
    public void File_profiles_round_trip()
    {
        StorageProfile profile = new FileStorageProfile { Root = "/srv/wh" };

        var json = StorageJson.Serialize(profile);

        Assert.Equal("""{"type":"file","root":"/srv/wh"}""", json);
        Assert.True(StorageJson.TryDeserializeProfile(json, out var back, out _));
        Assert.Equal(profile, back);
    }

    [Fact]
    public void The_converter_applies_with_any_caller_options()
    {
        const string json = """{"root":"/srv/wh","type":"file"}""";

        var profile = JsonSerializer.Deserialize<StorageProfile>(json, JsonSerializerOptions.Web);

        Assert.Equal(new FileStorageProfile { Root = "/srv/wh" }, profile);
        Assert.Equal("""{"type":"file","root":"/srv/wh"}""", JsonSerializer.Serialize(profile, JsonSerializerOptions.Web));
    }

    [Theory]
    [InlineData("""{"type":"s3","bucket":"lake","region":"r","key_prefix":"wh"}""", "key_prefix")]
    [InlineData("""{"type":"s3","region":"r"}""", "bucket")]
    [InlineData("""{"type":"s3","bucket":null,"region":"r"}""", "bucket")]
    [InlineData("""{"type":"gcs","bucket":"lake"}""", "type 'gcs' is not supported by this server")]
    [InlineData("""{"bucket":"lake","region":"r"}""", "'type' is required")]
    [InlineData("""{"type":3}""", "'type' must be a string")]
    [InlineData("""[1]""", "JSON object")]
    [InlineData("""{"type":"file","root":"/x","extra":1}""", "extra")]
    public void Bad_profile_json_is_refused_with_a_message_naming_the_problem(string json, string expected)
    {
        Assert.False(StorageJson.TryDeserializeProfile(json, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_round_trip_with_type_and_credential_type()
    {
        StorageCredential credential = new S3AccessKeyCredential { AccessKeyId = "AKIAEXAMPLE", SecretAccessKey = "wJalrXUtnFEMI/K7MDENG", SessionToken = "tok" };

        var json = StorageJson.Serialize(credential);

        Assert.StartsWith("""{"type":"s3","credential-type":"access-key",""", json, StringComparison.Ordinal);
        Assert.True(StorageJson.TryDeserializeCredential(StorageJson.SerializeToUtf8Bytes(credential), out var back, out var error), error);
        Assert.Equal(credential, back);
    }

    [Theory]
    [InlineData("""{"type":"s3","credential-type":"aws-system-identity"}""", "'credential-type' must be 'access-key'")]
    [InlineData("""{"type":"s3","access-key-id":"a"}""", "secret-access-key")]
    [InlineData("""{"type":"adls","access-key-id":"a","secret-access-key":"b"}""", "unknown type 'adls'")]
    public void Bad_credential_json_is_refused(string json, string expected)
    {
        Assert.False(StorageJson.TryDeserializeCredential(json, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_credential_error_does_not_echo_the_secret()
    {
        const string json = """{"type":"s3","access-key-id":"a","secret-access-key":12345678,"x":"y"}""";

        Assert.False(StorageJson.TryDeserializeCredential(json, out _, out var error));
        Assert.DoesNotContain("12345678", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_ToString_redacts_the_secret_and_token()
    {
        var credential = new S3AccessKeyCredential { AccessKeyId = "AKIAEXAMPLE", SecretAccessKey = "super-secret-value", SessionToken = "session-token-value" };

        var text = credential.ToString();

        Assert.Contains("AKIAEXAMPLE", text, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("session-token-value", text, StringComparison.Ordinal);
        Assert.DoesNotContain("super-secret-value", $"{credential}", StringComparison.Ordinal);
    }

    [Fact]
    public void Credential_validation_names_missing_fields()
    {
        var errors = new S3AccessKeyCredential { AccessKeyId = "", SecretAccessKey = "" }.Validate();

        Assert.Contains("access-key-id: is required", errors);
        Assert.Contains("secret-access-key: is required", errors);
    }
}
