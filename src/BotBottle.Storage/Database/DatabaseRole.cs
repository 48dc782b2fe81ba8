namespace BotBottle.Storage.Database;

/// <summary>Who is opening the database; decides what a connection may do.</summary>
public enum DatabaseRole
{
    /// <summary>The operator, the bot-bottle CLI or the broker: creates, migrates, answers, audits.</summary>
    Host = 0,

    /// <summary>A sidecar next to an untrusted agent: never creates the file, never migrates.</summary>
    Sidecar = 1,

    /// <summary>A diagnosis (<c>doctor</c>): opens read-only, never creates, migrates or changes the journal mode.</summary>
    Inspector = 2,
}
