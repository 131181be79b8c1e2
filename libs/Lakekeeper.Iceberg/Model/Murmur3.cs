using System.Buffers.Binary;
using System.Numerics;

namespace Lakekeeper.Iceberg;

/// <summary>32-bit MurmurHash3, x86 variant, as required by the Iceberg bucket transform (seed 0 by default).</summary>
public static class Murmur3
{
    private const uint C1 = 0xcc9e2d51;
    private const uint C2 = 0x1b873593;

    public static int Hash32(ReadOnlySpan<byte> data, uint seed = 0)
    {
        var h = seed;
        var blocks = data.Length / 4;
        for (var i = 0; i < blocks; i++)
        {
            var k = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(i * 4, 4));
            h ^= MixKey(k);
            h = BitOperations.RotateLeft(h, 13);
            h = (h * 5) + 0xe6546b64;
        }

        var tail = data[(blocks * 4)..];
        uint last = 0;
        switch (tail.Length)
        {
            case 3:
                last ^= (uint)tail[2] << 16;
                last ^= (uint)tail[1] << 8;
                last ^= tail[0];
                h ^= MixKey(last);
                break;
            case 2:
                last ^= (uint)tail[1] << 8;
                last ^= tail[0];
                h ^= MixKey(last);
                break;
            case 1:
                last ^= tail[0];
                h ^= MixKey(last);
                break;
            default:
                break;
        }

        h ^= (uint)data.Length;
        return (int)FinalMix(h);
    }

    private static uint MixKey(uint k)
    {
        k *= C1;
        k = BitOperations.RotateLeft(k, 15);
        return k * C2;
    }

    private static uint FinalMix(uint h)
    {
        h ^= h >> 16;
        h *= 0x85ebca6b;
        h ^= h >> 13;
        h *= 0xc2b2ae35;
        h ^= h >> 16;
        return h;
    }
}
