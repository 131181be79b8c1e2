using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lakekeeper.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Lakekeeper.Management.Tests.Authentication;

/// <summary>
/// Bearer tokens against the standalone server with real OpenID providers: what is accepted, the
/// hostile tokens that must each be refused with 401 and change nothing, key rotation, and that no
/// token ever reaches a log line.
/// </summary>
public sealed class OidcAuthenticationTests(OidcFixture fixture) : IClassFixture<OidcFixture>
{
    private static readonly List<string> TokensUsed = [];

    [Fact]
    public async Task A_token_from_the_primary_provider_identifies_the_user_as_oidc_tilde_subject()
    {
        var token = await TokenAsync(fixture.Primary, OidcFixture.Alice);
        using var response = await fixture.SendAsync(HttpMethod.Get, "/management/v1/whoami", token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("oidc~alice", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("Alice Example", json.RootElement.GetProperty("name").GetString());
        Assert.Equal("alice@example.com", json.RootElement.GetProperty("email").GetString());
        Assert.Equal("human", json.RootElement.GetProperty("user-type").GetString());
        Assert.Equal("config-call-creation", json.RootElement.GetProperty("last-updated-with").GetString());
        // Allow-all grants everyone the server's admin relation: an instance admin (ManagedByTests covers a denial).
        Assert.True(json.RootElement.GetProperty("is-instance-admin").GetBoolean());
    }

    [Fact]
    public async Task An_ES256_client_credentials_token_is_an_application_user()
    {
        var token = await TokenAsync(fixture.Primary, OidcFixture.Bob);
        Assert.StartsWith("eyJhbGciOiJFUzI1NiI", token, StringComparison.Ordinal);
        using var response = await fixture.SendAsync(HttpMethod.Get, "/management/v1/whoami", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("oidc~bob", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("application", json.RootElement.GetProperty("user-type").GetString());
    }

    [Fact]
    public async Task A_token_of_the_extra_provider_is_validated_by_that_provider_and_named_after_it()
    {
        var token = await TokenAsync(fixture.Partner, OidcFixture.Carol);
        using var response = await fixture.SendAsync(HttpMethod.Get, "/management/v1/whoami", token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("partner~carol", json.RootElement.GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("GET", "/catalog/v1/config?warehouse=demo")]
    [InlineData("GET", "/management/v1/project-list")]
    [InlineData("POST", "/management/v1/project")]
    [InlineData("GET", "/management/v1/whoami")]
    [InlineData("GET", "/catalog/v1/00000000-0000-0000-0000-000000000001/namespaces")]
    [InlineData("GET", "/no/such/route")]
    public async Task Every_API_endpoint_without_a_token_is_401_with_WWW_Authenticate_Bearer_in_the_Iceberg_error_shape(string method, string path)
    {
        using var response = await fixture.SendAsync(new HttpMethod(method), path, token: null, body: method == "POST" ? new { } : null);
        await AssertUnauthorizedAsync(response);
        Assert.Equal("Bearer realm=\"lakekeeper\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_probes_need_no_token(string path)
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, path, token: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("alg=none", "the token is malformed")]
    [InlineData("HS256 signed with the public key", "signature is invalid")]
    [InlineData("unknown kid", "signed with an unknown key")]
    [InlineData("expired", "has expired")]
    [InlineData("not yet valid", "not valid yet")]
    [InlineData("wrong issuer", "issuer is not a configured identity provider")]
    [InlineData("wrong audience", "audience")]
    [InlineData("tampered payload", "signature is invalid")]
    [InlineData("truncated", "signature is invalid")]
    [InlineData("larger than the 16 KiB token limit", "too large")]
    [InlineData("JWE", "encrypted tokens (JWE) are not accepted")]
    [InlineData("provider A's key under provider B's issuer", "signed with an unknown key")]
    [InlineData("required claim missing", "claim 'groups' has none of the required values")]
    [InlineData("no subject", "none of the subject claims oid, sub")]
    [InlineData("no expiry", "has no expiry")]
    [InlineData("not a JWT", "malformed")]
    public async Task A_hostile_token_is_401_and_changes_nothing(string kind, string reason)
    {
        var token = await HostileTokenAsync(kind);
        var before = await SnapshotAsync();
        using var response = await fixture.SendAsync(HttpMethod.Post, "/management/v1/project", token, new Dictionary<string, object> { ["project-name"] = "hostile-" + Guid.NewGuid() });
        var message = await AssertUnauthorizedAsync(response);
        Assert.Contains(reason, message, StringComparison.Ordinal);
        Assert.StartsWith("Bearer realm=\"lakekeeper\", error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task A_10_MB_token_is_refused_by_the_server_before_it_is_read_and_changes_nothing()
    {
        var before = await SnapshotAsync();
        var token = new string('a', 10 * 1024 * 1024);
        // Kestrel refuses request headers over 32 KiB with 431 and closes the connection before any
        // of our code runs; the client may see the answer or only the closed connection.
        try
        {
            using var response = await fixture.SendAsync(HttpMethod.Post, "/management/v1/project", token, new Dictionary<string, object> { ["project-name"] = "huge" });
            Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        }
        catch (HttpRequestException)
        {
            // The connection was closed while the client still sent the header.
        }

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task After_the_provider_rotates_its_keys_tokens_signed_with_the_new_key_are_accepted()
    {
        var keys = await fixture.Primary.RotateKeysAsync();
        var token = await TokenAsync(fixture.Primary, OidcFixture.Alice);
        Assert.Contains(keys[0].Kid, Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(token.Split('.')[0])), StringComparison.Ordinal);

        // The first token with the unknown kid starts a (rate-limited) refresh of the key set.
        await Eventually.TrueAsync(async () =>
        {
            using var response = await fixture.SendAsync(HttpMethod.Get, "/management/v1/whoami", token);
            return response.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(30), "a token signed with the rotated key to be accepted");
    }

    [Fact]
    public async Task No_token_value_appears_in_any_log_line()
    {
        // Make sure this class's other requests happened (order is not guaranteed): send some here too.
        foreach (var kind in new[] { "expired", "wrong audience", "tampered payload", "unknown kid" })
        {
            using var refused = await fixture.SendAsync(HttpMethod.Get, "/management/v1/whoami", await HostileTokenAsync(kind));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var accepted = await fixture.SendAsync(HttpMethod.Get, "/management/v1/whoami", await TokenAsync(fixture.Primary, OidcFixture.Alice)))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        var logs = fixture.Logs.Text;
        Assert.Contains("authentication failed", logs, StringComparison.Ordinal);
        string[] used;
        lock (TokensUsed)
        {
            used = [.. TokensUsed];
        }

        Assert.NotEmpty(used);
        foreach (var token in used)
        {
            // Neither the token nor its signature (the part that makes it usable) may be logged.
            Assert.DoesNotContain(token, logs, StringComparison.Ordinal);
            if (token.Split('.') is { Length: 3 } parts && parts[2].Length > 16)
            {
                Assert.DoesNotContain(parts[2], logs, StringComparison.Ordinal);
            }
        }
    }

    private async Task<string> HostileTokenAsync(string kind)
    {
        var primary = fixture.Primary;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = kind switch
        {
            "alg=none" => Unsigned(new { alg = "none", typ = "JWT" }, Claims(primary.IssuerText, now)),
            "HS256 signed with the public key" => HmacWithPublicKey(primary),
            "unknown kid" => primary.Forge(key: SigningKey.NewRsa()),
            "expired" => primary.Forge(new Dictionary<string, object?> { ["iat"] = now - 7200, ["nbf"] = now - 7200, ["exp"] = now - 3600 }),
            "not yet valid" => primary.Forge(new Dictionary<string, object?> { ["nbf"] = now + 3600, ["exp"] = now + 7200 }),
            "wrong issuer" => primary.Forge(new Dictionary<string, object?> { ["iss"] = "http://127.0.0.1:9/not-an-idp" }),
            "wrong audience" => primary.Forge(audience: "someone-else"),
            "tampered payload" => Tamper(await TokenAsync(primary, OidcFixture.Alice)),
            "truncated" => (await TokenAsync(primary, OidcFixture.Alice))[..^12],
            "larger than the 16 KiB token limit" => primary.Forge(new Dictionary<string, object?> { ["padding"] = new string('x', 20_000) }),
            "JWE" => Encrypted(primary),
            "provider A's key under provider B's issuer" => primary.Forge(new Dictionary<string, object?> { ["iss"] = fixture.Partner.IssuerText }),
            "required claim missing" => await TokenAsync(fixture.Partner, OidcFixture.Dave),
            "no subject" => primary.Forge(new Dictionary<string, object?> { ["sub"] = null }),
            "no expiry" => primary.Forge(new Dictionary<string, object?> { ["exp"] = null }),
            "not a JWT" => "not-a-jwt-at-all",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        Remember(token);
        return token;
    }

    private async Task<string> TokenAsync(OidcProvider provider, OidcClient client)
    {
        var token = await provider.GetTokenAsync(client);
        Remember(token);
        return token;
    }

    private static void Remember(string token)
    {
        lock (TokensUsed)
        {
            TokensUsed.Add(token);
        }
    }

    private static Dictionary<string, object> Claims(string issuer, long now) => new()
    {
        ["iss"] = issuer, ["aud"] = OidcProvider.DefaultAudience, ["sub"] = "mallory", ["iat"] = now, ["exp"] = now + 3600,
    };

    private static string Unsigned(object header, object payload) =>
        Base64UrlEncoder.Encode(JsonSerializer.Serialize(header)) + "." + Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload)) + ".";

    /// <summary>The classic key-confusion attack: HMAC keyed with the bytes of the provider's public RSA key.</summary>
    private static string HmacWithPublicKey(OidcProvider provider)
    {
        var rsa = provider.Keys[0];
        var publicPem = ((RsaSecurityKey)rsa.SecurityKey).Rsa.ExportSubjectPublicKeyInfoPem();
        var header = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "HS256", typ = "JWT", kid = rsa.Kid }));
        var payload = Base64UrlEncoder.Encode(JsonSerializer.Serialize(Claims(provider.IssuerText, DateTimeOffset.UtcNow.ToUnixTimeSeconds())));
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(publicPem), Encoding.ASCII.GetBytes(header + "." + payload));
        return header + "." + payload + "." + Base64UrlEncoder.Encode(signature);
    }

    /// <summary>A real token whose payload now names another subject; the signature is the original one.</summary>
    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"sub\":\"alice\"", "\"sub\":\"mallory\"", StringComparison.Ordinal);
        Assert.Contains("mallory", payload, StringComparison.Ordinal);
        return parts[0] + "." + Base64UrlEncoder.Encode(payload) + "." + parts[2];
    }

    private static string Encrypted(OidcProvider provider)
    {
        var handler = new JsonWebTokenHandler();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return handler.CreateToken(
            JsonSerializer.Serialize(Claims(provider.IssuerText, now)),
            new SigningCredentials(provider.Keys[0].SecurityKey, provider.Keys[0].Algorithm),
            new EncryptingCredentials(new RsaSecurityKey(RSA.Create(2048)), SecurityAlgorithms.RsaOAEP, SecurityAlgorithms.Aes256CbcHmacSha512));
    }

    private static async Task<string> AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(401, error.GetProperty("code").GetInt32());
        Assert.Equal("NotAuthorizedException", error.GetProperty("type").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.StartsWith("Not authenticated: ", message, StringComparison.Ordinal);
        return message;
    }

    /// <summary>Everything a refused request could have changed: projects and users.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM project) || '/' || (SELECT coalesce(string_agg(user_id, ',' ORDER BY user_id), '') FROM users WHERE user_id NOT IN ('oidc~alice', 'oidc~bob', 'partner~carol'))",
            connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
