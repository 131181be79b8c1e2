using System.Text.Json;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Lakekeeper.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Storage.Tests.S3;

/// <summary>The session policy of each access level, exactly.</summary>
public sealed class S3SessionPolicyTests
{
    private static readonly StorageLocation Table = StorageLocation.Parse("s3://lake/wh/ns/orders-0195");

    [Fact]
    public void Read_only_gets_objects_and_lists_only_below_the_table()
    {
        var policy = S3SessionPolicy.Build(new S3StorageProfile { Bucket = "lake", Region = "eu-central-1" }, Table, S3AccessLevel.Read);

        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[""" +
            """{"Sid":"TableObjects","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::lake/wh/ns/orders-0195/*"]},""" +
            """{"Sid":"ListTable","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::lake"],"Condition":{"StringLike":{"s3:prefix":["wh/ns/orders-0195/*"]}}},""" +
            """{"Sid":"BucketLocation","Effect":"Allow","Action":["s3:GetBucketLocation"],"Resource":["arn:aws:s3:::lake"]}]}""",
            policy);
    }

    [Fact]
    public void Read_write_adds_uploads_but_not_deletes()
    {
        var policy = S3SessionPolicy.Build(new S3StorageProfile { Bucket = "lake", Region = "eu-central-1" }, Table, S3AccessLevel.ReadWrite);

        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[""" +
            """{"Sid":"TableObjects","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":["arn:aws:s3:::lake/wh/ns/orders-0195/*"]},""" +
            """{"Sid":"ListTable","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::lake"],"Condition":{"StringLike":{"s3:prefix":["wh/ns/orders-0195/*"]}}},""" +
            """{"Sid":"BucketLocation","Effect":"Allow","Action":["s3:GetBucketLocation"],"Resource":["arn:aws:s3:::lake"]}]}""",
            policy);
    }

    [Fact]
    public void Read_write_delete_adds_deletes()
    {
        var policy = S3SessionPolicy.Build(new S3StorageProfile { Bucket = "lake", Region = "eu-central-1" }, Table, S3AccessLevel.ReadWriteDelete);

        Assert.Equal(
            """{"Version":"2012-10-17","Statement":[""" +
            """{"Sid":"TableObjects","Effect":"Allow","Action":["s3:GetObject","s3:GetObjectVersion","s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts","s3:DeleteObject","s3:DeleteObjectVersion"],"Resource":["arn:aws:s3:::lake/wh/ns/orders-0195/*"]},""" +
            """{"Sid":"ListTable","Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::lake"],"Condition":{"StringLike":{"s3:prefix":["wh/ns/orders-0195/*"]}}},""" +
            """{"Sid":"BucketLocation","Effect":"Allow","Action":["s3:GetBucketLocation"],"Resource":["arn:aws:s3:::lake"]}]}""",
            policy);
    }

    [Fact]
    public void Kms_use_and_arns_follow_the_regions_partition()
    {
        var profile = new S3StorageProfile
        {
            Bucket = "lake", Region = "us-gov-west-1",
            AwsKmsKeyArn = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        };

        var policy = Parse(S3SessionPolicy.Build(profile, Table, S3AccessLevel.ReadWriteDelete));

        Assert.Equal(
            ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:DeleteObject", "s3:DeleteObjectVersion"],
            Actions(policy, "TableObjects"));
        Assert.Equal("arn:aws-us-gov:s3:::lake/wh/ns/orders-0195/*", Statement(policy, "TableObjects").GetProperty("Resource")[0].GetString());
        Assert.Equal("arn:aws-us-gov:s3:::lake", Statement(policy, "ListTable").GetProperty("Resource")[0].GetString());
        Assert.Equal(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"], Actions(policy, "TableKey"));
        Assert.Equal(profile.AwsKmsKeyArn, Statement(policy, "TableKey").GetProperty("Resource")[0].GetString());
    }

    [Fact]
    public void Readers_may_only_decrypt_and_china_uses_its_partition()
    {
        var profile = new S3StorageProfile { Bucket = "lake", Region = "cn-north-1", AwsKmsKeyArn = "arn:aws-cn:kms:cn-north-1:123456789012:key/k" };

        var policy = Parse(S3SessionPolicy.Build(profile, Table, S3AccessLevel.Read));

        Assert.Equal(["kms:Decrypt"], Actions(policy, "TableKey"));
        Assert.StartsWith("arn:aws-cn:s3:::lake/", Statement(policy, "TableObjects").GetProperty("Resource")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Iam_wildcards_in_the_location_are_escaped()
    {
        var policy = Parse(S3SessionPolicy.Build(new S3StorageProfile { Bucket = "lake", Region = "eu-central-1" }, StorageLocation.Parse("s3://lake/wh/a*b$c"), S3AccessLevel.Read));

        Assert.Equal("arn:aws:s3:::lake/wh/a${*}b${$}c/*", Statement(policy, "TableObjects").GetProperty("Resource")[0].GetString());
    }

    internal static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();

    internal static JsonElement Statement(JsonElement policy, string sid) =>
        policy.GetProperty("Statement").EnumerateArray().Single(s => s.GetProperty("Sid").GetString() == sid);

    internal static string[] Actions(JsonElement policy, string sid) =>
        [.. Statement(policy, sid).GetProperty("Action").EnumerateArray().Select(a => a.GetString()!)];
}

/// <summary>
/// Vending through STS <c>AssumeRole</c> against a fake STS (no AWS here) that verifies each request's
/// SigV4 signature with botocore and returns credentials with a known expiry.
/// </summary>
public sealed class S3CredentialVendorFakeStsTests : IAsyncLifetime
{
    private static readonly S3AccessKeyCredential Caller = new() { AccessKeyId = "AKIALAKEKEEPER", SecretAccessKey = "lakekeeper/secret+key" };

    private static readonly StorageLocation Table = StorageLocation.Parse("s3://lake/wh/ns/orders-0195");

    private readonly ManualClock _clock = new(DateTimeOffset.UtcNow);
    private FakeStsServer _sts = null!;
    private S3CredentialVendor _vendor = null!;

    public async ValueTask InitializeAsync()
    {
        _sts = await FakeStsServer.StartAsync(new Dictionary<string, string> { [Caller.AccessKeyId] = Caller.SecretAccessKey }, "eu-central-1");
        _vendor = new S3CredentialVendor(Options.Create(new StorageOptions { MaxRetries = 0 }), _clock, NullLogger<S3CredentialVendor>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        _vendor.Dispose();
        await _sts.DisposeAsync();
    }

    private S3StorageProfile Profile(string role = "arn:aws:iam::123456789012:role/vend") => new()
    {
        Bucket = "lake", Region = "eu-central-1", StsEnabled = true, StsRoleArn = role, StsEndpoint = _sts.Endpoint, StsTokenValiditySeconds = 1800,
    };

    [Fact]
    public async Task Fake_sts_assume_role_is_signed_and_carries_the_scoped_policy()
    {
        var vended = await _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.ReadWriteDelete, CancellationToken.None);

        var request = Assert.Single(await _sts.RequestsAsync());
        Assert.True(request.SignatureValid, "botocore could not verify the AssumeRole signature");
        Assert.Equal("AssumeRole", request.Action);
        Assert.Equal(Caller.AccessKeyId, request.AccessKeyId);
        Assert.Equal("arn:aws:iam::123456789012:role/vend", request.Parameters["RoleArn"]);
        Assert.Equal("1800", request.Parameters["DurationSeconds"]);
        Assert.Matches("^lakekeeper-[0-9a-f]{20}$", request.Parameters["RoleSessionName"]);
        Assert.Equal(S3SessionPolicy.Build(Profile(), Table, S3AccessLevel.ReadWriteDelete), request.Parameters["Policy"]);
        Assert.Equal(request.Expiration, vended.Expiration);
        Assert.StartsWith("ASIAFAKE", vended.AccessKeyId, StringComparison.Ordinal);
        Assert.DoesNotContain(vended.SecretAccessKey, vended.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fake_sts_assume_role_carries_the_profile_session_tags()
    {
        var tagged = Profile() with { StsSessionTags = new Dictionary<string, string> { ["team"] = "data eng", ["cost-center"] = "42" } };
        await _vendor.VendAsync("wh-tags", tagged, Caller, Table, S3AccessLevel.Read, CancellationToken.None);
        await _vendor.VendAsync("wh-untagged", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None);

        var requests = await _sts.RequestsAsync();
        Assert.Equal(2, requests.Count);
        Assert.True(requests[0].SignatureValid, "botocore could not verify the AssumeRole signature");
        var parameters = requests[0].Parameters;
        Assert.Equal("cost-center", parameters["Tags.member.1.Key"]);
        Assert.Equal("42", parameters["Tags.member.1.Value"]);
        Assert.Equal("team", parameters["Tags.member.2.Key"]);
        Assert.Equal("data eng", parameters["Tags.member.2.Value"]);
        Assert.DoesNotContain(requests[1].Parameters.Keys, k => k.StartsWith("Tags", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fake_sts_credentials_are_cached_per_location_and_level_for_half_their_lifetime()
    {
        var first = await _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None);
        var again = await _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None);
        var otherLevel = await _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.ReadWriteDelete, CancellationToken.None);
        var otherTable = await _vendor.VendAsync("wh-1", Profile(), Caller, StorageLocation.Parse("s3://lake/wh/ns/other"), S3AccessLevel.Read, CancellationToken.None);
        var otherScope = await _vendor.VendAsync("wh-1@v2", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None);

        Assert.Same(first, again);
        Assert.Equal(4, new[] { first.AccessKeyId, otherLevel.AccessKeyId, otherTable.AccessKeyId, otherScope.AccessKeyId }.Distinct().Count());

        // The fake STS counts its 1800 s from its own (real) clock, which ran on while the fake started and
        // the request went out; this test's clock stood still: half the lifetime is measured from here.
        var half = (first.Expiration - _clock.GetUtcNow()) / 2;
        Assert.InRange(half, TimeSpan.FromSeconds(899), TimeSpan.FromSeconds(1000));
        _clock.Advance(half - TimeSpan.FromSeconds(1));
        Assert.Same(first, await _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None));
        _clock.Advance(TimeSpan.FromSeconds(2));
        var refreshed = await _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None);

        Assert.NotEqual(first.AccessKeyId, refreshed.AccessKeyId);
        Assert.Equal(5, (await _sts.RequestsAsync()).Count);
    }

    [Fact]
    public async Task Fake_sts_concurrent_misses_share_one_call()
    {
        var all = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _vendor.VendAsync("wh-1", Profile(), Caller, Table, S3AccessLevel.Read, CancellationToken.None)));

        Assert.Single(all.Select(c => c.AccessKeyId).Distinct());
        Assert.Single(await _sts.RequestsAsync());
    }

    [Fact]
    public async Task Fake_sts_refusals_and_outages_are_storage_errors_without_secrets()
    {
        var denied = await Assert.ThrowsAsync<StorageException>(() =>
            _vendor.VendAsync("wh-1", Profile("arn:aws:iam::123456789012:role/denied"), Caller, Table, S3AccessLevel.Read, CancellationToken.None));
        var down = await Assert.ThrowsAsync<StorageException>(() =>
            _vendor.VendAsync("wh-1", Profile("arn:aws:iam::123456789012:role/unavailable"), Caller, Table, S3AccessLevel.Read, CancellationToken.None));
        var badKey = await Assert.ThrowsAsync<StorageException>(() =>
            _vendor.VendAsync("wh-1", Profile(), Caller with { SecretAccessKey = "wrong" }, Table, S3AccessLevel.Read, CancellationToken.None));

        Assert.Equal(StorageErrorKind.AccessDenied, denied.Kind);
        Assert.Contains("AccessDenied", denied.Message, StringComparison.Ordinal);
        Assert.Equal(StorageErrorKind.Unavailable, down.Kind);
        Assert.True(down.IsTransient);
        Assert.Equal(StorageErrorKind.AccessDenied, badKey.Kind);
        Assert.Contains("SignatureDoesNotMatch", badKey.Message, StringComparison.Ordinal);
        Assert.False((await _sts.RequestsAsync())[^1].SignatureValid);
        Assert.DoesNotContain(Caller.SecretAccessKey, denied.ToString(), StringComparison.Ordinal);
    }

    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
