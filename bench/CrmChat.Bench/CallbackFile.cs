using System.Globalization;
using System.Text;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Bench;

/// <summary>One pre-generated WeCom callback: the query string and the XML body, both as sent.</summary>
public sealed record CallbackRequest(string PathAndQuery, byte[] Body);

/// <summary>
/// Writes distinct, signed and encrypted WeCom callbacks (text messages from members, about
/// 1 KiB of plaintext each) to a file, one per line: query TAB body. The load generator
/// reads them back, so no crypto runs in the load process while it measures.
/// </summary>
public static class CallbackFile
{
    public static async Task<int> GenerateAsync(BenchArgs args)
    {
        var count = args.Int("count", 100_000);
        var output = args.String("out");
        var crypto = new CallbackCrypto(BotsHost.Token, BotsHost.EncodingAesKey, BotsHost.CorpId);
        // A fixed filler so every message is the same size; the MsgId and nonce make each distinct.
        var filler = string.Concat(Enumerable.Repeat("客户想了解报价和交付时间 please call back tomorrow. ", 14));
        var started = DateTime.UtcNow;
        await using var writer = new StreamWriter(output, append: false, new UTF8Encoding(false), 1 << 20);
        long plainBytes = 0;
        for (var i = 0; i < count; i++)
        {
            var msgId = (7_000_000_000_000_000_000L + i).ToString(CultureInfo.InvariantCulture);
            var user = $"rep{i % 200 + 1:D4}";
            var createTime = (1_777_622_400 + i / 1000).ToString(CultureInfo.InvariantCulture);
            var xml = $"<xml><ToUserName><![CDATA[{BotsHost.CorpId}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>" +
                $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
                $"<Content><![CDATA[#{i} {filler}]]></Content><MsgId>{msgId}</MsgId><AgentID>1000002</AgentID></xml>";
            plainBytes += Encoding.UTF8.GetByteCount(xml);
            var nonce = "n" + i.ToString(CultureInfo.InvariantCulture);
            var (encrypted, signature) = crypto.Seal(xml, createTime, nonce);
            var body = $"<xml><ToUserName><![CDATA[{BotsHost.CorpId}]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>";
            await writer.WriteAsync($"/webhooks/wecom?msg_signature={signature}&timestamp={createTime}&nonce={nonce}\t{body}\n");
        }
        Report.Note("gen", string.Create(CultureInfo.InvariantCulture,
            $"wrote {count} callbacks ({plainBytes / Math.Max(count, 1)} B plaintext each) to {output} in {(DateTime.UtcNow - started).TotalSeconds:0.0} s"));
        return 0;
    }

    public static List<CallbackRequest> Read(string file, int max)
    {
        var list = new List<CallbackRequest>();
        foreach (var line in File.ReadLines(file))
        {
            if (list.Count >= max)
            {
                break;
            }
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            list.Add(new CallbackRequest(line[..tab], Encoding.UTF8.GetBytes(line[(tab + 1)..])));
        }
        return list;
    }
}
