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
