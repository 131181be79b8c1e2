using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Storage.Tests.Infrastructure;

/// <summary>
/// A real S3-compatible server (npm <c>s3rver</c>) on a free loopback port with its own data folder,
/// started once per test class and stopped on dispose. s3rver stores objects and knows access key
/// ids, but does not verify SigV4 signatures, so no test here proves signing.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    public const string Bucket = "bucket";
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _stderr = new();
    private TempDirectory? _data;
    private Process? _process;

    public Uri Endpoint { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var repository = FindRepositoryRoot();
        var module = Path.Combine(repository, "tests", "node", "node_modules", "s3rver");
        if (!File.Exists(Path.Combine(module, "package.json")))
        {
            throw new InvalidOperationException(
                $"The npm package s3rver is not installed (looked in {module}). Install the test peers with: npm ci --prefix tests/node");
        }

        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            "Node.js ('node') is not on PATH; the S3 tests run the s3rver test server with it. " +
            "Install Node.js (Debian: apt-get install nodejs npm), then run: npm ci --prefix tests/node");

        _data = new TempDirectory();
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
        // through its legacy provider; without it every truncated listing fails with InternalError.
        info.ArgumentList.Add("--openssl-legacy-provider");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "S3", "s3rver-host.js"));
        info.ArgumentList.Add(module);
        info.ArgumentList.Add(_data.Path);
        info.ArgumentList.Add(Bucket);
        _process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(StartTimeout);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"s3rver did not report its port within {StartTimeout}. {Stderr()}");
        }

        if (line is null)
        {
            throw new InvalidOperationException($"s3rver exited before listening. {Stderr()}");
        }

        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        Endpoint = new Uri($"http://127.0.0.1:{port}");
        await WaitUntilServingAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            try
            {
                // Closing stdin asks the script to stop; kill if it does not within the deadline.
                process.StandardInput.Close();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
            finally
            {
                process.Dispose();
            }
        }

        _data?.Dispose();
    }

    private async Task WaitUntilServingAsync(CancellationToken deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "/" + Bucket + "?list-type=2"), deadline);
                if ((int)response.StatusCode < 500)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not accepting connections yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"s3rver at {Endpoint} did not answer within {StartTimeout}. {Stderr()}");
            }

            await Task.Delay(50, deadline);
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.Length == 0 ? string.Empty : "Its output:\n" + _stderr;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Lakekeeper.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"Lakekeeper.sln not found above {AppContext.BaseDirectory}");
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
