using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Lakekeeper.Persistence.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Security.Authentication;

/// <summary>
/// Kubernetes service-account tokens: the cluster's TokenReview API says whether a token is valid
/// (and for which audiences) and whose it is. The principal carries <c>uid</c> and <c>username</c>.
/// </summary>
internal sealed class KubernetesTokenReviewHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    KubernetesTokenReviewClient client)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "lakekeeper-kubernetes";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        try
        {
            var account = await client.ReviewAsync(header[7..].Trim(), Context.RequestAborted);
            var identity = new ClaimsIdentity(SchemeName);
            identity.AddClaim(new Claim("uid", account.Uid));
            identity.AddClaim(new Claim("username", account.Username));
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
        }
        catch (KubernetesTokenReviewException ex)
        {
            return AuthenticateResult.Fail(ex);
        }
    }

    /// <summary><c>kubernetes~&lt;uid&gt;</c> (or the username with <c>SUBJECT_SOURCE=username</c>); an application user named by its username.</summary>
    public static AuthenticatedUser? ToUser(ClaimsPrincipal principal, KubernetesAuthenticationSettings settings)
    {
        var uid = principal.FindFirst("uid")?.Value;
        var username = principal.FindFirst("username")?.Value;
        var subject = settings.SubjectFromUsername ? username : uid;
        if (string.IsNullOrEmpty(subject) || !UserId.IsValid(AuthenticationSettings.KubernetesProviderId + "~" + subject))
        {
            return null;
        }

        return new AuthenticatedUser(
            UserId.For(AuthenticationSettings.KubernetesProviderId, subject),
            AuthenticationSettings.KubernetesProviderId,
            string.IsNullOrEmpty(username) ? subject : username,
            null,
            UserType.Application,
            []);
    }
}

/// <summary>A token the TokenReview API refused, or (<see cref="Unavailable"/>) could not be asked about.</summary>
internal sealed class KubernetesTokenReviewException(string message, bool unavailable) : Exception(message)
{
    public bool Unavailable { get; } = unavailable;
}

internal sealed record ReviewedAccount(string Uid, string Username);

/// <summary>
/// Calls <c>POST /apis/authentication.k8s.io/v1/tokenreviews</c> with the service's own
/// service-account token, trusting only the cluster's CA. Accepted tokens are remembered for 30 s
/// (by their SHA-256, never the token itself) so a busy client costs one review per half minute.
/// </summary>
internal sealed class KubernetesTokenReviewClient : IDisposable
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private const int MaxCached = 10_000;

    private readonly KubernetesAuthenticationSettings _settings;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, (ReviewedAccount Account, DateTimeOffset Until)> _accepted = new(StringComparer.Ordinal);
    private (string Token, DateTimeOffset ReadAt)? _ownToken;

    public KubernetesTokenReviewClient(AuthenticationSettings settings, TimeProvider time)
    {
        _settings = settings.Kubernetes ?? throw new InvalidOperationException("Kubernetes authentication is not enabled.");
        _time = time;
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        if (_settings.CaFile is { } caFile)
        {
            var authority = X509CertificateLoader.LoadCertificate(PemBytes(caFile));
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is X509Certificate2 server && TrustedByClusterCa(server, authority, errors);
        }

        _http = new HttpClient(handler) { BaseAddress = _settings.ApiServer, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task<ReviewedAccount> ReviewAsync(string token, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        var now = _time.GetUtcNow();
        if (_accepted.TryGetValue(key, out var cached) && cached.Until > now)
        {
            return cached.Account;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews")
        {
            Content = new ByteArrayContent(ReviewRequest(token, _settings.Audiences)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", OwnToken(now));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new KubernetesTokenReviewException("the Kubernetes API server cannot be reached", unavailable: true);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new KubernetesTokenReviewException(
                    $"the Kubernetes API server refused the token review ({(int)response.StatusCode})", unavailable: true);
            }

            var account = ParseReview(await response.Content.ReadAsByteArrayAsync(cancellationToken), _settings.Audiences);
            if (_accepted.Count >= MaxCached)
            {
                _accepted.Clear();
            }

            _accepted[key] = (account, now + CacheFor);
            return account;
        }
    }

    public void Dispose() => _http.Dispose();

    internal static byte[] ReviewRequest(string token, IReadOnlyList<string> audiences)
    {
        var buffer = new ArrayBufferWriter<byte>(token.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("apiVersion", "authentication.k8s.io/v1");
            writer.WriteString("kind", "TokenReview");
            writer.WriteStartObject("spec");
            writer.WriteString("token", token);
            if (audiences.Count > 0)
            {
                writer.WriteStartArray("audiences");
                foreach (var audience in audiences)
                {
                    writer.WriteStringValue(audience);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The account of an authenticated review; with audiences configured, the review must confirm one of them.</summary>
    internal static ReviewedAccount ParseReview(byte[] body, IReadOnlyList<string> audiences)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Object
                || !status.TryGetProperty("authenticated", out var authenticated) || authenticated.ValueKind != JsonValueKind.True)
            {
                throw new KubernetesTokenReviewException("the Kubernetes API server did not authenticate the token", unavailable: false);
            }

            if (audiences.Count > 0)
            {
                var confirmed = status.TryGetProperty("audiences", out var list) && list.ValueKind == JsonValueKind.Array
                    ? list.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList()
                    : [];
                if (!confirmed.Any(a => audiences.Contains(a, StringComparer.Ordinal)))
                {
                    throw new KubernetesTokenReviewException("the token is not meant for this service (audience)", unavailable: false);
                }
            }

            var user = status.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.Object ? u : default;
            var uid = user.ValueKind == JsonValueKind.Object && user.TryGetProperty("uid", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : string.Empty;
            var username = user.ValueKind == JsonValueKind.Object && user.TryGetProperty("username", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString()! : string.Empty;
            return new ReviewedAccount(uid, username);
        }
        catch (JsonException)
        {
            throw new KubernetesTokenReviewException("the Kubernetes API server answered the token review with something else than JSON", unavailable: true);
        }
    }

    /// <summary>The service's own projected token; re-read every minute because the kubelet rotates it.</summary>
    private string OwnToken(DateTimeOffset now)
    {
        if (_ownToken is { } own && now - own.ReadAt < TimeSpan.FromMinutes(1))
        {
            return own.Token;
        }

        try
        {
            var token = File.ReadAllText(_settings.TokenFile).Trim();
            _ownToken = (token, now);
            return token;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesTokenReviewException("the service's own service-account token cannot be read", unavailable: true);
        }
    }

    private static bool TrustedByClusterCa(X509Certificate2 server, X509Certificate2 authority, SslPolicyErrors errors)
    {
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(server);
    }

    private static byte[] PemBytes(string path)
    {
        var text = File.ReadAllText(path);
        var certificate = X509Certificate2.CreateFromPem(text);
        return certificate.Export(X509ContentType.Cert);
    }
}
