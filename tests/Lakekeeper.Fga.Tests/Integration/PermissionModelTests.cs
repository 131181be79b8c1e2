using System.Text.Json.Nodes;
using Lakekeeper.Authz.Fga;
using Lakekeeper.Fga.Evaluation;
using static Lakekeeper.Fga.Tests.M;

namespace Lakekeeper.Fga.Tests.Integration;

/// <summary>
/// Lakekeeper's permission model (services/authz/Lakekeeper.Authz/Model/lakekeeper.fga): the committed
/// JSON is what OpenFGA's transformer makes of the DSL, and the model grants what Lakekeeper's does.
/// </summary>
public sealed class PermissionModelTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_committed_json_is_the_transformed_dsl()
    {
        var model = Path.Combine(Node.RepositoryRoot, "services", "authz", "Lakekeeper.Authz", "Model");
        var result = await Node.RunAsync("transform_model.js", Path.Combine(model, "lakekeeper.fga"));
        Assert.True(result.ExitCode == 0, result.Output);
        var transformed = JsonNode.Parse(result.Output);
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(model, "lakekeeper.json"), Ct));
        Assert.True(JsonNode.DeepEquals(transformed, committed),
            "Model/lakekeeper.json differs from Model/lakekeeper.fga: regenerate it with "
            + "node tests/Lakekeeper.Fga.Tests/Peers/transform_model.js services/authz/Lakekeeper.Authz/Model/lakekeeper.fga > services/authz/Lakekeeper.Authz/Model/lakekeeper.json");
        Assert.True(LakekeeperModel.SameModel(result.Output, LakekeeperModel.Json));
    }

    /// <summary>
    /// Every action a module asks (a <c>"can_…"</c> literal in services/ and libs/) is a relation of the model:
    /// the builtin and openfga backends refuse an unknown one (400), so a missing definition breaks the
    /// endpoint for everybody, which allow-all never shows.
    /// </summary>
    [Fact]
    public async Task Every_action_the_modules_ask_is_defined_by_the_model()
    {
        var model = await File.ReadAllTextAsync(Path.Combine(Node.RepositoryRoot, "services", "authz", "Lakekeeper.Authz", "Model", "lakekeeper.fga"), Ct);
        var defined = System.Text.RegularExpressions.Regex.Matches(model, @"define (can_[a-z_]+):").Select(m => m.Groups[1].Value).ToHashSet();
        var asked = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var folder in new[] { "services", "libs" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Node.RepositoryRoot, folder), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                foreach (System.Text.RegularExpressions.Match match in System.Text.RegularExpressions.Regex.Matches(await File.ReadAllTextAsync(file, Ct), "\"(can_[a-z_]*[a-z])\""))
                {
                    asked.Add(match.Groups[1].Value);
                }
            }
        }

        Assert.True(asked.Count > 30, $"found only {asked.Count} actions: is the scan looking in the right place?");
        var undefined = asked.Where(action => !defined.Contains(action)).ToList();
        Assert.True(undefined.Count == 0, "asked but not defined by the model: " + string.Join(", ", undefined));
    }

    [Fact]
    public async Task Access_through_two_nested_roles_and_a_namespace_grant_three_levels_up()
    {
        var world = Catalog();
        world.Add(T("role:inner", "assignee", "user:anne"));
        world.Add(T("role:outer", "assignee", "role:inner#assignee"));
        world.Add(T("namespace:n1", "select", "role:outer#assignee"));
        Assert.True(await Check(world, "user:anne", "lakekeeper_table:t1", "can_read_data"));
        Assert.True(await Check(world, "user:anne", "lakekeeper_table:t1", "can_get_metadata"));
        Assert.False(await Check(world, "user:anne", "lakekeeper_table:t1", "can_write_data"));
        Assert.False(await Check(world, "user:anne", "lakekeeper_table:t1", "can_drop"));
        Assert.False(await Check(world, "user:bob", "lakekeeper_table:t1", "can_read_data"));
        world.Remove(T("role:inner", "assignee", "user:anne"));
        Assert.False(await Check(world, "user:anne", "lakekeeper_table:t1", "can_read_data"));
    }

    [Fact]
    public async Task A_grant_deep_down_makes_the_path_above_visible_but_not_its_siblings()
    {
        var world = Catalog();
        world.Add(T("lakekeeper_table:t1", "select", "user:anne"));
        foreach (var container in new[] { "namespace:n3", "namespace:n2", "namespace:n1", "warehouse:w1" })
        {
            Assert.True(await Check(world, "user:anne", container, "can_get_metadata"), container);
            Assert.True(await Check(world, "user:anne", container, "can_include_in_list"), container);
            Assert.False(await Check(world, "user:anne", container, "can_list_everything"), container);
        }

        Assert.True(await Check(world, "user:anne", "warehouse:w1", "can_use"));
        Assert.True(await Check(world, "user:anne", "project:p1", "can_list_warehouses"));
        Assert.False(await Check(world, "user:anne", "lakekeeper_table:t2", "can_get_metadata"));
        Assert.False(await Check(world, "user:anne", "namespace:other", "can_get_metadata"));
        Assert.False(await Check(world, "user:bob", "warehouse:w1", "can_use"));
        var listed = await new ObjectLister(LakekeeperModel.Model, world).ListAsync("lakekeeper_table", "can_include_in_list", U("user:anne"), Ct);
        Assert.Equal(["t1"], listed);
    }

    [Fact]
    public async Task Owners_hold_everything_on_what_they_own_and_grant_it_unless_access_is_managed()
    {
        var world = Catalog();
        world.Add(T("namespace:n2", "ownership", "user:olga"));
        Assert.True(await Check(world, "user:olga", "lakekeeper_table:t1", "can_drop"));
        Assert.True(await Check(world, "user:olga", "namespace:n3", "can_create_table"));
        Assert.True(await Check(world, "user:olga", "lakekeeper_table:t1", "can_grant_select"));
        Assert.False(await Check(world, "user:olga", "namespace:n1", "can_update_properties"));

        world.Add(T("warehouse:w1", "managed_access", "user:*"));
        Assert.False(await Check(world, "user:olga", "lakekeeper_table:t1", "can_grant_select"));
        Assert.False(await Check(world, "user:olga", "namespace:n2", "can_change_ownership"));
        Assert.True(await Check(world, "user:olga", "lakekeeper_table:t1", "can_drop"));
        world.Add(T("warehouse:w1", "ownership", "user:wendy"));
        Assert.True(await Check(world, "user:wendy", "lakekeeper_table:t1", "can_grant_select"));
    }

    [Fact]
    public async Task Pass_grants_hands_on_only_what_one_holds()
    {
        var world = Catalog();
        world.Add(T("namespace:n1", "select", "user:pat"));
        world.Add(T("namespace:n1", "pass_grants", "user:pat"));
        Assert.True(await Check(world, "user:pat", "namespace:n1", "can_grant_select"));
        Assert.True(await Check(world, "user:pat", "namespace:n1", "can_grant_describe"));
        Assert.False(await Check(world, "user:pat", "namespace:n1", "can_grant_modify"));
        Assert.False(await Check(world, "user:pat", "namespace:n1", "can_grant_manage_grants"));
    }

    [Fact]
    public async Task Built_in_roles()
    {
        var world = Catalog();
        world.Add(T("server:s", "admin", "user:ada"));
        world.Add(T("server:s", "operator", "user:otto"));
        world.Add(T("project:p1", "security_admin", "user:sec"));
        world.Add(T("project:p1", "data_admin", "user:dan"));
        world.Add(T("project:p1", "role_creator", "user:rose"));

        Assert.True(await Check(world, "user:ada", "server:s", "can_create_project"));
        Assert.True(await Check(world, "user:ada", "project:p1", "can_get_metadata"));
        Assert.True(await Check(world, "user:ada", "project:p1", "can_grant_project_admin"));
        Assert.False(await Check(world, "user:ada", "lakekeeper_table:t1", "can_read_data"));

        Assert.True(await Check(world, "user:otto", "lakekeeper_table:t1", "can_write_data"));
        Assert.True(await Check(world, "user:otto", "warehouse:w1", "can_delete"));

        Assert.True(await Check(world, "user:sec", "lakekeeper_table:t1", "can_grant_select"));
        Assert.True(await Check(world, "user:sec", "warehouse:w1", "can_get_metadata"));
        Assert.False(await Check(world, "user:sec", "lakekeeper_table:t1", "can_read_data"));

        Assert.True(await Check(world, "user:dan", "lakekeeper_table:t1", "can_write_data"));
        Assert.True(await Check(world, "user:dan", "project:p1", "can_create_warehouse"));
        Assert.False(await Check(world, "user:dan", "lakekeeper_table:t1", "can_grant_select"));

        Assert.True(await Check(world, "user:rose", "project:p1", "can_create_role"));
        Assert.False(await Check(world, "user:rose", "lakekeeper_table:t1", "can_get_metadata"));
    }

    [Fact]
    public async Task Role_members_assume_it_and_owners_manage_it()
    {
        var world = Catalog();
        world.Add(T("role:r", "project", "project:p1"));
        world.Add(T("role:r", "ownership", "user:rita"));
        world.Add(T("role:r", "assignee", "user:max"));
        Assert.True(await Check(world, "user:max", "role:r", "can_assume"));
        Assert.True(await Check(world, "user:rita", "role:r", "can_assume"));
        Assert.True(await Check(world, "user:rita", "role:r", "can_grant_assignee"));
        Assert.False(await Check(world, "user:max", "role:r", "can_grant_assignee"));
        Assert.False(await Check(world, "user:nobody", "role:r", "can_assume"));
    }

    /// <summary>server s → project p1 → warehouse w1 → namespaces n1 → n2 → n3 → tables t1, t2; and namespace "other".</summary>
    internal static TupleIndex Catalog()
    {
        var tuples = new TupleIndex();
        void Link(string child, string childRelation, string parent, string parentRelation)
        {
            tuples.Add(T(child, childRelation, parent));
            tuples.Add(T(parent, parentRelation, child));
        }

        tuples.Add(T("project:p1", "server", "server:s"));
        tuples.Add(T("server:s", "project", "project:p1"));
        Link("warehouse:w1", "project", "project:p1", "warehouse");
        Link("namespace:n1", "parent", "warehouse:w1", "namespace");
        Link("namespace:other", "parent", "warehouse:w1", "namespace");
        Link("namespace:n2", "parent", "namespace:n1", "child");
        Link("namespace:n3", "parent", "namespace:n2", "child");
        Link("lakekeeper_table:t1", "parent", "namespace:n3", "child");
        Link("lakekeeper_table:t2", "parent", "namespace:n3", "child");
        return tuples;
    }

    private static async Task<bool> Check(TupleIndex world, string user, string obj, string relation)
    {
        var model = LakekeeperModel.Model;
        var target = O(obj);
        Assert.True(model.TryGetRelation(target.Type, relation, out _), $"{target.Type}#{relation} is not in the model");
        return await new CheckResolver(model, world, U(user)).CheckAsync(target, relation, Ct);
    }
}
