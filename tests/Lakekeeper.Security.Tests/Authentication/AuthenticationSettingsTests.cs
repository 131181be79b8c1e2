using Lakekeeper.Security.Authentication;
using Microsoft.Extensions.Configuration;

namespace Lakekeeper.Security.Tests.Authentication;

/// <summary>Lakekeeper's setting names read into providers, rules and limits; every problem names its variable.</summary>
public sealed class AuthenticationSettingsTests
{
    private static AuthenticationSettings Read(params (string Key, string Value)[] settings) =>
        AuthenticationSettings.Read(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Nothing_configured_means_anonymous_mode_with_Lakekeeper_defaults()
    {
        var settings = Read();
        Assert.False(settings.Enabled);
        Assert.Empty(settings.Errors);
        Assert.Equal(10, settings.MaxRoleNestingDepth);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ClockSkew);
    }

    [Fact]
    public void The_primary_and_extra_providers_are_read_with_their_lists_and_defaults()
    {
        var settings = Read(
            ("OPENID_PROVIDER_URI", "https://idp.example.com/realms/lake/"),
            ("OPENID_AUDIENCE", "lakekeeper, spark"),
            ("OPENID_ADDITIONAL_ISSUERS", "https://sts.example.com/tenant/"),
            ("OPENID_ROLES_CLAIM", "groups"),
            ("OPENID_PROVIDERS:Okta:URI", "https://okta.example.com"),
            ("OPENID_PROVIDERS:Okta:SUBJECT_CLAIMS", "uid"),
            ("OPENID_PROVIDERS:Okta:REQUIRE_CONNECTED_ON_STARTUP", "false"));

        Assert.Empty(settings.Errors);
        var primary = settings.Providers[0];
        Assert.Equal("oidc", primary.Id);
        Assert.Equal(["lakekeeper", "spark"], primary.Audiences);
        Assert.Equal(["oid", "sub"], primary.SubjectClaims);
        Assert.Equal("groups", primary.RolesClaim);
        Assert.True(primary.RequireConnectedOnStartup);
        Assert.Equal("https://idp.example.com/realms/lake/.well-known/openid-configuration", primary.MetadataAddress.ToString());
        Assert.Contains("https://idp.example.com/realms/lake", primary.ConfiguredIssuers);
        Assert.Contains("https://sts.example.com/tenant/", primary.ConfiguredIssuers);

        var okta = settings.Providers[1];
        Assert.Equal("okta", okta.Id);
        Assert.Equal(["uid"], okta.SubjectClaims);
        Assert.False(okta.RequireConnectedOnStartup);
        Assert.Equal("LAKEKEEPER__OPENID_PROVIDERS__OKTA__URI", okta.UriVariable);
    }

    [Theory]
    [InlineData("[\"oidc~a\", \"kubernetes~b\"]")]
    [InlineData("['oidc~a','kubernetes~b']")]
    [InlineData("oidc~a, kubernetes~b")]
    public void Instance_admins_are_a_TOML_or_JSON_array_or_a_comma_list(string value)
    {
        var settings = Read(("INSTANCE_ADMINS", value));
        Assert.Empty(settings.Errors);
        Assert.Equal(new HashSet<string> { "oidc~a", "kubernetes~b" }, settings.InstanceAdmins);
    }

    [Fact]
    public void Every_bad_setting_is_reported_by_its_variable()
    {
        var settings = Read(
            ("OPENID_PROVIDER_URI", "idp.example.com"),
            ("OPENID_PROVIDERS:kubernetes:URI", "https://k.example.com"),
            ("OPENID_PROVIDERS:extra:URI", "https://x.example.com"),
            ("OPENID_PROVIDERS:extra:REQUIRE_CONNECTED_ON_STARTUP", "maybe"),
            ("OPENID_REQUIRED_CLAIMS:TENANT:ANY_OF", "a"),
            ("ENABLE_KUBERNETES_AUTHENTICATION", "true"),
            ("KUBERNETES_AUTHENTICATION_SUBJECT_SOURCE", "email"),
            ("KUBERNETES:APISERVERURL", "https://127.0.0.1:6443"),
            ("ROLE:MAX_NESTING_DEPTH", "1000"),
            ("INSTANCE_ADMINS", "[\"oidc~ok\", 7"));

        var errors = string.Join('\n', settings.Errors);
        Assert.Contains("LAKEKEEPER__OPENID_PROVIDER_URI: must be the http(s) URL", errors, StringComparison.Ordinal);
        Assert.Contains("the provider id 'kubernetes' must be", errors, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__OPENID_PROVIDERS__EXTRA__REQUIRE_CONNECTED_ON_STARTUP: must be true or false", errors, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__OPENID_REQUIRED_CLAIMS__TENANT__CLAIM is required", errors, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__KUBERNETES_AUTHENTICATION_SUBJECT_SOURCE: must be 'uid' or 'username'", errors, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__ROLE__MAX_NESTING_DEPTH: must be a whole number from 1 to 100", errors, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__INSTANCE_ADMINS: must be a list of user ids", errors, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new string[0], "required claim 'groups' is missing")]
    [InlineData(new[] { "other" }, "has none of the required values")]
    [InlineData(new[] { "lake", "admins" }, "has a forbidden value")]
    [InlineData(new[] { "lake", "readers" }, null)]
    public void Required_claim_rules_check_any_all_and_none(string[] values, string? failure)
    {
        var rule = new RequiredClaimRule("member", "groups", ["lake", "sea"], ["lake"], ["admins"], null);
        var result = rule.Check(values);
        if (failure is null)
        {
            Assert.Null(result);
        }
        else
        {
            Assert.Contains(failure, result, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void An_exists_false_rule_refuses_a_present_claim()
    {
        var rule = new RequiredClaimRule("no-impersonation", "act", [], [], [], false);
        Assert.Null(rule.Check([]));
        Assert.Equal("claim 'act' must be absent", rule.Check(["someone"]));
    }

    [Theory]
    [InlineData("a.b", "Malformed")]
    [InlineData("a.b.c.d.e", "Encrypted")]
    [InlineData("eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2lkcCJ9.", "Malformed")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcCJ9.c2ln", "Signed")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.WzEsMl0.c2ln", "Malformed")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJpc3M.c2ln", "Malformed")]
    [InlineData("has space.eyJpc3MiOiJ4In0.c2ln", "Malformed")]
    public void The_token_shape_is_judged_before_any_validation(string token, string kind)
    {
        Assert.Equal(kind, TokenShape.Inspect(token, out var issuer).ToString());
        if (kind == "Signed")
        {
            Assert.Equal("https://idp", issuer);
        }
    }
}
