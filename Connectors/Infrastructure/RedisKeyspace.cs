using StackExchange.Redis;

namespace CrmChat.Connectors.Infrastructure;

/// <summary>
/// The <c>Redis</c> section: the connection, and a prefix put in front of every key CrmChat
/// writes, so several deployments (or tests) can share one server.
/// </summary>
public sealed class RedisOptions
{
    public const string Section = "Redis";

    /// <summary>StackExchange.Redis connection string; empty = everything stays in process.</summary>
    public string Configuration { get; set; } = "";
    public string KeyPrefix { get; set; } = "crmchat:";
}

/// <summary>Builds CrmChat's Redis key names: prefix, kind, then the caller's key.</summary>
public sealed class RedisKeyspace(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Key(string kind, string key) => $"{Prefix}{kind}:{key}";
}
