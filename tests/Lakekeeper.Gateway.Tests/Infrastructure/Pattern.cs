using System.Net;

namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>A body whose every byte is known from its offset, so a receiver can check it without keeping it.</summary>
internal static class Pattern
{
    public const int Chunk = 64 * 1024;

    public static void Fill(Span<byte> buffer, long offset)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)((offset + i) % 251);
        }
    }

    public static bool Matches(ReadOnlySpan<byte> data, long offset)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)((offset + i) % 251))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads a stream to its end, checking the pattern; calls <paramref name="progress"/> with the running count.</summary>
    public static async Task<(long Length, bool Valid)> ReadAsync(Stream stream, Action<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[Chunk];
        long total = 0;
        var valid = true;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            valid &= Matches(buffer.AsSpan(0, read), total);
            total += read;
            progress?.Invoke(total);
        }

        return (total, valid);
    }

    /// <summary>Writes <paramref name="length"/> pattern bytes; after the first <paramref name="firstChunk"/> bytes, flushes and awaits <paramref name="afterFirstChunk"/>.</summary>
    public static async Task WriteAsync(Stream stream, long length, int firstChunk = 0, Func<Task>? afterFirstChunk = null, CancellationToken cancellationToken = default)
    {
        var buffer = new byte[Chunk];
        long written = 0;
        if (firstChunk > 0)
        {
            Fill(buffer.AsSpan(0, firstChunk), 0);
            await stream.WriteAsync(buffer.AsMemory(0, firstChunk), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            written = firstChunk;
            if (afterFirstChunk is not null)
            {
                await afterFirstChunk();
            }
        }

        while (written < length)
        {
            var size = (int)Math.Min(Chunk, length - written);
            Fill(buffer.AsSpan(0, size), written);
            await stream.WriteAsync(buffer.AsMemory(0, size), cancellationToken);
            written += size;
        }
    }
}

/// <summary>A request body of pattern bytes, with or without a Content-Length (chunked).</summary>
internal sealed class PatternContent(long length, bool announceLength, int firstChunk = 0, Func<Task>? afterFirstChunk = null) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        Pattern.WriteAsync(stream, length, firstChunk, afterFirstChunk);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        Pattern.WriteAsync(stream, length, firstChunk, afterFirstChunk, cancellationToken);

    protected override bool TryComputeLength(out long length1)
    {
        length1 = length;
        return announceLength;
    }
}
