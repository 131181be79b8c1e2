using System.Security.Cryptography;
using System.Text;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Npgsql;

namespace Lakekeeper.Persistence.Identity;

public enum RoleWriteOutcome
{
    Done,
    NotFound,
    NameTaken,
    IdentTaken,
    ProjectNotFound,
}

public enum MembershipOutcome
{
    Added,
    RoleNotFound,
    UserNotFound,
    MemberRoleNotFound,
    Cycle,
    TooDeep,
}

/// <summary>The result of adding members; <see cref="Member"/> names the member that was refused.</summary>
public sealed record MembershipResult(MembershipOutcome Outcome, string? Member = null, int Depth = 0);

/// <summary>Filters of a role listing; empty lists do not filter.</summary>
public sealed record RoleFilter(
    IReadOnlyCollection<Guid>? RoleIds = null,
    IReadOnlyCollection<string>? SourceIds = null,
    IReadOnlyCollection<string>? ProviderIds = null);

/// <summary>
/// Roles of a project and their members. Every query is scoped to the project: a role of another
/// project is "not found". Nesting is acyclic and at most <c>maxDepth</c> role-in-role edges
/// deep; both are checked under a per-project advisory lock so that concurrent additions cannot
/// build a cycle between them.
/// </summary>
public sealed class RoleRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "role_id, project_id, name, description, provider_id, source_id, created_at, updated_at";

    public async Task<(RoleWriteOutcome Outcome, RoleRecord? Role)> CreateAsync(
        RoleId id, ProjectId project, string name, string? description, string providerId, string sourceId, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = Sql.Command(dataSource,
                $"""
                INSERT INTO role (role_id, project_id, name, name_key, description, provider_id, source_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {Columns}
                """,
                id.Value, project.Value, name, NameKey.Of(name), description, providerId, sourceId);
            return (RoleWriteOutcome.Done, await ReadSingleAsync(command, cancellationToken));
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return (ex.ConstraintName == "role_project_id_name_key_key" ? RoleWriteOutcome.NameTaken : RoleWriteOutcome.IdentTaken, null);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.ForeignKeyViolation)
        {
            return (RoleWriteOutcome.ProjectNotFound, null);
        }
    }

    /// <summary>The role if it belongs to <paramref name="project"/>.</summary>
    public async Task<RoleRecord?> GetAsync(ProjectId project, RoleId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, $"SELECT {Columns} FROM role WHERE role_id = $1 AND project_id = $2", id.Value, project.Value);
        return await ReadSingleAsync(command, cancellationToken);
    }

    /// <summary>The role in whatever project it is (role metadata is readable across projects).</summary>
    public async Task<RoleRecord?> GetAnyAsync(RoleId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, $"SELECT {Columns} FROM role WHERE role_id = $1", id.Value);
        return await ReadSingleAsync(command, cancellationToken);
    }

    public async Task<Page<RoleRecord>> ListAsync(ProjectId project, RoleFilter filter, string? afterId, int pageSize, CancellationToken cancellationToken)
    {
        Guid? after = afterId is not null && Guid.TryParse(afterId, out var a) ? a : null;
        await using var command = Sql.Command(dataSource,
            $"""
            SELECT {Columns} FROM role
            WHERE project_id = $1 AND ($2::uuid IS NULL OR role_id > $2)
              AND ($3::uuid[] IS NULL OR role_id = ANY($3)) AND ($4::text[] IS NULL OR source_id = ANY($4))
              AND ($5::text[] IS NULL OR provider_id = ANY($5))
            ORDER BY role_id LIMIT $6
            """,
            project.Value, after, NullIfEmpty(filter.RoleIds), NullIfEmpty(filter.SourceIds), NullIfEmpty(filter.ProviderIds), pageSize + 1);
        return UserRepository.Paged(await ReadAllAsync(command, cancellationToken), pageSize, r => r.Id.ToString());
    }

    public async Task<(RoleWriteOutcome Outcome, RoleRecord? Role)> UpdateAsync(
        ProjectId project, RoleId id, string name, string? description, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = Sql.Command(dataSource,
                $"""
                UPDATE role SET name = $3, name_key = $4, description = $5, updated_at = now()
                WHERE role_id = $1 AND project_id = $2 RETURNING {Columns}
                """,
                id.Value, project.Value, name, NameKey.Of(name), description);
            var role = await ReadSingleAsync(command, cancellationToken);
            return (role is null ? RoleWriteOutcome.NotFound : RoleWriteOutcome.Done, role);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return (RoleWriteOutcome.NameTaken, null);
        }
    }

    public async Task<(RoleWriteOutcome Outcome, RoleRecord? Role)> SetSourceAsync(
        ProjectId project, RoleId id, string providerId, string sourceId, CancellationToken cancellationToken)
    {
        try
        {
            await using var command = Sql.Command(dataSource,
                $"""
                UPDATE role SET provider_id = $3, source_id = $4, updated_at = now()
                WHERE role_id = $1 AND project_id = $2 RETURNING {Columns}
                """,
                id.Value, project.Value, providerId, sourceId);
            var role = await ReadSingleAsync(command, cancellationToken);
            return (role is null ? RoleWriteOutcome.NotFound : RoleWriteOutcome.Done, role);
        }
        catch (PostgresException ex) when (ex.SqlState == Sql.UniqueViolation)
        {
            return (RoleWriteOutcome.IdentTaken, null);
        }
    }

    /// <summary>Deletes the role with its memberships (as a role and as a member); false when not found.</summary>
    public async Task<bool> DeleteAsync(ProjectId project, RoleId id, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource, "DELETE FROM role WHERE role_id = $1 AND project_id = $2", id.Value, project.Value);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Fuzzy search over name and ident within the project; at most <paramref name="limit"/> roles.</summary>
    public async Task<IReadOnlyList<RoleRecord>> SearchAsync(ProjectId project, string search, int limit, CancellationToken cancellationToken)
    {
        var term = UserRepository.Truncate(search).ToLowerInvariant();
        await using var command = Sql.Command(dataSource,
            $"""
            SELECT {Columns} FROM (
                SELECT *, name_key || ' ' || lower(provider_id || '~' || source_id) || ' ' || role_id::text AS haystack FROM role WHERE project_id = $1) r
            WHERE strpos(haystack, $2) > 0 OR haystack % $2 OR word_similarity($2, haystack) > 0.3
            ORDER BY (name_key = $2 OR role_id::text = $2) DESC, (strpos(haystack, $2) > 0) DESC, word_similarity($2, haystack) DESC, role_id
            LIMIT $3
            """,
            project.Value, term, limit);
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>
    /// Adds users and roles as direct members of a role, all or nothing. Users must exist; member
    /// roles must be in the same project; a role that would become (transitively) a member of
    /// itself, or a chain deeper than <paramref name="maxDepth"/> role-in-role edges, is refused.
    /// Already present members are kept (an assignment made by a token becomes a permanent one).
    /// </summary>
    public async Task<MembershipResult> AddMembersAsync(
        ProjectId project, RoleId role, IReadOnlyList<UserId> users, IReadOnlyList<RoleId> roles, int maxDepth, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        await tx.LockAsync(MembershipLockKey(project), exclusive: true, cancellationToken);
        await using (var exists = tx.Command("SELECT 1 FROM role WHERE role_id = $1 AND project_id = $2 FOR SHARE", role.Value, project.Value))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                return new MembershipResult(MembershipOutcome.RoleNotFound);
            }
        }

        if (users.Count > 0)
        {
            var wanted = users.Select(u => u.Value).Distinct(StringComparer.Ordinal).ToArray();
            var found = new HashSet<string>(StringComparer.Ordinal);
            await using (var query = tx.Command("SELECT user_id FROM users WHERE user_id = ANY($1) FOR SHARE", (object)wanted))
            await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    found.Add(reader.GetString(0));
                }
            }

            if (wanted.FirstOrDefault(u => !found.Contains(u)) is { } missing)
            {
                return new MembershipResult(MembershipOutcome.UserNotFound, missing);
            }
        }

        foreach (var member in roles.Distinct())
        {
            await using (var inProject = tx.Command("SELECT 1 FROM role WHERE role_id = $1 AND project_id = $2 FOR SHARE", member.Value, project.Value))
            {
                if (await inProject.ExecuteScalarAsync(cancellationToken) is null)
                {
                    return new MembershipResult(MembershipOutcome.MemberRoleNotFound, member.ToString());
                }
            }

            // The member's chain below it, plus this edge, plus the chain above the role.
            await using (var shape = tx.Command(
                """
                WITH RECURSIVE down(role_id, depth) AS (
                    SELECT $1::uuid, 0
                    UNION
                    SELECT m.member_role_id, d.depth + 1 FROM role_member_role m JOIN down d ON m.role_id = d.role_id WHERE d.depth <= $3
                ), up(role_id, depth) AS (
                    SELECT $2::uuid, 0
                    UNION
                    SELECT m.role_id, u.depth + 1 FROM role_member_role m JOIN up u ON m.member_role_id = u.role_id WHERE u.depth <= $3
                )
                SELECT EXISTS (SELECT 1 FROM down WHERE role_id = $2), (SELECT max(depth) FROM down) + 1 + (SELECT max(depth) FROM up)
                """,
                member.Value, role.Value, maxDepth))
            await using (var reader = await shape.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                if (member == role || reader.GetBoolean(0))
                {
                    return new MembershipResult(MembershipOutcome.Cycle, member.ToString());
                }

                var depth = reader.GetInt32(1);
                if (depth > maxDepth)
                {
                    return new MembershipResult(MembershipOutcome.TooDeep, member.ToString(), depth);
                }
            }

            await using var insert = tx.Command(
                "INSERT INTO role_member_role (role_id, member_role_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", role.Value, member.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var user in users.Distinct())
        {
            await using var insert = tx.Command(
                """
                INSERT INTO role_member_user (role_id, user_id, from_token) VALUES ($1, $2, false)
                ON CONFLICT (role_id, user_id) DO UPDATE SET from_token = false
                """,
                role.Value, user.Value);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return new MembershipResult(MembershipOutcome.Added);
    }

    /// <summary>Removes one direct member; false when the role is not in the project (an absent member is fine).</summary>
    public async Task<bool> RemoveMemberAsync(ProjectId project, RoleId role, RoleMemberType type, string memberId, CancellationToken cancellationToken)
    {
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        await tx.LockAsync(MembershipLockKey(project), exclusive: true, cancellationToken);
        await using (var exists = tx.Command("SELECT 1 FROM role WHERE role_id = $1 AND project_id = $2", role.Value, project.Value))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is null)
            {
                return false;
            }
        }

        if (type == RoleMemberType.User)
        {
            await using var delete = tx.Command("DELETE FROM role_member_user WHERE role_id = $1 AND user_id = $2", role.Value, memberId);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        else if (Guid.TryParse(memberId, out var memberRole))
        {
            await using var delete = tx.Command("DELETE FROM role_member_role WHERE role_id = $1 AND member_role_id = $2", role.Value, memberRole);
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        await tx.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Members of a role: direct (<paramref name="depth"/> 1), or every user and role below it
    /// (<paramref name="depth"/> = the nesting limit). Null when the role is not in the project.
    /// Keyset-paged: users first, then roles, each by id.
    /// </summary>
    public async Task<Page<RoleMemberRecord>?> ListMembersAsync(
        ProjectId project, RoleId role, RoleMemberType? type, int depth, string? after, int pageSize, CancellationToken cancellationToken)
    {
        if (await GetAsync(project, role, cancellationToken) is null)
        {
            return null;
        }

        var (afterKind, afterId) = SplitMemberKey(after);
        await using var command = Sql.Command(dataSource,
            """
            WITH RECURSIVE down(role_id, depth) AS (
                SELECT $1::uuid, 0
                UNION
                SELECT m.member_role_id, d.depth + 1 FROM role_member_role m JOIN down d ON m.role_id = d.role_id WHERE d.depth < $2
            ), members(kind, id, name, email, ident) AS (
                SELECT DISTINCT 0, u.user_id, u.name, u.email, NULL::text
                FROM role_member_user mu JOIN users u ON u.user_id = mu.user_id
                WHERE mu.role_id IN (SELECT role_id FROM down WHERE depth < $2)
                UNION
                SELECT DISTINCT 1, r.role_id::text, r.name, NULL::text, r.provider_id || '~' || r.source_id
                FROM role r WHERE r.role_id IN (SELECT role_id FROM down WHERE depth > 0)
            )
            SELECT kind, id, name, email, ident FROM members
            WHERE ($3::int IS NULL OR kind = $3) AND ($4::int IS NULL OR (kind, id) > ($4, $5::text))
            ORDER BY kind, id LIMIT $6
            """,
            role.Value, depth, type is null ? null : (int)type, afterKind, afterId, pageSize + 1);
        var members = new List<RoleMemberRecord>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                members.Add(new RoleMemberRecord(
                    (RoleMemberType)reader.GetInt32(0),
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }

        return UserRepository.Paged(members, pageSize, m => (int)m.Type + ":" + m.Id);
    }

    /// <summary>
    /// The roles a role is a member of: direct (<paramref name="depth"/> 1) or up to the nesting
    /// limit. Null when the role is not in the project.
    /// </summary>
    public async Task<Page<RoleRecord>?> ListMemberOfAsync(
        ProjectId project, RoleId role, int depth, string? after, int pageSize, CancellationToken cancellationToken)
    {
        if (await GetAsync(project, role, cancellationToken) is null)
        {
            return null;
        }

        await using var command = Sql.Command(dataSource,
            $"""
            WITH RECURSIVE up(role_id, depth) AS (
                SELECT $1::uuid, 0
                UNION
                SELECT m.role_id, u.depth + 1 FROM role_member_role m JOIN up u ON m.member_role_id = u.role_id WHERE u.depth < $2
            )
            SELECT {Columns} FROM role
            WHERE role_id IN (SELECT role_id FROM up WHERE depth > 0) AND ($3::uuid IS NULL OR role_id > $3)
            ORDER BY role_id LIMIT $4
            """,
            role.Value, depth, ParseAfter(after), pageSize + 1);
        return UserRepository.Paged(await ReadAllAsync(command, cancellationToken), pageSize, r => r.Id.ToString());
    }

    /// <summary>The roles of <paramref name="project"/> a user holds: directly (<paramref name="depth"/> 0) or through nesting.</summary>
    public async Task<Page<RoleRecord>> ListUserRolesAsync(
        ProjectId project, UserId user, int depth, string? after, int pageSize, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            $"""
            WITH RECURSIVE up(role_id, depth) AS (
                SELECT role_id, 0 FROM role_member_user WHERE user_id = $1
                UNION
                SELECT m.role_id, u.depth + 1 FROM role_member_role m JOIN up u ON m.member_role_id = u.role_id WHERE u.depth < $2
            )
            SELECT {Columns} FROM role
            WHERE project_id = $3 AND role_id IN (SELECT role_id FROM up) AND ($4::uuid IS NULL OR role_id > $4)
            ORDER BY role_id LIMIT $5
            """,
            user.Value, depth, project.Value, ParseAfter(after), pageSize + 1);
        return UserRepository.Paged(await ReadAllAsync(command, cancellationToken), pageSize, r => r.Id.ToString());
    }

    /// <summary>Whether the user holds the role, directly or through nested roles (at most <paramref name="maxDepth"/> deep).</summary>
    public async Task<bool> HoldsAsync(UserId user, RoleId role, int maxDepth, CancellationToken cancellationToken)
    {
        await using var command = Sql.Command(dataSource,
            """
            WITH RECURSIVE up(role_id, depth) AS (
                SELECT role_id, 0 FROM role_member_user WHERE user_id = $1
                UNION
                SELECT m.role_id, u.depth + 1 FROM role_member_role m JOIN up u ON m.member_role_id = u.role_id WHERE u.depth < $3
            )
            SELECT EXISTS (SELECT 1 FROM up WHERE role_id = $2)
            """,
            user.Value, role.Value, maxDepth);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    /// <summary>
    /// Makes the user a member of exactly the roles its token names: the roles of any project whose
    /// provider is <paramref name="providerId"/> and whose source id is in <paramref name="sourceIds"/>.
    /// Token-made memberships the claim no longer names are removed; API-made ones are never touched.
    /// The user row must exist. The memberships added and removed become <c>role:&lt;id&gt;#assignee@user:&lt;user&gt;</c>
    /// tuples written and deleted through the authz outbox, in the same transaction (docs/authz.md).
    /// </summary>
    /// <returns>Whether a membership changed (then the outbox holds the tuple changes).</returns>
    public async Task<bool> SyncTokenRolesAsync(UserId user, string providerId, IReadOnlyCollection<string> sourceIds, CancellationToken cancellationToken)
    {
        var ids = sourceIds.ToArray();
        await using var tx = await DbTransaction.BeginAsync(dataSource, cancellationToken);
        var added = new List<Catalog.TupleRow>();
        var removed = new List<Catalog.TupleRow>();
        await using (var add = tx.Command(
            """
            INSERT INTO role_member_user (role_id, user_id, from_token)
            SELECT role_id, $1, true FROM role WHERE provider_id = $2 AND source_id = ANY($3)
            ON CONFLICT (role_id, user_id) DO NOTHING
            RETURNING role_id::text
            """,
            user.Value, providerId, ids))
        {
            await ReadMembershipsAsync(add, user, added, cancellationToken);
        }

        await using (var remove = tx.Command(
            """
            DELETE FROM role_member_user mu USING role r
            WHERE mu.role_id = r.role_id AND mu.user_id = $1 AND mu.from_token AND r.provider_id = $2 AND NOT (r.source_id = ANY($3))
            RETURNING mu.role_id::text
            """,
            user.Value, providerId, ids))
        {
            await ReadMembershipsAsync(remove, user, removed, cancellationToken);
        }

        await Catalog.AuthzOutboxRepository.AddAsync(tx, new Catalog.AuthzTupleChanges(added, removed, []), cancellationToken);
        await tx.CommitAsync(cancellationToken);
        return added.Count + removed.Count > 0;
    }

    private static async Task ReadMembershipsAsync(NpgsqlCommand command, UserId user, List<Catalog.TupleRow> into, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into.Add(new Catalog.TupleRow("role", reader.GetString(0), "assignee", "user", user.Value));
        }
    }

    private static long MembershipLockKey(ProjectId project) =>
        BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes("lakekeeper.role-membership:" + project)), 0);

    private static (int? Kind, string? Id) SplitMemberKey(string? key)
    {
        if (key is null || key.Length < 2 || key[1] != ':' || key[0] is not ('0' or '1'))
        {
            return (null, null);
        }

        return (key[0] - '0', key[2..]);
    }

    private static Guid? ParseAfter(string? after) => after is not null && Guid.TryParse(after, out var id) ? id : null;

    private static T[]? NullIfEmpty<T>(IReadOnlyCollection<T>? values) => values is null || values.Count == 0 ? null : values.ToArray();

    private static async Task<RoleRecord?> ReadSingleAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static async Task<List<RoleRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var roles = new List<RoleRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            roles.Add(Read(reader));
        }

        return roles;
    }

    private static RoleRecord Read(NpgsqlDataReader reader) => new(
        new RoleId(reader.GetGuid(0)),
        new ProjectId(reader.GetGuid(1)),
        reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7));
}
