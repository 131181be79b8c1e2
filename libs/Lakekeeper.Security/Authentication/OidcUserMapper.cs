using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Lakekeeper.Persistence.Identity;

namespace Lakekeeper.Security.Authentication;

/// <summary>From the claims of a validated OIDC token to the user it stands for.</summary>
internal static class OidcUserMapper
{
    /// <summary>The user, or null with the reason (which names claims, never values).</summary>
    public static AuthenticatedUser? Map(ClaimsPrincipal token, OidcProviderSettings provider, out string? error)
    {
        string? subject = null;
        foreach (var claim in provider.SubjectClaims)
        {
            if (token.FindFirst(claim)?.Value is { Length: > 0 } value)
            {
                subject = value;
                break;
            }
        }

        if (subject is null)
        {
            error = $"the token has none of the subject claims {string.Join(", ", provider.SubjectClaims)}";
            return null;
        }

        var id = UserId.For(provider.Id, subject);
        if (!UserId.IsValid(id.Value))
        {
            error = "the token's subject is not a valid user id (too long or with control characters)";
            return null;
        }

        var email = Claim(token, "email") ?? (Claim(token, "preferred_username") is { } upn && upn.Contains('@', StringComparison.Ordinal) ? upn : null);
        var name = DisplayName(token, provider.DisplayNameTemplate) ?? subject;
        var roles = provider.RolesClaim is null ? [] : Values(token, provider.RolesClaim);
        error = null;
        return new AuthenticatedUser(id, provider.Id, Bounded(name), email is null ? null : Bounded(email), TypeOf(token, subject), roles);
    }

    /// <summary>The values of a claim: one string, or the items of an array (JwtBearer splits arrays into claims of the same type).</summary>
    public static IReadOnlyList<string> Values(ClaimsPrincipal token, string claim)
    {
        var values = new List<string>();
        foreach (var c in token.FindAll(claim))
        {
            if (c.ValueType == "JSON_ARRAY" && c.Value.StartsWith('['))
            {
                try
                {
                    using var array = JsonDocument.Parse(c.Value);
                    values.AddRange(array.RootElement.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()));
                    continue;
                }
                catch (JsonException)
                {
                    // Not an array after all: keep the text.
                }
            }

            values.Add(c.Value);
        }

        return values;
    }

    /// <summary>
    /// <c>DISPLAY_NAME_TEMPLATE</c> with <c>{claim}</c> placeholders, e.g. <c>{given_name} {family_name}</c>;
    /// without one (or when it renders empty): name, then given and family name, then preferred_username, then email.
    /// </summary>
    internal static string? DisplayName(ClaimsPrincipal token, string? template)
    {
        if (template is not null && Render(token, template) is { Length: > 0 } rendered)
        {
            return rendered;
        }

        var given = Claim(token, "given_name");
        var family = Claim(token, "family_name");
        return Claim(token, "name")
            ?? (given is not null || family is not null ? $"{given} {family}".Trim() : null)
            ?? Claim(token, "preferred_username")
            ?? Claim(token, "email");
    }

    private static string Render(ClaimsPrincipal token, string template)
    {
        var result = new StringBuilder();
        for (var i = 0; i < template.Length; i++)
        {
            var close = template[i] == '{' ? template.IndexOf('}', i + 1) : -1;
            if (close > i + 1)
            {
                result.Append(Claim(token, template[(i + 1)..close]));
                i = close;
            }
            else
            {
                result.Append(template[i]);
            }
        }

        return string.Join(' ', result.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary>
    /// Applications (client-credentials tokens) have no person's name: Entra marks them
    /// <c>idtyp=app</c>; elsewhere the subject is the client id (<c>client_id</c>, <c>azp</c> or <c>appid</c>).
    /// </summary>
    private static UserType TypeOf(ClaimsPrincipal token, string subject)
    {
        if (Claim(token, "idtyp") == "app")
        {
            return UserType.Application;
        }

        var personal = Claim(token, "name") ?? Claim(token, "given_name") ?? Claim(token, "family_name") ?? Claim(token, "email");
        var client = Claim(token, "client_id") ?? Claim(token, "azp") ?? Claim(token, "appid");
        return personal is null && client == subject ? UserType.Application : UserType.Human;
    }

    private static string? Claim(ClaimsPrincipal token, string type) => token.FindFirst(type)?.Value is { Length: > 0 } value ? value.Trim() : null;

    private static string Bounded(string value) => value.Length > 512 ? value[..512] : value;
}
