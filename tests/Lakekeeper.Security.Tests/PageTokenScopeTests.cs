using Lakekeeper.Security.Secrets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakekeeper.Security.Tests;

/// <summary>The page tokens the catalog and the management API share: sealed for one listing, opened in no other.</summary>
public sealed class PageTokenScopeTests
{
    private static IPageTokenProtector Protector(string key) =>
        new PageTokenProtector(SecretKeyRing.Load(new SecretsOptions { EncryptionKey = key }, NullLogger.Instance));

    [Fact]
    public void A_token_opens_in_its_own_scope_only()
    {
        var protector = Protector(Keys.NewBase64());
        var users = PageTokenScope.Of(protector, "management", "GET", "/management/v1/user", "name", "ada");
        var token = users.Seal("oidc~ada");

        Assert.True(PageTokenScope.Of(protector, "management", "GET", "/management/v1/user", "name", "ada").TryOpen(token, out var key));
        Assert.Equal("oidc~ada", key);
        Assert.False(PageTokenScope.Of(protector, "management", "GET", "/management/v1/user", "name", "bob").TryOpen(token, out _));
        Assert.False(PageTokenScope.Of(protector, "management", "GET", "/management/v1/role").TryOpen(token, out _));
        // Another server key (or the key after a rotation) does not open it either.
        Assert.False(PageTokenScope.Of(Protector(Keys.NewBase64()), "management", "GET", "/management/v1/user", "name", "ada").TryOpen(token, out _));
    }

    [Fact]
    public void Parts_are_not_ambiguous_where_they_are_joined()
    {
        var protector = Protector(Keys.NewBase64());
        var token = PageTokenScope.Of(protector, "ab", "c").Seal("k");

        Assert.False(PageTokenScope.Of(protector, "a", "bc").TryOpen(token, out _));
        Assert.False(PageTokenScope.Of(protector, "abc").TryOpen(token, out _));
        Assert.False(PageTokenScope.Of(protector, "ab", "c", null).TryOpen(token, out _));
        Assert.True(PageTokenScope.Of(protector, "ab", "c").TryOpen(token, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("a2V5")]
    [InlineData("a2V5.")]
    [InlineData("!!.!!")]
    public void Strings_the_server_did_not_issue_do_not_open(string token)
    {
        Assert.False(PageTokenScope.Of(Protector(Keys.NewBase64()), "scope").TryOpen(token, out _));
    }
}
