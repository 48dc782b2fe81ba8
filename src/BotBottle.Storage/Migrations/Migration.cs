namespace BotBottle.Storage.Migrations;

/// <summary>
/// One schema migration as compiled into the binary from <c>migrations/NNNN_name.{up,down}.sql</c>.
/// </summary>
public sealed class Migration
{
    /// <summary>Creates a migration; the generator calls this for every embedded pair.</summary>
    public Migration(int version, string name, string checksum, bool additive, string upSql, string downSql)
    {
        Version = version;
        Name = name;
        Checksum = checksum;
        Additive = additive;
        _upSql = upSql;
        _downSql = downSql;
    }

    /// <summary>
    /// An embedded migration, whose SQL the generated <see cref="EmbeddedMigrations.UpSql"/> and
    /// <see cref="EmbeddedMigrations.DownSql"/> hold: only code that migrates reads it, so a binary that
    /// never migrates is compiled without the scripts (a quarter of a megabyte of bot-bottle-propose).
    /// </summary>
    internal Migration(int version, string name, string checksum, bool additive, bool postgres)
    {
        Version = version;
        Name = name;
        Checksum = checksum;
        Additive = additive;
        _embeddedPostgres = postgres;
    }

    private readonly string? _upSql;
    private readonly string? _downSql;
    private readonly bool _embeddedPostgres;

    /// <summary>The NNNN of the file name.</summary>
    public int Version { get; }

    /// <summary>The name part of the file name.</summary>
    public string Name { get; }

    /// <summary>Lower-case hex SHA-256 of the up SQL, LF-normalised, without BOM.</summary>
    public string Checksum { get; }

    /// <summary>
    /// True when the up file starts with <c>-- bot-bottle: additive</c>: the migration only adds,
    /// so a binary that predates it may keep working on a database that has it.
    /// </summary>
    public bool Additive { get; }

    /// <summary>The SQL that applies the migration.</summary>
    public string UpSql => _upSql ?? EmbeddedMigrations.UpSql(_embeddedPostgres, Version);

    /// <summary>The SQL that reverts it.</summary>
    public string DownSql => _downSql ?? EmbeddedMigrations.DownSql(_embeddedPostgres, Version);

    /// <summary>The migrations embedded in this build of the library, oldest first.</summary>
    public static System.Collections.Generic.IReadOnlyList<Migration> Embedded => EmbeddedMigrations.All;

    /// <summary>The PostgreSQL twins of <see cref="Embedded"/> (fleet mode): the same versions and names.</summary>
    public static System.Collections.Generic.IReadOnlyList<Migration> EmbeddedPostgres => EmbeddedMigrations.Postgres;

    /// <inheritdoc />
    public override string ToString() => $"{Version:D4}_{Name}";
}
