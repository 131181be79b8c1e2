using System.Text;
using Lakekeeper.ServiceDefaults.RequestBodies;

namespace Lakekeeper.ServiceDefaults.Tests;

/// <summary>
/// The body check runs while the body arrives: whatever the sizes of the pieces the network delivers,
/// it reaches the verdict the whole body gets, and an over-long string is refused before the body is
/// complete.
/// </summary>
public sealed class JsonBodyCheckTests
{
    private const int MaxString = 16;

    public static TheoryData<string, string?> Bodies => new()
    {
        { """{"a":"b","c":[1,2,{"d":null}],"e":"é \ud83d\ude00"}""", null },
        { "{\"k\":\"" + new string('x', MaxString) + "\"}", null },
        { "{\"k\":\"" + new string('x', MaxString + 1) + "\"}", "LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES" },
        { "{\"" + new string('k', MaxString + 1) + "\":1}", "LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES" },
        { """{"a":1,"b":{"a":2},"a":3}""", "appears twice" },
        { """{"a":"\ud800"}""", "surrogate" },
        { """{"a":1,}""", "invalid JSON" },
        { """{"a":1} {"b":2}""", "invalid JSON" },
        { "{\"a\":\"caf\u00e9\"}".Replace("\u00e9", "\u00e9\u00e9", StringComparison.Ordinal), null },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Any_split_of_the_body_gets_the_verdict_of_the_whole(string json, string? problem)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var whole = new JsonBodyCheck(MaxString).Advance(body, final: true);
        AssertVerdict(problem, whole);
        foreach (var step in new[] { 1, 2, 3, 7, 64, 1000 })
        {
            var check = new JsonBodyCheck(MaxString);
            string? verdict = null;
            for (var end = Math.Min(step, body.Length); verdict is null && end < body.Length; end = Math.Min(end + step, body.Length))
            {
                verdict = check.Advance(body.AsSpan(0, end), final: false);
            }

            verdict ??= check.Advance(body, final: true);
            AssertVerdict(problem, verdict);
        }
    }

    [Fact]
    public void Invalid_utf8_is_named_even_when_a_piece_ends_inside_a_character()
    {
        // "é" is C3 A9; a lone C3 before a quote is not UTF-8.
        byte[] valid = [.. "{\"a\":\"abcdefghijkl\",\"b\":[1,2,3,4,5,6],\"c\":\"x"u8, 0xC3, 0xA9, .. "\"}"u8];
        byte[] invalid = [.. "{\"a\":\"abcdefghijkl\",\"b\":[1,2,3,4,5,6],\"c\":\"x"u8, 0xC3, .. "\",}"u8];
        for (var cut = 1; cut < valid.Length; cut++)
        {
            var check = new JsonBodyCheck(MaxString);
            Assert.Null(check.Advance(valid.AsSpan(0, cut), final: false));
            Assert.Null(check.Advance(valid, final: true));
        }

        Assert.Contains("UTF-8", new JsonBodyCheck(MaxString).Advance(invalid, final: true), StringComparison.Ordinal);
        for (var cut = 1; cut < invalid.Length; cut++)
        {
            var check = new JsonBodyCheck(MaxString);
            var verdict = check.Advance(invalid.AsSpan(0, cut), final: false) ?? check.Advance(invalid, final: true);
            Assert.Contains("UTF-8", verdict, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_key_that_is_not_utf8_is_named_not_thrown()
    {
        // Found by the fuzz suite: a key's bytes are decoded only when the key is read (to compare it
        // with the object's other keys), where the reader throws InvalidOperationException, not JsonException.
        byte[] body = [.. "{\""u8, 0xF8, 0x88, 0x80, 0x80, 0x80, .. "accept-terms-of-use\":true}"u8];
        Assert.Contains("UTF-8", new JsonBodyCheck(MaxString * 4).Advance(body, final: true), StringComparison.Ordinal);
        for (var cut = 1; cut < body.Length; cut++)
        {
            var check = new JsonBodyCheck(MaxString * 4);
            var verdict = check.Advance(body.AsSpan(0, cut), final: false) ?? check.Advance(body, final: true);
            Assert.Contains("UTF-8", verdict, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_over_long_string_is_refused_before_the_body_ends()
    {
        var body = Encoding.ASCII.GetBytes("{\"k\":\"" + new string('x', 100_000));
        var check = new JsonBodyCheck(MaxString);
        string? verdict = null;
        var end = 0;
        while (verdict is null && end < body.Length)
        {
            end = Math.Min(end + 100, body.Length);
            verdict = check.Advance(body.AsSpan(0, end), final: false);
        }

        Assert.Contains("LAKEKEEPER__SERVER__MAXJSONSTRINGBYTES", verdict, StringComparison.Ordinal);
        // Refused soon after the limit (and a little slack for what surrounds a string), not at the end of the body.
        Assert.True(end <= MaxString + 2048, $"refused only after {end} bytes");
    }

    private static void AssertVerdict(string? expected, string? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
        }
        else
        {
            Assert.Contains(expected, actual, StringComparison.Ordinal);
        }
    }
}
