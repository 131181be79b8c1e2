using Npgsql;

namespace Lakekeeper.Persistence.Repositories;

/// <summary>Small helpers for positional-parameter commands ($1, $2, …).</summary>
internal static class Sql
{
    public const string UniqueViolation = PostgresErrorCodes.UniqueViolation;
    public const string ForeignKeyViolation = PostgresErrorCodes.ForeignKeyViolation;

    public static NpgsqlCommand Command(NpgsqlDataSource dataSource, string sql, params object?[] parameters)
    {
        var command = dataSource.CreateCommand(sql);
        Add(command, parameters);
        return command;
    }

    public static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        Add(command, parameters);
        return command;
    }

    public static bool IsUniqueViolation(PostgresException ex, string? constraint = null) =>
        ex.SqlState == UniqueViolation && (constraint is null || ex.ConstraintName == constraint);

    private static void Add(NpgsqlCommand command, object?[] parameters)
    {
        foreach (var value in parameters)
        {
            command.Parameters.Add(value switch
            {
                null => new NpgsqlParameter { Value = DBNull.Value },
                Json json => new NpgsqlParameter { Value = json.Text, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb },
                _ => new NpgsqlParameter { Value = value },
            });
        }
    }
}

/// <summary>Marks a string parameter as jsonb.</summary>
internal readonly record struct Json(string Text);
