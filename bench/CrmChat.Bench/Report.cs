using System.Globalization;
using System.Text.Json;

namespace CrmChat.Bench;

/// <summary>
/// Prints each figure as a readable line and appends it as JSON to <c>--results FILE</c>, which
/// run.sh turns into the summary. Figures carry the machine load when they were taken.
/// </summary>
public static class Report
{
    private static string? _file;

    public static void UseFile(string? file) => _file = string.IsNullOrEmpty(file) ? null : file;

    public static void Figure(string bench, string name, double value, string unit, string? note = null)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{bench,-12} {name,-44} {value,12:0.###} {unit}");
        Console.WriteLine(note is null ? line : $"{line}   ({note})");
        if (_file is not null)
        {
            var json = JsonSerializer.Serialize(new { bench, name, value = double.IsFinite(value) ? value : (double?)null, unit, note, load = Machine.LoadAverage() });
            File.AppendAllText(_file, json + Environment.NewLine);
        }
    }

    public static void Note(string bench, string text) => Console.WriteLine($"{bench,-12} {text}");
}

public static class Machine
{
    /// <summary>The 1-minute load average, as uptime shows it.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>User + system CPU seconds a process has used so far (/proc/PID/stat, 100 ticks a second).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>VmRSS and VmHWM (peak) of a process, in MiB, from /proc.</summary>
    public static (double Rss, double Peak) Memory(int pid)
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kib(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kib(line) / 1024.0;
            }
        }
        return (rss, peak);

        static double Kib(string line) =>
            double.Parse(line.Split(':')[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
