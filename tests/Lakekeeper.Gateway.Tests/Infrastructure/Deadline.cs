namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>How long a test waits for a signal before it fails: generous, because CI shares two cores.</summary>
internal static class Deadline
{
    public static readonly TimeSpan Signal = TimeSpan.FromSeconds(15);

    public static CancellationToken Test => TestContext.Current.CancellationToken;

    /// <summary>Waits for a signal, failing the test with <paramref name="what"/> when the deadline passes.</summary>
    public static async Task WaitAsync(this Task signal, string what)
    {
        try
        {
            await signal.WaitAsync(Signal, Test);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {Signal.TotalSeconds} s waiting for: {what}");
        }
    }

    public static async Task<T> WaitAsync<T>(this Task<T> signal, string what)
    {
        await ((Task)signal).WaitAsync(what);
        return await signal;
    }

    /// <summary>Polls <paramref name="condition"/> until it holds, failing the test with <paramref name="what"/> when the deadline passes.</summary>
    public static Task EventuallyAsync(Func<bool> condition, string what) => EventuallyAsync(() => Task.FromResult(condition()), what);

    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Signal;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out after {Signal.TotalSeconds} s waiting for: {what}");
            await Task.Delay(20, Test);
        }
    }
}
