namespace BotBottle.Storage.Bottles;

/// <summary>Fleet mode: the broker role the operator granted a bottle to.</summary>
/// <param name="Slug">The bottle.</param>
/// <param name="BrokerRole">The PostgreSQL login role of the host broker that serves it.</param>
/// <param name="GrantedAt">When it was granted, as the store's timestamp text.</param>
public sealed record BottleGrant(string Slug, string BrokerRole, string GrantedAt);
