using Xunit;
using System.Text.Json;

namespace CrmChat.Testing;

/// <summary>Microsoft's adaptivecards npm package, started once per test class.</summary>
public sealed class AdaptiveCardsPeer : IDisposable
{
    private readonly NodePeer _peer = NodePeer.Start("adaptivecards-check.js");

    /// <summary>Everything the library reported about <paramref name="cardJson"/>; empty when it parsed cleanly.</summary>
    public async Task<IReadOnlyList<string>> ProblemsAsync(string cardJson)
    {
        var answer = await _peer.AskAsync(new { op = "check", card = cardJson });
        var problems = new List<string>();
        foreach (var list in new[] { "parse", "validation" })
        {
            problems.AddRange(answer.GetProperty(list).EnumerateArray().Select(e =>
                $"{list}: {e.GetProperty("event").GetString()} ({e.GetProperty("source")}) {e.GetProperty("message").GetString()}"));
        }
        problems.AddRange(answer.GetProperty("dropped").EnumerateArray().Select(p => $"not read back: {p.GetString()}"));
        if (answer.GetProperty("version").GetString() is { } version && version != "1.5")
        {
            problems.Add($"version read as {version}");
        }
        return problems;
    }

    public void Dispose() => _peer.Dispose();
}

public static class CardAssert
{
    public static void Clean(IReadOnlyList<string> problems, string cardJson) =>
        Assert.True(problems.Count == 0, $"adaptivecards reported:\n{string.Join('\n', problems)}\nfor\n{cardJson}");

    public static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
