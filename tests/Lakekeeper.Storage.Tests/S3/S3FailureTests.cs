using System.Text;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Lakekeeper.Storage.Tests.Infrastructure.Stores;

namespace Lakekeeper.Storage.Tests.S3;

/// <summary>How the S3 store reads failures a real server only produces under load or by design.</summary>
public sealed class S3FailureTests
{
    private static readonly S3AccessKeyCredential Credential = new() { AccessKeyId = "AKIATEST", SecretAccessKey = "test-secret" };

    private static (ObjectStoreFactory Factory, IObjectStore Store) Connect(ScriptedS3Server server, int maxRetries = 0)
    {
        var factory = Factory(new StorageOptions { MaxRetries = maxRetries, MaxReadBytes = 4096 });
        var profile = new S3StorageProfile { Bucket = "lake", Region = "us-east-1", Endpoint = server.Endpoint, PathStyleAccess = true, KeyPrefix = "wh" };
        return (factory, factory.GetStore(profile, Credential));
    }

    [Fact]
    public async Task Throttling_is_retried_then_reported_as_transient()
    {
        await using var server = await ScriptedS3Server.StartAsync((_, context) => ScriptedS3Server.ErrorAsync(context, 503, "SlowDown"));
        var (factory, store) = Connect(server, maxRetries: 2);
        using var _ = factory;

        var error = await Assert.ThrowsAsync<StorageException>(
            () => store.WriteAsync(store.BaseLocation.AppendPath("t/x.json"), Encoding.UTF8.GetBytes("x"), createOnly: false, Ct));

        Assert.Equal(StorageErrorKind.Unavailable, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("SlowDown", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, server.Requests.Count(r => r.Method == "PUT"));
    }

    [Theory]
    [InlineData(403, "AccessDenied", StorageErrorKind.AccessDenied)]
    [InlineData(409, "ConditionalRequestConflict", StorageErrorKind.Conflict)]
    [InlineData(301, "PermanentRedirect", StorageErrorKind.Invalid)]
    [InlineData(400, "InvalidRequest", StorageErrorKind.Invalid)]
    [InlineData(500, "InternalError", StorageErrorKind.Unavailable)]
    public async Task Service_errors_map_to_kinds(int status, string code, StorageErrorKind expected)
    {
        await using var server = await ScriptedS3Server.StartAsync((_, context) => ScriptedS3Server.ErrorAsync(context, status, code));
        var (factory, store) = Connect(server);
        using var _ = factory;

        var error = await Assert.ThrowsAsync<StorageException>(() => store.ReadAsync(store.BaseLocation.AppendPath("t/x.json"), Ct));

        Assert.Equal(expected, error.Kind);
        Assert.DoesNotContain("test-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_region_says_so()
    {
        await using var server = await ScriptedS3Server.StartAsync((_, context) => ScriptedS3Server.ErrorAsync(context, 301, "PermanentRedirect"));
        var (factory, store) = Connect(server);
        using var _ = factory;

        var error = await Assert.ThrowsAsync<StorageException>(() => store.ReadAsync(store.BaseLocation.AppendPath("x"), Ct));

        Assert.Contains("is not in region 'us-east-1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_only_writes_send_if_none_match_and_fall_back_when_the_server_rejects_it()
    {
        var stored = new HashSet<string>();
        await using var server = await ScriptedS3Server.StartAsync(async (request, context) =>
        {
            switch (request.Method)
            {
                case "HEAD":
                    context.Response.StatusCode = stored.Contains(request.Path) ? 200 : 404;
                    break;
                case "PUT" when request.Headers.ContainsKey("If-None-Match"):
                    await ScriptedS3Server.ErrorAsync(context, 501, "NotImplemented", "A header you provided implies functionality that is not implemented");
                    break;
                case "PUT":
                    stored.Add(request.Path);
                    context.Response.StatusCode = 200;
                    break;
            }
        });
        var (factory, store) = Connect(server);
        using var _ = factory;

        var first = await store.WriteAsync(store.BaseLocation.AppendPath("t/1.json"), Encoding.UTF8.GetBytes("1"), createOnly: true, Ct);
        var second = await store.WriteAsync(store.BaseLocation.AppendPath("t/2.json"), Encoding.UTF8.GetBytes("2"), createOnly: true, Ct);
        var again = await store.WriteAsync(store.BaseLocation.AppendPath("t/1.json"), Encoding.UTF8.GetBytes("x"), createOnly: true, Ct);

        Assert.Equal(StorageWriteResult.Written, first);
        Assert.Equal(StorageWriteResult.Written, second);
        Assert.Equal(StorageWriteResult.AlreadyExists, again);
        var puts = server.Requests.Where(r => r.Method == "PUT").ToList();
        Assert.Equal("*", puts[0].Headers["If-None-Match"]);
        Assert.Equal(3, puts.Count);
        Assert.DoesNotContain("If-None-Match", puts[2].Headers.Keys);
    }

    [Fact]
    public async Task A_precondition_failure_on_a_create_only_write_is_already_exists()
    {
        await using var server = await ScriptedS3Server.StartAsync(async (request, context) =>
        {
            if (request.Method == "HEAD")
            {
                // Claims the key is absent, as a racing writer would see it just before the PUT.
                context.Response.StatusCode = 404;
                return;
            }

            await ScriptedS3Server.ErrorAsync(context, 412, "PreconditionFailed");
        });
        var (factory, store) = Connect(server);
        using var _ = factory;

        var result = await store.WriteAsync(store.BaseLocation.AppendPath("t/1.json"), Encoding.UTF8.GetBytes("1"), createOnly: true, Ct);

        Assert.Equal(StorageWriteResult.AlreadyExists, result);
    }

    [Theory]
    [InlineData(100, true)]
    [InlineData(4096, true)]
    [InlineData(4097, false)]
    [InlineData(50_000, false)]
    public async Task Bodies_without_content_length_are_read_up_to_the_limit_only(int size, bool fits)
    {
        await using var server = await ScriptedS3Server.StartAsync(async (_, context) =>
        {
            // No Content-Length: Kestrel sends the body chunked.
            context.Response.StatusCode = 200;
            for (var sent = 0; sent < size; sent += 1000)
            {
                await context.Response.Body.WriteAsync(new byte[Math.Min(1000, size - sent)]);
                await context.Response.Body.FlushAsync();
            }
        });
        var (factory, store) = Connect(server);
        using var _ = factory;
        var location = store.BaseLocation.AppendPath("t/big.bin");

        if (fits)
        {
            Assert.Equal(size, (await store.ReadAsync(location, Ct)).Content.Length);
        }
        else
        {
            var error = await Assert.ThrowsAsync<StorageException>(() => store.ReadAsync(location, Ct));
            Assert.Equal(StorageErrorKind.TooLarge, error.Kind);
        }
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_reading()
    {
        await using var server = await ScriptedS3Server.StartAsync(async (_, context) =>
        {
            context.Response.ContentLength = 10_000;
            await context.Response.Body.WriteAsync(new byte[10_000]);
        });
        var (factory, store) = Connect(server);
        using var _ = factory;

        var error = await Assert.ThrowsAsync<StorageException>(() => store.ReadAsync(store.BaseLocation.AppendPath("t/x"), Ct));

        Assert.Equal(StorageErrorKind.TooLarge, error.Kind);
        Assert.Contains("10000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_reports_keys_the_server_did_not_delete()
    {
        await using var server = await ScriptedS3Server.StartAsync(async (request, context) =>
        {
            context.Response.ContentType = "application/xml";
            if (request.Method == "GET")
            {
                await context.Response.WriteAsync(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>lake</Name><Prefix>wh/t/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>" +
                    "<Contents><Key>wh/t/a</Key><Size>1</Size></Contents><Contents><Key>wh/t/b</Key><Size>1</Size></Contents></ListBucketResult>");
                return;
            }

            await context.Response.WriteAsync(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult><Error><Key>wh/t/b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error></DeleteResult>");
        });
        var (factory, store) = Connect(server);
        using var _ = factory;

        var error = await Assert.ThrowsAsync<StorageException>(() => store.DeletePrefixAsync(store.BaseLocation.AppendPath("t"), Ct));

        Assert.Equal(StorageErrorKind.AccessDenied, error.Kind);
        Assert.Contains("1 of 2 objects", error.Message, StringComparison.Ordinal);
        Assert.Contains("wh/t/b", error.Message, StringComparison.Ordinal);
        var post = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.Contains("delete", post.Query, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Legacy_md5_behavior_sends_content_md5_on_delete_objects_instead_of_a_flexible_checksum(bool legacy)
    {
        await using var server = await ScriptedS3Server.StartAsync(async (request, context) =>
        {
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(request.Method == "GET"
                ? "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>lake</Name><Prefix>wh/t/</Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated><Contents><Key>wh/t/a</Key><Size>1</Size></Contents></ListBucketResult>"
                : "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult></DeleteResult>");
        });
        using var factory = Factory(new StorageOptions { MaxRetries = 0 });
        var profile = new S3StorageProfile
        {
            Bucket = "lake", Region = "us-east-1", Endpoint = server.Endpoint, PathStyleAccess = true, KeyPrefix = "wh", LegacyMd5Behavior = legacy,
        };
        var store = factory.GetStore(profile, Credential);

        await store.DeletePrefixAsync(store.BaseLocation.AppendPath("t"), Ct);

        var post = Assert.Single(server.Requests, r => r.Method == "POST");
        Assert.Contains("<Key>wh/t/a</Key>", Encoding.UTF8.GetString(post.Body), StringComparison.Ordinal);
        var flexible = post.Headers.Keys.Where(h => h.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase)).ToList();
        var signed = post.Headers["Authorization"].Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        if (legacy)
        {
            Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(post.Body)), post.Headers["Content-MD5"]);
            Assert.Contains("content-md5", signed);
            Assert.Empty(flexible);
            Assert.False(post.Headers.ContainsKey("x-amz-sdk-checksum-algorithm"));
        }
        else
        {
            Assert.False(post.Headers.ContainsKey("Content-MD5"));
            Assert.NotEmpty(flexible);
        }

        // Other requests of the same client are left as the SDK makes them.
        Assert.All(server.Requests.Where(r => r.Method != "POST"), r => Assert.False(r.Headers.ContainsKey("Content-MD5")));
    }

    [Fact]
    public async Task Cancellation_is_not_turned_into_a_storage_error()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await ScriptedS3Server.StartAsync(async (_, context) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        var (factory, store) = Connect(server);
        using var _ = factory;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var read = store.ReadAsync(store.BaseLocation.AppendPath("t/x"), cancel.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }
}
