using System.Buffers.Text;
using System.Text;

namespace Lakekeeper.Persistence.Identity;

/// <summary>Opaque keyset page tokens: base64url of the last key of the previous page.</summary>
public static class PageTokens
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static string Encode(string key) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key));

    /// <summary>Null token: the first page. False: the token is not one of ours.</summary>
    public static bool TryDecode(string? token, out string? key)
    {
        key = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (token.Length > 2048)
        {
            return false;
        }

        try
        {
            key = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
