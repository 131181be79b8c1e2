using System.Text;
using System.Text.Json;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.S3.Sts;

/// <summary>What vended credentials may do inside a table's location.</summary>
public enum S3AccessLevel
{
    /// <summary>Read and list the table's objects.</summary>
    Read,

    /// <summary>Read, list and write (multipart uploads included), but not delete.</summary>
    ReadWrite,

    /// <summary>Read, list, write and delete.</summary>
    ReadWriteDelete,
}

/// <summary>
/// The inline session policy of vended credentials: the intersection with the role's own policy is
/// what the engine gets, so the credentials reach only the table's location whatever the role allows.
/// <list type="bullet">
/// <item>objects under <c>&lt;table path&gt;/</c>: get (read), put and multipart (write), delete (delete);</item>
/// <item><c>s3:ListBucket</c> on the bucket only with an <c>s3:prefix</c> condition of
/// <c>&lt;table path&gt;/*</c> (never a sibling such as <c>tbl_other</c>); <c>s3:GetBucketLocation</c>;</item>
/// <item>with a KMS key: <c>kms:Decrypt</c> for reading, <c>kms:Encrypt</c> and
/// <c>kms:GenerateDataKey*</c> for writing;</item>
/// <item>ARNs in the partition of the region (<c>aws</c>, <c>aws-us-gov</c>, <c>aws-cn</c>, …).</item>
/// </list>
/// IAM wildcards and policy variables in the path (<c>*</c>, <c>?</c>, <c>$</c>) are escaped.
/// </summary>
public static class S3SessionPolicy
{
    public static string Build(S3StorageProfile profile, StorageLocation tableLocation, S3AccessLevel level)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(tableLocation);
        var text = tableLocation.ToString();
        var bucketPrefix = "s3://" + profile.Bucket + "/";
        if (!text.StartsWith(bucketPrefix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"location '{StorageLocation.Shorten(text)}' is not in bucket {profile.Bucket}", nameof(tableLocation));
        }

        var path = Escape(text[bucketPrefix.Length..]);
        var partition = AwsPartitions.FromRegion(profile.Region);
        var bucketArn = $"arn:{partition}:s3:::{profile.Bucket}";

        var objectActions = new List<string> { "s3:GetObject", "s3:GetObjectVersion" };
        if (level >= S3AccessLevel.ReadWrite)
        {
            objectActions.AddRange(["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]);
        }

        if (level >= S3AccessLevel.ReadWriteDelete)
        {
            objectActions.AddRange(["s3:DeleteObject", "s3:DeleteObjectVersion"]);
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("Version", "2012-10-17");
            w.WriteStartArray("Statement");

            Statement(w, "TableObjects", objectActions, [$"{bucketArn}/{path}/*"]);
            Statement(w, "ListTable", ["s3:ListBucket"], [bucketArn], condition: c =>
            {
                c.WriteStartObject("StringLike");
                c.WriteStartArray("s3:prefix");
                c.WriteStringValue(path + "/*");
                c.WriteEndArray();
                c.WriteEndObject();
            });
            Statement(w, "BucketLocation", ["s3:GetBucketLocation"], [bucketArn]);
            if (profile.AwsKmsKeyArn is { } key)
            {
                var kmsActions = level == S3AccessLevel.Read
                    ? new[] { "kms:Decrypt" }
                    : ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"];
                Statement(w, "TableKey", kmsActions, [key]);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Statement(Utf8JsonWriter w, string sid, IEnumerable<string> actions, IEnumerable<string> resources, Action<Utf8JsonWriter>? condition = null)
    {
        w.WriteStartObject();
        w.WriteString("Sid", sid);
        w.WriteString("Effect", "Allow");
        w.WriteStartArray("Action");
        foreach (var action in actions)
        {
            w.WriteStringValue(action);
        }

        w.WriteEndArray();
        w.WriteStartArray("Resource");
        foreach (var resource in resources)
        {
            w.WriteStringValue(resource);
        }

        w.WriteEndArray();
        if (condition is not null)
        {
            w.WritePropertyName("Condition");
            w.WriteStartObject();
            condition(w);
            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    /// <summary>IAM reads <c>*</c> and <c>?</c> as wildcards and <c>${…}</c> as variables; <c>${*}</c>, <c>${?}</c>, <c>${$}</c> are the literals.</summary>
    private static string Escape(string path)
    {
        var escaped = new StringBuilder(path.Length);
        foreach (var c in path)
        {
            escaped.Append(c switch
            {
                '*' => "${*}",
                '?' => "${?}",
                '$' => "${$}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
