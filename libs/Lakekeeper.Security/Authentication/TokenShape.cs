using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Lakekeeper.Security.Authentication;

internal enum TokenKind
{
    Malformed,
    Signed,
    Encrypted,
}

/// <summary>
/// Reads just enough of a bearer token, without trusting it, to choose who validates it: its
/// shape (a JWS has three parts, a JWE five) and the <c>iss</c> claim of a JWS payload. The
/// validation itself is the JwtBearer handler's (or the TokenReview API's).
/// </summary>
internal static class TokenShape
{
    /// <summary>
    /// Larger tokens are refused before any decoding. Real access tokens are a few KB; 16 KiB leaves
    /// room for large group claims while bounding the work a hostile request can cause.
    /// </summary>
    public const int MaxTokenChars = 16 * 1024;

    public static TokenKind Inspect(ReadOnlySpan<char> token, out string? issuer)
    {
        issuer = null;
        if (token.Length is 0 or > MaxTokenChars)
        {
            return TokenKind.Malformed;
        }

        var dots = 0;
        foreach (var c in token)
        {
            if (c == '.')
            {
                dots++;
            }
            else if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return TokenKind.Malformed;
            }
        }

        if (dots == 4)
        {
            return TokenKind.Encrypted;
        }

        if (dots != 2)
        {
            return TokenKind.Malformed;
        }

        var first = token.IndexOf('.');
        var second = token[(first + 1)..].IndexOf('.') + first + 1;
        if (first == 0 || second == first + 1 || second == token.Length - 1)
        {
            return TokenKind.Malformed;
        }

        var payload = token.Slice(first + 1, second - first - 1);
        var buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(payload.Length));
        try
        {
            if (Base64Url.DecodeFromChars(payload, buffer, out _, out var written) != OperationStatus.Done)
            {
                return TokenKind.Malformed;
            }

            return TryReadIssuer(buffer.AsSpan(0, written), out issuer) ? TokenKind.Signed : TokenKind.Malformed;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The top-level <c>iss</c> string of a JSON object; false when the payload is not a JSON object.</summary>
    private static bool TryReadIssuer(ReadOnlySpan<byte> json, out string? issuer)
    {
        issuer = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isIssuer = reader.ValueTextEquals("iss"u8);
                reader.Read();
                if (isIssuer && reader.TokenType == JsonTokenType.String)
                {
                    issuer = reader.GetString();
                }

                reader.Skip();
            }

            return reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
