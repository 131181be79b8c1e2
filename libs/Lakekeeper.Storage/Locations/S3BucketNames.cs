using System.Net;

namespace Lakekeeper.Storage.Locations;

/// <summary>The S3 general-purpose bucket naming rules.</summary>
public static class S3BucketNames
{
    private static readonly string[] ReservedPrefixes = ["xn--", "sthree-", "amzn-s3-demo-"];

    private static readonly string[] ReservedSuffixes = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

    /// <summary>Null when <paramref name="bucket"/> is a valid bucket name, otherwise why not.</summary>
    public static string? Check(string? bucket)
    {
        if (string.IsNullOrEmpty(bucket))
        {
            return "the bucket name is empty";
        }

        var shown = StorageLocation.Shorten(bucket);
        if (bucket.Length is < 3 or > 63)
        {
            return $"bucket '{shown}' must be 3 to 63 characters long";
        }

        foreach (var c in bucket)
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
            {
                return $"bucket '{shown}' may contain only lowercase letters, digits, dots and hyphens";
            }
        }

        if (!char.IsAsciiLetterOrDigit(bucket[0]) || !char.IsAsciiLetterOrDigit(bucket[^1]))
        {
            return $"bucket '{shown}' must begin and end with a letter or digit";
        }

        if (bucket.Contains("..", StringComparison.Ordinal))
        {
            return $"bucket '{shown}' must not contain two adjacent dots";
        }

        if (bucket.Count(c => c == '.') == 3 && IPAddress.TryParse(bucket, out _))
        {
            return $"bucket '{shown}' must not be formatted as an IP address";
        }

        foreach (var prefix in ReservedPrefixes)
        {
            if (bucket.StartsWith(prefix, StringComparison.Ordinal))
            {
                return $"bucket '{shown}' must not start with the reserved prefix '{prefix}'";
            }
        }

        foreach (var suffix in ReservedSuffixes)
        {
            if (bucket.EndsWith(suffix, StringComparison.Ordinal))
            {
                return $"bucket '{shown}' must not end with the reserved suffix '{suffix}'";
            }
        }

        return null;
    }
}
