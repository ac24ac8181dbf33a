using System.Globalization;
using System.Text.Json;

namespace CrmChat.Bench;

/// <summary>
/// The host's own account of its slow inbox writes: the warnings (event 2101) the inbox writer
/// logs when a batch's oldest callback waited past Inbox:SlowWriteWarning, read back from the
/// host's log. Each says how long the batch queued, how long the database write and commit
/// took, and how much of that the process spent paused for garbage collection.
/// </summary>
public static class SlowWrites
{
    /// <summary>The threshold the bench gives the host: under the 50 ms p99 target, so a miss has its causes logged.</summary>
    public const string Threshold = "00:00:00.040";

    /// <summary>One logged batch, timed in seconds from the run's origin: when its oldest callback arrived and when it was stored.</summary>
    public readonly record struct Entry(double From, double To, int Count, double QueuedMs, double WriteMs, double GcMs);

    public static List<Entry> Read(string logFile, DateTimeOffset origin)
    {
        var entries = new List<Entry>();
        using var reader = new StreamReader(new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        while (reader.ReadLine() is { } line)
        {
            if (!line.Contains("\"eventId\":2101", StringComparison.Ordinal))
            {
                continue;
            }
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            var properties = root.GetProperty("properties");
            double Number(string name) => double.Parse(properties.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);
            var to = (DateTimeOffset.Parse(root.GetProperty("time").GetString()!, CultureInfo.InvariantCulture) - origin).TotalSeconds;
            entries.Add(new Entry(to - Number("WaitedMs") / 1000, to, (int)Number("Count"), Number("QueuedMs"), Number("WriteMs"), Number("GcMs")));
        }
        return entries;
    }

    /// <summary>
    /// What the host and the machine were doing in the run's slow windows: the logged slow
    /// writes that overlap them (their longest write and their GC pauses), and the CPU samples
    /// taken in them beside the run's mean.
    /// </summary>
    public static string Describe(IReadOnlyList<Entry> entries, IReadOnlyList<double> windows, double windowSeconds, double runSeconds,
        IReadOnlyList<MachineWatch.Sample>? cpu)
    {
        var inRun = entries.Where(e => e.To > 0 && e.From < runSeconds + 1).ToList();
        var text = string.Create(CultureInfo.InvariantCulture,
            $"the host logged {inRun.Count} slow inbox writes (oldest callback waited over {TimeSpan.Parse(Threshold, CultureInfo.InvariantCulture).TotalMilliseconds:0} ms)");
        if (inRun.Count > 0)
        {
            var longest = inRun.MaxBy(e => e.WriteMs);
            text += string.Create(CultureInfo.InvariantCulture,
                $": longest write and commit {longest.WriteMs:0} ms ({longest.Count} callbacks, at +{longest.To:0.0} s), writes {inRun.Sum(e => e.WriteMs):0} ms in all, GC paused {inRun.Sum(e => e.GcMs):0} ms of them, queued up to {inRun.Max(e => e.QueuedMs):0} ms");
        }
        if (cpu is { Count: > 0 })
        {
            text += "; the machine over the run: " + MachineWatch.Describe(MachineWatch.Mean(cpu));
            if (windows.Count > 0)
            {
                text += "; in the slow windows: " + MachineWatch.Describe(MachineWatch.Mean(cpu, windows, windowSeconds));
            }
        }
        return text;
    }
}
