using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Identity;

public enum UserWriteOutcome
{
    Created,
    Updated,
    Exists,
}

/// <summary>Users: server-wide rows keyed by <see cref="UserId"/>.</summary>
public sealed class UserRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "user_id, name, email, user_type, last_updated_with, created_at, updated_at";

    /// <summary>
    /// Registers a user seen in a token. An existing row that only tokens ever wrote follows the
    /// token's name, email and type; one written through the API is left as it is.
    /// </summary>
    /// <returns>True when the row was created or changed.</returns>
    public async Task<bool> RegisterAsync(UserId id, string name, string? email, UserType type, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            INSERT INTO users AS u (user_id, name, email, user_type, last_updated_with) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, email = excluded.email, user_type = excluded.user_type, updated_at = now()
                WHERE u.last_updated_with = excluded.last_updated_with
                  AND (u.name, u.email, u.user_type) IS DISTINCT FROM (excluded.name, excluded.email, excluded.user_type)
            """,
            id.Value, name, email, TypeName(type), UserUpdateSource.ConfigCallCreation);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Creates the user, or (with <paramref name="updateIfExists"/>) overwrites an existing one.</summary>
    public async Task<(UserWriteOutcome Outcome, UserRecord? User)> ProvisionAsync(
        UserId id, string name, string? email, UserType type, bool updateIfExists, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"""
            INSERT INTO users AS u (user_id, name, email, user_type, last_updated_with) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, email = excluded.email, user_type = excluded.user_type,
                last_updated_with = excluded.last_updated_with, updated_at = now()
                WHERE $6
            RETURNING {Columns}, (xmax = 0) AS inserted
            """,
            id.Value, name, email, TypeName(type), UserUpdateSource.CreateEndpoint, updateIfExists);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            await reader.DisposeAsync();
            return (UserWriteOutcome.Exists, await GetAsync(id, cancellationToken));
        }

        var user = Read(reader);
        return (reader.GetBoolean(7) ? UserWriteOutcome.Created : UserWriteOutcome.Updated, user);
    }

    public async Task<UserRecord?> GetAsync(UserId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, $"SELECT {Columns} FROM users WHERE user_id = $1", id.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Users ordered by id; <paramref name="name"/> filters by a case-insensitive substring of the name.</summary>
    public async Task<Page<UserRecord>> ListAsync(string? name, string? afterId, int pageSize, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"""
            SELECT {Columns} FROM users
            WHERE ($1::text IS NULL OR user_id > $1) AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0)
            ORDER BY user_id LIMIT $3
            """,
            afterId, name, pageSize + 1);
        var users = new List<UserRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(Read(reader));
        }

        return Paged(users, pageSize, u => u.Id.Value);
    }

    /// <summary>Replaces name, email and type; false when the user does not exist.</summary>
    public async Task<bool> ReplaceAsync(UserId id, string name, string? email, UserType type, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            "UPDATE users SET name = $2, email = $3, user_type = $4, last_updated_with = $5, updated_at = now() WHERE user_id = $1",
            id.Value, name, email, TypeName(type), UserUpdateSource.UpdateEndpoint);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Deletes the user and its role memberships; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(UserId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "DELETE FROM users WHERE user_id = $1", id.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Fuzzy search over name, email and id: exact and substring matches first, then by trigram
    /// similarity. <paramref name="search"/> is at most 64 characters (longer is cut).
    /// </summary>
    public async Task<Page<UserRecord>> SearchAsync(string search, int offset, int pageSize, CancellationToken cancellationToken)
    {
        var term = Truncate(search).ToLowerInvariant();
        await using var command = Sql.Command(dataSource,
            $"""
            SELECT {Columns} FROM (
                SELECT *, lower(name) || ' ' || lower(coalesce(email, '')) || ' ' || lower(user_id) AS haystack FROM users) u
            WHERE strpos(haystack, $1) > 0 OR haystack % $1 OR word_similarity($1, haystack) > 0.3
            ORDER BY (lower(user_id) = $1 OR lower(coalesce(email, '')) = $1 OR lower(name) = $1) DESC,
                     (strpos(haystack, $1) > 0) DESC, word_similarity($1, haystack) DESC, user_id
            OFFSET $2 LIMIT $3
            """,
            term, offset, pageSize + 1);
        var users = new List<UserRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(Read(reader));
        }

        return users.Count > pageSize
            ? new Page<UserRecord>(users[..pageSize], (offset + pageSize).ToString(System.Globalization.CultureInfo.InvariantCulture))
            : new Page<UserRecord>(users, null);
    }

    internal static string Truncate(string search) => search.Length > 64 ? search[..64] : search;

    internal static Page<T> Paged<T>(List<T> items, int pageSize, Func<T, string> key) =>
        items.Count > pageSize
            ? new Page<T>(items[..pageSize], key(items[pageSize - 1]))
            : new Page<T>(items, null);

    public static string TypeName(UserType type) => type == UserType.Application ? "application" : "human";

    public static UserType ParseType(string value) => value == "application" ? UserType.Application : UserType.Human;

    private static UserRecord Read(NpgsqlDataReader reader) => new(
        new UserId(reader.GetString(0)),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        ParseType(reader.GetString(3)),
        reader.GetString(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));
}
