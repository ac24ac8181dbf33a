using System.Globalization;

namespace CrmChat.Bench;

/// <summary>A benchmark that ran but broke (lost events, errors, a host that would not start).</summary>
public sealed class BenchFailedException(string message) : Exception(message);

/// <summary><c>--key value</c> pairs; <c>--smoke</c> alone means true.</summary>
public sealed class BenchArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public static BenchArgs Parse(IEnumerable<string> args)
    {
        var result = new BenchArgs();
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new BenchFailedException($"unexpected argument '{list[i]}'");
            }
            var key = list[i][2..];
            if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                result._values[key] = list[++i];
            }
            else
            {
                result._values[key] = "true";
            }
        }
        return result;
    }

    public bool Smoke => Flag("smoke");

    public bool Flag(string key) => _values.TryGetValue(key, out var v) && bool.Parse(v);

    public string String(string key, string? fallback = null) =>
        _values.TryGetValue(key, out var v) ? v : fallback ?? throw new BenchFailedException($"--{key} is required");

    public int Int(string key, int fallback) =>
        _values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string key, double fallback) =>
        _values.TryGetValue(key, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public IReadOnlyList<int> Ints(string key, string fallback) =>
        String(key, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
}
