using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Lakekeeper.Rpc.Protocol;

/// <summary>What reading the single message of a unary call found.</summary>
internal enum FrameError
{
    None,

    /// <summary>The stream ended without a message.</summary>
    NoMessage,

    /// <summary>The stream ended inside a message.</summary>
    Incomplete,

    /// <summary>The declared length exceeds the limit.</summary>
    TooLarge,

    /// <summary>The compressed flag is 1.</summary>
    Compressed,

    /// <summary>The flag byte is neither 0 nor 1.</summary>
    InvalidFlag,

    /// <summary>More data followed the one message of a unary call.</summary>
    ExtraData,

    /// <summary>The payload is not a valid protobuf encoding of the message type.</summary>
    Unparsable,
}

/// <summary>The message of a unary call, or why there is none.</summary>
internal readonly record struct FrameReadResult<T>(T? Message, FrameError Error, long DeclaredLength)
    where T : class;

/// <summary>
/// Length-prefixed messages: <c>Compressed-Flag (1 byte) · Message-Length (4 bytes, big endian) · Message</c>.
/// DATA frame boundaries have no relation to message boundaries, so reads loop until a whole
/// message is buffered.
/// </summary>
internal static class MessageFraming
{
    private enum FrameState
    {
        Complete,
        NeedMore,
        TooLarge,
        Compressed,
        InvalidFlag,
    }

    /// <summary>Writes the 5-byte header and the message into <paramref name="destination"/>.</summary>
    public static void WriteHeader(Span<byte> destination, int messageLength)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)messageLength);
    }

    /// <summary>Writes one uncompressed length-prefixed message.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, int size)
    {
        var total = GrpcProtocol.FrameHeaderLength + size;
        var span = writer.GetSpan(total)[..total];
        WriteHeader(span, size);
        message.WriteTo(span[GrpcProtocol.FrameHeaderLength..]);
        writer.Advance(total);
    }

    /// <summary>Frames a message into a new array (client requests).</summary>
    public static byte[] Frame(IMessage message, int size)
    {
        var frame = new byte[GrpcProtocol.FrameHeaderLength + size];
        WriteHeader(frame, size);
        message.WriteTo(frame.AsSpan(GrpcProtocol.FrameHeaderLength));
        return frame;
    }

    /// <summary>
    /// Reads exactly one message and then the end of the stream. Expected failures come back as a
    /// <see cref="FrameError"/>; only cancellation and transport errors throw.
    /// </summary>
    public static async ValueTask<FrameReadResult<T>> ReadSingleMessageAsync<T>(
        PipeReader reader, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        T? message = null;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            if (message is not null)
            {
                if (!buffer.IsEmpty)
                {
                    reader.AdvanceTo(buffer.Start);
                    return new(null, FrameError.ExtraData, 0);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return new(message, FrameError.None, 0);
                }

                continue;
            }

            var state = TryReadFrame(buffer, maxMessageSize, out var payload, out var declared);
            switch (state)
            {
                case FrameState.Complete:
                    try
                    {
                        message = parser.ParseFrom(payload);
                    }
                    catch (InvalidProtocolBufferException)
                    {
                        reader.AdvanceTo(buffer.Start);
                        return new(null, FrameError.Unparsable, declared);
                    }

                    var rest = buffer.Slice(payload.End);
                    if (!rest.IsEmpty)
                    {
                        reader.AdvanceTo(buffer.Start);
                        return new(null, FrameError.ExtraData, declared);
                    }

                    reader.AdvanceTo(payload.End);
                    if (result.IsCompleted)
                    {
                        return new(message, FrameError.None, declared);
                    }

                    break;
                case FrameState.NeedMore:
                    if (result.IsCompleted)
                    {
                        reader.AdvanceTo(buffer.Start);
                        return new(null, buffer.IsEmpty ? FrameError.NoMessage : FrameError.Incomplete, declared);
                    }

                    reader.AdvanceTo(buffer.Start, buffer.End);
                    break;
                default:
                    reader.AdvanceTo(buffer.Start);
                    return new(null, state switch
                    {
                        FrameState.TooLarge => FrameError.TooLarge,
                        FrameState.Compressed => FrameError.Compressed,
                        _ => FrameError.InvalidFlag,
                    }, declared);
            }
        }
    }

    private static FrameState TryReadFrame(
        in ReadOnlySequence<byte> buffer, int maxMessageSize, out ReadOnlySequence<byte> payload, out long declaredLength)
    {
        payload = default;
        declaredLength = 0;
        if (buffer.Length < GrpcProtocol.FrameHeaderLength)
        {
            return FrameState.NeedMore;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderLength];
        buffer.Slice(0, GrpcProtocol.FrameHeaderLength).CopyTo(header);
        declaredLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        switch (header[0])
        {
            case 0:
                break;
            case 1:
                return FrameState.Compressed;
            default:
                return FrameState.InvalidFlag;
        }

        if (declaredLength > maxMessageSize)
        {
            return FrameState.TooLarge;
        }

        if (buffer.Length - GrpcProtocol.FrameHeaderLength < declaredLength)
        {
            return FrameState.NeedMore;
        }

        payload = buffer.Slice(GrpcProtocol.FrameHeaderLength, declaredLength);
        return FrameState.Complete;
    }
}
