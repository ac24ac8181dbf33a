using System.Runtime;
using System.Runtime.InteropServices;

namespace CrmChat.Bots.Hosting;

/// <summary>
/// Decides when a quiet host should hand its spare GC memory back to the system. Collections
/// keep the memory they committed for the next burst, so after a job or a burst of callbacks
/// an idle host would otherwise hold it for as long as it stays idle.
/// </summary>
/// <param name="quietBytes">At most this much allocated over one interval counts as quiet: the pollers' own queries stay under it, a trickle of callbacks does not.</param>
/// <param name="worthBytes">At least this much allocated since the last trim makes another worth its full collection.</param>
internal sealed class IdleTrimPolicy(long quietBytes, long worthBytes)
{
    private long _lastSeen = -1;
    private long _lastTrim;

    /// <summary>Called once an interval with the process's total allocated bytes; true when a trim is due now.</summary>
    public bool ShouldTrim(long allocated)
    {
        var sinceLastLook = allocated - _lastSeen;
        var first = _lastSeen < 0;
        _lastSeen = allocated;
        // The first look has no interval to judge quietness over.
        if (first || sinceLastLook > quietBytes || allocated - _lastTrim < worthBytes)
        {
            return false;
        }
        _lastTrim = allocated;
        return true;
    }
}

/// <summary>
/// Looks every <see cref="Interval"/>; when the host has gone quiet after work, runs one full,
/// compacting collection that also decommits what the GC heap no longer uses, then has the
/// C library give back its free pages (<see cref="NativeHeap"/>). Side by side on a 2-core
/// machine, after every five-minute job had run: PostgreSQL host 160 → 152 MiB with the
/// collection alone, 143 MiB with both; SQLite host 142 → 132 MiB.
/// </summary>
internal sealed class IdleMemoryService(ILogger<IdleMemoryService> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    // An idle host allocates about 4 MB an interval (the outbox and inbox pollers, the job
    // store); one callback a second is already more than 8.
    internal static IdleTrimPolicy DefaultPolicy() => new(quietBytes: 8 << 20, worthBytes: 8 << 20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var policy = DefaultPolicy();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (policy.ShouldTrim(GC.GetTotalAllocatedBytes()))
                {
                    var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
                    GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                    GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    var native = NativeHeap.Trim();
                    logger.Trimmed(before >> 20, GC.GetGCMemoryInfo().TotalCommittedBytes >> 20, native);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>
/// glibc keeps what native code frees (the JIT's scratch memory, the database drivers' and
/// OpenSSL's buffers) in its arenas, between chunks still in use, where it stays resident.
/// <c>malloc_trim</c> hands those free pages back to the system.
/// </summary>
internal static class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>True when the C library released memory; false when it had none to give or is not glibc (musl, other systems).</summary>
    public static bool Trim()
    {
        if (_unavailable)
        {
            return false;
        }
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            _unavailable = true;
            return false;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}

internal static partial class IdleMemoryLog
{
    [LoggerMessage(EventId = 1901, Level = LogLevel.Debug, Message = "Idle: GC memory handed back, {BeforeMiB} -> {AfterMiB} MiB committed; native heap trimmed: {NativeTrimmed}")]
    public static partial void Trimmed(this ILogger logger, long beforeMiB, long afterMiB, bool nativeTrimmed);
}
