using System;
using System.Globalization;
using System.Text;

namespace BotBottle.Storage.Audit;

/// <summary>
/// The audit log's hash chain: each entry's hash is SHA-256 over the previous entry's hash and the
/// entry's own fields (id included, so moving content between rows breaks the chain). Each field is
/// length-prefixed, so no choice of field contents can make two different entries hash alike.
/// The same function is the SQL function <c>bb_audit_hash</c>, which migration 0004 uses to chain
/// rows that existed before it.
/// </summary>
public static class AuditChain
{
    /// <summary>The "previous hash" of the first entry.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    /// <summary>The name of the SQL function registered on every connection.</summary>
    public const string SqlFunctionName = "bb_audit_hash";

    /// <summary>Lower-case hex SHA-256 of the canonical form of one entry after <paramref name="previousHash"/>.</summary>
    public static string Hash(string previousHash, long id, string timestamp, string bottleSlug, string component, string operatorAction, string operatorNotes, string justification, string diff)
    {
        var canonical = new StringBuilder(256 + diff.Length);
        foreach (string field in new[] { previousHash, id.ToString(CultureInfo.InvariantCulture), timestamp, bottleSlug, component, operatorAction, operatorNotes, justification, diff })
        {
            canonical.Append(Encoding.UTF8.GetByteCount(field).ToString(CultureInfo.InvariantCulture)).Append(':').Append(field).Append('\n');
        }

        return Hashing.Sha256.Hex(canonical.ToString());
    }
}
