using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Lakekeeper.Rpc.Protocol;
using Lakekeeper.Rpc.Tests.Echo;

namespace Lakekeeper.Rpc.Tests.Protocol;

public sealed class MessageFramingTests
{
    private static readonly MessageParser<EchoRequest> Parser = EchoRequest.Parser;

    [Fact]
    public void Frames_with_a_five_byte_big_endian_prefix()
    {
        var message = new EchoRequest { Text = "hi" };
        var frame = MessageFraming.Frame(message, message.CalculateSize());
        Assert.Equal(0, frame[0]);
        Assert.Equal((uint)message.CalculateSize(), BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1)));
        Assert.Equal(message.ToByteArray(), frame[5..]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task Reads_a_message_split_across_any_reads(int chunkSize)
    {
        var message = new EchoRequest { Text = "split", Payload = ByteString.CopyFrom(new byte[1000]) };
        var read = await ReadAsync(Frame(message), chunkSize);
        Assert.Equal(FrameError.None, read.Error);
        Assert.Equal(message, read.Message);
    }

    [Fact]
    public async Task Reads_a_zero_length_message()
    {
        var read = await ReadAsync(Frame(new EchoRequest()), 1);
        Assert.Equal(FrameError.None, read.Error);
        Assert.Equal(new EchoRequest(), read.Message);
        Assert.Equal(0, read.DeclaredLength);
    }

    [Fact]
    public async Task Rejects_an_oversized_message_from_its_prefix_alone()
    {
        // Only the header is available: the limit is enforced before the payload is buffered.
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 5_000_000);
        var read = await ReadAsync(header, 5, maxSize: 4 * 1024 * 1024, complete: false);
        Assert.Equal(FrameError.TooLarge, read.Error);
        Assert.Equal(5_000_000, read.DeclaredLength);
    }

    [Fact]
    public async Task Accepts_a_message_exactly_at_the_limit()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(new byte[100]) };
        var read = await ReadAsync(Frame(message), 64, maxSize: message.CalculateSize());
        Assert.Equal(FrameError.None, read.Error);
    }

    [Fact]
    public async Task Reports_an_empty_stream() =>
        Assert.Equal(FrameError.NoMessage, (await ReadAsync([], 1)).Error);

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(9)]
    public async Task Reports_a_stream_that_ends_inside_a_message(int length)
    {
        var frame = Frame(new EchoRequest { Text = "truncated message" });
        Assert.Equal(FrameError.Incomplete, (await ReadAsync(frame[..length], 2)).Error);
    }

    [Fact]
    public async Task Reports_a_second_message()
    {
        var frame = Frame(new EchoRequest { Text = "one" });
        Assert.Equal(FrameError.ExtraData, (await ReadAsync([.. frame, .. frame], 3)).Error);
    }

    [Fact]
    public async Task Reports_a_second_message_arriving_in_a_later_read()
    {
        var frame = Frame(new EchoRequest { Text = "one" });
        Assert.Equal(FrameError.ExtraData, (await ReadAsync([.. frame, .. frame], frame.Length)).Error);
    }

    [Fact]
    public async Task Reports_the_compressed_flag()
    {
        var frame = Frame(new EchoRequest { Text = "gz" });
        frame[0] = 1;
        Assert.Equal(FrameError.Compressed, (await ReadAsync(frame, 1)).Error);
    }

    [Fact]
    public async Task Reports_an_invalid_flag()
    {
        var frame = Frame(new EchoRequest { Text = "?" });
        frame[0] = 2;
        Assert.Equal(FrameError.InvalidFlag, (await ReadAsync(frame, 1)).Error);
    }

    [Fact]
    public async Task Reports_a_payload_that_is_not_the_message()
    {
        byte[] frame = [0, 0, 0, 0, 3, 0x0A, 0x05, 0x41]; // field 1, length 5, only 1 byte follows
        Assert.Equal(FrameError.Unparsable, (await ReadAsync(frame, 1)).Error);
    }

    private static byte[] Frame(IMessage message) => MessageFraming.Frame(message, message.CalculateSize());

    private static async Task<FrameReadResult<EchoRequest>> ReadAsync(
        byte[] data, int chunkSize, int maxSize = 4 * 1024 * 1024, bool complete = true)
    {
        var reader = PipeReader.Create(new TrickleStream(data, chunkSize, complete), new StreamPipeReaderOptions(bufferSize: 16, minimumReadSize: 1));
        return await MessageFraming.ReadSingleMessageAsync(reader, Parser, maxSize, TestContext.Current.CancellationToken);
    }

    /// <summary>Hands out at most <c>chunkSize</c> bytes per read, like DATA frames that split messages anywhere.</summary>
    private sealed class TrickleStream(byte[] data, int chunkSize, bool complete) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException("a test stream that only reads");
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position == data.Length && !complete)
            {
                throw new InvalidOperationException("The reader asked for more data than the test provides.");
            }

            var count = Math.Min(Math.Min(chunkSize, buffer.Length), data.Length - _position);
            data.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a test stream that only reads");

        public override void SetLength(long value) => throw new NotSupportedException("a test stream that only reads");

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("a test stream that only reads");
    }
}
