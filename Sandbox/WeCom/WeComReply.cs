using System.Text.Json.Nodes;

namespace CrmChat.Sandbox.WeCom;

/// <summary>Builds the platform's JSON answers: every one carries errcode and errmsg.</summary>
public static class WeComReply
{
    public static JsonObject Ok(JsonObject? fields = null)
    {
        var reply = new JsonObject { ["errcode"] = 0, ["errmsg"] = "ok" };
        if (fields is not null)
        {
            foreach (var (name, value) in fields.ToList())
            {
                fields.Remove(name);
                reply[name] = value;
            }
        }
        return reply;
    }

    public static JsonObject Error(int errcode, string errmsg) => new()
    {
        ["errcode"] = errcode,
        ["errmsg"] = $"{errmsg}, more info at https://open.work.weixin.qq.com/devtool/query?e={errcode} (sandbox)",
    };

    public static int Code(JsonObject reply) => reply["errcode"]?.GetValue<int>() ?? 0;
}
