using System.Collections.Concurrent;

namespace Lakekeeper.Fga.Evaluation;

/// <summary>
/// Tuples in memory, indexed both ways (by object and relation; by user, object type and relation).
/// Readers never lock: each bucket is an immutable array replaced whole by a writer (copy on write),
/// so a reader sees every bucket either before or after a change. Writers are serialised by a lock.
/// </summary>
public sealed class TupleIndex : ITupleReader
{
    private static readonly ValueTask<IReadOnlyList<FgaUser>> NoUsers = new(Array.Empty<FgaUser>());
    private static readonly ValueTask<IReadOnlyList<string>> NoObjects = new(Array.Empty<string>());

    private readonly ConcurrentDictionary<ObjectKey, FgaUser[]> _byObject = new();
    private readonly ConcurrentDictionary<UserKey, string[]> _byUser = new();
    private readonly Lock _writeLock = new();
    private long _count;

    public TupleIndex()
    {
    }

    public TupleIndex(IEnumerable<FgaTuple> tuples)
    {
        ArgumentNullException.ThrowIfNull(tuples);
        // Bulk build: grow lists, then freeze them into the buckets once.
        var byObject = new Dictionary<ObjectKey, List<FgaUser>>();
        var byUser = new Dictionary<UserKey, List<string>>();
        var seen = new HashSet<FgaTuple>();
        foreach (var tuple in tuples)
        {
            if (!seen.Add(tuple))
            {
                continue;
            }

            var objectKey = new ObjectKey(tuple.Object.Type, tuple.Object.Id, tuple.Relation);
            if (!byObject.TryGetValue(objectKey, out var users))
            {
                byObject[objectKey] = users = [];
            }

            users.Add(tuple.User);
            var userKey = new UserKey(tuple.User, tuple.Object.Type, tuple.Relation);
            if (!byUser.TryGetValue(userKey, out var objects))
            {
                byUser[userKey] = objects = [];
            }

            objects.Add(tuple.Object.Id);
        }

        foreach (var (key, users) in byObject)
        {
            _byObject[key] = [.. users];
        }

        foreach (var (key, objects) in byUser)
        {
            _byUser[key] = [.. objects];
        }

        _count = seen.Count;
    }

    /// <summary>How many tuples are held.</summary>
    public long Count => Interlocked.Read(ref _count);

    public ValueTask<IReadOnlyList<FgaUser>> ReadUsersAsync(string objectType, string objectId, string relation, CancellationToken cancellationToken) =>
        _byObject.TryGetValue(new ObjectKey(objectType, objectId, relation), out var users) ? new(users) : NoUsers;

    public ValueTask<IReadOnlyList<string>> ReadObjectIdsAsync(string objectType, string relation, FgaUser user, CancellationToken cancellationToken) =>
        _byUser.TryGetValue(new UserKey(user, objectType, relation), out var objects) ? new(objects) : NoObjects;

    /// <summary>Whether the exact tuple is held.</summary>
    public bool Contains(in FgaTuple tuple) =>
        _byObject.TryGetValue(new ObjectKey(tuple.Object.Type, tuple.Object.Id, tuple.Relation), out var users)
        && Array.IndexOf(users, tuple.User) >= 0;

    /// <summary>Adds a tuple; false when it was already there.</summary>
    public bool Add(in FgaTuple tuple)
    {
        lock (_writeLock)
        {
            var objectKey = new ObjectKey(tuple.Object.Type, tuple.Object.Id, tuple.Relation);
            var users = _byObject.TryGetValue(objectKey, out var existing) ? existing : [];
            if (Array.IndexOf(users, tuple.User) >= 0)
            {
                return false;
            }

            _byObject[objectKey] = [.. users, tuple.User];
            var userKey = new UserKey(tuple.User, tuple.Object.Type, tuple.Relation);
            var objects = _byUser.TryGetValue(userKey, out var existingObjects) ? existingObjects : [];
            _byUser[userKey] = [.. objects, tuple.Object.Id];
            _count++;
            return true;
        }
    }

    /// <summary>Removes a tuple; false when it was not there.</summary>
    public bool Remove(in FgaTuple tuple)
    {
        lock (_writeLock)
        {
            var objectKey = new ObjectKey(tuple.Object.Type, tuple.Object.Id, tuple.Relation);
            if (!_byObject.TryGetValue(objectKey, out var users))
            {
                return false;
            }

            var at = Array.IndexOf(users, tuple.User);
            if (at < 0)
            {
                return false;
            }

            Replace(_byObject, objectKey, Without(users, at));
            var userKey = new UserKey(tuple.User, tuple.Object.Type, tuple.Relation);
            if (_byUser.TryGetValue(userKey, out var objects) && Array.IndexOf(objects, tuple.Object.Id) is var index and >= 0)
            {
                Replace(_byUser, userKey, Without(objects, index));
            }

            _count--;
            return true;
        }
    }

    /// <summary>Every tuple, in no particular order (tests and diagnostics).</summary>
    public IEnumerable<FgaTuple> All()
    {
        foreach (var (key, users) in _byObject)
        {
            foreach (var user in users)
            {
                yield return new FgaTuple(new FgaObject(key.Type, key.Id), key.Relation, user);
            }
        }
    }

    private static T[] Without<T>(T[] items, int index)
    {
        var result = new T[items.Length - 1];
        Array.Copy(items, 0, result, 0, index);
        Array.Copy(items, index + 1, result, index, items.Length - index - 1);
        return result;
    }

    private static void Replace<TKey, T>(ConcurrentDictionary<TKey, T[]> map, TKey key, T[] items)
        where TKey : notnull
    {
        if (items.Length == 0)
        {
            map.TryRemove(key, out _);
        }
        else
        {
            map[key] = items;
        }
    }

    private readonly record struct ObjectKey(string Type, string Id, string Relation);

    private readonly record struct UserKey(FgaUser User, string ObjectType, string Relation);
}

/// <summary>
/// The stored tuples plus the contextual tuples of one request (which exist only for that request).
/// </summary>
public sealed class OverlayTupleReader(ITupleReader stored, TupleIndex contextual) : ITupleReader
{
    public async ValueTask<IReadOnlyList<FgaUser>> ReadUsersAsync(string objectType, string objectId, string relation, CancellationToken cancellationToken)
    {
        var extra = await contextual.ReadUsersAsync(objectType, objectId, relation, cancellationToken);
        var users = await stored.ReadUsersAsync(objectType, objectId, relation, cancellationToken);
        return extra.Count == 0 ? users : users.Count == 0 ? extra : [.. extra, .. users.Where(u => !extra.Contains(u))];
    }

    public async ValueTask<IReadOnlyList<string>> ReadObjectIdsAsync(string objectType, string relation, FgaUser user, CancellationToken cancellationToken)
    {
        var extra = await contextual.ReadObjectIdsAsync(objectType, relation, user, cancellationToken);
        var ids = await stored.ReadObjectIdsAsync(objectType, relation, user, cancellationToken);
        return extra.Count == 0 ? ids : ids.Count == 0 ? extra : [.. extra, .. ids.Where(i => !extra.Contains(i, StringComparer.Ordinal))];
    }
}
