using CrmChat.Bots.Hosting;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Bots.Tests;

public sealed class IdleMemoryTests
{
    private const long MiB = 1 << 20;

    [Fact]
    public void A_quiet_host_trims_once_after_work_and_not_again_until_more_work()
    {
        var policy = IdleMemoryService.DefaultPolicy();
        var allocated = 40 * MiB;
        Assert.False(policy.ShouldTrim(allocated)); // the first look has nothing to compare with
        allocated += 4 * MiB; // the pollers alone, after start-up's 40 MiB
        Assert.True(policy.ShouldTrim(allocated));
        allocated += 4 * MiB;
        Assert.False(policy.ShouldTrim(allocated)); // quiet, but too little since the trim
        allocated += 4 * MiB;
        Assert.True(policy.ShouldTrim(allocated)); // 8 MiB more since the trim
    }

    [Fact]
    public void A_busy_host_is_left_alone_until_it_goes_quiet()
    {
        var policy = IdleMemoryService.DefaultPolicy();
        var allocated = 10 * MiB;
        Assert.False(policy.ShouldTrim(allocated));
        for (var i = 0; i < 5; i++)
        {
            allocated += 50 * MiB; // callbacks arriving
            Assert.False(policy.ShouldTrim(allocated));
        }
        allocated += 1 * MiB;
        Assert.True(policy.ShouldTrim(allocated));
    }

    [Fact]
    public async Task The_host_runs_the_idle_trim_unless_configured_off()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using (var on = CrmChatApp.On(database))
        {
            Assert.Contains(on.Services.GetServices<IHostedService>(), s => s is IdleMemoryService);
        }
        await using var off = CrmChatApp.On(database, ("Host:ReturnMemoryWhenIdle", "false"));
        Assert.DoesNotContain(off.Services.GetServices<IHostedService>(), s => s is IdleMemoryService);
    }

    [Fact]
    public void Native_memory_freed_between_blocks_still_in_use_goes_back_to_the_system()
    {
        Assert.True(OperatingSystem.IsLinux(), "CrmChat's hosts and CI run on Linux with glibc");
        // 64 MiB in 16 KiB blocks (under glibc's mmap threshold, so inside its arena); one block
        // in 64 stays in use, so the freed ones are not at the arena's top and stay resident.
        const int size = 16 * 1024;
        var fill = new byte[size];
        Array.Fill(fill, (byte)0x5a);
        var kept = new List<nint>();
        var freed = new List<nint>();
        for (var i = 0; i < 4096; i++)
        {
            var block = Marshal.AllocHGlobal(size);
            Marshal.Copy(fill, 0, block, size);
            (i % 64 == 0 ? kept : freed).Add(block);
        }
        try
        {
            freed.ForEach(Marshal.FreeHGlobal);
            var before = Environment.WorkingSet;
            Assert.True(NativeHeap.Trim());
            var released = before - Environment.WorkingSet;
            Assert.True(released > 32 * MiB, $"RSS went down by {released / MiB} MiB after 63 MiB was freed");
        }
        finally
        {
            kept.ForEach(Marshal.FreeHGlobal);
        }
    }
}
