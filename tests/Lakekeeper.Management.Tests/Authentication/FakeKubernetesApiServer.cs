using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Management.Tests.Authentication;

/// <summary>
/// A FAKE Kubernetes API server (no cluster can run here): HTTPS with its own self-signed CA
/// certificate, answering <c>POST /apis/authentication.k8s.io/v1/tokenreviews</c> the way the
/// Kubernetes API documents it, from a table of known tokens. It insists on the caller's own
/// service-account token, as a real API server does.
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    public const string CallerToken = "the-service-account-token-of-lakekeeper";

    private readonly WebApplication _app;

    private FakeKubernetesApiServer(WebApplication app, Uri address, string caFile)
    {
        _app = app;
        Address = address;
        CaFile = caFile;
    }

    public Uri Address { get; }

    /// <summary>PEM of the server's certificate: the cluster CA a client must trust.</summary>
    public string CaFile { get; }

    /// <summary>token → (uid, username, audiences it is valid for); tokens not listed are not authenticated.</summary>
    public ConcurrentDictionary<string, (string Uid, string Username, string[] Audiences)> Accounts { get; } = new(StringComparer.Ordinal);

    /// <summary>Every review asked for: the token's audiences requested, in order.</summary>
    public ConcurrentQueue<(string Token, string[] Audiences)> Reviews { get; } = new();

    public static async Task<FakeKubernetesApiServer> StartAsync()
    {
        var certificate = SelfSigned();
        var caFile = Path.Combine(Path.GetTempPath(), $"fake-k8s-ca-{Guid.NewGuid():N}.crt");
        await File.WriteAllTextAsync(caFile, certificate.ExportCertificatePem());

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(certificate)));
        var app = builder.Build();
        FakeKubernetesApiServer? server = null;
        app.MapPost("/apis/authentication.k8s.io/v1/tokenreviews", async (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization.ToString() != "Bearer " + CallerToken)
            {
                context.Response.StatusCode = 401;
                return;
            }

            using var review = await JsonDocument.ParseAsync(context.Request.Body);
            var spec = review.RootElement.GetProperty("spec");
            var token = spec.GetProperty("token").GetString()!;
            var audiences = spec.TryGetProperty("audiences", out var a) ? a.EnumerateArray().Select(x => x.GetString()!).ToArray() : [];
            server!.Reviews.Enqueue((token, audiences));

            object status = server.Accounts.TryGetValue(token, out var account)
                ? new
                {
                    authenticated = true,
                    user = new { username = account.Username, uid = account.Uid, groups = new[] { "system:serviceaccounts" } },
                    audiences = account.Audiences,
                }
                : new { authenticated = false, error = "[invalid bearer token, square/go-jose: error in cryptographic primitive]" };
            await context.Response.WriteAsJsonAsync(new { apiVersion = "authentication.k8s.io/v1", kind = "TokenReview", spec = new { token, audiences }, status });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new FakeKubernetesApiServer(app, new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal)), caFile);
        return server;
    }

    /// <summary>A token shaped like a bound service-account token (the fake does not check its signature; the table decides).</summary>
    public static string ServiceAccountToken(string subject, string issuer = "https://kubernetes.default.svc.cluster.local")
    {
        static string B64(object value) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(JsonSerializer.Serialize(value));
        return B64(new { alg = "RS256", kid = "k8s" }) + "." + B64(new { iss = issuer, sub = subject, aud = new[] { "lakekeeper" }, jti = Guid.NewGuid() }) + ".c2lnbmF0dXJl";
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(CaFile);
    }

    internal static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fake-kubernetes-api", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
