using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lakekeeper.Testing;

/// <summary>A client of the identity provider: its client-credentials secret, signing algorithm and extra token claims.</summary>
public sealed record OidcClient(string Id, string Algorithm = "RS256", IReadOnlyDictionary<string, object>? Claims = null)
{
    public string Secret => Id + "-secret";
}

/// <summary>
/// A real OpenID Connect provider (npm <c>oidc-provider</c>, run by <c>tests/node/oidc-host.mjs</c>)
/// on a free loopback port, issuing JWT access tokens with the client-credentials grant. Its
/// signing keys (RSA and EC, made here) are known to the test, which can therefore also forge
/// tokens the provider never issued (expired, wrong audience, …) signed with the provider's own key.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string DefaultAudience = "lakekeeper";
    // Node loads oidc-provider in a few seconds, but several fixtures start one at once on a loaded 2-core machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly string _configFile;
    private readonly StringBuilder _stderr;
    private readonly HttpClient _http = new();

    private OidcProvider(Process process, string configFile, Uri issuer, IReadOnlyList<SigningKey> keys, StringBuilder stderr)
    {
        _stderr = stderr;
        _process = process;
        _configFile = configFile;
        Issuer = issuer;
        Keys = keys;
    }

    /// <summary>The issuer, which is also the provider URI (<c>LAKEKEEPER__OPENID_PROVIDER_URI</c>).</summary>
    public Uri Issuer { get; }

    public string IssuerText => Issuer.AbsoluteUri.TrimEnd('/');

    public Uri TokenEndpoint => new(Issuer, "/token");

    /// <summary>The signing keys the provider publishes now (RS256 then ES256).</summary>
    public IReadOnlyList<SigningKey> Keys { get; private set; }

    /// <param name="uiClient">The web console's public client (<c>client_id</c>, <c>redirect_uris</c>, …; see oidc-host.mjs), if any.</param>
    public static async Task<OidcProvider> StartAsync(IReadOnlyList<OidcClient> clients, string audience = DefaultAudience, JsonObject? uiClient = null)
    {
        var repository = ServiceProcess.RepositoryRoot;
        var module = Path.Combine(repository, "tests", "node", "node_modules", "oidc-provider");
        if (!File.Exists(Path.Combine(module, "package.json")))
        {
            throw new InvalidOperationException(
                $"The npm package oidc-provider is not installed (looked in {module}). Install the test peers with: npm ci --prefix tests/node");
        }

        var keys = NewKeys();
        var config = new JsonObject
        {
            ["port"] = 0,
            ["audience"] = audience,
            ["keys"] = new JsonArray([.. keys.Select(k => k.PrivateJwk())]),
            ["clients"] = new JsonArray([.. clients.Select(c => (JsonNode)new JsonObject
            {
                ["client_id"] = c.Id,
                ["client_secret"] = c.Secret,
                ["alg"] = c.Algorithm,
                ["claims"] = c.Claims is null ? null : JsonSerializer.SerializeToNode(c.Claims),
            })]),
        };
        if (uiClient is not null)
        {
            config["ui_client"] = uiClient.DeepClone();
        }

        var configFile = Path.Combine(Path.GetTempPath(), $"lakekeeper-oidc-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configFile, config.ToJsonString());

        var info = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(repository, "tests", "node", "oidc-host.mjs"));
        info.ArgumentList.Add(configFile);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(StartTimeout);
        string? line;
        try
        {
            // oidc-provider prints notices of its own; the host's answer is the JSON line.
            do
            {
                line = await process.StandardOutput.ReadLineAsync(deadline.Token);
            }
            while (line is not null && !line.StartsWith('{'));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"oidc-provider did not report its issuer within {StartTimeout}: {stderr}");
        }

        if (line is null)
        {
            throw new InvalidOperationException($"oidc-provider exited before listening: {stderr}");
        }

        var issuer = new Uri(JsonDocument.Parse(line).RootElement.GetProperty("issuer").GetString()!);
        return new OidcProvider(process, configFile, issuer, keys, stderr);
    }

    /// <summary>An access token for <paramref name="client"/> from the token endpoint (client credentials).</summary>
    public async Task<string> GetTokenAsync(OidcClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, TokenEndpoint)
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(client.Id + ":" + client.Secret)));
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the token endpoint answered {(int)response.StatusCode}: {body}\n{Stderr()}");
        }

        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Replaces the signing keys with new ones (new key ids); returns them once the provider serves them.</summary>
    public async Task<IReadOnlyList<SigningKey>> RotateKeysAsync()
    {
        var keys = NewKeys();
        var command = new JsonObject { ["keys"] = new JsonArray([.. keys.Select(k => k.PrivateJwk())]) };
        await _process.StandardInput.WriteLineAsync(command.ToJsonString());
        await _process.StandardInput.FlushAsync();
        using var deadline = new CancellationTokenSource(StartTimeout);
        string? line;
        do
        {
            line = await _process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        while (line is not null && !line.StartsWith('{'));
        if (line is null || !line.Contains("rotated", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("oidc-provider did not confirm the key rotation: " + line);
        }

        Keys = keys;
        return keys;
    }

    /// <summary>
    /// A token signed with <paramref name="key"/> (default: the provider's RSA key) with the usual
    /// claims (this issuer, the audience, valid now for an hour) changed by <paramref name="claims"/>;
    /// a null value removes a claim.
    /// </summary>
    public string Forge(IReadOnlyDictionary<string, object?>? claims = null, SigningKey? key = null, string audience = DefaultAudience)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new Dictionary<string, object?>
        {
            ["iss"] = IssuerText,
            ["aud"] = audience,
            ["sub"] = "forged-subject",
            ["iat"] = now,
            ["nbf"] = now - 5,
            ["exp"] = now + 3600,
        };
        foreach (var (name, value) in claims ?? new Dictionary<string, object?>())
        {
            payload[name] = value;
        }

        var signing = key ?? Keys[0];
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(
            JsonSerializer.Serialize(payload.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value)),
            new SigningCredentials(signing.SecurityKey, signing.Algorithm));
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        try
        {
            _process.StandardInput.Close();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
            File.Delete(_configFile);
        }
    }

    public static IReadOnlyList<SigningKey> NewKeys() => [SigningKey.NewRsa(), SigningKey.NewEc()];
}

/// <summary>A signing key with its id and algorithm, as a private JWK for the provider and a SecurityKey for forging.</summary>
public sealed class SigningKey
{
    private SigningKey(string kid, string algorithm, AsymmetricSecurityKey key, JsonObject jwk)
    {
        Kid = kid;
        Algorithm = algorithm;
        SecurityKey = key;
        Jwk = jwk;
    }

    public string Kid { get; }

    public string Algorithm { get; }

    public AsymmetricSecurityKey SecurityKey { get; }

    private JsonObject Jwk { get; }

    public static SigningKey NewRsa(string algorithm = "RS256")
    {
        var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(includePrivateParameters: true);
        var kid = "rsa-" + Guid.NewGuid().ToString("N")[..12];
        var jwk = new JsonObject
        {
            ["kty"] = "RSA", ["kid"] = kid, ["alg"] = algorithm, ["use"] = "sig",
            ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!), ["d"] = B64(p.D!), ["p"] = B64(p.P!), ["q"] = B64(p.Q!),
            ["dp"] = B64(p.DP!), ["dq"] = B64(p.DQ!), ["qi"] = B64(p.InverseQ!),
        };
        return new SigningKey(kid, algorithm, new RsaSecurityKey(rsa) { KeyId = kid }, jwk);
    }

    public static SigningKey NewEc()
    {
        var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(includePrivateParameters: true);
        var kid = "ec-" + Guid.NewGuid().ToString("N")[..12];
        var jwk = new JsonObject
        {
            ["kty"] = "EC", ["kid"] = kid, ["alg"] = "ES256", ["use"] = "sig", ["crv"] = "P-256",
            ["x"] = B64(p.Q.X!), ["y"] = B64(p.Q.Y!), ["d"] = B64(p.D!),
        };
        return new SigningKey(kid, "ES256", new ECDsaSecurityKey(ec) { KeyId = kid }, jwk);
    }

    /// <summary>The public half as the provider would publish it (for HMAC-with-the-public-key attacks).</summary>
    public string PublicJwkText()
    {
        var copy = (JsonObject)Jwk.DeepClone();
        foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi" })
        {
            copy.Remove(secret);
        }

        return copy.ToJsonString();
    }

    internal JsonNode PrivateJwk() => Jwk.DeepClone();

    private static string B64(byte[] bytes) => Base64UrlEncoder.Encode(bytes);
}
