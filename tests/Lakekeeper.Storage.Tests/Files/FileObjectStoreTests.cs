using System.Text;
using Lakekeeper.Storage.Files;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.Tests.Infrastructure;
using static Lakekeeper.Storage.Tests.Infrastructure.Stores;

namespace Lakekeeper.Storage.Tests.Files;

public sealed class FileObjectStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly ObjectStoreFactory _factory;
    private readonly IObjectStore _store;
    private readonly string _root;

    public FileObjectStoreTests()
    {
        _root = _temp.Combine("wh");
        _factory = Factory(_temp.Path);
        _store = _factory.GetStore(new FileStorageProfile { Root = _root }, null);
    }

    public void Dispose()
    {
        _factory.Dispose();
        _temp.Dispose();
    }

    private StorageLocation At(string relative) => _store.BaseLocation.AppendPath(relative);

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Written_objects_read_back_byte_for_byte_and_parent_folders_are_created()
    {
        var location = At("ns/t/metadata/00001.metadata.json");

        var result = await _store.WriteAsync(location, Bytes("{\"format-version\":2}"), createOnly: true, Ct);
        var read = await _store.ReadAsync(location, Ct);

        Assert.Equal(StorageWriteResult.Written, result);
        Assert.True(read.Found);
        Assert.Equal("{\"format-version\":2}", Encoding.UTF8.GetString(read.Content.Span));
        Assert.True(File.Exists(Path.Combine(_root, "ns/t/metadata/00001.metadata.json")));
        Assert.Equal(["00001.metadata.json"], Directory.GetFileSystemEntries(Path.Combine(_root, "ns/t/metadata")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Empty_objects_can_be_written_and_read()
    {
        var location = At("empty");

        await _store.WriteAsync(location, ReadOnlyMemory<byte>.Empty, createOnly: false, Ct);
        var read = await _store.ReadAsync(location, Ct);

        Assert.True(read.Found);
        Assert.Equal(0, read.Content.Length);
    }

    [Fact]
    public async Task A_plain_write_replaces_the_object()
    {
        var location = At("t/v.json");
        await _store.WriteAsync(location, Bytes("old"), createOnly: false, Ct);

        var result = await _store.WriteAsync(location, Bytes("new"), createOnly: false, Ct);

        Assert.Equal(StorageWriteResult.Written, result);
        Assert.Equal("new", Encoding.UTF8.GetString((await _store.ReadAsync(location, Ct)).Content.Span));
    }

    [Fact]
    public async Task A_create_only_write_never_replaces_an_existing_object()
    {
        var location = At("t/v.json");
        await _store.WriteAsync(location, Bytes("first"), createOnly: true, Ct);

        var result = await _store.WriteAsync(location, Bytes("second"), createOnly: true, Ct);

        Assert.Equal(StorageWriteResult.AlreadyExists, result);
        Assert.Equal("first", Encoding.UTF8.GetString((await _store.ReadAsync(location, Ct)).Content.Span));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "t")));
    }

    [Fact]
    public async Task Concurrent_create_only_writes_have_exactly_one_winner()
    {
        var location = At("race/v1.metadata.json");

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            Task.Run(() => _store.WriteAsync(location, Bytes($"writer-{i}"), createOnly: true, Ct), Ct)));

        var winner = Assert.Single(results.Select((r, i) => (r, i)), x => x.r == StorageWriteResult.Written).i;
        Assert.Equal($"writer-{winner}", Encoding.UTF8.GetString((await _store.ReadAsync(location, Ct)).Content.Span));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, "race")));
    }

    [Fact]
    public async Task Missing_objects_are_a_not_found_value_not_an_exception()
    {
        Assert.False((await _store.ReadAsync(At("nope/x.json"), Ct)).Found);
        Assert.False(await _store.ExistsAsync(At("nope/x.json"), Ct));

        Directory.CreateDirectory(Path.Combine(_root, "folder"));
        Assert.False((await _store.ReadAsync(At("folder"), Ct)).Found);
        Assert.False(await _store.ExistsAsync(At("folder"), Ct));
    }

    [Fact]
    public async Task Objects_over_the_read_limit_are_refused()
    {
        using var factory = Factory(new StorageOptions { AllowedFileRoots = [_temp.Path], MaxReadBytes = 1024 });
        var store = factory.GetStore(new FileStorageProfile { Root = _root }, null);
        await store.WriteAsync(At("big"), new byte[2000], createOnly: false, Ct);
        await store.WriteAsync(At("small"), new byte[1024], createOnly: false, Ct);

        var error = await Assert.ThrowsAsync<StorageException>(() => store.ReadAsync(At("big"), Ct));

        Assert.Equal(StorageErrorKind.TooLarge, error.Kind);
        Assert.Contains("LAKEKEEPER__STORAGE__MAXREADBYTES", error.Message, StringComparison.Ordinal);
        Assert.Equal(1024, (await store.ReadAsync(At("small"), Ct)).Content.Length);
    }

    [Fact]
    public async Task Delete_is_idempotent()
    {
        var location = At("t/a.json");
        await _store.WriteAsync(location, Bytes("x"), createOnly: false, Ct);

        await _store.DeleteAsync(location, Ct);
        await _store.DeleteAsync(location, Ct);
        await _store.DeleteAsync(At("never/existed/at/all.json"), Ct);

        Assert.False(await _store.ExistsAsync(location, Ct));
    }

    /// <summary>Issue 14, defect 7: a deleted object left its (now empty) folders behind; object storage has none.</summary>
    [Fact]
    public async Task Delete_removes_folders_it_leaves_empty_up_to_the_root_and_no_further()
    {
        await _store.WriteAsync(At("ns/keep.json"), Bytes("k"), createOnly: false, Ct);
        await _store.WriteAsync(At("ns/t-1/metadata/00000.json"), Bytes("x"), createOnly: true, Ct);
        await _store.WriteAsync(At("ns/t-2/metadata/00000.json"), Bytes("y"), createOnly: true, Ct);

        await _store.DeleteAsync(At("ns/t-1/metadata/00000.json"), Ct);

        Assert.False(Directory.Exists(Path.Combine(_root, "ns/t-1")));
        Assert.True(File.Exists(Path.Combine(_root, "ns/t-2/metadata/00000.json")));
        Assert.True(File.Exists(Path.Combine(_root, "ns/keep.json")));

        await _store.DeleteAsync(At("ns/t-2/metadata/00000.json"), Ct);
        await _store.DeleteAsync(At("ns/keep.json"), Ct);
        Assert.False(Directory.Exists(Path.Combine(_root, "ns")));
        Assert.True(Directory.Exists(_root));

        // A folder removed as empty is made again by the next write into it.
        Assert.Equal(StorageWriteResult.Written, await _store.WriteAsync(At("ns/t-1/metadata/00001.json"), Bytes("z"), createOnly: true, Ct));
    }

    [Fact]
    public async Task Purge_deletes_everything_below_the_prefix_and_nothing_beside_it()
    {
        foreach (var name in new[] { "t/metadata/1.json", "t/metadata/2.json", "t/data/a/b/c.parquet", "t2/keep.json", "t.json" })
        {
            await _store.WriteAsync(At("ns/" + name), Bytes(name), createOnly: false, Ct);
        }

        var deleted = await _store.DeletePrefixAsync(At("ns/t"), Ct);

        Assert.Equal(3, deleted);
        Assert.False(Directory.Exists(Path.Combine(_root, "ns/t")));
        Assert.True(await _store.ExistsAsync(At("ns/t2/keep.json"), Ct));
        Assert.True(await _store.ExistsAsync(At("ns/t.json"), Ct));
        Assert.Equal(0, await _store.DeletePrefixAsync(At("ns/t"), Ct));
    }

    [Fact]
    public async Task The_warehouse_itself_cannot_be_purged_or_written_as_an_object()
    {
        await _store.WriteAsync(At("t/a.json"), Bytes("x"), createOnly: false, Ct);

        var purge = await Assert.ThrowsAsync<StorageException>(() => _store.DeletePrefixAsync(_store.BaseLocation, Ct));
        var write = await Assert.ThrowsAsync<StorageException>(() => _store.WriteAsync(_store.BaseLocation, Bytes("x"), false, Ct));

        Assert.Equal(StorageErrorKind.Invalid, purge.Kind);
        Assert.Equal(StorageErrorKind.Invalid, write.Kind);
        Assert.True(await _store.ExistsAsync(At("t/a.json"), Ct));
    }

    [Fact]
    public async Task Listing_is_recursive_below_the_prefix_with_sizes()
    {
        await _store.WriteAsync(At("ns/t/metadata/1.json"), Bytes("12345"), createOnly: false, Ct);
        await _store.WriteAsync(At("ns/t/data/x.parquet"), Bytes("1"), createOnly: false, Ct);
        await _store.WriteAsync(At("ns/t2/other.json"), Bytes("1"), createOnly: false, Ct);

        var items = await _store.ListAllAsync(At("ns/t"));

        Assert.Equal(
            ["ns/t/data/x.parquet", "ns/t/metadata/1.json"],
            items.Select(i => i.Location.RelativeTo(_store.BaseLocation)).Order(StringComparer.Ordinal));
        Assert.Equal(5, items.Single(i => i.Location.Name == "1.json").Size);
        Assert.Empty(await _store.ListAllAsync(At("missing")));
        Assert.Equal(3, (await _store.ListAllAsync(_store.BaseLocation)).Count);
    }

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("file:///")]
    [InlineData("s3://bucket/wh/x")]
    public async Task Locations_outside_the_root_are_refused_for_every_operation(string outside)
    {
        var location = StorageLocation.Parse(outside);

        await AssertInvalidAsync(() => _store.ReadAsync(location, Ct));
        await AssertInvalidAsync(() => _store.WriteAsync(location, Bytes("x"), false, Ct));
        await AssertInvalidAsync(() => _store.ExistsAsync(location, Ct));
        await AssertInvalidAsync(() => _store.DeleteAsync(location, Ct));
        await AssertInvalidAsync(() => _store.DeletePrefixAsync(location, Ct));
        await AssertInvalidAsync(() => _store.ListAllAsync(location));
    }

    [Fact]
    public async Task A_sibling_folder_sharing_the_root_name_prefix_is_outside()
    {
        var sibling = StorageLocation.Parse("file://" + _root + "2/x.json");

        var error = await Assert.ThrowsAsync<StorageException>(() => _store.WriteAsync(sibling, Bytes("x"), false, Ct));

        Assert.Equal(StorageErrorKind.Invalid, error.Kind);
        Assert.Contains("outside the warehouse", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_root + "2"));
    }

    [Fact]
    public async Task A_symlinked_folder_pointing_outside_is_never_followed()
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "secret.txt"), "outside data", Ct);
        Directory.CreateDirectory(Path.Combine(_root, "ns"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "ns", "link"), outside);
        var through = At("ns/link/secret.txt");

        var read = await Assert.ThrowsAsync<StorageException>(() => _store.ReadAsync(through, Ct));
        var write = await Assert.ThrowsAsync<StorageException>(() => _store.WriteAsync(At("ns/link/new.txt"), Bytes("x"), false, Ct));
        var exists = await Assert.ThrowsAsync<StorageException>(() => _store.ExistsAsync(through, Ct));
        var delete = await Assert.ThrowsAsync<StorageException>(() => _store.DeleteAsync(through, Ct));
        var list = await Assert.ThrowsAsync<StorageException>(() => _store.ListAllAsync(At("ns/link")));
        var purgeLink = await Assert.ThrowsAsync<StorageException>(() => _store.DeletePrefixAsync(At("ns/link"), Ct));

        Assert.All([read, write, exists, delete, list, purgeLink], e => Assert.Equal(StorageErrorKind.AccessDenied, e.Kind));
        Assert.Contains("symbolic link", read.Message, StringComparison.Ordinal);
        Assert.Equal(["secret.txt"], Directory.GetFiles(outside).Select(Path.GetFileName));
        Assert.Equal("outside data", await File.ReadAllTextAsync(Path.Combine(outside, "secret.txt"), Ct));
    }

    [Fact]
    public async Task Purge_removes_links_inside_the_prefix_but_not_their_targets()
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "keep.txt"), "outside data", Ct);
        await _store.WriteAsync(At("ns/t/data/1.parquet"), Bytes("x"), false, Ct);
        Directory.CreateSymbolicLink(Path.Combine(_root, "ns/t/data/dirlink"), outside);
        File.CreateSymbolicLink(Path.Combine(_root, "ns/t/data/filelink"), Path.Combine(outside, "keep.txt"));

        var listed = await _store.ListAllAsync(At("ns/t"));
        var deleted = await _store.DeletePrefixAsync(At("ns/t"), Ct);

        Assert.Equal(["1.parquet"], listed.Select(i => i.Location.Name));
        Assert.Equal(3, deleted);
        Assert.False(Directory.Exists(Path.Combine(_root, "ns/t")));
        Assert.Equal("outside data", await File.ReadAllTextAsync(Path.Combine(outside, "keep.txt"), Ct));
    }

    [Fact]
    public async Task A_symlink_as_the_object_itself_is_not_read_through()
    {
        var outside = _temp.Combine("passwd");
        await File.WriteAllTextAsync(outside, "root:x:0:0", Ct);
        Directory.CreateDirectory(Path.Combine(_root, "t"));
        File.CreateSymbolicLink(Path.Combine(_root, "t", "v1.metadata.json"), outside);

        var error = await Assert.ThrowsAsync<StorageException>(() => _store.ReadAsync(At("t/v1.metadata.json"), Ct));
        await _store.DeleteAsync(At("t/v1.metadata.json"), Ct);

        Assert.Equal(StorageErrorKind.AccessDenied, error.Kind);
        Assert.False(File.Exists(Path.Combine(_root, "t", "v1.metadata.json")));
        Assert.Equal("root:x:0:0", await File.ReadAllTextAsync(outside, Ct));
    }

    [Fact]
    public async Task A_temporary_file_left_by_a_crash_is_never_visible_as_the_object()
    {
        // A crash after writing the temporary file but before publishing it leaves exactly this.
        var folder = Path.Combine(_root, "t", "metadata");
        Directory.CreateDirectory(folder);
        var leftover = Path.Combine(folder, FileObjectStore.TempFilePrefix + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(leftover, "{\"format-vers", Ct);
        var target = At("t/metadata/00001.metadata.json");

        Assert.False((await _store.ReadAsync(target, Ct)).Found);
        Assert.False(await _store.ExistsAsync(target, Ct));
        Assert.Empty(await _store.ListAllAsync(At("t")));

        Assert.Equal(StorageWriteResult.Written, await _store.WriteAsync(target, Bytes("{\"format-version\":2}"), createOnly: true, Ct));
        Assert.Equal("{\"format-version\":2}", Encoding.UTF8.GetString((await _store.ReadAsync(target, Ct)).Content.Span));
        Assert.Single(await _store.ListAllAsync(At("t")));

        // A purge removes left-overs too, and counts only real objects.
        Assert.Equal(1, await _store.DeletePrefixAsync(At("t"), Ct));
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public async Task Successful_writes_leave_no_temporary_files()
    {
        for (var i = 0; i < 5; i++)
        {
            await _store.WriteAsync(At("t/v.json"), Bytes($"v{i}"), createOnly: false, Ct);
            await _store.WriteAsync(At($"t/c{i}.json"), Bytes("x"), createOnly: true, Ct);
            await _store.WriteAsync(At($"t/c{i}.json"), Bytes("y"), createOnly: true, Ct);
        }

        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(_root, "t")), f => Path.GetFileName(f).StartsWith(FileObjectStore.TempFilePrefix, StringComparison.Ordinal));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(_root, "t")).Length);
    }

    [Fact]
    public async Task Cancellation_is_reported_as_cancellation()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.WriteAsync(At("t/x"), Bytes("x"), false, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ReadAsync(At("t/x"), cancelled.Token));
        Assert.False(File.Exists(Path.Combine(_root, "t/x")));
    }

    [Fact]
    public async Task A_read_only_folder_is_access_denied()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Skip("Unix permission bits only");
            return;
        }

        if (Environment.UserName == "root")
        {
            // Root ignores permission bits, so this can only be checked as another user.
            Assert.Skip("permission bits do not apply to root");
            return;
        }

        Directory.CreateDirectory(Path.Combine(_root, "ro"));
        File.SetUnixFileMode(Path.Combine(_root, "ro"), UnixFileMode.UserRead | UnixFileMode.UserExecute);

        var error = await Assert.ThrowsAsync<StorageException>(() => _store.WriteAsync(At("ro/x.json"), Bytes("x"), false, Ct));

        Assert.Equal(StorageErrorKind.AccessDenied, error.Kind);
        File.SetUnixFileMode(Path.Combine(_root, "ro"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static async Task AssertInvalidAsync(Func<Task> action)
    {
        var error = await Assert.ThrowsAsync<StorageException>(action);
        Assert.Equal(StorageErrorKind.Invalid, error.Kind);
    }
}
