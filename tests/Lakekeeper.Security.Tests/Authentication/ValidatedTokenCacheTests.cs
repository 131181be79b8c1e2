using System.Security.Claims;
using Lakekeeper.Persistence.Identity;
using Lakekeeper.Security.Authentication;

namespace Lakekeeper.Security.Tests.Authentication;

/// <summary>A remembered token never outlives its <c>exp</c>, nor one minute; only the same token matches.</summary>
public sealed class ValidatedTokenCacheTests
{
    private static readonly AuthenticatedUser Alice = new(new UserId("oidc~alice"), "oidc", "Alice", null, UserType.Human, []);

    [Fact]
    public void A_remembered_token_is_forgotten_at_its_expiry()
    {
        var clock = new ManualClock();
        var cache = new ValidatedTokenCache(clock);
        cache.Remember("token-a", Alice, Expiring(clock.GetUtcNow().AddSeconds(10)));

        Assert.True(cache.TryGet("token-a", out var user));
        Assert.Equal(Alice, user);
        Assert.False(cache.TryGet("token-b", out _));

        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void A_long_lived_token_is_remembered_for_one_minute_at_most()
    {
        var clock = new ManualClock();
        var cache = new ValidatedTokenCache(clock);
        cache.Remember("token-a", Alice, Expiring(clock.GetUtcNow().AddHours(1)));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(cache.TryGet("token-a", out _));
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.False(cache.TryGet("token-a", out _));
    }

    [Fact]
    public void A_token_without_exp_is_not_remembered()
    {
        var cache = new ValidatedTokenCache(new ManualClock());
        cache.Remember("token-a", Alice, new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice")], "test")));
        Assert.False(cache.TryGet("token-a", out _));
    }

    private static ClaimsPrincipal Expiring(DateTimeOffset exp) =>
        new(new ClaimsIdentity([new Claim("exp", exp.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture))], "test"));

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
