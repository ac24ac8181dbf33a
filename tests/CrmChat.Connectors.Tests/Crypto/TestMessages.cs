using System.Text;

namespace CrmChat.Connectors.Tests.Crypto;

/// <summary>Deterministic messages of an exact UTF-8 size, mixing 1- to 4-byte characters.</summary>
internal static class TestMessages
{
    /// <summary>Builds a message of exactly <paramref name="utf8Bytes"/> bytes from a seeded random.</summary>
    public static string Random(int utf8Bytes, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(utf8Bytes);
        var remaining = utf8Bytes;
        while (remaining > 0)
        {
            var size = random.Next(1, Math.Min(4, remaining) + 1);
            text.Append(size switch
            {
                1 => ((char)random.Next(0x20, 0x7F)).ToString(),
                2 => ((char)random.Next(0xA0, 0x800)).ToString(),
                3 => ((char)random.Next(0x4E00, 0x9FA6)).ToString(),
                _ => char.ConvertFromUtf32(random.Next(0x1F300, 0x1F650)),
            });
            remaining -= size;
        }
        var message = text.ToString();
        return Encoding.UTF8.GetByteCount(message) == utf8Bytes
            ? message
            : throw new InvalidOperationException("The generator missed the size it was asked for.");
    }

    /// <summary>ASCII callback XML cut or padded to an exact size.</summary>
    public static string Ascii(int bytes)
    {
        const string xml = "<xml><ToUserName><![CDATA[wwsandbox0000000001]]></ToUserName><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[add customer Li Si 13800138000]]></Content></xml>";
        var text = new StringBuilder(bytes);
        while (text.Length < bytes)
        {
            text.Append(xml);
        }
        return text.ToString(0, bytes);
    }

    /// <summary>Chinese text (3 bytes a character) topped up with ASCII to an exact size.</summary>
    public static string Chinese(int utf8Bytes)
    {
        const string sentence = "销售张三添加了客户李四，电话一三八，明天下午三点回访并确认合同金额。";
        var text = new StringBuilder();
        var i = 0;
        while (utf8Bytes - Encoding.UTF8.GetByteCount(text.ToString()) >= 3)
        {
            text.Append(sentence[i++ % sentence.Length]);
        }
        text.Append('.', utf8Bytes - Encoding.UTF8.GetByteCount(text.ToString()));
        return text.ToString();
    }

    /// <summary>
    /// The message size that makes the padding exactly <paramref name="pad"/> (1..32): the
    /// plaintext is 16 random + 4 length + message + receiver id, padded to 32 bytes.
    /// </summary>
    public static int SizeForPad(int pad, string receiverId, int atLeast = 1)
    {
        var fixedPart = 20 + Encoding.UTF8.GetByteCount(receiverId);
        for (var size = atLeast; ; size++)
        {
            if ((fixedPart + size + pad) % 32 == 0)
            {
                return size;
            }
        }
    }
}
