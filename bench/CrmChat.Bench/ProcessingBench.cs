using System.Diagnostics;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bench;

/// <summary>
/// The inbox processor applying contact-added events: the inbox is filled first, then the real
/// host starts with the processor on and fetches each contact from the Sandbox
/// (externalcontact/get). Rate = events / (last ProcessedAt - first ProcessedAt).
/// </summary>
public static class ProcessingBench
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        Report.UseFile(args.String("results", ""));
        var provider = args.String("provider", "sqlite");
        var customers = args.Int("customers", args.Smoke ? 200 : 3000);
        var bench = $"processing/{provider}";

        await using var sandbox = await SandboxWorld.StartAsync();
        sandbox.WeCom.GenerateDirectory(50, customers, seed: 2);
        var database = await BenchDatabase.CreateAsync(provider, "processing");
        var events = 0;
        await using (var db = database.CreateContext())
        {
            await db.Database.MigrateAsync();
            var createTime = 1_777_622_400L;
            foreach (var member in sandbox.WeCom.Members)
            {
                var list = sandbox.WeCom.ListExternalContacts(member.UserId);
                if (list["external_userid"] is not System.Text.Json.Nodes.JsonArray ids)
                {
                    continue;
                }
                foreach (var id in ids)
                {
                    var xml = ContactAdded(id!.GetValue<string>(), member.UserId, createTime++);
                    var message = WeComCallbackXml.Parse(xml);
                    db.InboxEvents.Add(new InboxEvent
                    {
                        Platform = Platform.WeCom,
                        EventType = message.EventType,
                        DedupeKey = message.DedupeKey,
                        OrderingKey = message.OrderingKey,
                        Payload = xml,
                        ReceivedAt = DateTimeOffset.UtcNow,
                        NextAttemptAt = DateTimeOffset.UtcNow,
                    });
                    events++;
                }
            }
            await db.SaveChangesAsync();
        }

        await using var host = await BotsHost.StartAsync(args.String("bots"), database, SandboxWorld.HostSettings(sandbox, processor: true),
            args.String("log", $"/tmp/crmchat-bench-processing-{provider}.log"));
        var clock = Stopwatch.StartNew();
        var limit = TimeSpan.FromMinutes(args.Int("timeout-minutes", 5));
        while (await database.ScalarAsync("SELECT COUNT(*) FROM \"Inbox\" WHERE \"Status\" = 'Pending'") > 0)
        {
            if (clock.Elapsed > limit)
            {
                throw new BenchFailedException($"{bench}: events still pending after {limit.TotalMinutes} minutes");
            }
            await Task.Delay(200);
        }
        await using (var db = database.CreateContext())
        {
            var done = await db.InboxEvents.CountAsync(e => e.Status == InboxStatus.Done);
            if (done != events)
            {
                throw new BenchFailedException($"{bench}: {done} of {events} events applied; see the host log");
            }
            var times = await db.InboxEvents.Select(e => e.ProcessedAt!.Value).ToListAsync();
            var seconds = (times.Max() - times.Min()).TotalSeconds;
            Report.Figure(bench, $"contact-added events applied ({events:N0})", events / seconds, "events/s",
                $"{seconds:0.0} s from first to last, processor on, Sandbox answering externalcontact/get, load {Machine.LoadAverage()}");
        }
        var customersStored = await database.ScalarAsync("SELECT COUNT(*) FROM \"Customers\"");
        Report.Note(bench, $"customers in the CRM afterwards: {customersStored} (Sandbox: {sandbox.WeCom.Counts.Customers})");
        return 0;
    }

    private static string ContactAdded(string externalUserId, string userId, long createTime) =>
        $"<xml><ToUserName><![CDATA[{BotsHost.CorpId}]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>" +
        $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event>" +
        $"<ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[{userId}]]></UserID>" +
        $"<ExternalUserID><![CDATA[{externalUserId}]]></ExternalUserID><State><![CDATA[bench]]></State><WelcomeCode><![CDATA[WC1]]></WelcomeCode></xml>";
}
