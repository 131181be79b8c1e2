using System.Globalization;
using Lakekeeper.Storage.S3.Signing;
using Lakekeeper.Storage.Tests.Infrastructure;

namespace Lakekeeper.Storage.Tests.S3;

/// <summary>
/// Our SigV4 signatures are byte-equal to botocore's (Debian's python3-botocore, the reference) for a
/// corpus of S3 requests at a fixed time: the <c>Authorization</c> header, the canonical request and
/// every header the signer sets.
/// </summary>
public sealed class SigV4BotocoreTests
{
    private static readonly DateTimeOffset Time = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static readonly SigV4Credential Key = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

    private static readonly SigV4Credential SessionKey = new("ASIAEXAMPLE", "c2VjcmV0/with+odd=chars", "FwoGZXIvYXdzEJr//////////wEaDOEXAMPLETOKEN+/=");

    public sealed record Case(string Name, string Method, string Url, (string Name, string Value)[] Headers, string? Body = null, SigV4Credential? Credential = null, string Region = "eu-central-1");

    private static readonly Case[] Corpus =
    [
        new("GET with range, SDK and user-agent headers (not signed)", "GET", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/00000-0.parquet",
            [("Range", "bytes=0-1023"), ("amz-sdk-invocation-id", "0f1e2d3c"), ("amz-sdk-request", "attempt=1; max=3"), ("User-Agent", "aws-sdk-java/2.30"), ("Accept", "*/*")]),
        new("GET virtual-host style", "GET", "https://lake.s3.eu-central-1.amazonaws.com/wh/ns/t/metadata/00001-abc.metadata.json",
            [("Accept-Encoding", "identity")]),
        new("HEAD", "HEAD", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/x.parquet", []),
        new("PUT without body (unsigned payload)", "PUT", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/new.parquet?x-id=PutObject",
            [("Content-Type", "application/octet-stream"), ("Content-Length", "1048576"), ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="), ("x-amz-meta-writer", "spark")]),
        new("PUT with body (hashed)", "PUT", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/metadata/v2.metadata.json",
            [("Content-Type", "application/json")], Body: """{"format-version":2}"""),
        new("multipart: create", "POST", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/big.parquet?uploads", []),
        new("multipart: upload part", "PUT", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/big.parquet?partNumber=3&uploadId=VXBsb2FkIElE%2Babc%3D%3D",
            [("Content-Length", "5242880")]),
        new("multipart: complete", "POST", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/big.parquet?uploadId=VXBsb2FkIElE",
            [("Content-Type", "application/xml")],
            Body: "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part></CompleteMultipartUpload>"),
        new("DeleteObjects with its body", "POST", "https://s3.eu-central-1.amazonaws.com/lake?delete",
            [("Content-MD5", "hK0tS3SdyQWH4cHY9x6uCg=="), ("Content-Type", "application/xml")],
            Body: "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>wh/ns/t/data/a.parquet</Key></Object><Quiet>true</Quiet></Delete>"),
        new("ListObjectsV2 with every standard parameter", "GET",
            "https://s3.eu-central-1.amazonaws.com/lake?list-type=2&prefix=wh%2Fns%2Ft%2F&max-keys=1000&continuation-token=1%2FAbC%3D%3D&encoding-type=url&delimiter=%2F&start-after=wh%2Fns%2Ft%2Fa&fetch-owner=false",
            []),
        new("unicode key", "GET", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/%E6%97%A5%E6%9C%AC/caf%C3%A9%20%F0%9F%98%80.parquet", []),
        new("'+' and '%' in keys", "PUT", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/a%2Bb%2550%25.parquet", [("Content-Length", "0")]),
        new("session token", "GET", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/x.parquet", [], Credential: SessionKey),
        new("whitespace in values, repeated and mixed-case headers", "PUT", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/x.parquet",
            [("X-Amz-Meta-Note", "  two   spaces\tand tab  "), ("x-amz-meta-list", "a"), ("X-AMZ-META-LIST", "b  c"), ("x-amz-meta-empty", "")]),
        new("non-default port, path style (S3-compatible)", "GET", "http://127.0.0.1:9000/lake/wh/ns/t/data/x.parquet", [], Region: "us-east-1"),
        new("explicit default port", "GET", "https://s3.eu-central-1.amazonaws.com:443/lake/wh/ns/t/data/x.parquet", []),
        new("repeated and valueless query parameters", "GET", "https://s3.eu-central-1.amazonaws.com/lake/wh/x?b=2&a=&a=1&c", []),
        new("DELETE with a version", "DELETE", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/x.parquet?versionId=3%2FL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY", []),
        new("non-ASCII header value", "PUT", "https://s3.eu-central-1.amazonaws.com/lake/wh/ns/t/data/x.parquet", [("x-amz-meta-city", "Zürich")]),
        new("china partition host", "GET", "https://s3.cn-north-1.amazonaws.com.cn/lake/wh/x", [], Region: "cn-north-1"),
    ];

    [Fact]
    public async Task Signatures_are_byte_equal_to_botocore_over_the_corpus()
    {
        var ours = Corpus.Select(Sign).ToList();
        var timestamp = Time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var reference = await Botocore.RunAsync("botocore_sign.py", new
        {
            exclude = S3RemoteSigning.UnsignedHeaders.ToArray(),
            cases = Corpus.Select(c => new
            {
                method = c.Method,
                url = c.Url,
                headers = c.Headers.Select(h => new[] { h.Name, h.Value }).ToArray(),
                body = c.Body,
                access_key = (c.Credential ?? Key).AccessKeyId,
                secret_key = (c.Credential ?? Key).SecretAccessKey,
                token = (c.Credential ?? Key).SessionToken,
                region = c.Region,
                timestamp,
            }).ToArray(),
        });

        Assert.Equal(Corpus.Length, reference.GetArrayLength());
        for (var i = 0; i < Corpus.Length; i++)
        {
            var expected = reference[i];
            var (headers, signature) = ours[i];
            var name = Corpus[i].Name;
            Assert.True(expected.GetProperty("canonical_request").GetString() == signature.CanonicalRequest,
                $"{name}: canonical request differs\n--- botocore\n{expected.GetProperty("canonical_request").GetString()}\n--- ours\n{signature.CanonicalRequest}");
            Assert.True(expected.GetProperty("authorization").GetString() == headers["authorization"].Single(), $"{name}: Authorization differs");
            foreach (var header in expected.GetProperty("headers").EnumerateObject())
            {
                Assert.True(header.Value.GetString() == headers[header.Name].Single(), $"{name}: {header.Name} differs");
            }
        }
    }

    [Fact]
    public void Unsigned_headers_pass_through_and_host_never_does()
    {
        var (headers, signature) = Sign(Corpus[0] with { Headers = [.. Corpus[0].Headers, ("Host", "other-bucket.s3.eu-central-1.amazonaws.com")] });

        Assert.Equal("bytes=0-1023", headers["range"].Single());
        Assert.Equal("aws-sdk-java/2.30", headers["user-agent"].Single());
        Assert.False(headers.ContainsKey("host"));
        Assert.Equal("accept;host;x-amz-content-sha256;x-amz-date", signature.SignedHeaders);
        Assert.Contains("\nhost:s3.eu-central-1.amazonaws.com\n", signature.CanonicalRequest, StringComparison.Ordinal);
        Assert.Equal(SigV4.UnsignedPayload, headers["x-amz-content-sha256"].Single());
    }

    [Fact]
    public void A_different_time_key_or_body_changes_the_signature()
    {
        var baseline = Sign(Corpus[4]).Headers["authorization"].Single();
        var later = S3RemoteSigning.Sign("PUT", Url(Corpus[4].Url), Dictionary(Corpus[4].Headers), Corpus[4].Body, Key, "eu-central-1", Time.AddSeconds(1)).Headers["authorization"].Single();
        var otherBody = S3RemoteSigning.Sign("PUT", Url(Corpus[4].Url), Dictionary(Corpus[4].Headers), Corpus[4].Body + " ", Key, "eu-central-1", Time).Headers["authorization"].Single();
        var otherKey = S3RemoteSigning.Sign("PUT", Url(Corpus[4].Url), Dictionary(Corpus[4].Headers), Corpus[4].Body, Key with { SecretAccessKey = "x" }, "eu-central-1", Time).Headers["authorization"].Single();

        Assert.Equal(4, new[] { baseline, later, otherBody, otherKey }.Distinct().Count());
    }

    private static (IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, SigV4Signature Signature) Sign(Case c) =>
        S3RemoteSigning.Sign(c.Method, Url(c.Url), Dictionary(c.Headers), c.Body, c.Credential ?? Key, c.Region, Time);

    private static S3RequestUrl Url(string text) =>
        S3RequestUrl.TryParse(text, out var url, out var error) ? url : throw new InvalidOperationException(error);

    private static Dictionary<string, IReadOnlyList<string>> Dictionary((string Name, string Value)[] headers)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers)
        {
            map[name] = map.TryGetValue(name, out var existing) ? [.. existing, value] : [value];
        }

        return map;
    }
}
