using System.Globalization;

namespace CrmChat.Bench;

/// <summary>
/// Watches the kernel's dirty page cache during a run. Linux writes dirty pages back once they
/// are 30 s old or once they pass dirty_background_ratio (10% of memory, 2.3 GiB here), so a
/// database's table writes can pile up and then go to the disk as one burst of a hundred MB or
/// more; a commit's fsync of the WAL waits behind it. Sampled every 100 ms from /proc/meminfo.
/// </summary>
public sealed class Writeback : IAsyncDisposable
{
    /// <summary>A fall of the dirty + writeback total this large within one sample is reported as a burst.</summary>
    private const double BurstMiB = 32;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watch;
    private readonly DateTime _origin;
    private readonly List<(double At, double MiB)> _bursts = [];

    private Writeback(DateTime origin)
    {
        _origin = origin;
        _watch = WatchAsync();
    }

    /// <summary>Starts watching; bursts are timed from <paramref name="origin"/> (UTC). Null where there is no /proc/meminfo.</summary>
    public static Writeback? Start(DateTime origin) => PendingMiB() is null ? null : new Writeback(origin);

    private async Task WatchAsync()
    {
        var previous = PendingMiB() ?? 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                var now = PendingMiB() ?? previous;
                if (previous - now >= BurstMiB)
                {
                    _bursts.Add(((DateTime.UtcNow - _origin).TotalSeconds, previous - now));
                }
                previous = now;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>What the run saw, and the settings that decide when the kernel writes back.</summary>
    public async Task<string> StopAsync()
    {
        await _stop.CancelAsync();
        await _watch;
        var bursts = _bursts.Count == 0
            ? "no writeback burst of 32 MiB or more"
            : string.Create(CultureInfo.InvariantCulture,
                $"{_bursts.Count} writeback bursts of the page cache ({string.Join(", ", _bursts.Select(b => $"{b.MiB:0} MiB at {b.At:+0.0;-0.0} s"))})");
        return $"{bursts}; vm.dirty_background_bytes {Setting("dirty_background_bytes")}, vm.dirty_background_ratio {Setting("dirty_background_ratio")}";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }
        _stop.Dispose();
    }

    private static string Setting(string name)
    {
        try
        {
            return File.ReadAllText($"/proc/sys/vm/{name}").Trim();
        }
        catch (IOException)
        {
            return "?";
        }
        catch (UnauthorizedAccessException)
        {
            return "?";
        }
    }

    /// <summary>Dirty + Writeback from /proc/meminfo, in MiB.</summary>
    private static double? PendingMiB()
    {
        try
        {
            double kb = 0;
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("Dirty:", StringComparison.Ordinal) || line.StartsWith("Writeback:", StringComparison.Ordinal))
                {
                    kb += double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                }
            }
            return kb / 1024;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
