using System.Diagnostics;
using System.Net;

namespace Lakekeeper.HttpBench;

/// <summary>The outcome of one measured run against one target.</summary>
internal sealed record LoadResult(string Target, long Requests, long Errors, TimeSpan Elapsed, LatencyHistogram Latency)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;

    public override string ToString() =>
        $"{Target,-10} {RequestsPerSecond,10:N0} req/s   p50 {Ms(Latency.Percentile(50)),8}   p90 {Ms(Latency.Percentile(90)),8}   " +
        $"p99 {Ms(Latency.Percentile(99)),8}   max {Ms(TimeSpan.FromTicks(Latency.Max)),8}   errors {Errors}";

    public static string Ms(TimeSpan value) => value.TotalMilliseconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) + " ms";
}

/// <summary>
/// Closed-loop HTTP load: <c>concurrency</c> workers each send a request, read the whole response,
/// record the latency and send the next, until the duration is over. One pooled connection per worker.
/// </summary>
internal sealed class LoadGenerator : IDisposable
{
    private readonly HttpMessageInvoker _client;

    public LoadGenerator(int concurrency)
    {
        _client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            MaxConnectionsPerServer = concurrency,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        });
        Concurrency = concurrency;
    }

    public int Concurrency { get; }

    public async Task<LoadResult> RunAsync(string name, Uri target, TimeSpan duration, CancellationToken cancellationToken)
    {
        var workers = new Task<Worker>[Concurrency];
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = Task.Run(() => RunWorkerAsync(target, deadline, cancellationToken), cancellationToken);
        }

        var done = await Task.WhenAll(workers).ConfigureAwait(false);
        var latency = new LatencyHistogram();
        long errors = 0;
        foreach (var worker in done)
        {
            latency.Add(worker.Latency);
            errors += worker.Errors;
        }

        return new LoadResult(name, latency.Count, errors, duration, latency);
    }

    public void Dispose() => _client.Dispose();

    private async Task<Worker> RunWorkerAsync(Uri target, long deadline, CancellationToken cancellationToken)
    {
        var worker = new Worker();
        var buffer = new byte[16 * 1024];
        while (!cancellationToken.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= deadline)
            {
                break;
            }

            var ok = await SendAsync(target, buffer, cancellationToken).ConfigureAwait(false);
            var end = Stopwatch.GetTimestamp();
            if (end > deadline)
            {
                // Finished after the window closed: neither counted nor timed.
                break;
            }

            if (ok)
            {
                worker.Latency.Record(Stopwatch.GetElapsedTime(start, end));
            }
            else
            {
                worker.Errors++;
            }
        }

        return worker;
    }

    private async Task<bool> SendAsync(Uri target, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            using var response = await _client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            while (await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }

            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class Worker
    {
        public LatencyHistogram Latency { get; } = new();

        public long Errors { get; set; }
    }
}
