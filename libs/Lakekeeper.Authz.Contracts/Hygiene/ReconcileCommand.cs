using Lakekeeper.Abstractions.Hosting;
using Lakekeeper.Persistence.Catalog;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Authz.Hygiene;

/// <summary>
/// <c>reconcile [--apply]</c>: compares the catalog with the authorizer's hierarchy tuples and repairs the
/// drift. Every project, warehouse, namespace, table and view must name its parent and be named by it;
/// links to another parent (a re-parent that never arrived) go, missing links are written, and objects a
/// container still names but the catalog no longer holds lose every tuple. Dry run by default: prints what
/// it would change, one line each, and exits 0 (nothing to do) or 2 (drift found); <c>--apply</c> changes it.
/// </summary>
internal sealed class ReconcileCommand : IHostCommand
{
    /// <summary>The relations by which a container names its children (a warehouse's "project" names its parent instead).</summary>
    private static readonly HashSet<(string Type, string Relation)> DownRelations =
        [(ObjectTypes.Server, "project"), (ObjectTypes.Project, "warehouse"), (ObjectTypes.Warehouse, "namespace"), (ObjectTypes.Namespace, "child")];

    public string Name => "reconcile";

    public string Description => "compare the catalog with the authorization tuples and repair drift (dry run unless --apply)";

    public async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var apply = Environment.GetCommandLineArgs().Contains("--apply", StringComparer.Ordinal);
        var drift = await ReconcileAsync(services.GetRequiredService<AuthzOutboxRepository>(), services.GetRequiredService<IAuthorizer>(), cancellationToken);
        foreach (var line in drift.Describe())
        {
            Console.WriteLine(line);
        }

        if (drift.IsEmpty)
        {
            Console.WriteLine("No drift: the authorization tuples match the catalog.");
            return 0;
        }

        if (!apply)
        {
            Console.WriteLine("Dry run: nothing changed. Run 'reconcile --apply' to repair.");
            return 2;
        }

        await ApplyAsync(services.GetRequiredService<IAuthorizer>(), drift, cancellationToken);
        Console.WriteLine("Repaired.");
        return 0;
    }

    /// <summary>What differs between the catalog and the tuples.</summary>
    internal static async Task<TupleChanges> ReconcileAsync(AuthzOutboxRepository catalog, IAuthorizer authorizer, CancellationToken cancellationToken)
    {
        var objects = await catalog.CatalogObjectsAsync(cancellationToken);
        var existing = objects.Select(static o => new AuthzObject(o.Object.Type, o.Object.Id)).ToHashSet();
        existing.Add(AuthzObject.Server(AuthzHierarchy.ServerId));
        var changes = new TupleChanges();
        var containers = new Dictionary<AuthzObject, List<Relationship>>();
        foreach (var (row, parentRow) in objects)
        {
            var self = new AuthzObject(row.Type, row.Id);
            var parent = new AuthzObject(parentRow.Type, parentRow.Id);
            var link = AuthzHierarchy.Link(self, parent);
            var up = link[0];
            var own = await ReadAllAsync(authorizer, self, up.Relation, cancellationToken);
            changes.Delete(own.Where(r => r != up));
            if (!own.Contains(up))
            {
                changes.Write([up]);
            }

            if (!containers.TryGetValue(parent, out var below))
            {
                below = await ReadAllAsync(authorizer, parent, null, cancellationToken);
                containers[parent] = below;
            }

            if (!below.Contains(link[1]))
            {
                changes.Write([link[1]]);
            }
        }

        // A container naming a child that is not in the catalog (or not its child any more).
        var expectedDown = objects.SelectMany(static o => new[] { AuthzHierarchy.Link(new AuthzObject(o.Object.Type, o.Object.Id), new AuthzObject(o.Parent.Type, o.Parent.Id))[1] })
            .ToHashSet();
        foreach (var stale in containers.Values.SelectMany(static l => l).Where(r => DownRelations.Contains((r.Object.Type, r.Relation)) && !expectedDown.Contains(r)))
        {
            changes.Delete([stale]);
            var child = new AuthzObject(stale.Subject.Type, stale.Subject.Id);
            if (!existing.Contains(child) && !changes.Purges.Contains(child))
            {
                changes.Purge(child);
            }
        }

        return changes;
    }

    private static async Task ApplyAsync(IAuthorizer authorizer, TupleChanges changes, CancellationToken cancellationToken)
    {
        foreach (var chunk in changes.Deletes.Chunk(500))
        {
            await authorizer.DeleteRelationshipsAsync(chunk, cancellationToken);
        }

        foreach (var target in changes.Purges)
        {
            var tuples = await ReadAllAsync(authorizer, target, null, cancellationToken);
            foreach (var chunk in tuples.Chunk(500))
            {
                await authorizer.DeleteRelationshipsAsync(chunk, cancellationToken);
            }
        }

        foreach (var chunk in changes.Writes.Chunk(500))
        {
            await authorizer.WriteRelationshipsAsync(chunk, cancellationToken);
        }
    }

    private static async Task<List<Relationship>> ReadAllAsync(IAuthorizer authorizer, AuthzObject target, string? relation, CancellationToken cancellationToken)
    {
        var all = new List<Relationship>();
        string? token = null;
        do
        {
            var page = await authorizer.ReadRelationshipsAsync(new RelationshipQuery(target, relation, PageSize: 1000, PageToken: token), cancellationToken);
            all.AddRange(page.Relationships);
            token = page.NextPageToken;
        }
        while (token is not null);

        return all;
    }
}

internal static class TupleChangesDescription
{
    public static IEnumerable<string> Describe(this TupleChanges changes) =>
        changes.Deletes.Select(static r => "delete " + r)
            .Concat(changes.Purges.Select(static o => "purge  " + o + " (every tuple)"))
            .Concat(changes.Writes.Select(static r => "write  " + r));
}
