using System.Text.Json.Nodes;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Team;
using CrmChat.Scheduler.Jobs;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.EndToEnd.Tests;

/// <summary>
/// The scheduled jobs of a running CrmChat against the Sandbox over HTTP: a reminder card
/// arrives in WeCom when the follow-up falls due and Done on it finishes the follow-up; the
/// nightly reconciliation repairs what callbacks and events never told CrmChat.
/// </summary>
public sealed class JobsEndToEndTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_reminder_card_arrives_in_WeCom_when_the_follow_up_falls_due_and_Done_on_it_finishes_the_follow_up(DatabaseProvider provider)
    {
        // Whole seconds: every provider stores the due time exactly.
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        // Whatever the hour the test runs at, no quiet hours hold the reminder.
        await using var world = await ChatWorld.StartAsync(provider, clock: clock, settings: [new("Jobs:TeamDefaults:QuietHours", "")]);
        await world.DriveAsync("members", new { userid = "zhangsan", name = "张三" });
        var due = clock.GetUtcNow().AddMinutes(30);
        Guid followUpId;
        await using (var db = world.Database.NewContext())
        {
            var rep = new Employee { Name = "张三", WeComUserId = "zhangsan", CreatedAt = clock.GetUtcNow(), UpdatedAt = clock.GetUtcNow() };
            var customer = new CrmCore.Customers.Customer { Name = "王五", OwnerId = rep.Id, CreatedAt = clock.GetUtcNow(), UpdatedAt = clock.GetUtcNow() };
            var followUp = new FollowUp { OwnerId = rep.Id, CustomerId = customer.Id, DueAt = due, Note = "回访报价", CreatedAt = clock.GetUtcNow() };
            db.AddRange(rep, customer, followUp);
            await db.SaveChangesAsync();
            followUpId = followUp.Id;
        }
        var reminders = world.App.Services.GetRequiredService<FollowUpReminders>();

        clock.Advance(TimeSpan.FromMinutes(29));
        Assert.Equal(0, (await reminders.RunAsync(CancellationToken.None)).Read);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, (await reminders.RunAsync(CancellationToken.None)).Cards);

        var sent = await EventuallyAsync(world, "sent/app?userid=zhangsan", s => s.AsArray().Count >= 1);
        var card = Assert.Single(sent.AsArray())!;
        Assert.Equal("template_card", card["msg_type"]!.GetValue<string>());
        var text = ChatWorld.Text(card["body"]);
        Assert.Contains("跟进提醒", text, StringComparison.Ordinal);
        Assert.Contains("回访报价", text, StringComparison.Ordinal);
        var doneKey = card["body"]!["template_card"]!["button_list"]!.AsArray()
            .First(b => b!["text"]!.GetValue<string>().StartsWith("完成", StringComparison.Ordinal))!["key"]!.GetValue<string>();

        await world.DriveAsync("cards/click", new { userid = "zhangsan", task_id = card["task_id"]!.GetValue<string>(), event_key = doneKey });
        var updates = await EventuallyAsync(world, "sent/card-updates", u => u.AsArray().Count >= 1);
        Assert.Contains("跟进已完成", ChatWorld.Text(updates[0]!["body"]), StringComparison.Ordinal);
        await using (var db = world.Database.NewContext())
        {
            var followUp = await db.FollowUps.SingleAsync(f => f.Id == followUpId);
            Assert.Equal((FollowUpStatus.Done, due), (followUp.Status, followUp.RemindedAt));
        }

        // Done stays done: later runs send nothing more.
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, (await reminders.RunAsync(CancellationToken.None)).Read);
        Assert.Single((await world.ReadDriverAsync("sent/app?userid=zhangsan")).AsArray());
    }

    [Fact]
    public async Task The_nightly_reconciliation_brings_in_customers_and_employee_changes_no_callback_told()
    {
        // The inbox processor is off: events arrive and are stored, but nothing applies them.
        await using var world = await ChatWorld.StartAsync(DatabaseProvider.Sqlite, processorEnabled: false);
        await world.DriveAsync("directory/generate", new { members = 3, customers = 20, seed = 11 });
        await world.DriveDingTalkAsync("users", new { userid = "lisi", name = "李四" });
        await world.DriveDingTalkAsync("users", new { userid = "wangwu", name = "王五" });
        await using (var db = world.Database.NewContext())
        {
            db.Employees.AddRange(
                new Employee { Name = "李四", DingTalkUserId = "lisi" },
                new Employee { Name = "王五", DingTalkUserId = "wangwu" });
            await db.SaveChangesAsync();
        }
        await world.DriveDingTalkAsync("users/modify", new { userid = "lisi", name = "李四（华东）" });
        await world.DriveDingTalkAsync("users/leave", new { userid = "wangwu" });
        // WeCom: a rep first met in chat (known by userid only) whose leader is 钱七, and one who left since.
        await world.DriveAsync("members", new { userid = "qianqi", name = "钱七" });
        await world.DriveAsync("members", new { userid = "zhaoliu", name = "赵六", direct_leader = new[] { "qianqi" } });
        await world.DriveAsync("members", new { userid = "sunba", name = "孙八" });
        await using (var db = world.Database.NewContext())
        {
            db.Employees.AddRange(
                new Employee { Name = "钱七", WeComUserId = "qianqi" },
                new Employee { Name = "zhaoliu", WeComUserId = "zhaoliu" },
                new Employee { Name = "孙八", WeComUserId = "sunba" });
            await db.SaveChangesAsync();
        }
        await world.DriveAsync("members/leave", new { userid = "sunba" });

        var outcomes = await world.App.Services.GetRequiredService<NightlyReconciliation>().RunAsync(CancellationToken.None);

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Equal(["dingtalk/employees", "wecom/contacts", "wecom/employees"], outcomes.Select(o => o.Name).Order(StringComparer.Ordinal));
        await using (var db = world.Database.NewContext())
        {
            var zhaoliu = await db.Employees.SingleAsync(e => e.WeComUserId == "zhaoliu");
            Assert.Equal("赵六", zhaoliu.Name);
            Assert.Equal((await db.Employees.SingleAsync(e => e.WeComUserId == "qianqi")).Id, zhaoliu.ManagerId);
            Assert.Equal(EmployeeStatus.Left, (await db.Employees.SingleAsync(e => e.WeComUserId == "sunba")).Status);
            Assert.Equal(EmployeeStatus.Active, zhaoliu.Status);
            Assert.Equal(20, await db.Customers.CountAsync());
            Assert.Equal("李四（华东）", (await db.Employees.SingleAsync(e => e.DingTalkUserId == "lisi")).Name);
            Assert.Equal(EmployeeStatus.Left, (await db.Employees.SingleAsync(e => e.DingTalkUserId == "wangwu")).Status);
        }
        var status = await world.EventuallyAsync("/api/sync/wecom", s => s["finishedAt"] is not null);
        Assert.Equal(status["total"]!.GetValue<int>(), status["done"]!.GetValue<int>());
    }

    private static async Task<JsonNode> EventuallyAsync(ChatWorld world, string path, Func<JsonNode, bool> condition)
    {
        JsonNode? last = null;
        for (var waited = 0; waited < 15_000; waited += 100)
        {
            last = await world.ReadDriverAsync(path);
            if (condition(last))
            {
                return last;
            }
            await Task.Delay(100);
        }
        Assert.Fail($"{path} never satisfied the condition; last: {last?.ToJsonString()}");
        return null!;
    }
}
