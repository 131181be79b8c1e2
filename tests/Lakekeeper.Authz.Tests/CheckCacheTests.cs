using Lakekeeper.Authz.Remote;

namespace Lakekeeper.Authz.Tests;

public sealed class CheckCacheTests
{
    private static readonly AuthzObject Table = AuthzObject.Table("t1");
    private static readonly Principal Alice = new("alice");

    /// <summary>Counts calls; answers what it is told; can fail.</summary>
    private sealed class ScriptedAuthorizer : IAuthorizer
    {
        public int Checks { get; private set; }

        public bool Answer { get; set; } = true;

        public bool Fail { get; set; }

        public ValueTask<bool> CheckAsync(Principal principal, AuthzObject target, string relation, CancellationToken cancellationToken = default)
        {
            Checks++;
            return Fail ? throw new AuthorizerUnavailableException("down") : ValueTask.FromResult(Answer);
        }

        public ValueTask<IReadOnlyList<bool>> BatchCheckAsync(Principal principal, IReadOnlyList<CheckItem> items, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<bool>>([.. items.Select(_ => Answer)]);

        public ValueTask<ObjectList> ListObjectsAsync(Principal principal, string objectType, string relation, AuthzObject? within = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(ObjectList.All);

        public ValueTask WriteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DeleteRelationshipsAsync(IReadOnlyList<Relationship> relationships, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask<RelationshipPage> ReadRelationshipsAsync(RelationshipQuery query, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(RelationshipPage.Empty);
    }

    [Fact]
    public async Task Answers_are_reused_within_the_time_to_live_per_question()
    {
        var inner = new ScriptedAuthorizer();
        var cache = new CheckCache(inner, TimeSpan.FromMinutes(1));

        Assert.True(await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata));
        Assert.True(await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata));
        Assert.Equal(1, inner.Checks);

        inner.Answer = false;
        Assert.False(await cache.CheckAsync(Alice, Table, Relations.CanReadData));
        Assert.False(await cache.CheckAsync(new Principal("bob"), Table, Relations.CanGetMetadata));
        Assert.Equal(3, inner.Checks);
        Assert.False(await cache.CheckAsync(Alice, Table, Relations.CanReadData));
        Assert.Equal(3, inner.Checks);
    }

    [Theory]
    [InlineData(Relations.CanCommit)]
    [InlineData(Relations.CanDrop)]
    [InlineData(Relations.CanCreateTable)]
    [InlineData("can_grant_select")]
    public async Task Actions_that_change_something_are_always_asked(string action)
    {
        // A revoke made through another process must stop writes at once, not after the time to live.
        var inner = new ScriptedAuthorizer();
        var cache = new CheckCache(inner, TimeSpan.FromMinutes(1));

        Assert.True(await cache.CheckAsync(Alice, Table, action));
        inner.Answer = false;

        Assert.False(await cache.CheckAsync(Alice, Table, action));
        Assert.Equal(2, inner.Checks);
    }

    [Fact]
    public async Task The_data_plane_write_is_reused_like_a_read()
    {
        // What can_write_data grants (a signature, vended credentials) outlives any cache entry; a vended
        // load asks it first, and must not pay a round trip to the authz service each time.
        var inner = new ScriptedAuthorizer();
        var cache = new CheckCache(inner, TimeSpan.FromMinutes(1));

        Assert.True(await cache.CheckAsync(Alice, Table, Relations.CanWriteData));
        inner.Answer = false;
        Assert.True(await cache.CheckAsync(Alice, Table, Relations.CanWriteData));
        Assert.Equal(1, inner.Checks);

        cache.Clear(); // an announced change
        Assert.False(await cache.CheckAsync(Alice, Table, Relations.CanWriteData));
        Assert.Equal(2, inner.Checks);
    }

    [Fact]
    public async Task Expired_answers_are_asked_again()
    {
        var inner = new ScriptedAuthorizer();
        var cache = new CheckCache(inner, TimeSpan.FromMilliseconds(1));

        await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata);
        inner.Answer = false;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata))
        {
            Assert.True(DateTime.UtcNow < deadline, "the cached answer did not expire");
            await Task.Yield();
        }

        Assert.True(inner.Checks >= 2);
    }

    [Fact]
    public async Task Relationship_changes_through_this_process_clear_the_cache()
    {
        var inner = new ScriptedAuthorizer();
        var cache = new CheckCache(inner, TimeSpan.FromMinutes(1));
        await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata);

        inner.Answer = false;
        await cache.DeleteRelationshipsAsync([new Relationship(AuthzSubject.User("alice"), Relations.Select, Table)]);

        Assert.False(await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata));
        Assert.Equal(2, inner.Checks);
    }

    [Fact]
    public async Task Failures_are_not_cached()
    {
        var inner = new ScriptedAuthorizer { Fail = true };
        var cache = new CheckCache(inner, TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<AuthorizerUnavailableException>(async () => await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata));
        inner.Fail = false;

        Assert.True(await cache.CheckAsync(Alice, Table, Relations.CanGetMetadata));
        Assert.Equal(2, inner.Checks);
    }
}
