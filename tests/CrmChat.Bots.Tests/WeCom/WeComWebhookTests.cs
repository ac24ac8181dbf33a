using Microsoft.Extensions.Time.Testing;
using System.Net;
using System.Text;
using CrmChat.Bots.Webhooks;
using CrmChat.Connectors.Crypto;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CrmChat.Bots.Tests.WeCom;

public sealed class WeComWebhookTests
{
    private readonly WeComCallbackRequests _wecom = WeComCallbackRequests.ForTestCorp();

    private static async Task<(TestDatabase Db, CrmChatApp Host, HttpClient Client)> StartAsync(
        DatabaseProvider provider, IEnumerable<KeyValuePair<string, string?>>? weCom = null)
    {
        var db = await TestDatabase.CreateAsync(provider);
        var host = Host([.. db.HostSettings(), .. weCom ?? WeComCallbackRequests.Settings]);
        return (db, host, host.CreateClient());
    }

    /// <summary>The real host with the inbox processor off: these tests look at what the endpoint stored.</summary>
    private static CrmChatApp Host(IEnumerable<KeyValuePair<string, string?>> settings) =>
        new([.. settings, new("Inbox:ProcessorEnabled", "false")], "Development",
            clock: new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 8, 0, 0, TimeSpan.Zero)));

    private static async Task<List<InboxEvent>> InboxAsync(TestDatabase db)
    {
        await using var context = db.NewContext();
        return await context.InboxEvents.AsNoTracking().ToListAsync();
    }

    private static void AssertOneWarningWithout(CrmChatApp host, string payloadFragment)
    {
        var warning = Assert.Single(host.Logs.AtLeast(LogLevel.Warning));
        Assert.Equal(WeComWebhookApi.LogCategory, warning.Category);
        Assert.DoesNotContain(payloadFragment, warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Authentic_callback_is_answered_with_an_empty_200_after_one_pending_inbox_row(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        var inner = WeComCallbackRequests.ContactAdded("wmCUSTOMER01");

        var response = await client.SendAsync(_wecom.Post(inner));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var row = Assert.Single(await InboxAsync(db));
        Assert.Equal(Platform.WeCom, row.Platform);
        Assert.Equal("change_external_contact/add_external_contact", row.EventType);
        Assert.Equal("wecom:evt:sys|1777622400|change_external_contact|add_external_contact|zhangsan|wmCUSTOMER01", row.DedupeKey);
        Assert.Equal("wmCUSTOMER01", row.OrderingKey);
        Assert.Equal(inner, row.Payload);
        Assert.Equal(InboxStatus.Pending, row.Status);
        Assert.Equal(host.Clock!.GetUtcNow(), row.NextAttemptAt);
        Assert.Equal(host.Clock!.GetUtcNow(), row.ReceivedAt);
        Assert.Empty(host.Logs.AtLeast(LogLevel.Warning));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Callback_delivered_three_times_is_stored_once(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        var inner = WeComCallbackRequests.ContactAdded("wmCUSTOMER02");

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            // Each retry is sealed afresh (new random, new nonce): only the event itself is the same.
            statuses.Add((await client.SendAsync(_wecom.Post(inner))).StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Single(await InboxAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_callback_held_up_by_a_busy_database_is_stored_once_and_the_wait_is_logged_as_a_warning(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider, [.. WeComCallbackRequests.Settings, new("Inbox:SlowWriteWarning", "00:00:00.200")]);
        await using var _ = db;
        using var __ = host;
        // A first callback warms the host, so the second reaches the writer at once.
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(_wecom.Post(WeComCallbackRequests.ContactAdded("wmCUSTOMER30")))).StatusCode);
        // Its first write may itself be slow enough to be logged: only what comes after counts.
        var earlier = host.Logs.AtLeast(LogLevel.Warning).Count;
        // Another writer holds the inbox: the callback's insert waits for it.
        await using var other = db.NewContext();
        var hold = await other.Database.BeginTransactionAsync();
        if (provider == DatabaseProvider.PostgreSql)
        {
            await other.Database.ExecuteSqlRawAsync("LOCK TABLE \"Inbox\" IN SHARE ROW EXCLUSIVE MODE");
        }

        var sending = client.SendAsync(_wecom.Post(WeComCallbackRequests.ContactAdded("wmCUSTOMER31")));
        await Task.Delay(1000);
        Assert.False(sending.IsCompleted, "the callback was answered before its event could be stored");
        await hold.RollbackAsync();
        var response = await sending;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["wmCUSTOMER30", "wmCUSTOMER31"], (await InboxAsync(db)).Select(e => e.OrderingKey).Order());
        // The writer logs once the callers are answered, so as not to hold them up further.
        for (var tries = 0; tries < 50 && host.Logs.AtLeast(LogLevel.Warning).Count == earlier; tries++)
        {
            await Task.Delay(100);
        }
        var warning = Assert.Single(host.Logs.AtLeast(LogLevel.Warning).Skip(earlier));
        Assert.Equal(typeof(InboxWriter).FullName, warning.Category);
        Assert.Matches(@"^Inbox: 1 callbacks waited up to \d+ ms to be stored: \d+ ms queued behind earlier writes, \d+ ms writing and committing", warning.Message);
        var waited = int.Parse(System.Text.RegularExpressions.Regex.Match(warning.Message, @"waited up to (\d+) ms").Groups[1].Value);
        // At least the setting: the lock was held 1 s from the send, a little of which the request took to reach the writer.
        Assert.InRange(waited, 200, 30_000);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_burst_stored_within_the_slow_write_setting_logs_no_warning(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider, [.. WeComCallbackRequests.Settings, new("Inbox:SlowWriteWarning", "00:00:05")]);
        await using var _ = db;
        using var __ = host;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.SendAsync(_wecom.Post(WeComCallbackRequests.ContactAdded($"wmPROMPT{i:00}")))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(20, (await InboxAsync(db)).Count);
        Assert.Empty(host.Logs.AtLeast(LogLevel.Warning));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Duplicates_arriving_together_are_all_acknowledged_and_stored_once(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        var inner = WeComCallbackRequests.ContactAdded("wmCUSTOMER03");

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.SendAsync(_wecom.Post(inner))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Single(await InboxAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_burst_of_callbacks_some_already_stored_stores_each_new_one_once_with_all_its_fields(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        // Contacts added (ordering key: the customer) and tag changes (no customer, no ordering
        // key), each sent at once with the others, batched by the writer however they arrive.
        var contacts = Enumerable.Range(0, 30).Select(i => WeComCallbackRequests.ContactAdded($"wmBURST{i:D2}", createTime: 1777622400 + i)).ToList();
        var tags = Enumerable.Range(0, 10).Select(i =>
            "<xml><ToUserName><![CDATA[" + WeComCallbackRequests.CorpId + "]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>" +
            $"<CreateTime>{1777622500 + i}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_tag]]></Event>" +
            $"<Id><![CDATA[etBURST{i:D2}]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType></xml>").ToList();
        // Five of them were stored by an earlier delivery.
        foreach (var early in contacts.Take(5))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(_wecom.Post(early))).StatusCode);
        }

        var all = contacts.Concat(tags).ToList();
        var responses = await Task.WhenAll(all.Select(xml => client.SendAsync(_wecom.Post(xml))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var rows = await InboxAsync(db);
        Assert.Equal(all.Count, rows.Count);
        Assert.Equal(all.Order(StringComparer.Ordinal), rows.Select(r => r.Payload).Order(StringComparer.Ordinal));
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
        foreach (var row in rows)
        {
            Assert.Equal(Platform.WeCom, row.Platform);
            Assert.Equal(InboxStatus.Pending, row.Status);
            Assert.Equal(0, row.Attempts);
            Assert.Null(row.LastError);
            Assert.Null(row.ProcessedAt);
            Assert.Equal(host.Clock!.GetUtcNow(), row.ReceivedAt);
            Assert.Equal(host.Clock!.GetUtcNow(), row.NextAttemptAt);
            if (row.EventType == "change_external_contact/add_external_contact")
            {
                Assert.StartsWith("wmBURST", row.OrderingKey, StringComparison.Ordinal);
                Assert.Contains(row.OrderingKey!, row.Payload, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal("change_external_tag/create", row.EventType);
                Assert.Null(row.OrderingKey);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Callback_with_bad_signature_is_rejected_and_stores_nothing(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;

        var response = await client.SendAsync(_wecom.Post(
            WeComCallbackRequests.ContactAdded("wmCUSTOMER04"), signature => signature[..^1] + (signature[^1] == '0' ? '1' : '0')));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await InboxAsync(db));
        AssertOneWarningWithout(host, "wmCUSTOMER04");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Callback_for_another_corp_is_rejected_as_unauthorized(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        // Right token and key, but sealed for another CorpId (receiveid).
        var otherCorp = new WeComCallbackRequests("wwsomeoneelse0000001", WeComCallbackRequests.Token, WeComCallbackRequests.EncodingAesKey);

        var response = await client.SendAsync(otherCorp.Post(WeComCallbackRequests.ContactAdded("wmCUSTOMER05")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("-40005", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await InboxAsync(db));
        AssertOneWarningWithout(host, "wmCUSTOMER05");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Xxe_payload_is_rejected_and_the_file_never_leaks(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        var secretFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(secretFile, "XXE-LEAKED-SECRET-CONTENT");
        try
        {
            var doctype = $"<!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file://{secretFile}\">]>";
            // Authentic (signed and encrypted) XML that carries the entity inside...
            var inner = await client.SendAsync(_wecom.Post(doctype +
                "<xml><ToUserName>x</ToUserName><FromUserName>&xxe;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"));
            // ...and an outer body that carries it around the ciphertext.
            var outer = await client.SendAsync(_wecom.RawPost(doctype + "<xml><ToUserName>x</ToUserName><Encrypt>&xxe;</Encrypt></xml>", "0"));

            Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (inner.StatusCode, outer.StatusCode));
            Assert.DoesNotContain("XXE-LEAKED", await inner.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.DoesNotContain("XXE-LEAKED", await outer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Empty(await InboxAsync(db));
            Assert.DoesNotContain(host.Logs.Lines, l => l.Message.Contains("XXE-LEAKED", StringComparison.Ordinal));
            Assert.Equal(2, host.Logs.AtLeast(LogLevel.Warning).Count);
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Signed_body_that_does_not_decrypt_is_a_bad_request(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;

        var response = await client.SendAsync(_wecom.SignedEnvelope(Convert.ToBase64String(new byte[48])));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(await InboxAsync(db));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Body_over_the_limit_is_refused_with_413_whether_declared_or_streamed(DatabaseProvider provider)
    {
        var (db, host, client) = await StartAsync(provider);
        await using var _ = db;
        using var __ = host;
        var twoMiB = _wecom.Envelope(new string('A', 2 * 1024 * 1024));

        var declared = await client.SendAsync(_wecom.RawPost(twoMiB, "0"));
        var streamed = _wecom.RawPost("", "0");
        // No Content-Length: the body arrives chunked and is counted while read.
        streamed.Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(twoMiB)));
        var chunked = await client.SendAsync(streamed);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, HttpStatusCode.RequestEntityTooLarge), (declared.StatusCode, chunked.StatusCode));
        Assert.Empty(await InboxAsync(db));
        Assert.Equal(2, host.Logs.AtLeast(LogLevel.Warning).Count);
    }

    [Fact]
    public async Task Url_verification_answers_the_bare_echostr_plaintext()
    {
        var (db, host, client) = await StartAsync(DatabaseProvider.Sqlite);
        await using var _ = db;
        using var __ = host;

        var response = await client.GetAsync(_wecom.VerifyUrl("5927782489442352469"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("5927782489442352469"u8.ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Url_verification_with_a_bad_signature_is_unauthorized()
    {
        var (db, host, client) = await StartAsync(DatabaseProvider.Sqlite);
        await using var _ = db;
        using var __ = host;
        var url = _wecom.VerifyUrl("5927782489442352469").Replace("msg_signature=", "msg_signature=0", StringComparison.Ordinal);

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain("5927782489442352469", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unconfigured_wecom_answers_404_saying_what_to_set()
    {
        var (db, host, client) = await StartAsync(DatabaseProvider.Sqlite,
            [new("WeCom:CorpId", ""), new("WeCom:Token", ""), new("WeCom:EncodingAESKey", "")]);
        await using var _ = db;
        using var __ = host;

        var post = await client.SendAsync(_wecom.Post(WeComCallbackRequests.ContactAdded("wmCUSTOMER06")));
        var get = await client.GetAsync(_wecom.VerifyUrl("1"));

        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (post.StatusCode, get.StatusCode));
        Assert.Contains("WeCom:EncodingAESKey", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await InboxAsync(db));
    }

    [Fact]
    public async Task Half_configured_wecom_stops_start_up_naming_the_missing_key()
    {
        await using var db = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        using var half = Host([.. db.HostSettings(),
            new("WeCom:CorpId", WeComCallbackRequests.CorpId), new("WeCom:Token", ""), new("WeCom:EncodingAESKey", "")]);

        var error = Assert.ThrowsAny<Exception>(() => half.CreateClient());

        Assert.Contains("WeCom:Token", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("WeCom:EncodingAESKey", error.ToString(), StringComparison.Ordinal);
    }
}
