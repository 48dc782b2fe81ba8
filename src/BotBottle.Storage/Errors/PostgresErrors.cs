using System;
using System.Net.Sockets;
using Npgsql;

namespace BotBottle.Storage.Errors;

/// <summary>Turns Npgsql's exceptions into <see cref="StorageException"/>s that say what to do, as <see cref="SqliteErrors"/> does for SQLite.</summary>
internal static class PostgresErrors
{
    public static StorageException Translate(Exception exception, string database)
    {
        if (exception is PostgresException postgres)
        {
            string detail = postgres.MessageText;
            return postgres.SqlState switch
            {
                // The rules the server keeps (migrations/postgres/0010), in the store's own words and kinds.
                "BBINV" => new StorageException(StorageErrorKind.InvalidArgument, detail, exception),
                "BBLIM" => new Limits.LimitReachedException(postgres.ConstraintName ?? "unknown", detail),
                "BBNOF" => new StorageException(StorageErrorKind.NotFound, detail, exception),
                "BBCON" => new StorageException(StorageErrorKind.Conflict, detail, exception),
                // insufficient_privilege, and new row violates row-level security policy.
                "42501" => new StorageException(StorageErrorKind.Denied, $"This role may not do that on {database}: {detail}. Fleet roles see and write only the bottles they serve; operators use an operator role.", exception),
                "23505" or "23503" or "23514" or "23502" => new StorageException(StorageErrorKind.Conflict, $"The write violates a constraint of {database}; nothing was written. ({detail})", exception),
                "28P01" or "28000" => new StorageException(StorageErrorKind.Denied, $"PostgreSQL refused the login to {database}: {detail}. Check the role and its password in the fleet config.", exception),
                "3D000" => new StorageException(StorageErrorKind.CannotOpen, $"The database of {database} does not exist: {detail}. Create it (createdb) and run 'db migrate' as its owner.", exception),
                "53100" => new StorageException(StorageErrorKind.DiskFull, $"The PostgreSQL server of {database} is out of disk space; nothing was written. ({detail})", exception),
                "40001" or "40P01" or "55P03" => new StorageException(StorageErrorKind.Busy, $"{database} could not take a lock in time ({detail}); retry.", exception),
                "25006" => new StorageException(StorageErrorKind.ReadOnly, $"{database} is read-only (a standby or a read-only transaction): {detail}.", exception),
                _ when postgres.SqlState.StartsWith("57P", StringComparison.Ordinal) || postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                    => new StorageException(StorageErrorKind.CannotOpen, $"The PostgreSQL server of {database} is shutting down or unreachable ({detail}); retry when it is back.", exception),
                _ => new StorageException(StorageErrorKind.Internal, $"PostgreSQL error {postgres.SqlState} on {database}: {detail}", exception),
            };
        }

        if (exception is NpgsqlException { InnerException: SocketException or TimeoutException or System.IO.IOException } || exception is NpgsqlException { IsTransient: true })
        {
            return new StorageException(StorageErrorKind.CannotOpen, $"Cannot reach the PostgreSQL server of {database}: {exception.Message} Check that it is running and that the fleet config names it.", exception);
        }

        return new StorageException(StorageErrorKind.Internal, $"PostgreSQL client error on {database}: {exception.Message}", exception);
    }
}
