using Lakekeeper.Storage.Locations;

namespace Lakekeeper.Storage.Tests.Locations;

public sealed class StorageLocationTests
{
    [Theory]
    [InlineData("s3://bucket/a/b", "s3://bucket/a/b", "bucket", "a/b")]
    [InlineData("s3://bucket/a/b/", "s3://bucket/a/b", "bucket", "a/b")]
    [InlineData("s3://bucket", "s3://bucket", "bucket", "")]
    [InlineData("s3://bucket/", "s3://bucket", "bucket", "")]
    [InlineData("s3a://bucket/a", "s3://bucket/a", "bucket", "a")]
    [InlineData("s3n://bucket/a", "s3://bucket/a", "bucket", "a")]
    [InlineData("S3://bucket/a", "s3://bucket/a", "bucket", "a")]
    [InlineData("s3://my.bucket-1/a b/c%20d/é", "s3://my.bucket-1/a b/c%20d/é", "my.bucket-1", "a b/c%20d/é")]
    public void S3_locations_are_parsed_and_normalised(string text, string canonical, string bucket, string path)
    {
        var location = StorageLocation.Parse(text);

        Assert.Equal(StorageScheme.S3, location.Scheme);
        Assert.Equal(canonical, location.ToString());
        Assert.Equal(bucket, location.Bucket);
        Assert.Equal(path, location.Path);
        Assert.Equal(location, StorageLocation.Parse(canonical));
    }

    [Theory]
    [InlineData("file:///var/lib/wh", "file:///var/lib/wh", "/var/lib/wh")]
    [InlineData("file:///var/lib/wh/", "file:///var/lib/wh", "/var/lib/wh")]
    [InlineData("file:/var/lib/wh", "file:///var/lib/wh", "/var/lib/wh")]
    [InlineData("file://localhost/var/lib/wh", "file:///var/lib/wh", "/var/lib/wh")]
    [InlineData("FILE:///x", "file:///x", "/x")]
    [InlineData("file:///", "file:///", "/")]
    public void File_locations_are_parsed_and_normalised(string text, string canonical, string fileSystemPath)
    {
        var location = StorageLocation.Parse(text);

        Assert.Equal(StorageScheme.File, location.Scheme);
        Assert.Equal(canonical, location.ToString());
        Assert.Equal(fileSystemPath, location.ToFileSystemPath());
        Assert.Equal(string.Empty, location.Bucket);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("relative/path", "no scheme")]
    [InlineData("/abs/no/scheme", "no scheme")]
    [InlineData("http://host/x", "unsupported scheme")]
    [InlineData("gs://bucket/x", "unsupported scheme")]
    [InlineData("s3:bucket/x", "expected s3://bucket/path")]
    [InlineData("s3://", "bucket name is empty")]
    [InlineData("s3:///key", "bucket name is empty")]
    [InlineData("s3://Bad_Bucket/x", "lowercase letters")]
    [InlineData("s3://bucket/a/../b", "'..' segments")]
    [InlineData("s3://bucket/..", "'..' segments")]
    [InlineData("s3://bucket/./a", "'..' segments")]
    [InlineData("s3://bucket/a//b", "empty path segment")]
    [InlineData("s3://bucket//a", "empty path segment")]
    [InlineData("s3://bucket/a//", "empty path segment")]
    [InlineData("s3://bucket/a\\b", "backslashes")]
    [InlineData("s3://bucket/..\\a", "backslashes")]
    [InlineData("s3://bucket/a\u0000b", "control characters")]
    [InlineData("s3://bucket/a\nb", "control characters")]
    [InlineData("s3://bucket/a\u007fb", "control characters")]
    [InlineData("s3://bucket/a\u0085b", "control characters")]
    [InlineData("s3://bucket/a?x=1", "query or fragment")]
    [InlineData("s3://bucket/a#frag", "query or fragment")]
    [InlineData("s3://bucket/%2e%2e/x", "percent-encoded '.' or '..'")]
    [InlineData("s3://bucket/%2E%2E", "percent-encoded '.' or '..'")]
    [InlineData("s3://bucket/%2e", "percent-encoded '.' or '..'")]
    [InlineData("s3://bucket/.%2e", "percent-encoded '.' or '..'")]
    [InlineData("s3://bucket/a%2f..%2fb", "percent-encoded '.' or '..'")]
    [InlineData("s3://bucket/a%5c..", "percent-encoded '.' or '..'")]
    [InlineData("s3://bucket/a%00b", "percent-encoded control")]
    [InlineData("s3://bucket/a%0ab", "percent-encoded control")]
    [InlineData("s3://bucket/a%zzb", "malformed percent escape")]
    [InlineData("s3://bucket/50%", "malformed percent escape")]
    [InlineData("s3://bucket/%c0%ae%c0%ae", "not valid UTF-8")]
    [InlineData("file://host/tmp", "no host")]
    [InlineData("file:relative", "absolute path")]
    [InlineData("file:///a/../b", "'..' segments")]
    [InlineData("file:///a//b", "empty path segment")]
    public void Hostile_or_malformed_locations_are_rejected_with_the_reason(string text, string reason)
    {
        Assert.False(StorageLocation.TryParse(text, out var location, out var error));
        Assert.Null(location);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<FormatException>(() => StorageLocation.Parse(text));
        Assert.Equal(error, thrown.Message);
    }

    [Fact]
    public void Unpaired_surrogates_are_rejected()
    {
        Assert.False(StorageLocation.TryParse("file:///a/\ud800b", out _, out var error));
        Assert.Contains("unpaired surrogate", error, StringComparison.Ordinal);
        Assert.False(StorageLocation.TryParse("s3://bucket/\udc00", out _, out _));
    }

    [Fact]
    public void Null_is_rejected()
    {
        Assert.False(StorageLocation.TryParse(null, out _, out var error));
        Assert.Contains("empty", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Very_long_locations_are_rejected_and_the_message_stays_short()
    {
        var text = "s3://bucket/" + new string('a', 10_000);

        Assert.False(StorageLocation.TryParse(text, out _, out var error));
        Assert.Contains("4096", error, StringComparison.Ordinal);
        Assert.True(error.Length < 300, error);
    }

    [Fact]
    public void S3_keys_are_limited_to_1024_bytes_and_file_names_to_255_bytes()
    {
        Assert.True(StorageLocation.TryParse("s3://bucket/" + new string('k', 1024), out _, out _));
        Assert.False(StorageLocation.TryParse("s3://bucket/" + new string('k', 1025), out _, out var s3Error));
        Assert.Contains("1024 bytes", s3Error, StringComparison.Ordinal);

        // S3 has no per-segment limit; a file system does.
        Assert.True(StorageLocation.TryParse("s3://bucket/" + new string('k', 300), out _, out _));
        Assert.True(StorageLocation.TryParse("file:///" + new string('f', 255), out _, out _));
        Assert.False(StorageLocation.TryParse("file:///" + new string('f', 256), out _, out var fileError));
        Assert.Contains("255 bytes", fileError, StringComparison.Ordinal);

        // Multi-byte characters count as bytes, not characters.
        Assert.False(StorageLocation.TryParse("file:///" + new string('é', 128), out _, out _));
    }

    [Fact]
    public void Error_messages_do_not_echo_control_characters()
    {
        Assert.False(StorageLocation.TryParse("s3://bucket/a\r\nInjected: yes", out _, out var error));
        Assert.DoesNotContain('\r', error);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("s3://b1b/a/x", "s3://b1b/a", true)]
    [InlineData("s3://b1b/a", "s3://b1b/a", true)]
    [InlineData("s3://b1b/a/b/c", "s3://b1b", true)]
    [InlineData("s3://b1b/ab", "s3://b1b/a", false)]
    [InlineData("s3://b1b/a-b", "s3://b1b/a", false)]
    [InlineData("s3://b1b/a", "s3://b1b/a/x", false)]
    [InlineData("s3://b1b/a/x", "s3://b2b/a", false)]
    [InlineData("s3://b1b2/a/x", "s3://b1b/a", false)]
    [InlineData("file:///b1b/a/x", "s3://b1b/a", false)]
    [InlineData("file:///srv/wh2/t", "file:///srv/wh", false)]
    [InlineData("file:///srv/wh/t", "file:///srv/wh", true)]
    [InlineData("file:///srv", "file:///", true)]
    public void IsUnder_compares_whole_segments(string child, string parent, bool expected)
    {
        Assert.Equal(expected, StorageLocation.Parse(child).IsUnder(StorageLocation.Parse(parent)));
    }

    [Fact]
    public void IsStrictlyUnder_excludes_the_location_itself()
    {
        var table = StorageLocation.Parse("s3://bucket/wh/t");

        Assert.False(table.IsStrictlyUnder(table));
        Assert.True(StorageLocation.Parse("s3://bucket/wh/t/data").IsStrictlyUnder(table));
    }

    [Theory]
    [InlineData("s3://bucket/wh/t", "s3://bucket/wh/t/data", true)]
    [InlineData("s3://bucket/wh/t/data", "s3://bucket/wh/t", true)]
    [InlineData("s3://bucket/wh/t", "s3://bucket/wh/t", true)]
    [InlineData("s3://bucket/wh/t", "s3://bucket/wh/t2", false)]
    [InlineData("s3://bucket/wh/a", "s3://bucket/wh/ab", false)]
    [InlineData("s3://bucket/wh/t", "s3://other/wh/t", false)]
    public void Overlaps_when_either_contains_the_other(string a, string b, bool expected)
    {
        Assert.Equal(expected, StorageLocation.Parse(a).Overlaps(StorageLocation.Parse(b)));
        Assert.Equal(expected, StorageLocation.Parse(b).Overlaps(StorageLocation.Parse(a)));
    }

    [Theory]
    [InlineData("orders", "orders")]
    [InlineData("my table", "my%20table")]
    [InlineData("a/b", "a%2Fb")]
    [InlineData("a\\b", "a%5Cb")]
    [InlineData("..", "_..")]
    [InlineData(".", "_.")]
    [InlineData("...", "_...")]
    [InlineData(".hidden", ".hidden")]
    [InlineData("%2e%2e", "%252e%252e")]
    [InlineData("50%", "50%25")]
    [InlineData("q?x#y", "q%3Fx%23y")]
    [InlineData("tab\there", "tab%EF%BF%BDhere")]
    [InlineData("nul\u0000", "nul%EF%BF%BD")]
    [InlineData("../..", "_..%2F_..")]
    [InlineData("a/../b", "a%2F_..%2Fb")]
    [InlineData("..\\x", "_..%5Cx")]
    [InlineData("a//b", "a%2F%2Fb")]
    [InlineData("Ünïcødé_日本", "Ünïcødé_日本")]
    [InlineData("smile😀", "smile%F0%9F%98%80")]
    [InlineData("a-b_c.d~e", "a-b_c.d~e")]
    public void Join_escapes_names_into_one_safe_readable_segment(string name, string segment)
    {
        var warehouse = StorageLocation.Parse("s3://bucket/wh");

        var joined = warehouse.Join(name);

        Assert.Equal("s3://bucket/wh/" + segment, joined.ToString());
        Assert.Equal(warehouse, joined.Parent);
        Assert.Equal(joined, StorageLocation.Parse(joined.ToString()));
    }

    [Fact]
    public void Join_output_of_hostile_names_always_parses_and_stays_one_level_below()
    {
        var warehouse = StorageLocation.Parse("file:///srv/wh");
        var random = new Random(20261121);
        string[] fixedNames = ["..", "../..", "/", "//", "\\..\\", "%2e%2e", "%252e", "a/../../etc", "\u0000", "\r\n", "?", "#", " ", "\ud800", "\udc00x", ".%2e"];
        var names = fixedNames.Concat(Enumerable.Range(0, 2000).Select(_ => RandomName(random)));

        foreach (var name in names)
        {
            Assert.True(warehouse.TryJoin([name], out var joined, out var error), $"{Escape(name)}: {error}");
            Assert.True(joined.IsStrictlyUnder(warehouse), Escape(name));
            Assert.Equal(warehouse, joined.Parent);
            Assert.True(StorageLocation.TryParse(joined.ToString(), out var reparsed, out var parseError), $"{Escape(name)}: {parseError}");
            Assert.Equal(joined, reparsed);
        }
    }

    [Fact]
    public void Join_appends_several_levels_and_refuses_empty_or_oversized_names()
    {
        var warehouse = StorageLocation.Parse("s3://bucket/wh");

        Assert.Equal("s3://bucket/wh/sales/eu/orders", warehouse.Join("sales", "eu", "orders").ToString());
        Assert.Throws<ArgumentException>(() => warehouse.Join("sales", ""));
        Assert.False(warehouse.TryJoin([new string('x', 2000)], out _, out var error));
        Assert.Contains("1024 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AppendPath_validates_each_segment()
    {
        var table = StorageLocation.Parse("s3://bucket/wh/t");

        Assert.Equal("s3://bucket/wh/t/metadata/v1.json", table.AppendPath("metadata/v1.json").ToString());
        Assert.False(table.TryAppendPath("../other", out _, out _));
        Assert.False(table.TryAppendPath("/abs", out _, out _));
        Assert.False(table.TryAppendPath("a//b", out _, out _));
        Assert.False(table.TryAppendPath("", out _, out _));
    }

    [Fact]
    public void Parent_Name_and_RelativeTo_navigate_the_path()
    {
        var location = StorageLocation.Parse("s3://bucket/wh/ns/t");
        var warehouse = StorageLocation.Parse("s3://bucket/wh");

        Assert.Equal("t", location.Name);
        Assert.Equal("s3://bucket/wh/ns", location.Parent!.ToString());
        Assert.Null(StorageLocation.Parse("s3://bucket").Parent);
        Assert.Equal("ns/t", location.RelativeTo(warehouse));
        Assert.Equal(string.Empty, warehouse.RelativeTo(warehouse));
        Assert.Null(warehouse.RelativeTo(location));
        Assert.Equal("wh/ns/t", location.RelativeTo(StorageLocation.Parse("s3://bucket")));
    }

    [Fact]
    public void Equality_is_ordinal_on_the_normalised_form()
    {
        Assert.Equal(StorageLocation.Parse("s3a://bucket/a/"), StorageLocation.Parse("s3://bucket/a"));
        Assert.Equal(StorageLocation.Parse("s3a://bucket/a/").GetHashCode(), StorageLocation.Parse("s3://bucket/a").GetHashCode());
        Assert.NotEqual(StorageLocation.Parse("s3://bucket/A"), StorageLocation.Parse("s3://bucket/a"));
        Assert.True(StorageLocation.Parse("s3://bucket/a") == StorageLocation.Parse("s3://bucket/a/"));
        Assert.True(StorageLocation.Parse("s3://bucket/a") != StorageLocation.Parse("file:///a"));
    }

    private static string RandomName(Random random)
    {
        var length = random.Next(1, 40);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = random.Next(6) switch
            {
                0 => (char)random.Next(0, 0x20),
                1 => "./\\%?#:"[random.Next(7)],
                2 => (char)random.Next(0xD800, 0xE000),
                3 => (char)random.Next(0x80, 0x3000),
                _ => (char)random.Next(0x20, 0x7F),
            };
        }

        return new string(chars);
    }

    private static string Escape(string name) =>
        string.Concat(name.Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));
}
