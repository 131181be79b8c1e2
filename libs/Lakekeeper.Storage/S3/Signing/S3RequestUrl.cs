using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Lakekeeper.Storage.S3.Signing;

/// <summary>
/// An S3 request URL as an engine will send it, split without any normalisation (the signature must
/// cover exactly what goes on the wire; <see cref="Uri"/> would resolve dot segments and re-encode).
/// Strict: printable ASCII only (clients percent-encode everything else), <c>http</c>/<c>https</c>,
/// no user information, no fragment, a path that starts with <c>/</c>, no raw <c>+</c> (S3 reads it
/// as a space in some places; SDKs send <c>%2B</c>), well-formed percent escapes that decode to UTF-8
/// without control characters.
/// </summary>
public sealed record S3RequestUrl
{
    private S3RequestUrl(string text, string scheme, string host, int? port, string rawPath, string rawQuery, IReadOnlyList<KeyValuePair<string, string>> query)
    {
        Text = text;
        Scheme = scheme;
        Host = host;
        Port = port;
        RawPath = rawPath;
        RawQuery = rawQuery;
        Query = query;
    }

    /// <summary>The URL as given.</summary>
    public string Text { get; }

    /// <summary><c>http</c> or <c>https</c>.</summary>
    public string Scheme { get; }

    /// <summary>The host name in lower case (an IPv6 address in brackets).</summary>
    public string Host { get; }

    /// <summary>The explicit port, if any.</summary>
    public int? Port { get; }

    /// <summary>The path as sent (percent-encoded), starting with <c>/</c>.</summary>
    public string RawPath { get; }

    /// <summary>The query as sent, without the <c>?</c>; empty when there is none.</summary>
    public string RawQuery { get; }

    /// <summary>Decoded query parameters in order (a parameter without <c>=</c> has an empty value).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

    /// <summary>The <c>Host</c> header a client sends: host, and the port unless it is the scheme's default.</summary>
    public string HostHeader => Port is { } port && port != DefaultPort ? Host + ":" + port.ToString(CultureInfo.InvariantCulture) : Host;

    /// <summary>The host and port for comparisons (default port filled in).</summary>
    public string Authority => Host + ":" + (Port ?? DefaultPort).ToString(CultureInfo.InvariantCulture);

    private int DefaultPort => Scheme == "https" ? 443 : 80;

    public override string ToString() => Text;

    public static bool TryParse(string? text, [NotNullWhen(true)] out S3RequestUrl? url, [NotNullWhen(false)] out string? error)
    {
        url = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "uri is required";
            return false;
        }

        if (text.Length > 8192)
        {
            error = "uri is longer than 8192 characters";
            return false;
        }

        foreach (var c in text)
        {
            if (c is <= ' ' or >= (char)0x7F)
            {
                error = "uri must be printable ASCII without spaces (percent-encode everything else)";
                return false;
            }
        }

        if (text.Contains('#', StringComparison.Ordinal))
        {
            error = "uri must not have a fragment";
            return false;
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? text[..schemeEnd].ToLowerInvariant() : string.Empty;
        if (scheme is not ("http" or "https"))
        {
            error = "uri must be an absolute http:// or https:// URL";
            return false;
        }

        var rest = text[(schemeEnd + 3)..];
        var pathStart = rest.IndexOfAny(['/', '?']);
        var authority = pathStart < 0 ? rest : rest[..pathStart];
        var pathAndQuery = pathStart < 0 ? string.Empty : rest[pathStart..];
        if (!TryParseAuthority(authority, out var host, out var port, out error))
        {
            return false;
        }

        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var rawPath = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart];
        var rawQuery = queryStart < 0 ? string.Empty : pathAndQuery[(queryStart + 1)..];
        if (!rawPath.StartsWith('/'))
        {
            error = "uri must have a path (at least '/')";
            return false;
        }

        if (rawPath.Contains('+', StringComparison.Ordinal) || rawQuery.Contains('+', StringComparison.Ordinal))
        {
            error = "uri must not contain a raw '+' (S3 may read it as a space); encode it as %2B";
            return false;
        }

        if (!TryDecode(rawPath, out _, out error))
        {
            error = "uri path: " + error;
            return false;
        }

        var query = new List<KeyValuePair<string, string>>();
        if (rawQuery.Length > 0)
        {
            foreach (var pair in rawQuery.Split('&'))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var rawName = eq < 0 ? pair : pair[..eq];
                var rawValue = eq < 0 ? string.Empty : pair[(eq + 1)..];
                if (!TryDecode(rawName, out var name, out error) || !TryDecode(rawValue, out var value, out error))
                {
                    error = "uri query: " + error;
                    return false;
                }

                query.Add(new(name, value));
            }
        }

        url = new S3RequestUrl(text, scheme, host, port, rawPath, rawQuery, query);
        error = null;
        return true;
    }

    /// <summary>
    /// Percent-decodes <paramref name="raw"/> as UTF-8 (a <c>+</c> stays a <c>+</c>). Fails on
    /// malformed escapes, invalid UTF-8 and control characters.
    /// </summary>
    public static bool TryDecode(string raw, [NotNullWhen(true)] out string? decoded, [NotNullWhen(false)] out string? error)
    {
        decoded = null;
        if (!raw.Contains('%', StringComparison.Ordinal))
        {
            decoded = raw;
            error = null;
            return true;
        }

        var bytes = new List<byte>(raw.Length);
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c != '%')
            {
                bytes.Add((byte)c);
                continue;
            }

            if (i + 2 >= raw.Length || !byte.TryParse(raw.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                error = "malformed percent escape";
                return false;
            }

            bytes.Add(b);
            i += 2;
        }

        try
        {
            decoded = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            error = "percent escapes are not valid UTF-8";
            return false;
        }

        if (decoded.Any(static ch => char.IsControl(ch)))
        {
            decoded = null;
            error = "percent escapes decode to a control character";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryParseAuthority(string authority, out string host, out int? port, [NotNullWhen(false)] out string? error)
    {
        host = string.Empty;
        port = null;
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            error = "uri must not contain user information";
            return false;
        }

        string portText;
        if (authority.StartsWith('['))
        {
            var close = authority.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || !System.Net.IPAddress.TryParse(authority[1..close], out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                error = "uri has an invalid IPv6 host";
                return false;
            }

            host = authority[..(close + 1)].ToLowerInvariant();
            portText = authority[(close + 1)..];
        }
        else
        {
            var colon = authority.IndexOf(':', StringComparison.Ordinal);
            host = (colon < 0 ? authority : authority[..colon]).ToLowerInvariant();
            portText = colon < 0 ? string.Empty : authority[colon..];
            if (host.Length is 0 or > 253 || host.Any(static ch => !(char.IsAsciiLetterLower(ch) || char.IsAsciiDigit(ch) || ch is '.' or '-')))
            {
                error = "uri host must be a DNS name or an IP address";
                return false;
            }
        }

        if (portText.Length > 0)
        {
            if (portText.Length < 2 || portText[0] != ':' || !portText.AsSpan(1).ContainsOnlyDigits()
                || !int.TryParse(portText.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p is < 1 or > 65535)
            {
                error = "uri has an invalid port";
                return false;
            }

            port = p;
        }

        error = null;
        return true;
    }
}

internal static class SpanDigits
{
    public static bool ContainsOnlyDigits(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
