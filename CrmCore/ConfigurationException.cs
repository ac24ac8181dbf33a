namespace CrmChat.CrmCore;

/// <summary>A missing or malformed setting; the message names the key so an admin can fix it.</summary>
public sealed class ConfigurationException(string key, string problem)
    : Exception($"Configuration error at '{key}': {problem}")
{
    public string Key { get; } = key;
}
