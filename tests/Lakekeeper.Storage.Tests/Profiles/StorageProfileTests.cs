using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.Tests.Profiles;

public sealed class StorageProfileTests
{
    private static S3StorageProfile S3(string bucket = "lake", string region = "eu-west-1", Uri? endpoint = null, string? keyPrefix = null) =>
        new() { Bucket = bucket, Region = region, Endpoint = endpoint, KeyPrefix = keyPrefix, PathStyleAccess = true };

    [Fact]
    public void A_valid_s3_profile_has_no_errors_and_a_base_location_with_the_key_prefix()
    {
        var profile = S3(keyPrefix: "warehouses/main/", endpoint: new Uri("http://minio:9000"));

        Assert.Empty(profile.Validate());
        Assert.Equal("s3://lake/warehouses/main", profile.BaseLocation.ToString());
        Assert.Equal("s3://lake", S3().BaseLocation.ToString());
    }

    [Theory]
    [InlineData("ab", "3 to 63")]
    [InlineData("Lake", "lowercase")]
    [InlineData("lake_1", "lowercase")]
    [InlineData("-lake", "begin and end")]
    [InlineData("lake.", "begin and end")]
    [InlineData("la..ke", "adjacent dots")]
    [InlineData("192.168.1.10", "IP address")]
    [InlineData("xn--lake", "reserved prefix")]
    [InlineData("sthree-lake", "reserved prefix")]
    [InlineData("lake-s3alias", "reserved suffix")]
    [InlineData("lake--x-s3", "reserved suffix")]
    public void Bucket_naming_rules_are_enforced(string bucket, string reason)
    {
        var errors = S3(bucket: bucket).Validate();

        var error = Assert.Single(errors);
        Assert.StartsWith("bucket: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "region: is required")]
    [InlineData("  ", "region: is required")]
    [InlineData("eu west", "region: 'eu west' may contain only")]
    public void Region_must_be_given(string region, string message)
    {
        Assert.Contains(S3(region: region).Validate(), e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("minio:9000", "absolute http:// or https://")]
    [InlineData("ftp://minio", "absolute http:// or https://")]
    [InlineData("/relative", "absolute http:// or https://")]
    [InlineData("http://user:secret@minio:9000", "user information")]
    [InlineData("http://minio:9000/s3", "no path, query or fragment")]
    [InlineData("http://minio:9000/?x=1", "no path, query or fragment")]
    public void Endpoint_must_be_an_absolute_http_uri_without_path_or_credentials(string endpoint, string reason)
    {
        var errors = S3(endpoint: new Uri(endpoint, UriKind.RelativeOrAbsolute)).Validate();

        var error = Assert.Single(errors);
        Assert.StartsWith("endpoint: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/wh", "must not start with '/'")]
    [InlineData("a/../b", "'..' segments")]
    [InlineData("a//b", "empty path segment")]
    [InlineData("a\\b", "backslashes")]
    [InlineData("//", "must not start with '/'")]
    public void Key_prefix_must_be_a_clean_relative_path(string keyPrefix, string reason)
    {
        var error = Assert.Single(S3(keyPrefix: keyPrefix).Validate());

        Assert.StartsWith("key-prefix: ", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_problems_are_reported_together()
    {
        var errors = S3(bucket: "B", region: "", keyPrefix: "../x").Validate();

        Assert.Equal(3, errors.Count);
    }

    [Theory]
    [InlineData("", "root: is required")]
    [InlineData("relative/wh", "absolute path")]
    [InlineData("/", "file-system root")]
    [InlineData("///", "file-system root")]
    [InlineData("/srv/../etc", "'..' segments")]
    [InlineData("/srv//wh", "empty path segment")]
    public void File_root_must_be_an_absolute_folder_other_than_the_root(string root, string reason)
    {
        var error = Assert.Single(new FileStorageProfile { Root = root }.Validate());

        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void File_profile_base_location_is_a_file_uri()
    {
        var profile = new FileStorageProfile { Root = "/srv/lake/wh/" };

        Assert.Empty(profile.Validate());
        Assert.Equal("file:///srv/lake/wh", profile.BaseLocation.ToString());
        Assert.Empty(profile.ClientConfig());
    }

    [Fact]
    public void Base_location_of_an_invalid_profile_throws()
    {
        Assert.Throws<InvalidOperationException>(() => S3(bucket: "X").BaseLocation);
    }

    [Fact]
    public void S3_client_config_names_region_endpoint_and_path_style()
    {
        var config = S3(endpoint: new Uri("http://minio:9000/")).ClientConfig();

        Assert.Equal("eu-west-1", config["s3.region"]);
        Assert.Equal("eu-west-1", config["client.region"]);
        Assert.Equal("http://minio:9000", config["s3.endpoint"]);
        Assert.Equal("true", config["s3.path-style-access"]);
        Assert.Equal(4, config.Count);
    }

    [Fact]
    public void S3_client_config_for_aws_has_no_endpoint()
    {
        var config = (S3() with { PathStyleAccess = false }).ClientConfig();

        Assert.False(config.ContainsKey("s3.endpoint"));
        Assert.Equal("false", config["s3.path-style-access"]);
    }

    [Fact]
    public void Profiles_with_equal_fields_are_equal()
    {
        Assert.Equal(S3(keyPrefix: "a"), S3(keyPrefix: "a"));
        Assert.NotEqual(S3(keyPrefix: "a"), S3(keyPrefix: "b"));
    }
}
