using System.Net;
using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Management.Tests.Authentication;

/// <summary>
/// Kubernetes service-account tokens checked through the TokenReview API — against a FAKE
/// Kubernetes API server (<see cref="FakeKubernetesApiServer"/>), since no cluster runs here.
/// </summary>
public sealed class KubernetesTokenReviewAgainstFakeApiServerTests(FakeKubernetesFixture fixture) : IClassFixture<FakeKubernetesFixture>
{
    private FakeKubernetesApiServer Kubernetes => fixture.Kubernetes;

    private StandaloneApp App => fixture.App;

    [Fact]
    public async Task A_token_the_fake_API_server_accepts_is_the_userKubernetes_tilde_uid()
    {
        var token = FakeKubernetesApiServer.ServiceAccountToken("system:serviceaccount:spark:driver");
        Kubernetes.Accounts[token] = ("7d1c5f9e-uid", "system:serviceaccount:spark:driver", ["lakekeeper"]);

        var (status, me) = await CallAsync(token, "/management/v1/whoami");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("kubernetes~7d1c5f9e-uid", me.GetProperty("id").GetString());
        Assert.Equal("system:serviceaccount:spark:driver", me.GetProperty("name").GetString());
        Assert.Equal("application", me.GetProperty("user-type").GetString());

        var review = Assert.Single(Kubernetes.Reviews, r => r.Token == token);
        Assert.Equal(["lakekeeper"], review.Audiences);
    }

    [Fact]
    public async Task An_accepted_token_is_reviewed_once_for_repeated_calls_against_the_fake_API_server()
    {
        var token = FakeKubernetesApiServer.ServiceAccountToken("system:serviceaccount:etl:job");
        Kubernetes.Accounts[token] = ("uid-etl", "system:serviceaccount:etl:job", ["lakekeeper"]);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(token, "/management/v1/whoami")).Status);
        }

        Assert.Single(Kubernetes.Reviews, r => r.Token == token);
    }

    [Fact]
    public async Task A_token_the_fake_API_server_does_not_authenticate_is_401()
    {
        var (status, body) = await CallAsync(FakeKubernetesApiServer.ServiceAccountToken("stranger"), "/management/v1/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("did not authenticate", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_for_another_audience_is_401_against_the_fake_API_server()
    {
        var token = FakeKubernetesApiServer.ServiceAccountToken("system:serviceaccount:vault:agent");
        Kubernetes.Accounts[token] = ("uid-vault", "system:serviceaccount:vault:agent", ["vault"]);
        var (status, body) = await CallAsync(token, "/management/v1/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("audience", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_legacy_service_account_token_is_refused_without_asking_the_fake_API_server()
    {
        var token = FakeKubernetesApiServer.ServiceAccountToken("system:serviceaccount:old:app", issuer: "kubernetes/serviceaccount");
        Kubernetes.Accounts[token] = ("uid-old", "system:serviceaccount:old:app", ["lakekeeper"]);
        var (status, body) = await CallAsync(token, "/management/v1/whoami");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("legacy", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Kubernetes.Reviews, r => r.Token == token);
    }

    [Fact]
    public async Task An_API_server_whose_certificate_the_configured_CA_did_not_sign_is_not_trusted_503()
    {
        var otherCa = Path.GetTempFileName();
        await File.WriteAllTextAsync(otherCa, FakeKubernetesApiServer.SelfSigned().ExportCertificatePem());
        await using var app = await StandaloneApp.StartAsync(fixture.Settings(otherCa));
        var token = FakeKubernetesApiServer.ServiceAccountToken("system:serviceaccount:spark:driver");
        Kubernetes.Accounts[token] = ("uid-any", "system:serviceaccount:spark:driver", ["lakekeeper"]);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/management/v1/whoami");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        using var response = await app.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.DoesNotContain(Kubernetes.Reviews, r => r.Token == token);
        File.Delete(otherCa);
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> CallAsync(string token, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        using var response = await App.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }
}

/// <summary>The FAKE Kubernetes API server and the standalone server that asks it.</summary>
public sealed class FakeKubernetesFixture : IAsyncLifetime
{
    private string _callerTokenFile = null!;

    public FakeKubernetesApiServer Kubernetes { get; private set; } = null!;

    public StandaloneApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Kubernetes = await FakeKubernetesApiServer.StartAsync();
        _callerTokenFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(_callerTokenFile, FakeKubernetesApiServer.CallerToken + "\n");
        App = await StandaloneApp.StartAsync(Settings(Kubernetes.CaFile));
    }

    public Dictionary<string, string?> Settings(string caFile) => new()
    {
        ["ENABLE_KUBERNETES_AUTHENTICATION"] = "true",
        // Authentication, not authorization, is under test: Kubernetes authentication alone would select builtin.
        ["AUTHZ_BACKEND"] = "allowall",
        ["KUBERNETES_AUTHENTICATION_AUDIENCE"] = "lakekeeper",
        ["KUBERNETES:APISERVERURL"] = Kubernetes.Address.ToString(),
        ["KUBERNETES:CAFILE"] = caFile,
        ["KUBERNETES:TOKENFILE"] = _callerTokenFile,
    };

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Kubernetes.DisposeAsync();
        File.Delete(_callerTokenFile);
    }
}
