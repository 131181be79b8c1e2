using System.Net;
using System.Net.Sockets;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.Tests.Infrastructure;
using Lakekeeper.Storage.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static Lakekeeper.Storage.Tests.Infrastructure.Stores;

namespace Lakekeeper.Storage.Tests.Validation;

/// <summary>
/// Issue 14, defect 1: warehouse creation connected to any endpoint a caller named (mapping internal
/// hosts and ports, sending S3 requests to internal services), with a different message per kind of
/// target and seconds of SDK retries per probe.
/// </summary>
public sealed class S3EndpointPolicyTests
{
    private static readonly S3AccessKeyCredential Credential = new() { AccessKeyId = "AKIA", SecretAccessKey = "secret" };

    private static S3StorageProfile Profile(Uri? endpoint) => new() { Bucket = "bucket", Region = "us-east-1", Endpoint = endpoint, PathStyleAccess = true };

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("https://s3.eu-west-1.amazonaws.com", null, true)]
    [InlineData("https://bucket.s3.amazonaws.com.cn", null, true)]
    [InlineData("http://s3.amazonaws.com", null, false)]
    [InlineData("https://s3.amazonaws.com:8443", null, false)]
    [InlineData("https://amazonaws.com.evil.example", null, false)]
    [InlineData("http://127.0.0.1:9000", null, false)]
    [InlineData("http://localhost:9000", null, false)]
    [InlineData("http://169.254.169.254", null, false)]
    [InlineData("http://[::1]:9000", null, false)]
    [InlineData("http://[fe80::1]:9000", null, false)]
    [InlineData("http://10.0.0.5:9000", "*.internal:9000", false)]
    [InlineData("http://127.0.0.1:9000", "127.0.0.1:9000", true)]
    [InlineData("http://127.0.0.1:9001", "127.0.0.1:9000", false)]
    [InlineData("http://127.0.0.1:9001", "127.0.0.1:*", true)]
    [InlineData("http://[::1]:9000", "[::1]:9000", true)]
    [InlineData("http://minio.storage.svc:9000", "minio.storage.svc:9000", true)]
    [InlineData("http://minio.storage.svc", "minio.storage.svc:9000", false)]
    [InlineData("https://minio.storage.svc", "minio.storage.svc", true)]
    [InlineData("https://a.r2.cloudflarestorage.com", "*.r2.cloudflarestorage.com", true)]
    [InlineData("https://r2.cloudflarestorage.com", "*.r2.cloudflarestorage.com", false)]
    [InlineData("https://evilr2.cloudflarestorage.com", "*.r2.cloudflarestorage.com", false)]
    [InlineData("http://b.example:1", "a.example:1, b.example:1", true)]
    public void Endpoints_are_allowed_only_by_the_operator(string? endpoint, string? allowed, bool ok)
    {
        var error = S3EndpointPolicy.Check(Profile(endpoint is null ? null : new Uri(endpoint)), allowed);
        Assert.True(ok == (error is null), error ?? "allowed");
        if (error is not null)
        {
            Assert.Contains(S3EndpointPolicy.Variable, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_endpoint_not_allowed_is_refused_before_any_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var factory = Factory(new StorageOptions());
        var validator = new StorageValidator(factory, Options.Create(new StorageOptions()), Stores.Vendor(), NullLogger<StorageValidator>.Instance);

        var report = await validator.ValidateAsync(Profile(new Uri($"http://127.0.0.1:{port}")), Credential, Ct);

        Assert.Equal(StorageCheckStatus.Failed, report.Checks[0].Status);
        Assert.Contains("loopback", report.Checks[0].Message, StringComparison.Ordinal);
        Assert.All(report.Checks.Skip(1), c => Assert.Equal(StorageCheckStatus.Skipped, c.Status));
        Assert.False(listener.Pending(), "the validator connected to an endpoint that is not allowed");
    }

    /// <summary>
    /// A closed port, a port that speaks something else and an HTTP service that is not S3 give one
    /// message; an S3 answer of 503 is not retried (one request), so a probe costs one round trip.
    /// </summary>
    [Fact]
    public async Task Every_probe_failure_looks_the_same_and_is_not_retried()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        using var garbage = new TcpListener(IPAddress.Loopback, 0);
        garbage.Start();
        var garbagePort = ((IPEndPoint)garbage.LocalEndpoint).Port;
        var answering = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await garbage.AcceptTcpClientAsync(Ct);
                await client.GetStream().WriteAsync("SSH-2.0-OpenSSH_9.2\r\n"u8.ToArray(), Ct);
            }
        }, Ct);

        await using var http = await ScriptedS3Server.StartAsync((_, context) =>
        {
            context.Response.StatusCode = 503;
            return context.Response.WriteAsync("<html>internal admin</html>");
        });

        var options = new StorageOptions { AllowedS3Endpoints = "127.0.0.1:*", ConnectTimeoutSeconds = 2 };
        using var factory = Factory(options);
        var validator = new StorageValidator(factory, Options.Create(options), Stores.Vendor(), NullLogger<StorageValidator>.Instance);
        var messages = new List<string>();
        foreach (var endpoint in new[] { $"http://127.0.0.1:{closedPort}", $"http://127.0.0.1:{garbagePort}", http.Endpoint.ToString() })
        {
            var report = await validator.ValidateAsync(Profile(new Uri(endpoint)), Credential, Ct);
            var failed = Assert.Single(report.Checks, c => c.Status == StorageCheckStatus.Failed);
            messages.Add(failed.Message);
        }

        Assert.All(messages, m => Assert.Equal(StorageValidator.UniformS3Failure, m));
        Assert.Single(http.Requests);
        garbage.Stop();
    }
}
