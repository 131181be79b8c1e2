using Lakekeeper.Rpc.Protocol;

namespace Lakekeeper.Rpc.Tests.Protocol;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("1500u", 15_000L)]
    [InlineData("1u", 10L)]
    [InlineData("100n", 1L)]
    [InlineData("1n", 1L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    [InlineData("00000005S", 50_000_000L)]
    public void Parses_every_unit(string header, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("10 S")]
    [InlineData("-1S")]
    [InlineData("+1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    [InlineData("10x")]
    public void Rejects_what_the_grammar_does_not_allow(string header) =>
        Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(1L, "100n")]
    [InlineData(10_000L, "1000000n")]
    [InlineData(20_000_000L, "2000000u")]
    [InlineData(3_000_000_000L, "300000m")]
    [InlineData(36_000_000_000L, "3600000m")]
    [InlineData(36_000_000_000_000L, "3600000S")]
    public void Formats_in_the_finest_unit_that_fits_eight_digits(long ticks, string expected) =>
        Assert.Equal(expected, GrpcTimeout.Format(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void Formats_huge_timeouts_within_eight_digits()
    {
        var header = GrpcTimeout.Format(TimeSpan.MaxValue);
        Assert.True(header.Length <= 9, header);
        Assert.Equal('H', header[^1]);
    }

    [Fact]
    public void Never_formats_a_zero_or_negative_timeout() =>
        Assert.Equal("1n", GrpcTimeout.Format(TimeSpan.FromSeconds(-1)));

    [Theory]
    [InlineData(1L)]
    [InlineData(12_345_678L)]
    [InlineData(987_654_321_012L)]
    [InlineData(5_000_000_000_001L)]
    public void Round_trip_never_shortens_the_deadline(long ticks)
    {
        var original = TimeSpan.FromTicks(ticks);
        var header = GrpcTimeout.Format(original);
        Assert.True(header.Length <= 9, header);
        Assert.True(GrpcTimeout.TryParse(header, out var parsed));
        Assert.True(parsed >= original, $"{header} parsed as {parsed} < {original}");
        // ...and rounding costs at most one unit of the chosen scale (here well under 0.01%).
        Assert.True((parsed - original).Ticks <= Math.Max(1, original.Ticks / 10_000), $"{header}: {parsed} vs {original}");
    }
}
