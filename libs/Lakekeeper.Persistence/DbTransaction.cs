using Npgsql;

namespace Lakekeeper.Persistence;

/// <summary>
/// The outcome of COMMIT is unknown: the connection failed while the commit was in flight, so the
/// change may or may not be durable. Callers must not clean up as if it failed.
/// </summary>
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The database connection failed during COMMIT; the outcome is unknown.", inner);

/// <summary>One connection and one transaction; disposed without commit means rolled back.</summary>
public sealed class DbTransaction : IAsyncDisposable
{
    private DbTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Connection = connection;
        Transaction = transaction;
    }

    internal NpgsqlConnection Connection { get; }

    internal NpgsqlTransaction Transaction { get; }

    public static async Task<DbTransaction> BeginAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            return new DbTransaction(connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    internal NpgsqlCommand Command(string sql, params object?[] parameters) =>
        Repositories.Sql.Command(Connection, Transaction, sql, parameters);

    /// <summary>
    /// Takes a transaction-scoped advisory lock (released at commit or rollback): shared locks
    /// coexist, an exclusive one waits for all others.
    /// </summary>
    public async Task LockAsync(long key, bool exclusive, CancellationToken cancellationToken)
    {
        await using var command = Command(exclusive ? "SELECT pg_advisory_xact_lock($1)" : "SELECT pg_advisory_xact_lock_shared($1)", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Commits. A failure of the connection while COMMIT is in flight surfaces as
    /// <see cref="CommitOutcomeUnknownException"/>; a refusal by the server (e.g. a deferred
    /// constraint) as the <see cref="PostgresException"/> itself, which means nothing was applied.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException)
        {
            throw;
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or OperationCanceledException or TimeoutException)
        {
            throw new CommitOutcomeUnknownException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Transaction.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
