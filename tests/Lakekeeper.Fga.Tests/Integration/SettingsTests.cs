using Lakekeeper.Authz;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>Which backend decides, and the settings the start refuses (with the variable named).</summary>
public sealed class SettingsTests(FgaDatabase database) : IClassFixture<FgaDatabase>
{
    [Theory]
    [InlineData(null, null, null, "allowall")]
    [InlineData("OPENID_PROVIDER_URI", "https://idp.example.com/realms/lake", null, "builtin")]
    [InlineData("OPENID_PROVIDERS:corp:URI", "https://idp.example.com", null, "builtin")]
    [InlineData("ENABLE_KUBERNETES_AUTHENTICATION", "true", null, "builtin")]
    [InlineData("ENABLE_KUBERNETES_AUTHENTICATION", "false", null, "allowall")]
    [InlineData("OPENID_PROVIDER_URI", "https://idp.example.com", "allowall", "allowall")]
    [InlineData(null, null, "OpenFGA", "openfga")]
    public void The_default_follows_the_identity_settings_and_an_explicit_backend_wins(string? key, string? value, string? backend, string expected)
    {
        var settings = new Dictionary<string, string?>();
        if (key is not null)
        {
            settings[key] = value;
        }

        if (backend is not null)
        {
            settings["AUTHZ_BACKEND"] = backend;
        }

        var (resolved, conflict) = AuthzBackendSelection.Resolve(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        Assert.Equal(expected, resolved);
        Assert.Null(conflict);
    }

    [Fact]
    public void Both_names_must_agree()
    {
        var agree = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AUTHZ_BACKEND"] = "builtin",
            ["Authz:Backend"] = "BUILTIN",
        }).Build();
        Assert.Equal(("builtin", (string?)null), AuthzBackendSelection.Resolve(agree));
        var older = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Authz:Backend"] = "builtin" }).Build();
        Assert.Equal("builtin", AuthzBackendSelection.Resolve(older).Backend);
        var disagree = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AUTHZ_BACKEND"] = "builtin",
            ["Authz:Backend"] = "allowall",
        }).Build();
        Assert.Contains("disagree", AuthzBackendSelection.Resolve(disagree).Conflict, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AUTHZ_BACKEND=builtin;Authz:Backend=allowall", "disagree")]
    [InlineData("AUTHZ_BACKEND=openfga", "LAKEKEEPER__OPENFGA__ENDPOINT is required")]
    [InlineData("AUTHZ_BACKEND=openfga;OpenFga:ENDPOINT=http://fga:8080;OpenFga:CLIENT_ID=x", "CLIENT_SECRET")]
    [InlineData("AUTHZ_BACKEND=nope", "not a known backend")]
    [InlineData("Authz:OPENFGA_API_PORT=18080;Authz:OPENFGA_API_BIND=0.0.0.0", "LAKEKEEPER__AUTHZ__OPENFGA_API_KEYS")]
    [InlineData("Authz:OPENFGA_API_PORT=18080;Authz:OPENFGA_API_KEYS=short", "at least 16 characters")]
    public async Task Bad_settings_stop_the_start_naming_the_variable(string settings, string expected)
    {
        var pairs = settings.Split(';').Select(p => p.Split('=', 2)).Select(p => (p[0], (string?)p[1])).ToArray();
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await AuthzHost.StartAsync(database.ConnectionString, api: false, pairs);
        });
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
