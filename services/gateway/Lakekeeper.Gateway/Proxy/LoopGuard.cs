using Lakekeeper.Gateway.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Lakekeeper.Gateway.Proxy;

/// <summary>
/// Stops forwarding loops (a destination that leads back to a gateway). Every forwarded request gets a
/// <c>Via</c> entry naming this gateway process (RFC 9110 §7.6.3); a request that already carries this
/// process's entry, or the entries of <see cref="GatewayOptions.MaxHops"/> gateways, is refused instead
/// of being forwarded again. Other proxies' entries are not counted.
/// </summary>
internal sealed class LoopGuard(IOptions<GatewayOptions> options)
{
    private const string PseudonymPrefix = "lakekeeper-gateway-";

    private string? _http11Entry;

    /// <summary>This process's <c>received-by</c> pseudonym: random, so it names no host or address.</summary>
    public string Pseudonym { get; } = PseudonymPrefix + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The <c>Via</c> entry for a request received with <paramref name="protocol"/> (<c>HTTP/1.1</c> → <c>1.1 …</c>).</summary>
    public string EntryFor(string protocol) => HttpProtocol.IsHttp11(protocol)
        ? _http11Entry ??= "1.1 " + Pseudonym
        : (HttpProtocol.IsHttp2(protocol) ? "2" : HttpProtocol.IsHttp3(protocol) ? "3" : "1.0") + " " + Pseudonym;

    /// <summary>Whether the request has been through this gateway before, or through too many gateways.</summary>
    public bool IsLoop(StringValues via, out int gateways)
    {
        gateways = 0;
        var seenSelf = false;
        foreach (var value in via)
        {
            var rest = value.AsSpan();
            while (!rest.IsEmpty)
            {
                var end = EndOfElement(rest);
                var element = rest[..end].Trim();
                rest = end < rest.Length ? rest[(end + 1)..] : default;

                // element = received-protocol RWS received-by [ RWS comment ]
                var space = element.IndexOfAny(' ', '\t');
                if (space < 0)
                {
                    continue;
                }

                var receivedBy = element[(space + 1)..].TrimStart();
                var byEnd = receivedBy.IndexOfAny(' ', '\t');
                receivedBy = byEnd < 0 ? receivedBy : receivedBy[..byEnd];
                if (receivedBy.StartsWith(PseudonymPrefix, StringComparison.Ordinal))
                {
                    gateways++;
                    seenSelf |= receivedBy.SequenceEqual(Pseudonym);
                }
            }
        }

        return seenSelf || gateways >= options.Value.MaxHops;
    }

    /// <summary>The next comma that separates list elements (commas inside a parenthesised comment do not).</summary>
    private static int EndOfElement(ReadOnlySpan<char> list)
    {
        var depth = 0;
        for (var i = 0; i < list.Length; i++)
        {
            switch (list[i])
            {
                case '(':
                    depth++;
                    break;
                case ')' when depth > 0:
                    depth--;
                    break;
                case ',' when depth == 0:
                    return i;
            }
        }

        return list.Length;
    }
}
