using System.Text;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Signing;

namespace Lakekeeper.Storage.Tests.S3;

/// <summary>The rules of what a sign request may touch, one hostile request per rule.</summary>
public sealed class S3RequestAnalysisTests
{
    private const string Aws = "https://s3.eu-central-1.amazonaws.com";

    private static readonly S3StorageProfile Profile = new() { Bucket = "lake", Region = "eu-central-1", KeyPrefix = "wh" };

    private static readonly S3StorageProfile Compat = new() { Bucket = "lake", Region = "us-east-1", Endpoint = new Uri("http://127.0.0.1:9000"), PathStyleAccess = true };

    private static readonly StorageLocation Table = StorageLocation.Parse("s3://lake/wh/ns/tbl");

    [Theory]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/data/a.parquet", S3AccessKind.Read, "GetObject")]
    [InlineData("HEAD", Aws + "/lake/wh/ns/tbl/data/a.parquet", S3AccessKind.Read, "HeadObject")]
    [InlineData("GET", "https://lake.s3.eu-central-1.amazonaws.com/wh/ns/tbl/data/a.parquet", S3AccessKind.Read, "GetObject")]
    [InlineData("PUT", Aws + "/lake/wh/ns/tbl/data/a.parquet?x-id=PutObject", S3AccessKind.Write, "PutObject")]
    [InlineData("POST", Aws + "/lake/wh/ns/tbl/data/a.parquet?uploads", S3AccessKind.Write, "CreateMultipartUpload")]
    [InlineData("PUT", Aws + "/lake/wh/ns/tbl/data/a.parquet?partNumber=1&uploadId=x", S3AccessKind.Write, "UploadPart")]
    [InlineData("POST", Aws + "/lake/wh/ns/tbl/data/a.parquet?uploadId=x", S3AccessKind.Write, "CompleteMultipartUpload")]
    [InlineData("DELETE", Aws + "/lake/wh/ns/tbl/data/a.parquet", S3AccessKind.Delete, "DeleteObject")]
    [InlineData("DELETE", Aws + "/lake/wh/ns/tbl/data/a.parquet?uploadId=x", S3AccessKind.Delete, "AbortMultipartUpload")]
    [InlineData("GET", Aws + "/lake?list-type=2&prefix=wh%2Fns%2Ftbl%2F", S3AccessKind.Read, "ListObjectsV2")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/data/caf%C3%A9%2B%2525.parquet", S3AccessKind.Read, "GetObject")]
    public void Operations_inside_the_table_are_classified_and_allowed(string method, string url, S3AccessKind kind, string operation)
    {
        var access = Analyze(method, url);

        Assert.Equal(kind, access.Kind);
        Assert.Equal(operation, access.Operation);
        Assert.Null(S3RequestAnalysis.CheckInside(access, Table));
    }

    [Fact]
    public void S3_compatible_endpoints_are_path_style_on_their_own_host_and_port()
    {
        Assert.Equal("GetObject", Analyze("GET", "http://127.0.0.1:9000/lake/wh/ns/tbl/x", Compat, "us-east-1").Operation);
        Refused("GET", "http://127.0.0.1:9001/lake/wh/ns/tbl/x", S3SignRefusal.Forbidden, "not the warehouse's S3 endpoint", Compat, "us-east-1");
        Refused("GET", "http://localhost:9000/lake/wh/ns/tbl/x", S3SignRefusal.Forbidden, "not the warehouse's S3 endpoint", Compat, "us-east-1");

        var virtualHosts = Compat with { Endpoint = new Uri("https://minio.example.com:9443"), PathStyleAccess = false };
        Assert.Equal("GetObject", Analyze("GET", "https://lake.minio.example.com:9443/wh/ns/tbl/x", virtualHosts, "us-east-1").Operation);
        Assert.Equal("GetObject", Analyze("GET", "https://minio.example.com:9443/lake/wh/ns/tbl/x", virtualHosts, "us-east-1").Operation);
        Refused("GET", "https://lake.minio.example.com/wh/ns/tbl/x", S3SignRefusal.Forbidden, "not the warehouse's S3 endpoint", virtualHosts, "us-east-1");
        Refused("GET", "https://other.minio.example.com:9443/wh/ns/tbl/x", S3SignRefusal.Forbidden, "not the warehouse's S3 endpoint", virtualHosts, "us-east-1");
    }

    [Theory]
    [InlineData("GET", Aws + "/lake/wh/ns/other/data/a.parquet", "outside the table location")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl_other/data/a.parquet", "outside the table location")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl", null)]
    public void Objects_must_lie_inside_the_table(string method, string url, string? reason)
    {
        var access = Analyze(method, url);

        var error = S3RequestAnalysis.CheckInside(access, Table);
        if (reason is null)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.Contains(reason, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/../other/a.parquet", "'..' segment")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/%2E%2E/other/a.parquet", "'..' segment")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/data%2F..%2F..%2Fother/a", "'..' segment")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/./a.parquet", "'.' or '..' segment")]
    [InlineData("GET", Aws + "/other-bucket/wh/ns/tbl/a.parquet", "not the warehouse's bucket")]
    [InlineData("GET", "https://other-bucket.s3.eu-central-1.amazonaws.com/wh/ns/tbl/a", "not the warehouse's S3 endpoint")]
    [InlineData("GET", "https://evil.example.com/lake/wh/ns/tbl/a", "not the warehouse's S3 endpoint")]
    [InlineData("GET", "https://s3.us-east-1.amazonaws.com/lake/wh/ns/tbl/a", "not the warehouse's S3 endpoint")]
    [InlineData("GET", Aws + "/lake?list-type=2&prefix=wh%2Fns%2Ftbl", "does not lie inside the table location")]
    [InlineData("GET", Aws + "/lake?list-type=2", "needs a prefix")]
    [InlineData("GET", Aws + "/lake?prefix=wh%2Fns%2Ftbl%2F", "bucket-level request")]
    [InlineData("GET", Aws + "/lake?list-type=1&prefix=wh%2Fns%2Ftbl%2F", "only ListObjectsV2")]
    [InlineData("GET", Aws + "/lake?versions&prefix=wh%2Fns%2Ftbl%2F", "bucket-level request")]
    [InlineData("GET", Aws + "/lake?uploads", "bucket-level request")]
    [InlineData("GET", Aws + "/lake?location", "bucket-level request")]
    [InlineData("GET", Aws + "/lake?list-type=2&prefix=wh%2Fns%2Ftbl%2F&acl", "not a ListObjectsV2 parameter")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/a?list-type=2&prefix=wh%2Fns%2Ftbl%2F", "bucket-level parameter")]
    [InlineData("POST", Aws + "/lake/wh/ns/tbl/a?delete", "bucket-level parameter")]
    [InlineData("PUT", Aws + "/lake/wh/ns/tbl/a?acl", "not signed for PUT")]
    [InlineData("GET", Aws + "/lake/wh/ns/tbl/a?torrent", "not signed for GET")]
    [InlineData("POST", Aws + "/lake/wh/ns/tbl/a", "only for multipart uploads")]
    [InlineData("GET", Aws + "/lake", "bucket-level request")]
    public void Hostile_requests_are_refused(string method, string url, string reason)
    {
        var access = TryAnalyze(method, url, null, Profile, "eu-central-1", out var error);
        var refusal = error?.Message ?? (access is null ? null : S3RequestAnalysis.CheckInside(access, Table));

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PATCH")]
    [InlineData("OPTIONS")]
    [InlineData("TRACE")]
    public void Other_methods_are_405(string method) =>
        Refused(method, Aws + "/lake/wh/ns/tbl/a", S3SignRefusal.MethodNotAllowed, "is not signed");

    [Fact]
    public void The_region_must_be_the_profiles() =>
        Refused("GET", Aws + "/lake/wh/ns/tbl/a", S3SignRefusal.Forbidden, "not the warehouse's region", region: "us-east-1");

    [Fact]
    public void Duplicated_query_parameters_are_refused() =>
        Refused("GET", Aws + "/lake?list-type=2&prefix=wh%2Fns%2Ftbl%2F&prefix=wh%2F", S3SignRefusal.BadRequest, "more than once");

    [Theory]
    [InlineData("x-amz-acl", "public-read")]
    [InlineData("x-amz-grant-read", "uri=http://acs.amazonaws.com/groups/global/AllUsers")]
    [InlineData("x-amz-object-lock-mode", "COMPLIANCE")]
    [InlineData("X-Amz-Website-Redirect-Location", "https://evil.example.com")]
    public void Headers_that_change_access_are_refused(string header, string value)
    {
        var headers = new Dictionary<string, IReadOnlyList<string>> { [header] = [value] };
        Assert.True(S3RequestUrl.TryParse(Aws + "/lake/wh/ns/tbl/a", out var url, out _));

        Assert.False(S3RequestAnalysis.TryAnalyze("PUT", url, "eu-central-1", headers, null, Profile, out _, out var error));
        Assert.Equal(S3SignRefusal.Forbidden, error.Refusal);
    }

    [Fact]
    public void A_copy_source_must_lie_inside_the_table_too()
    {
        Assert.True(S3RequestUrl.TryParse(Aws + "/lake/wh/ns/tbl/data/copy.parquet", out var url, out _));
        var inside = new Dictionary<string, IReadOnlyList<string>> { ["x-amz-copy-source"] = ["/lake/wh/ns/tbl/data/a.parquet"] };
        var outside = new Dictionary<string, IReadOnlyList<string>> { ["x-amz-copy-source"] = ["lake/wh/ns/secret/a.parquet?versionId=1"] };

        Assert.True(S3RequestAnalysis.TryAnalyze("PUT", url, "eu-central-1", inside, null, Profile, out var copy, out _));
        Assert.True(S3RequestAnalysis.TryAnalyze("PUT", url, "eu-central-1", outside, null, Profile, out var steal, out _));

        Assert.Equal("CopyObject", copy.Operation);
        Assert.Null(S3RequestAnalysis.CheckInside(copy, Table));
        Assert.Contains("outside the table location", S3RequestAnalysis.CheckInside(steal, Table), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_key_of_a_delete_objects_body_is_checked()
    {
        var good = Enumerable.Range(0, 999).Select(i => $"wh/ns/tbl/data/{i}.parquet").ToList();
        var access = Analyze("POST", Aws + "/lake?delete", body: DeleteBody([.. good, "wh/ns/other/data/x.parquet"]));

        Assert.Equal(S3AccessKind.Delete, access.Kind);
        Assert.Equal(1000, access.Locations.Count);
        Assert.Contains("s3://lake/wh/ns/other/data/x.parquet", S3RequestAnalysis.CheckInside(access, Table), StringComparison.Ordinal);
        Assert.Null(S3RequestAnalysis.CheckInside(Analyze("POST", Aws + "/lake?delete", body: DeleteBody(good)), Table));
    }

    [Theory]
    [InlineData("", "needs its XML body")]
    [InlineData("<Delete><Object><Key>wh/ns/tbl/a</Key><Key>wh/ns/other/b</Key></Object></Delete>", "exactly one <Key>")]
    [InlineData("<Delete><Object><VersionId>1</VersionId></Object></Delete>", "has no <Key>")]
    [InlineData("<!DOCTYPE d [<!ENTITY x \"wh/ns/other/b\">]><Delete><Object><Key>&x;</Key></Object></Delete>", "not valid XML")]
    [InlineData("<Delete xmlns:o=\"urn:other\"><o:Object><Key>wh/ns/other/b</Key></o:Object></Delete>", "another namespace")]
    [InlineData("<Nope/>", "must be a <Delete> document")]
    [InlineData("<Delete></Delete>", "lists no keys")]
    public void Malformed_delete_bodies_are_refused(string body, string reason) =>
        Refused("POST", Aws + "/lake?delete", S3SignRefusal.BadRequest, reason, body: body);

    [Fact]
    public void More_than_1000_keys_are_refused() =>
        Refused("POST", Aws + "/lake?delete", S3SignRefusal.BadRequest, "at most 1000",
            body: DeleteBody([.. Enumerable.Range(0, 1001).Select(i => $"wh/ns/tbl/{i}")]));

    [Theory]
    [InlineData("ftp://s3.eu-central-1.amazonaws.com/lake/a", "http:// or https://")]
    [InlineData("https://user:pw@s3.eu-central-1.amazonaws.com/lake/a", "user information")]
    [InlineData("https://s3.eu-central-1.amazonaws.com/lake/a#x", "fragment")]
    [InlineData("https://s3.eu-central-1.amazonaws.com/lake/a b", "printable ASCII")]
    [InlineData("https://s3.eu-central-1.amazonaws.com/lake/a+b", "raw '+'")]
    [InlineData("https://s3.eu-central-1.amazonaws.com/lake/a%zz", "malformed percent escape")]
    [InlineData("https://s3.eu-central-1.amazonaws.com/lake/a%0a", "control character")]
    [InlineData("https://s3.eu-central-1.amazonaws.com/lake/a%C3", "not valid UTF-8")]
    [InlineData("https://s3.eu-central-1.amazonaws.com", "must have a path")]
    [InlineData("https://s3.eu-central-1.amazonaws.com:99999/lake/a", "invalid port")]
    public void Malformed_urls_are_refused(string text, string reason)
    {
        Assert.False(S3RequestUrl.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_style_only_refuses_virtual_hosts_and_virtual_host_only_refuses_paths()
    {
        var path = Profile with { RemoteSigningUrlStyle = S3UrlStyle.Path };
        var virtualHost = Profile with { RemoteSigningUrlStyle = S3UrlStyle.VirtualHost };

        Refused("GET", "https://lake.s3.eu-central-1.amazonaws.com/wh/ns/tbl/a", S3SignRefusal.Forbidden, "path style", path);
        Refused("GET", Aws + "/lake/wh/ns/tbl/a", S3SignRefusal.Forbidden, "virtual-host style", virtualHost);
        Assert.Equal("GetObject", Analyze("GET", "https://lake.s3.eu-central-1.amazonaws.com/wh/ns/tbl/a", virtualHost).Operation);
    }

    internal static string DeleteBody(IEnumerable<string> keys)
    {
        var xml = new StringBuilder("<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
        foreach (var key in keys)
        {
            xml.Append("<Object><Key>").Append(System.Security.SecurityElement.Escape(key)).Append("</Key></Object>");
        }

        return xml.Append("<Quiet>true</Quiet></Delete>").ToString();
    }

    private static S3Access Analyze(string method, string url, S3StorageProfile? profile = null, string region = "eu-central-1", string? body = null) =>
        TryAnalyze(method, url, body, profile ?? Profile, region, out var error) ?? throw new InvalidOperationException(error!.Message);

    private static void Refused(string method, string url, S3SignRefusal refusal, string reason, S3StorageProfile? profile = null, string region = "eu-central-1", string? body = null)
    {
        Assert.Null(TryAnalyze(method, url, body, profile ?? Profile, region, out var error));
        Assert.Equal(refusal, error!.Refusal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    private static S3Access? TryAnalyze(string method, string text, string? body, S3StorageProfile profile, string region, out S3SignError? error)
    {
        if (!S3RequestUrl.TryParse(text, out var url, out var urlError))
        {
            error = new S3SignError(S3SignRefusal.BadRequest, urlError);
            return null;
        }

        return S3RequestAnalysis.TryAnalyze(method, url, region, new Dictionary<string, IReadOnlyList<string>>(), body, profile, out var access, out error) ? access : null;
    }
}
