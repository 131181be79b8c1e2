using System.Diagnostics;
using System.Net;

namespace Lakekeeper.HttpBench;

/// <summary>What one request ended with: a success (timed), a conflict (an expected refusal such as 409) or an error.</summary>
internal enum Outcome
{
    Ok,
    Conflict,
    Error,
}

/// <summary>
/// Sends one request of a custom workload with the shared client: <paramref name="worker"/> is the
/// worker's index; returns the outcome and the response body size.
/// </summary>
internal delegate Task<(Outcome Outcome, long Bytes)> RequestSender(HttpMessageInvoker client, int worker, CancellationToken cancellationToken);

/// <summary>The outcome of one measured run against one target.</summary>
internal sealed record LoadResult(string Target, long Requests, long Errors, TimeSpan Elapsed, LatencyHistogram Latency)
{
    /// <summary>Expected refusals (e.g. 409 on a contended commit), counted apart from errors.</summary>
    public long Conflicts { get; init; }

    /// <summary>Response bytes read by successful requests.</summary>
    public long Bytes { get; init; }

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

    public Task<LoadResult> RunAsync(string name, Uri target, TimeSpan duration, CancellationToken cancellationToken)
    {
        var buffers = new byte[Concurrency][];
        return RunAsync(name, async (client, worker, token) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target);
            return await SendAsync(client, request, buffers[worker] ??= new byte[16 * 1024], token);
        }, duration, cancellationToken);
    }

    /// <summary>Runs a custom workload: every worker calls <paramref name="send"/> in a loop until the duration is over.</summary>
    public async Task<LoadResult> RunAsync(string name, RequestSender send, TimeSpan duration, CancellationToken cancellationToken)
    {
        var workers = new Task<Worker>[Concurrency];
        var started = Stopwatch.GetTimestamp();
        var deadline = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        for (var i = 0; i < workers.Length; i++)
        {
            var index = i;
            workers[i] = Task.Run(() => RunWorkerAsync(send, index, deadline, cancellationToken), cancellationToken);
        }

        var done = await Task.WhenAll(workers);
        var latency = new LatencyHistogram();
        long errors = 0, conflicts = 0, bytes = 0;
        foreach (var worker in done)
        {
            latency.Add(worker.Latency);
            errors += worker.Errors;
            conflicts += worker.Conflicts;
            bytes += worker.Bytes;
        }

        return new LoadResult(name, latency.Count, errors, duration, latency) { Conflicts = conflicts, Bytes = bytes };
    }

    /// <summary>Sends a request and reads the whole response; 2xx and 304 are successes, 409 a conflict.</summary>
    public static async Task<(Outcome Outcome, long Bytes)> SendAsync(HttpMessageInvoker client, HttpRequestMessage request, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            long bytes = 0;
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                bytes += read;
            }

            var status = (int)response.StatusCode;
            return (status is >= 200 and < 300 or 304 ? Outcome.Ok : status == 409 ? Outcome.Conflict : Outcome.Error, bytes);
        }
        catch (HttpRequestException)
        {
            return (Outcome.Error, 0);
        }
        catch (IOException)
        {
            return (Outcome.Error, 0);
        }
    }

    public void Dispose() => _client.Dispose();

    private async Task<Worker> RunWorkerAsync(RequestSender send, int index, long deadline, CancellationToken cancellationToken)
    {
        var worker = new Worker();
        while (!cancellationToken.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            if (start >= deadline)
            {
                break;
            }

            var (outcome, bytes) = await send(_client, index, cancellationToken);
            var end = Stopwatch.GetTimestamp();
            if (end > deadline)
            {
                // Finished after the window closed: neither counted nor timed.
                break;
            }

            switch (outcome)
            {
                case Outcome.Ok:
                    worker.Latency.Record(Stopwatch.GetElapsedTime(start, end));
                    worker.Bytes += bytes;
                    break;
                case Outcome.Conflict:
                    worker.Conflicts++;
                    break;
                default:
                    worker.Errors++;
                    break;
            }
        }

        return worker;
    }

    private sealed class Worker
    {
        public LatencyHistogram Latency { get; } = new();

        public long Errors { get; set; }

        public long Conflicts { get; set; }

        public long Bytes { get; set; }
    }
}
