using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.Tests.Infrastructure;
using Lakekeeper.Storage.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Lakekeeper.Storage.Tests.Infrastructure.Stores;

namespace Lakekeeper.Storage.Tests.Files;

public sealed class ObjectStoreFactoryTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void File_storage_is_disabled_until_an_operator_allows_folders()
    {
        using var factory = Factory();

        var error = Assert.Throws<StorageException>(() => factory.GetStore(new FileStorageProfile { Root = _temp.Combine("wh") }, null));

        Assert.Equal(StorageErrorKind.Invalid, error.Kind);
        Assert.Contains("LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void File_roots_outside_the_allowed_folders_are_refused()
    {
        using var factory = Factory(_temp.Combine("allowed"));

        var error = Assert.Throws<StorageException>(() => factory.GetStore(new FileStorageProfile { Root = _temp.Combine("allowed2", "wh") }, null));

        Assert.Contains("is not under a folder allowed by LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS", error.Message, StringComparison.Ordinal);
        Assert.NotNull(factory.GetStore(new FileStorageProfile { Root = _temp.Combine("allowed", "wh") }, null));
    }

    [Fact]
    public void Stores_are_cached_per_profile_and_credential()
    {
        using var factory = Factory(_temp.Path);
        var s3 = new S3StorageProfile { Bucket = "lake", Region = "us-east-1", Endpoint = new Uri("http://127.0.0.1:1"), PathStyleAccess = true };
        var key = new S3AccessKeyCredential { AccessKeyId = "a", SecretAccessKey = "b" };

        var first = factory.GetStore(s3, key);
        var again = factory.GetStore(s3 with { }, key with { });
        var rotated = factory.GetStore(s3, key with { SecretAccessKey = "c" });
        var file = factory.GetStore(new FileStorageProfile { Root = _temp.Combine("wh") }, null);

        Assert.Same(first, again);
        Assert.NotSame(first, rotated);
        Assert.Same(file, factory.GetStore(new FileStorageProfile { Root = _temp.Combine("wh") }, null));
    }

    [Fact]
    public void The_cache_is_bounded()
    {
        using var factory = Factory(new StorageOptions { AllowedFileRoots = [_temp.Path], MaxCachedStores = 2 });
        var first = factory.GetStore(new FileStorageProfile { Root = _temp.Combine("a") }, null);
        factory.GetStore(new FileStorageProfile { Root = _temp.Combine("b") }, null);
        factory.GetStore(new FileStorageProfile { Root = _temp.Combine("c") }, null);

        // "a" was least recently used and was dropped: asking again builds a new store.
        Assert.NotSame(first, factory.GetStore(new FileStorageProfile { Root = _temp.Combine("a") }, null));
    }

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Profiles_and_credentials_must_fit_together(StorageProfile profile, StorageCredential? credential, string expected)
    {
        using var factory = Factory(_temp.Path);

        var error = Assert.Throws<StorageException>(() => factory.GetStore(profile, credential));

        Assert.Equal(StorageErrorKind.Invalid, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-value", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<StorageProfile, StorageCredential?, string> Mismatches() => new()
    {
        { new S3StorageProfile { Bucket = "lake", Region = "us-east-1" }, null, "needs an s3 access-key credential" },
        { new FileStorageProfile { Root = "/tmp/wh" }, new S3AccessKeyCredential { AccessKeyId = "a", SecretAccessKey = "secret-value" }, "file profiles take no credential" },
        { new S3StorageProfile { Bucket = "lake", Region = "us-east-1" }, new S3AccessKeyCredential { AccessKeyId = "", SecretAccessKey = "secret-value" }, "storage-credential.access-key-id: is required" },
        { new S3StorageProfile { Bucket = "Lake", Region = "us-east-1" }, new S3AccessKeyCredential { AccessKeyId = "a", SecretAccessKey = "secret-value" }, "bucket: " },
    };

    [Theory]
    [InlineData("Storage:MaxReadBytes", "10", "LAKEKEEPER__STORAGE__MAXREADBYTES: must be between 1024 and")]
    [InlineData("Storage:MaxRetries", "11", "LAKEKEEPER__STORAGE__MAXRETRIES: must be between 0 and 10")]
    [InlineData("Storage:AllowedFileRoots:0", "relative/folder", "LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0: must be an absolute path")]
    [InlineData("Storage:AllowedFileRoots:0", "/", "LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0: must not be '/'")]
    public async Task The_registration_binds_settings_and_names_the_variable_on_bad_values(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        await using var provider = new ServiceCollection().AddLogging().AddLakekeeperStorage(configuration).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.StartsWith(expected, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_registration_provides_a_working_factory_and_validator()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:AllowedFileRoots:0"] = _temp.Path,
        }).Build();
        var provider = new ServiceCollection().AddLogging().AddLakekeeperStorage(configuration).BuildServiceProvider();
        var profile = new FileStorageProfile { Root = _temp.Combine("wh") };

        var report = await provider.GetRequiredService<IStorageValidator>().ValidateAsync(profile, null, Ct);
        var factory = provider.GetRequiredService<IObjectStoreFactory>();
        var store = factory.GetStore(profile, null);

        Assert.True(report.Succeeded, report.Describe());
        Assert.Equal(["settings", "write", "read", "list", "delete"], report.Checks.Select(c => c.Check));
        Assert.Empty(Directory.GetFileSystemEntries(_temp.Combine("wh")));
        await provider.DisposeAsync();
        // The host disposes the factory (and its S3 connection pool) on shutdown.
        Assert.Throws<ObjectDisposedException>(() => factory.GetStore(profile, null));
        Assert.NotNull(store);
    }

    [Fact]
    public async Task Validation_of_an_unwritable_file_root_fails_at_the_write_check()
    {
        using var factory = Factory(_temp.Path);
        var blocker = _temp.Combine("blocker");
        await File.WriteAllTextAsync(blocker, "a file where a folder is needed", Ct);
        var validator = new StorageValidator(factory, Options.Create(new StorageOptions { AllowedS3Endpoints = "127.0.0.1:*" }), Stores.Vendor(), Microsoft.Extensions.Logging.Abstractions.NullLogger<StorageValidator>.Instance);

        var report = await validator.ValidateAsync(new FileStorageProfile { Root = Path.Combine(blocker, "wh") }, null, Ct);

        Assert.False(report.Succeeded);
        Assert.Equal(StorageCheckStatus.Passed, report.Checks[0].Status);
        Assert.Equal(StorageCheckStatus.Failed, report.Checks[1].Status);
        Assert.Equal("write", report.Checks[1].Check);
        Assert.All(report.Checks.Skip(2), c => Assert.Equal(StorageCheckStatus.Skipped, c.Status));
    }

    [Fact]
    public void Invalid_settings_fail_validation_without_touching_storage()
    {
        using var factory = Factory();
        var validator = new StorageValidator(factory, Options.Create(new StorageOptions { AllowedS3Endpoints = "127.0.0.1:*" }), Stores.Vendor(), Microsoft.Extensions.Logging.Abstractions.NullLogger<StorageValidator>.Instance);

        var report = validator.ValidateSettings(new FileStorageProfile { Root = "/" }, null);

        var check = Assert.Single(report.Checks);
        Assert.Equal(StorageCheckStatus.Failed, check.Status);
        Assert.Contains("file-system root", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transient_storage_errors_become_503_with_retry_after_and_others_pass_through()
    {
        var translator = new StorageExceptionTranslator();

        var unavailable = translator.Translate(new StorageException(StorageErrorKind.Unavailable, "s3 down at s3://lake/wh"));
        var conflict = translator.Translate(new StorageException(StorageErrorKind.Conflict, "409"));

        Assert.Equal(503, unavailable!.Code);
        Assert.Equal(StorageExceptionTranslator.RetryAfterSeconds, unavailable.RetryAfterSeconds);
        Assert.DoesNotContain("s3://", unavailable.Message, StringComparison.Ordinal);
        Assert.Equal(503, conflict!.Code);
        Assert.Null(translator.Translate(new StorageException(StorageErrorKind.AccessDenied, "denied")));
        Assert.Null(translator.Translate(new InvalidOperationException()));
        Assert.IsType<ErrorResponse>(unavailable);
    }
}
