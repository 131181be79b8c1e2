namespace Lakekeeper.Fga.Evaluation;

/// <summary>
/// What evaluation reads: the users stored under one object and relation, and (for list-objects)
/// the objects of a type related to one exact user value. Implementations: the in-memory
/// <see cref="TupleIndex"/> (the engine's cache and contextual tuples), a Postgres reader, overlays.
/// Results may be arrays owned by the reader: callers never modify them.
/// </summary>
public interface ITupleReader
{
    /// <summary>Every user of the tuples <c>objectType:objectId#relation@*</c>.</summary>
    ValueTask<IReadOnlyList<FgaUser>> ReadUsersAsync(string objectType, string objectId, string relation, CancellationToken cancellationToken);

    /// <summary>The ids of the objects of <paramref name="objectType"/> with a tuple <c>…#relation@user</c> for exactly this user value.</summary>
    ValueTask<IReadOnlyList<string>> ReadObjectIdsAsync(string objectType, string relation, FgaUser user, CancellationToken cancellationToken);
}
