using System.Diagnostics.Metrics;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>
/// Counts the catalog's <c>lakekeeper.catalog.commit.conflicts</c> (compare-and-swap races lost and
/// retried on the server) of one kind, <c>table</c> or <c>view</c>, while it lives. The app runs in
/// the test process, so its meter is observable here.
/// </summary>
internal sealed class CommitConflicts : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _count;

    public CommitConflicts(string type)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Lakekeeper" && instrument.Name == "lakekeeper.catalog.commit.conflicts")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "type" && Equals(tag.Value, type))
                {
                    Interlocked.Add(ref _count, value);
                }
            }
        });
        _listener.Start();
    }

    public long Count => Interlocked.Read(ref _count);

    public void Dispose() => _listener.Dispose();
}
