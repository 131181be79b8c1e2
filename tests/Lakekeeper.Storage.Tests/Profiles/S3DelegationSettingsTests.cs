using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.Tests.Profiles;

/// <summary>The S3 profile's vending and remote-signing settings, with Lakekeeper's management API names.</summary>
public sealed class S3DelegationSettingsTests
{
    private static S3StorageProfile Aws(string region = "eu-central-1") => new() { Bucket = "lake", Region = region };

    [Fact]
    public void Every_setting_reads_by_its_lakekeeper_name_and_round_trips()
    {
        const string json = """
            {"type":"s3","bucket":"lake","region":"us-gov-west-1","sts-enabled":true,"flavor":"aws",
             "assume-role-arn":"arn:aws-us-gov:iam::123456789012:role/lakekeeper","sts-role-arn":"arn:aws-us-gov:iam::123456789012:role/vend",
             "sts-token-validity-seconds":900,"remote-signing-enabled":false,"remote-signing-url-style":"virtual-host",
             "aws-kms-key-arn":"arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
            """;

        Assert.True(StorageJson.TryDeserializeProfile(json, out var parsed, out var error), error);
        var profile = Assert.IsType<S3StorageProfile>(parsed);

        Assert.Empty(profile.Validate());
        Assert.Equal(S3Flavor.Aws, profile.Flavor);
        Assert.Equal("arn:aws-us-gov:iam::123456789012:role/vend", profile.VendingRoleArn);
        Assert.Equal(900, profile.StsTokenValiditySeconds);
        Assert.False(profile.IsRemoteSigningEnabled);
        Assert.Equal(S3UrlStyle.VirtualHost, profile.RemoteSigningUrlStyle);
        Assert.True(StorageJson.TryDeserializeProfile(StorageJson.Serialize(profile), out var back, out _));
        Assert.Equal(profile, back);
    }

    [Fact]
    public void Defaults_match_lakekeeper_and_older_stored_profiles_read_with_them()
    {
        Assert.True(StorageJson.TryDeserializeProfile("""{"type":"s3","bucket":"lake","region":"eu-central-1","sts-enabled":false}""", out var parsed, out var error), error);
        var profile = Assert.IsType<S3StorageProfile>(parsed);

        Assert.True(profile.IsRemoteSigningEnabled);
        Assert.Equal(S3UrlStyle.Auto, profile.RemoteSigningUrlStyle);
        Assert.Equal(S3Flavor.Aws, profile.Flavor);
        Assert.Equal(3600, profile.StsTokenLifetimeSeconds);
    }

    [Theory]
    [InlineData("""{"flavor":"minio"}""", "S3Compat")]
    [InlineData("""{"remote-signing-url-style":"virtual_host"}""", "VirtualHost")]
    [InlineData("""{"remote-signing-url-style":"path-style"}""", "Path")]
    public void Aliases_are_accepted(string extra, string expected)
    {
        var json = """{"type":"s3","bucket":"lake","region":"eu-central-1",""" + extra[1..];

        Assert.True(StorageJson.TryDeserializeProfile(json, out var parsed, out var error), error);
        var profile = (S3StorageProfile)parsed;
        Assert.Contains(expected, new[] { profile.Flavor.ToString(), profile.RemoteSigningUrlStyle.ToString() });
    }

    [Theory]
    [InlineData("""{"flavor":"gcs"}""", "flavor: unknown value 'gcs'")]
    [InlineData("""{"remote-signing-url-style":"sideways"}""", "remote-signing-url-style: unknown value")]
    [InlineData("""{"remote-signing-enabled":"yes"}""", "remote-signing-enabled")]
    [InlineData("""{"sts-token-validity":3600}""", "sts-token-validity")]
    public void Unknown_values_and_fields_are_refused(string extra, string message)
    {
        var json = """{"type":"s3","bucket":"lake","region":"eu-central-1",""" + extra[1..];

        Assert.False(StorageJson.TryDeserializeProfile(json, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sts-role-arn", "arn:aws:iam::12345:role/x", "not a valid ARN for flavor aws")]
    [InlineData("sts-role-arn", "role/x", "must be an ARN")]
    [InlineData("sts-role-arn", "arn:aws-cn:iam::123456789012:role/x", "partition 'aws-cn' does not match the region's partition 'aws'")]
    [InlineData("assume-role-arn", "arn:aws:iam::123456789012:user/x", "not a valid ARN")]
    [InlineData("aws-kms-key-arn", "arn:aws:kms:eu-central-1:123456789012:secret/x", "not a valid ARN")]
    public void Arns_are_checked_for_flavor_aws(string field, string value, string message)
    {
        var profile = field switch
        {
            "sts-role-arn" => Aws() with { StsRoleArn = value },
            "assume-role-arn" => Aws() with { AssumeRoleArn = value },
            _ => Aws() with { AwsKmsKeyArn = value },
        };

        var error = Assert.Single(profile.Validate());
        Assert.StartsWith(field + ": ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void S3_compatible_servers_may_name_roles_their_own_way_and_need_none()
    {
        var minio = Aws("us-east-1") with { Flavor = S3Flavor.S3Compat, StsEnabled = true, Endpoint = new Uri("http://minio:9000"), StsRoleArn = "arn:minio:iam:::role/lake" };

        Assert.Empty(minio.Validate());
        Assert.Empty((minio with { StsRoleArn = null }).Validate());
    }

    [Theory]
    [InlineData(899)]
    [InlineData(43201)]
    public void Token_validity_is_within_the_limits_of_sts(long seconds) =>
        Assert.Contains(Aws().WithValidity(seconds).Validate(), e => e.StartsWith("sts-token-validity-seconds: must be between 900 and 43200", StringComparison.Ordinal));

    [Fact]
    public void Sts_on_aws_needs_a_role_and_an_sts_endpoint_needs_sts()
    {
        Assert.Contains((Aws() with { StsEnabled = true }).Validate(), e => e.StartsWith("sts-enabled: flavor 'aws' needs sts-role-arn", StringComparison.Ordinal));
        Assert.Empty((Aws() with { StsEnabled = true, AssumeRoleArn = "arn:aws:iam::123456789012:role/x" }).Validate());
        Assert.Contains((Aws() with { StsEndpoint = new Uri("https://sts.example.com") }).Validate(), e => e.StartsWith("sts-endpoint: is set but sts-enabled is false", StringComparison.Ordinal));
        Assert.Contains((Aws() with { StsEnabled = true, StsRoleArn = "arn:aws:iam::123456789012:role/x", StsEndpoint = new Uri("https://sts.example.com/path") }).Validate(),
            e => e.StartsWith("sts-endpoint: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Session_tags_and_alternative_protocols_read_by_their_lakekeeper_names_and_compare_by_value()
    {
        const string json = """
            {"type":"s3","bucket":"lake","region":"eu-central-1","sts-enabled":true,"sts-role-arn":"arn:aws:iam::123456789012:role/vend",
             "allow-alternative-protocols":true,"sts-session-tags":{"team":"data eng","cost-center":"42"}}
            """;
        Assert.True(StorageJson.TryDeserializeProfile(json, out var first, out var error), error);
        Assert.True(StorageJson.TryDeserializeProfile(StorageJson.Serialize(first), out var again, out error), error);
        var profile = Assert.IsType<S3StorageProfile>(first);

        Assert.Empty(profile.Validate());
        Assert.True(profile.AllowAlternativeProtocols);
        Assert.Equal("data eng", profile.StsSessionTags!["team"]);
        Assert.Contains("\"sts-session-tags\":{\"cost-center\":\"42\",\"team\":\"data eng\"}", StorageJson.Serialize(profile), StringComparison.Ordinal);
        // Object stores are cached by profile: a profile read again must be equal, tags included.
        Assert.Equal(first, again);
        Assert.Equal(first.GetHashCode(), again.GetHashCode());
        Assert.NotEqual(profile, profile with { StsSessionTags = new Dictionary<string, string> { ["team"] = "other" } });
        Assert.DoesNotContain("sts-session-tags", StorageJson.Serialize(Aws()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aws:source", "x", "reserved prefix 'aws:'")]
    [InlineData("", "x", "must be 1 to 128")]
    [InlineData("semi;colon", "x", "must be 1 to 128")]
    [InlineData("ok", "semi;colon", "the value of 'ok' must be at most 256")]
    public void Session_tags_follow_the_rules_of_sts(string key, string value, string message)
    {
        var json = "{\"type\":\"s3\",\"bucket\":\"lake\",\"region\":\"eu-central-1\",\"sts-session-tags\":{\"" + key + "\":\"" + value + "\"}}";
        Assert.True(StorageJson.TryDeserializeProfile(json, out var profile, out var error), error);

        var problem = Assert.Single(profile.Validate());
        Assert.StartsWith("sts-session-tags: ", problem, StringComparison.Ordinal);
        Assert.Contains(message, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_fifty_session_tags_or_a_key_twice_without_case_are_refused()
    {
        var many = Aws() with { StsSessionTags = Enumerable.Range(0, 51).ToDictionary(i => "k" + i, i => "v") };
        Assert.Contains(many.Validate(), e => e.StartsWith("sts-session-tags: at most 50 tags", StringComparison.Ordinal));
        var twice = Aws() with { StsSessionTags = new Dictionary<string, string> { ["Team"] = "a", ["team"] = "b" } };
        Assert.Contains(twice.Validate(), e => e.Contains("given twice", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"legacy-md5-behavior":"no"}""", "legacy-md5-behavior")]
    [InlineData("""{"push-s3-delete-disabled":1}""", "push-s3-delete-disabled")]
    public void Lakekeeper_flags_of_another_type_are_refused_by_name(string extra, string field)
    {
        var json = """{"type":"s3","bucket":"lake","region":"eu-central-1",""" + extra[1..];

        Assert.False(StorageJson.TryDeserializeProfile(json, out _, out var error));
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("null", null)]
    public void Legacy_md5_behavior_is_stored_as_given(string value, bool? expected)
    {
        var json = """{"type":"s3","bucket":"lake","region":"eu-central-1","storage-layout":null,"legacy-md5-behavior":""" + value + "}";

        Assert.True(StorageJson.TryDeserializeProfile(json, out var read, out var error), error);
        var profile = Assert.IsType<S3StorageProfile>(read);
        Assert.Equal(expected, profile.LegacyMd5Behavior);
        Assert.Equal(expected is not null, StorageJson.Serialize(profile).Contains("legacy-md5-behavior", StringComparison.Ordinal));
        Assert.Equal(expected is null, profile == Aws());
    }

    [Theory]
    [InlineData(null, false, false)]
    [InlineData(null, true, true)]
    [InlineData(false, true, false)]
    [InlineData(true, false, true)]
    public void Push_s3_delete_disabled_is_stored_as_given_and_unset_follows_the_delete_profile(bool? value, bool softDeletion, bool disabled)
    {
        var field = value is null ? string.Empty : ",\"push-s3-delete-disabled\":" + (value.Value ? "true" : "false");
        var json = "{\"type\":\"s3\",\"bucket\":\"lake\",\"region\":\"eu-central-1\"" + field + "}";

        Assert.True(StorageJson.TryDeserializeProfile(json, out var read, out var error), error);
        var profile = Assert.IsType<S3StorageProfile>(read);
        Assert.Equal(value, profile.PushS3DeleteDisabled);
        Assert.Equal(disabled, profile.ClientDeletesDisabled(softDeletion));
        Assert.Equal(value is not null, StorageJson.Serialize(profile).Contains("push-s3-delete-disabled", StringComparison.Ordinal));
        Assert.True(StorageJson.TryDeserializeProfile(StorageJson.Serialize(profile), out var again, out error), error);
        Assert.Equal(profile, again);
    }

    [Theory]
    [InlineData("gcs")]
    [InlineData("adls")]
    [InlineData("onelake")]
    [InlineData("stackit")]
    public void Lakekeeper_profile_types_this_server_has_not_are_refused_by_name(string type)
    {
        Assert.False(StorageJson.TryDeserializeProfile($$"""{"type":"{{type}}","bucket":"lake"}""", out _, out var error));
        Assert.Contains($"type '{type}' is not supported by this server", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eu-central-1", "aws")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("us-iso-east-1", "aws-iso")]
    [InlineData("us-isob-east-1", "aws-iso-b")]
    [InlineData("eu-isoe-west-1", "aws-iso-e")]
    public void The_partition_is_derived_from_the_region(string region, string partition) =>
        Assert.Equal(partition, AwsPartitions.FromRegion(region));
}

internal static class S3ProfileTestExtensions
{
    public static S3StorageProfile WithValidity(this S3StorageProfile profile, long seconds) => profile with { StsTokenValiditySeconds = seconds };
}
