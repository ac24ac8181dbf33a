using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Quartz;

namespace CrmChat.Scheduler.Tests;

public sealed class SchedulerSetupTests
{
    [Fact]
    public async Task By_default_jobs_run_in_memory_without_a_cluster()
    {
        var builder = Host.CreateApplicationBuilder();
        // This host has no database, so the outbox dispatcher (which reads one) stays off.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Outbox:Enabled"] = "false" });
        builder.AddScheduler();
        using var host = builder.Build();
        await host.StartAsync(CancellationToken.None);
        try
        {
            var scheduler = await host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
            // The hosted service starts the scheduler once the application has started.
            var metadata = await scheduler.GetMetadata(CancellationToken.None);
            for (var i = 0; i < 50 && metadata.RunningSince is null; i++)
            {
                await Task.Delay(100);
                metadata = await scheduler.GetMetadata(CancellationToken.None);
            }
            Assert.NotNull(metadata.RunningSince);
            Assert.False(metadata.JobStoreClustered);
            Assert.False(metadata.JobStorePersistent);
            Assert.Contains(nameof(Quartz.Impl.RAMJobStore), metadata.JobStoreTypeName, StringComparison.Ordinal);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
