using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace CrmChat.Bots.Tests;

public sealed class JobsWiringTests
{
    [Fact]
    public async Task The_host_schedules_the_four_jobs_and_reconciles_both_platforms()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = CrmChatApp.On(database, ("Jobs:Enabled", "true"));
        _ = app.Server;

        var scheduler = await app.Services.GetRequiredService<ISchedulerFactory>().GetScheduler();
        var jobs = await scheduler.GetJobKeys(GroupMatcher<JobKey>.GroupEquals("crmchat"));
        Assert.Equal(["escalations", "follow-up-reminders", "reconciliation", "team-calendar"], jobs.Select(j => j.Name).Order(StringComparer.Ordinal));
        await using var scope = app.Services.CreateAsyncScope();
        Assert.Equal(["dingtalk/employees", "wecom/contacts", "wecom/employees"],
            scope.ServiceProvider.GetServices<IReconciliation>().Select(r => r.Name).Order(StringComparer.Ordinal));
    }
}
