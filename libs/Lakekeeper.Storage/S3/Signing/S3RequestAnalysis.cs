using System.Diagnostics.CodeAnalysis;
using System.Xml;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.S3.Signing;

/// <summary>What a signed request may do to table data.</summary>
public enum S3AccessKind
{
    /// <summary>GET, HEAD (objects), ListObjectsV2.</summary>
    Read,

    /// <summary>PUT, POST (uploads, multipart).</summary>
    Write,

    /// <summary>DELETE, DeleteObjects (<c>POST ?delete</c>).</summary>
    Delete,
}

/// <summary>Why a sign request is refused: a malformed request (400), a forbidden one (403), or an unsupported method (405).</summary>
public enum S3SignRefusal
{
    BadRequest,
    Forbidden,
    MethodNotAllowed,
}

/// <summary>
/// The data an S3 request touches: object <see cref="Locations"/> (GET, PUT, DELETE, every key of a
/// DeleteObjects body, a copy source), or a listing <see cref="ListPrefix"/>. Every one of them must
/// lie inside one table's location for the request to be signed (<see cref="S3RequestAnalysis.CheckInside"/>).
/// </summary>
public sealed record S3Access(S3AccessKind Kind, string Operation, string Bucket, IReadOnlyList<StorageLocation> Locations, string? ListPrefix)
{
    /// <summary>A location to find the table by when the request names none (the first object, or the listed folder).</summary>
    public StorageLocation? LookupLocation { get; init; }

    /// <summary>The request removes objects (DeleteObject, DeleteObjects); aborting a multipart upload removes none.</summary>
    public bool RemovesObjects => Kind == S3AccessKind.Delete && Operation != AbortMultipartUpload;

    /// <summary>The operation of a DELETE with an <c>uploadId</c>.</summary>
    public const string AbortMultipartUpload = nameof(AbortMultipartUpload);
}

/// <summary>A refused sign request: the status kind and a message that names the rule (never a secret).</summary>
public sealed record S3SignError(S3SignRefusal Refusal, string Message);

/// <summary>
/// The rules of what an S3 sign request may do, before any table is known. Pure: the URL, method,
/// headers and body of the request and the warehouse's profile in, an <see cref="S3Access"/> or a
/// refusal out.
/// <list type="bullet">
/// <item>methods: GET/HEAD read, PUT/POST write, DELETE and <c>POST ?delete</c> delete; others 405;</item>
/// <item>the region must be the profile's; the URL's host must be the profile's endpoint (or an S3
/// host of the region), and the bucket the profile's, in path or virtual-host style
/// (<c>remote-signing-url-style</c>);</item>
/// <item>object requests: only the query parameters of object operations, each at most once; no
/// bucket-level parameter; no ACL, grant, object-lock or redirect headers; a copy source is an object
/// location too;</item>
/// <item>bucket requests: only ListObjectsV2 (with a <c>prefix</c> and the standard parameters) and
/// DeleteObjects (every key of its XML body checked, at most 1000); V1 listing, <c>?versions</c>,
/// <c>?uploads</c>, <c>?location</c> and everything else are refused.</item>
/// </list>
/// </summary>
public static class S3RequestAnalysis
{
    /// <summary>Largest DeleteObjects body (1000 keys of 1024 bytes, escaped, with the XML around them).</summary>
    public const int MaxDeleteBodyChars = 8 * 1024 * 1024;

    private const string S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

    private static readonly HashSet<string> ListParameters =
        ["list-type", "prefix", "delimiter", "continuation-token", "start-after", "max-keys", "encoding-type", "fetch-owner", "x-id", "optional-object-attributes"];

    private static readonly HashSet<string> ResponseOverrides =
        ["response-cache-control", "response-content-disposition", "response-content-encoding", "response-content-language", "response-content-type", "response-expires"];

    /// <summary>Headers that would change who can see or remove an object, or where a read goes.</summary>
    private static readonly string[] RefusedHeaderPrefixes = ["x-amz-acl", "x-amz-grant-", "x-amz-object-lock-", "x-amz-bypass-governance-retention", "x-amz-website-redirect-location"];

    public static bool TryAnalyze(
        string method,
        S3RequestUrl url,
        string region,
        IReadOnlyDictionary<string, IReadOnlyList<string>> headers,
        string? body,
        S3StorageProfile profile,
        [NotNullWhen(true)] out S3Access? access,
        [NotNullWhen(false)] out S3SignError? error)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(profile);
        access = null;
        var verb = method.ToUpperInvariant();
        if (verb is not ("GET" or "HEAD" or "PUT" or "POST" or "DELETE"))
        {
            error = new(S3SignRefusal.MethodNotAllowed, $"method '{StorageLocation.Shorten(method)}' is not signed; only GET, HEAD, PUT, POST and DELETE");
            return false;
        }

        if (!string.Equals(region, profile.Region, StringComparison.Ordinal))
        {
            error = Forbidden($"region '{StorageLocation.Shorten(region)}' is not the warehouse's region '{profile.Region}'");
            return false;
        }

        if (!TrySplit(url, profile, out var bucket, out var rawKey, out error))
        {
            return false;
        }

        if (!string.Equals(bucket, profile.Bucket, StringComparison.Ordinal))
        {
            error = Forbidden($"bucket '{StorageLocation.Shorten(bucket)}' is not the warehouse's bucket");
            return false;
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in url.Query)
        {
            if (!names.Add(name))
            {
                error = Bad($"query parameter '{StorageLocation.Shorten(name)}' appears more than once");
                return false;
            }
        }

        foreach (var name in headers.Keys)
        {
            var lower = name.ToLowerInvariant();
            if (RefusedHeaderPrefixes.Any(p => lower.StartsWith(p, StringComparison.Ordinal)))
            {
                error = Forbidden($"header '{StorageLocation.Shorten(lower)}' is not signed (it changes access to objects)");
                return false;
            }
        }

        return rawKey.Length == 0
            ? TryAnalyzeBucket(verb, url, bucket, body, out access, out error)
            : TryAnalyzeObject(verb, url, bucket, rawKey, headers, out access, out error);
    }

    /// <summary>
    /// Whether every location (and the listed prefix) of <paramref name="access"/> lies inside
    /// <paramref name="tableLocation"/>; a listing must reach past the table's own folder separator
    /// (so <c>…/tbl</c> never lists <c>…/tbl_other</c>).
    /// </summary>
    public static string? CheckInside(S3Access access, StorageLocation tableLocation)
    {
        ArgumentNullException.ThrowIfNull(access);
        ArgumentNullException.ThrowIfNull(tableLocation);
        foreach (var location in access.Locations)
        {
            if (!location.IsUnder(tableLocation))
            {
                return $"'{StorageLocation.Shorten(location.ToString())}' is outside the table location";
            }
        }

        if (access.ListPrefix is { } prefix)
        {
            var tableKey = TableKey(tableLocation, access.Bucket);
            if (tableKey is null || !prefix.StartsWith(tableKey + "/", StringComparison.Ordinal))
            {
                return $"listing prefix '{StorageLocation.Shorten(prefix)}' does not lie inside the table location (it must start with the table's folder and '/')";
            }
        }

        return null;
    }

    /// <summary>The key part of an <c>s3://bucket/key</c> location in <paramref name="bucket"/>, or null.</summary>
    private static string? TableKey(StorageLocation location, string bucket) =>
        location.Scheme == StorageScheme.S3 && location.Bucket == bucket && location.Path.Length > 0 ? location.Path : null;

    private static bool TrySplit(S3RequestUrl url, S3StorageProfile profile, out string bucket, out string rawKey, [NotNullWhen(false)] out S3SignError? error)
    {
        bucket = string.Empty;
        rawKey = string.Empty;
        var pathStyle = IsServiceHost(url, profile);
        var virtualHost = !pathStyle && url.Host.StartsWith(profile.Bucket + ".", StringComparison.Ordinal)
            && IsServiceHost(url, profile, url.Host[(profile.Bucket.Length + 1)..]);
        var style = profile.RemoteSigningUrlStyle;
        if ((style == S3UrlStyle.Path && !pathStyle) || (style == S3UrlStyle.VirtualHost && !virtualHost) || (!pathStyle && !virtualHost))
        {
            error = Forbidden($"host '{StorageLocation.Shorten(url.HostHeader)}' is not the warehouse's S3 endpoint{(style == S3UrlStyle.Auto ? string.Empty : " in " + (style == S3UrlStyle.Path ? "path" : "virtual-host") + " style")}");
            return false;
        }

        if (virtualHost)
        {
            bucket = profile.Bucket;
            rawKey = url.RawPath[1..];
        }
        else
        {
            var path = url.RawPath[1..];
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            var rawBucket = slash < 0 ? path : path[..slash];
            rawKey = slash < 0 ? string.Empty : path[(slash + 1)..];
            if (!S3RequestUrl.TryDecode(rawBucket, out var decodedBucket, out var decodeError))
            {
                error = Bad("uri bucket: " + decodeError);
                return false;
            }

            if (decodedBucket.Length == 0)
            {
                error = Forbidden("the uri names no bucket");
                return false;
            }

            bucket = decodedBucket;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Whether <paramref name="host"/> (default: the URL's host) is the S3 service itself: the profile's
    /// endpoint, or for AWS an S3 host of the profile's region (never a bucket's virtual host).
    /// </summary>
    private static bool IsServiceHost(S3RequestUrl url, S3StorageProfile profile, string? host = null)
    {
        host ??= url.Host;
        if (profile.Endpoint is { } endpoint)
        {
            var defaultPort = url.Scheme == "https" ? 443 : 80;
            return string.Equals(host, endpoint.IdnHost.ToLowerInvariant(), StringComparison.Ordinal)
                && (url.Port ?? defaultPort) == (endpoint.IsDefaultPort ? defaultPort : endpoint.Port);
        }

        var region = profile.Region.ToLowerInvariant();
        var suffix = "." + AwsPartitions.DnsSuffix(region);
        if (!host.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }

        var name = host[..^suffix.Length];
        return name == "s3." + region
            || name == "s3-" + region
            || name == "s3.dualstack." + region
            || name == "s3-fips." + region
            || name == "s3-fips.dualstack." + region
            || (name == "s3" && AwsPartitions.FromRegion(region) == "aws");
    }

    private static bool TryAnalyzeBucket(string verb, S3RequestUrl url, string bucket, string? body, out S3Access? access, [NotNullWhen(false)] out S3SignError? error)
    {
        access = null;
        var query = url.Query.ToDictionary(static p => p.Key, static p => p.Value, StringComparer.Ordinal);
        if (verb == "GET" && query.TryGetValue("list-type", out var listType))
        {
            if (listType != "2")
            {
                error = Forbidden("only ListObjectsV2 (list-type=2) is signed");
                return false;
            }

            if (query.Keys.FirstOrDefault(k => !ListParameters.Contains(k)) is { } extra)
            {
                error = Forbidden($"query parameter '{StorageLocation.Shorten(extra)}' is not a ListObjectsV2 parameter");
                return false;
            }

            if (query.TryGetValue("encoding-type", out var encoding) && encoding != "url")
            {
                error = Bad("encoding-type must be 'url'");
                return false;
            }

            if (!query.TryGetValue("prefix", out var prefix) || prefix.Length == 0)
            {
                error = Forbidden("a listing needs a prefix inside the table location");
                return false;
            }

            if (HasDotSegment(prefix))
            {
                error = Forbidden("a listing prefix must not contain '.' or '..' segments");
                return false;
            }

            StorageLocation.TryParse("s3://" + bucket + "/" + prefix.TrimEnd('/'), out var folder, out _);
            access = new S3Access(S3AccessKind.Read, "ListObjectsV2", bucket, [], prefix) { LookupLocation = folder };
            error = null;
            return true;
        }

        if (verb == "POST" && query.ContainsKey("delete") && query.Keys.All(static k => k is "delete" or "x-id"))
        {
            if (query["delete"].Length > 0)
            {
                error = Bad("the 'delete' parameter takes no value");
                return false;
            }

            return TryAnalyzeDeleteObjects(bucket, body, out access, out error);
        }

        var what = query.Count == 0
            ? $"{verb} on the bucket"
            : string.Join(", ", query.Keys.Select(static k => StorageLocation.Shorten(k)));
        error = Forbidden($"bucket-level request ({what}) is not signed: only ListObjectsV2 with a prefix and DeleteObjects");
        return false;
    }

    private static bool TryAnalyzeDeleteObjects(string bucket, string? body, out S3Access? access, [NotNullWhen(false)] out S3SignError? error)
    {
        access = null;
        if (string.IsNullOrEmpty(body))
        {
            error = Bad("DeleteObjects needs its XML body in 'body' so that every key can be checked");
            return false;
        }

        if (body.Length > MaxDeleteBodyChars)
        {
            error = Bad("DeleteObjects body is too large");
            return false;
        }

        var keys = new List<string>();
        try
        {
            using var reader = XmlReader.Create(new StringReader(body), new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
                MaxCharactersInDocument = MaxDeleteBodyChars,
            });
            reader.MoveToContent();
            if (reader.LocalName != "Delete" || !IsS3Namespace(reader.NamespaceURI))
            {
                error = Bad("DeleteObjects body must be a <Delete> document");
                return false;
            }

            var depth = reader.Depth;
            while (reader.Read())
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth)
                {
                    break;
                }

                if (reader.NodeType != XmlNodeType.Element || reader.Depth != depth + 1)
                {
                    continue;
                }

                if (!IsS3Namespace(reader.NamespaceURI))
                {
                    error = Bad("DeleteObjects body has an element of another namespace");
                    return false;
                }

                if (reader.LocalName == "Object")
                {
                    string? key = null;
                    using var item = reader.ReadSubtree();
                    item.Read();
                    var advanced = false;
                    while (advanced || item.Read())
                    {
                        advanced = false;
                        if (item.NodeType == XmlNodeType.Element && item.Depth == 1 && item.LocalName == "Key")
                        {
                            if (key is not null || !IsS3Namespace(item.NamespaceURI))
                            {
                                error = Bad("a DeleteObjects <Object> must have exactly one <Key>");
                                return false;
                            }

                            // Leaves the reader on the node after </Key>.
                            key = item.ReadElementContentAsString();
                            advanced = true;
                        }
                    }

                    if (string.IsNullOrEmpty(key))
                    {
                        error = Bad("a DeleteObjects <Object> has no <Key>");
                        return false;
                    }

                    keys.Add(key);
                    if (keys.Count > 1000)
                    {
                        error = Bad("DeleteObjects deletes at most 1000 keys");
                        return false;
                    }
                }
            }
        }
        catch (XmlException ex)
        {
            error = Bad("DeleteObjects body is not valid XML: " + StorageLocation.Shorten(ex.Message));
            return false;
        }

        if (keys.Count == 0)
        {
            error = Bad("DeleteObjects body lists no keys");
            return false;
        }

        var locations = new List<StorageLocation>(keys.Count);
        foreach (var key in keys)
        {
            if (!TryObjectLocation(bucket, key, out var location, out error))
            {
                return false;
            }

            locations.Add(location);
        }

        access = new S3Access(S3AccessKind.Delete, "DeleteObjects", bucket, locations, null) { LookupLocation = locations[0] };
        error = null;
        return true;
    }

    private static bool IsS3Namespace(string ns) => ns.Length == 0 || ns == S3Namespace;

    private static bool TryAnalyzeObject(
        string verb, S3RequestUrl url, string bucket, string rawKey, IReadOnlyDictionary<string, IReadOnlyList<string>> headers,
        out S3Access? access, [NotNullWhen(false)] out S3SignError? error)
    {
        access = null;
        foreach (var (name, _) in url.Query)
        {
            if (!AllowedOnObject(verb, name))
            {
                var bucketLevel = ListParameters.Contains(name) || name is "delete" or "versions" or "uploads" or "location";
                error = Forbidden(bucketLevel
                    ? $"bucket-level parameter '{StorageLocation.Shorten(name)}' on an object request"
                    : $"query parameter '{StorageLocation.Shorten(name)}' is not signed for {verb} on an object");
                return false;
            }
        }

        if (!S3RequestUrl.TryDecode(rawKey, out var key, out var decodeError))
        {
            error = Bad("uri key: " + decodeError);
            return false;
        }

        if (!TryObjectLocation(bucket, key, out var location, out error))
        {
            return false;
        }

        var locations = new List<StorageLocation> { location };
        var query = url.Query.Select(static p => p.Key).ToHashSet(StringComparer.Ordinal);
        var (kind, operation) = verb switch
        {
            "GET" => (S3AccessKind.Read, query.Contains("uploadId") ? "ListParts" : "GetObject"),
            "HEAD" => (S3AccessKind.Read, "HeadObject"),
            "PUT" => (S3AccessKind.Write, query.Contains("uploadId") ? "UploadPart" : "PutObject"),
            "POST" => (S3AccessKind.Write, query.Contains("uploads") ? "CreateMultipartUpload" : query.Contains("uploadId") ? "CompleteMultipartUpload" : "PostObject"),
            _ => (S3AccessKind.Delete, query.Contains("uploadId") ? S3Access.AbortMultipartUpload : "DeleteObject"),
        };

        var copySource = Header(headers, "x-amz-copy-source");
        if (copySource is not null)
        {
            if (verb != "PUT")
            {
                error = Forbidden("x-amz-copy-source is only signed on PUT");
                return false;
            }

            if (!TryCopySource(copySource, out var source, out error))
            {
                return false;
            }

            locations.Add(source);
            operation = operation == "UploadPart" ? "UploadPartCopy" : "CopyObject";
        }
        else if (headers.Keys.Any(static k => k.StartsWith("x-amz-copy-source", StringComparison.OrdinalIgnoreCase)))
        {
            error = Forbidden("x-amz-copy-source-* headers need x-amz-copy-source");
            return false;
        }

        if (operation == "PostObject")
        {
            error = Forbidden("POST on an object is signed only for multipart uploads (?uploads, ?uploadId)");
            return false;
        }

        access = new S3Access(kind, operation, bucket, locations, null) { LookupLocation = location };
        error = null;
        return true;
    }

    private static bool AllowedOnObject(string verb, string name) => name == "x-id" || verb switch
    {
        "GET" => name is "versionId" or "partNumber" or "uploadId" or "attributes" || ResponseOverrides.Contains(name),
        "HEAD" => name is "versionId" or "partNumber",
        "PUT" => name is "partNumber" or "uploadId",
        "POST" => name is "uploads" or "uploadId",
        "DELETE" => name is "versionId" or "uploadId",
        _ => false,
    };

    private static bool TryCopySource(string value, [NotNullWhen(true)] out StorageLocation? source, [NotNullWhen(false)] out S3SignError? error)
    {
        source = null;
        var text = value.Trim();
        var question = text.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            var rest = text[(question + 1)..];
            if (!rest.StartsWith("versionId=", StringComparison.Ordinal) || rest.Contains('&', StringComparison.Ordinal))
            {
                error = Forbidden("x-amz-copy-source may carry only ?versionId=");
                return false;
            }

            text = text[..question];
        }

        if (!S3RequestUrl.TryDecode(text.TrimStart('/'), out var decoded, out var decodeError))
        {
            error = Bad("x-amz-copy-source: " + decodeError);
            return false;
        }

        var slash = decoded.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == decoded.Length - 1)
        {
            error = Bad("x-amz-copy-source must be bucket/key");
            return false;
        }

        return TryObjectLocation(decoded[..slash], decoded[(slash + 1)..], out source, out error);
    }

    /// <summary>The location of an object key (as S3 stores it, decoded). Dot segments, empty segments and control characters are refused.</summary>
    private static bool TryObjectLocation(string bucket, string key, [NotNullWhen(true)] out StorageLocation? location, [NotNullWhen(false)] out S3SignError? error)
    {
        location = null;
        if (HasDotSegment(key))
        {
            error = Forbidden($"key '{StorageLocation.Shorten(key)}' contains a '.' or '..' segment");
            return false;
        }

        if (key.Any(static c => char.IsControl(c)))
        {
            error = Bad("a key contains a control character");
            return false;
        }

        if (!StorageLocation.TryParse("s3://" + bucket + "/" + key, out var parsed, out var parseError))
        {
            error = Forbidden("key is not a location the catalog accepts: " + parseError);
            return false;
        }

        location = parsed;
        error = null;
        return true;
    }

    private static bool HasDotSegment(string key) =>
        key.Split('/', '\\').Any(static s => s is "." or "..");

    private static string? Header(IReadOnlyDictionary<string, IReadOnlyList<string>> headers, string name)
    {
        foreach (var (key, values) in headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return values.Count == 1 ? values[0] : string.Join(",", values);
            }
        }

        return null;
    }

    private static S3SignError Forbidden(string message) => new(S3SignRefusal.Forbidden, message);

    private static S3SignError Bad(string message) => new(S3SignRefusal.BadRequest, message);
}
