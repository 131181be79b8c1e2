using Lakekeeper.Fga.Evaluation;
using Lakekeeper.Fga.Model;
using static Lakekeeper.Fga.Tests.M;

namespace Lakekeeper.Fga.Tests;

public sealed class EvaluationTests
{
    private static readonly AuthorizationModel Docs = ModelCompiler.Compile(Schema(
        Type("user"),
        Type("group", Direct("member", "user", "user:*", "group#member")),
        Type("folder",
            Direct("parent", "folder"),
            Direct("owner", "user"),
            Rel("viewer", Or(This, Computed("owner"), From("viewer", "parent")), "user", "group#member")),
        Type("doc",
            Direct("parent", "folder"),
            Direct("owner", "user"),
            Direct("blocked", "user", "group#member"),
            Rel("viewer", Or(This, From("viewer", "parent")), "user", "user:*", "group#member"),
            Rel("can_view", ButNot(Computed("viewer"), Computed("blocked"))),
            Rel("can_edit", And(Computed("owner"), Computed("viewer"))))));

    private static async Task<bool> Check(TupleIndex tuples, string user, string obj, string relation, int maxDepth = 25) =>
        await new CheckResolver(Docs, tuples, U(user), maxDepth).CheckAsync(O(obj), relation, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Direct_tuples_grant_exactly_the_named_user()
    {
        var tuples = new TupleIndex([T("doc:1", "owner", "user:anne")]);
        Assert.True(await Check(tuples, "user:anne", "doc:1", "owner"));
        Assert.False(await Check(tuples, "user:bob", "doc:1", "owner"));
        Assert.False(await Check(tuples, "user:anne", "doc:2", "owner"));
    }

    [Fact]
    public async Task A_wildcard_grants_every_user_of_its_type_but_not_usersets()
    {
        var tuples = new TupleIndex([T("doc:1", "viewer", "user:*")]);
        Assert.True(await Check(tuples, "user:anyone", "doc:1", "viewer"));
        Assert.True(await Check(tuples, "user:*", "doc:1", "viewer"));
        Assert.False(await Check(tuples, "group:g#member", "doc:1", "viewer"));
    }

    [Fact]
    public async Task Usersets_nest_and_computed_and_tupleset_relations_flow_down_folders()
    {
        var tuples = new TupleIndex([
            T("group:inner", "member", "user:anne"),
            T("group:outer", "member", "group:inner#member"),
            T("folder:root", "viewer", "group:outer#member"),
            T("folder:mid", "parent", "folder:root"),
            T("doc:1", "parent", "folder:mid"),
            T("folder:other", "owner", "user:bob"),
        ]);
        Assert.True(await Check(tuples, "user:anne", "doc:1", "viewer"));
        Assert.True(await Check(tuples, "user:anne", "doc:1", "can_view"));
        Assert.False(await Check(tuples, "user:bob", "doc:1", "viewer"));
        Assert.True(await Check(tuples, "user:bob", "folder:other", "viewer"));
        // A userset holds what its members hold, including itself.
        Assert.True(await Check(tuples, "group:inner#member", "doc:1", "viewer"));
        Assert.True(await Check(tuples, "group:inner#member", "group:inner", "member"));
    }

    [Fact]
    public async Task Exclusion_and_intersection()
    {
        var tuples = new TupleIndex([
            T("doc:1", "viewer", "user:*"),
            T("group:banned", "member", "user:mallory"),
            T("doc:1", "blocked", "group:banned#member"),
            T("doc:1", "owner", "user:mallory"),
            T("doc:1", "owner", "user:anne"),
        ]);
        Assert.True(await Check(tuples, "user:anne", "doc:1", "can_view"));
        Assert.False(await Check(tuples, "user:mallory", "doc:1", "can_view"));
        Assert.True(await Check(tuples, "user:mallory", "doc:1", "can_edit"));
        Assert.False(await Check(tuples, "user:bob", "doc:1", "can_edit"));
    }

    [Fact]
    public async Task Cycles_of_usersets_are_false_not_errors()
    {
        var tuples = new TupleIndex([
            T("group:a", "member", "group:b#member"),
            T("group:b", "member", "group:a#member"),
            T("group:b", "member", "user:anne"),
        ]);
        Assert.True(await Check(tuples, "user:anne", "group:a", "member"));
        Assert.False(await Check(tuples, "user:bob", "group:a", "member"));
    }

    [Fact]
    public async Task A_chain_longer_than_the_depth_limit_fails_the_question()
    {
        var chain = Enumerable.Range(0, 30).Select(i => T($"group:g{i}", "member", $"group:g{i + 1}#member")).Append(T("group:g30", "member", "user:anne"));
        var tuples = new TupleIndex(chain);
        var error = await Assert.ThrowsAsync<FgaException>(() => Check(tuples, "user:anne", "group:g0", "member"));
        Assert.Equal(FgaErrorCodes.ResolutionTooComplex, error.Code);
        Assert.True(await Check(tuples, "user:anne", "group:g10", "member"));
    }

    [Fact]
    public async Task Tuples_the_type_restrictions_no_longer_allow_are_ignored()
    {
        // doc#owner allows only [user]; a stored group userset there (from an older model) grants nothing.
        var tuples = new TupleIndex([T("group:g", "member", "user:anne"), T("doc:1", "owner", "group:g#member")]);
        Assert.False(await Check(tuples, "user:anne", "doc:1", "owner"));
    }

    [Fact]
    public async Task Contextual_tuples_count_for_one_question_only()
    {
        var stored = new TupleIndex([T("doc:1", "parent", "folder:f")]);
        var contextual = new TupleIndex([T("folder:f", "viewer", "user:anne")]);
        var overlay = new OverlayTupleReader(stored, contextual);
        Assert.True(await new CheckResolver(Docs, overlay, U("user:anne")).CheckAsync(O("doc:1"), "viewer", TestContext.Current.CancellationToken));
        Assert.False(await Check(stored, "user:anne", "doc:1", "viewer"));
    }

    [Fact]
    public async Task List_objects_walks_from_the_user()
    {
        var tuples = new TupleIndex([
            T("group:eng", "member", "user:anne"),
            T("folder:root", "viewer", "group:eng#member"),
            T("doc:1", "parent", "folder:root"),
            T("doc:2", "parent", "folder:root"),
            T("doc:3", "viewer", "user:bob"),
            T("doc:4", "viewer", "user:*"),
            T("doc:2", "blocked", "user:anne"),
        ]);
        var lister = new ObjectLister(Docs, tuples);
        var ct = TestContext.Current.CancellationToken;
        Assert.Equal(["1", "2", "4"], (await lister.ListAsync("doc", "viewer", U("user:anne"), ct)).Order());
        Assert.Equal(["1", "4"], (await lister.ListAsync("doc", "can_view", U("user:anne"), ct)).Order());
        Assert.Equal(["3", "4"], (await lister.ListAsync("doc", "viewer", U("user:bob"), ct)).Order());
        Assert.Equal(["1", "2"], (await lister.ListAsync("doc", "viewer", U("group:eng#member"), ct)).Order());
    }

    [Fact]
    public async Task List_users_expands_from_the_object()
    {
        var tuples = new TupleIndex([
            T("group:eng", "member", "user:anne"),
            T("folder:root", "viewer", "group:eng#member"),
            T("folder:root", "owner", "user:olga"),
            T("doc:1", "parent", "folder:root"),
            T("doc:1", "viewer", "user:bob"),
            T("doc:1", "blocked", "user:bob"),
        ]);
        var lister = new UserLister(Docs, tuples);
        var ct = TestContext.Current.CancellationToken;
        var users = await lister.ListAsync(O("doc:1"), "viewer", [new UserFilter("user")], ct);
        Assert.Equal(["user:anne", "user:bob", "user:olga"], users.Select(u => u.ToString()).Order());
        var usersets = await lister.ListAsync(O("doc:1"), "viewer", [new UserFilter("group", "member")], ct);
        Assert.Equal(["group:eng#member"], usersets.Select(u => u.ToString()));
        var viewers = await lister.ListAsync(O("doc:1"), "can_view", [new UserFilter("user")], ct);
        Assert.Equal(["user:anne", "user:olga"], viewers.Select(u => u.ToString()).Order());
    }

    [Fact]
    public void Write_validation_follows_the_type_restrictions()
    {
        TupleValidation.ValidateForWrite(Docs, T("doc:1", "viewer", "user:*"));
        TupleValidation.ValidateForWrite(Docs, T("doc:1", "viewer", "group:g#member"));
        var wrongType = Assert.Throws<FgaException>(() => TupleValidation.ValidateForWrite(Docs, T("doc:1", "owner", "group:g#member")));
        Assert.Equal(FgaErrorCodes.ValidationError, wrongType.Code);
        Assert.Contains("not an allowed type restriction for 'doc#owner'", wrongType.Message, StringComparison.Ordinal);
        Assert.Throws<FgaException>(() => TupleValidation.ValidateForWrite(Docs, T("doc:1", "owner", "user:*")));
        Assert.Throws<FgaException>(() => TupleValidation.ValidateForWrite(Docs, T("doc:1", "nope", "user:a")));
        Assert.Throws<FgaException>(() => TupleValidation.ValidateForWrite(Docs, T("nope:1", "owner", "user:a")));
        var malformed = Assert.Throws<FgaException>(() => TupleValidation.Parse("anne", "owner", "doc:1"));
        Assert.Equal(FgaErrorCodes.InvalidTuple, malformed.Code);
    }
}
