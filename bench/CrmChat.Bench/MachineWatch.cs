using System.Globalization;

namespace CrmChat.Bench;

/// <summary>
/// Samples where the machine's CPU goes during a run, every 100 ms: the host, this process
/// (the load generator), PostgreSQL's processes, and everything else on the machine, from
/// /proc/stat and each process's /proc/PID/stat. It also samples iowait, time a core sat idle
/// with a disk request outstanding, and the disk that holds the database (/proc/diskstats):
/// how much it wrote, how busy it was, and how long its cache flushes took, which is what a
/// commit's fsync waits for. A slow moment of the ingest path can then be set beside what the
/// rest of the machine was doing at that moment.
/// </summary>
public sealed class MachineWatch : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly CancellationTokenSource _stop = new();
    private readonly int _hostPid;
    private readonly DateTime _origin;
    private readonly List<Sample> _samples = [];
    private readonly Task _watch;

    /// <summary>Cores in use over one sample, by whom; <see cref="At"/> is the sample's end, in seconds from the origin.</summary>
    public readonly record struct Sample(double At, double Host, double Generator, double Postgres, double Others, double IoWait,
        double DiskMiBps, double DiskBusy, double FlushMs);

    private readonly string? _disk;

    private MachineWatch(int hostPid, DateTime origin)
    {
        _hostPid = hostPid;
        _disk = DiskOf("/var/lib/postgresql") ?? DiskOf("/");
        _origin = origin;
        _watch = WatchAsync();
    }

    /// <summary>Starts sampling; samples are timed from <paramref name="origin"/> (UTC). Null where there is no /proc/stat.</summary>
    public static MachineWatch? Start(int hostPid, DateTime origin) => File.Exists("/proc/stat") ? new MachineWatch(hostPid, origin) : null;

    private async Task WatchAsync()
    {
        var self = Environment.ProcessId;
        var last = Read(self);
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = Read(self);
                var seconds = (now.Clock - last.Clock).TotalSeconds;
                if (seconds > 0)
                {
                    var host = (now.Host - last.Host) / seconds;
                    var generator = (now.Generator - last.Generator) / seconds;
                    // A backend that ended takes its CPU time with it.
                    var postgres = Math.Max(0, now.Postgres - last.Postgres) / seconds;
                    var busy = (now.Busy - last.Busy) / seconds;
                    var flushes = now.Disk.Flushes - last.Disk.Flushes;
                    _samples.Add(new Sample((now.Clock - _origin).TotalSeconds, host, generator, postgres,
                        Math.Max(0, busy - host - generator - postgres), (now.IoWait - last.IoWait) / seconds,
                        (now.Disk.Sectors - last.Disk.Sectors) * 512 / 1048576.0 / seconds,
                        (now.Disk.BusyMs - last.Disk.BusyMs) / 1000.0 / seconds,
                        flushes > 0 ? (now.Disk.FlushMs - last.Disk.FlushMs) / flushes : 0));
                }
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops sampling and returns the samples taken.</summary>
    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _watch;
        return _samples;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }

    /// <summary>
    /// The mean of each column over the samples that overlap any of the given windows (start
    /// seconds, each <paramref name="windowSeconds"/> long), or over every sample when none is given.
    /// </summary>
    public static Sample Mean(IReadOnlyList<Sample> samples, IReadOnlyList<double>? windows = null, double windowSeconds = 0.1)
    {
        var chosen = windows is null
            ? samples.ToList()
            : samples.Where(s => windows.Any(w => s.At > w && s.At - Interval.TotalSeconds < w + windowSeconds)).ToList();
        if (chosen.Count == 0)
        {
            return default;
        }
        return new Sample(0, chosen.Average(s => s.Host), chosen.Average(s => s.Generator), chosen.Average(s => s.Postgres),
            chosen.Average(s => s.Others), chosen.Average(s => s.IoWait), chosen.Average(s => s.DiskMiBps), chosen.Average(s => s.DiskBusy),
            chosen.Max(s => s.FlushMs));
    }

    /// <summary>A mean sample in words; the flush figure, where the disk had any, is the slowest sample's mean flush.</summary>
    public static string Describe(Sample s)
    {
        var cpu = string.Create(CultureInfo.InvariantCulture,
            $"host {s.Host:0.00}, load generator {s.Generator:0.00}, PostgreSQL {s.Postgres:0.00}, other processes {s.Others:0.00} cores, iowait {s.IoWait:0.00}");
        var disk = string.Create(CultureInfo.InvariantCulture, $"disk writing {s.DiskMiBps:0.0} MiB/s, busy {s.DiskBusy:P0}");
        var flushes = s.FlushMs > 0 ? string.Create(CultureInfo.InvariantCulture, $", cache flushes up to {s.FlushMs:0.0} ms each") : "";
        return $"{cpu}; {disk}{flushes}";
    }

    private readonly record struct DiskTotals(double Sectors, double BusyMs, double Flushes, double FlushMs);

    private readonly record struct Totals(DateTime Clock, double Busy, double IoWait, double Host, double Generator, double Postgres, DiskTotals Disk);

    /// <summary>The whole-disk device under a path (vda for /dev/vda1 or /dev/vda), from /proc/mounts; null if unknown.</summary>
    private static string? DiskOf(string path)
    {
        try
        {
            var mounts = File.ReadLines("/proc/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 1 && f[0].StartsWith("/dev/", StringComparison.Ordinal))
                .Where(f => path.StartsWith(f[1], StringComparison.Ordinal)).OrderByDescending(f => f[1].Length).FirstOrDefault();
            if (mounts is null)
            {
                return null;
            }
            var device = Path.GetFileName(mounts[0]);
            return Directory.Exists($"/sys/block/{device}") ? device : Directory.EnumerateDirectories("/sys/block").Select(Path.GetFileName)
                .FirstOrDefault(d => d is not null && device.StartsWith(d, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Sectors written, ms busy, flushes and ms flushing so far (fields 7, 10, 15 and 16 after the name; flushes since Linux 5.5).</summary>
    private DiskTotals ReadDisk()
    {
        if (_disk is null)
        {
            return default;
        }
        foreach (var line in File.ReadLines("/proc/diskstats"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length > 3 && f[2] == _disk)
            {
                double At(int i) => f.Length > i + 3 ? double.Parse(f[i + 3], CultureInfo.InvariantCulture) : 0;
                return new DiskTotals(At(6), At(9), At(14), At(15));
            }
        }
        return default;
    }

    private Totals Read(int self)
    {
        var clock = DateTime.UtcNow;
        // cpu  user nice system idle iowait irq softirq steal ...
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        double Field(int i) => double.Parse(cpu[i], CultureInfo.InvariantCulture) / 100.0;
        var busy = Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + (cpu.Length > 8 ? Field(8) : 0);
        double postgres = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
            {
                continue;
            }
            try
            {
                if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd() == "postgres")
                {
                    postgres += Machine.CpuSeconds(int.Parse(name, CultureInfo.InvariantCulture));
                }
            }
            catch (IOException)
            {
                // The process ended between the listing and the read.
            }
        }
        return new Totals(clock, busy, Field(5), Gone(_hostPid), Gone(self), postgres, ReadDisk());

        static double Gone(int pid)
        {
            try
            {
                return Machine.CpuSeconds(pid);
            }
            catch (IOException)
            {
                return 0;
            }
        }
    }
}
