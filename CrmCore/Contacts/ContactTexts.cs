using System.Text.Encodings.Web;
using System.Text.Json;
using CrmChat.CrmCore.Customers;

namespace CrmChat.CrmCore.Contacts;

/// <summary>What the timeline and the audit log say about contact changes, in Chinese and English.</summary>
public static class ContactTexts
{
    // Readable Chinese in the stored JSON; these strings never reach HTML unescaped.
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Actor(Platform platform) => platform.ToString().ToLowerInvariant();

    private static string ChineseName(Platform platform) => platform switch
    {
        Platform.WeCom => "企业微信",
        Platform.DingTalk => "钉钉",
        _ => platform.ToString(),
    };

    public static string ToJson(object value) => JsonSerializer.Serialize(value, Json);

    public static string CustomerCreated(Platform platform, string name, string employee) =>
        $"从{ChineseName(platform)}添加客户「{name}」（{employee}） / Customer {name} added from {platform} by {employee}";

    public static string FollowStarted(string employee, bool again) => again
        ? $"{employee} 重新添加了客户 / {employee} added the customer again"
        : $"{employee} 添加了客户 / {employee} started following the customer";

    public static string FollowEnded(FollowEndReason reason, string employee, string? detail)
    {
        var text = reason switch
        {
            FollowEndReason.RemovedByEmployee => $"{employee} 删除了客户 / {employee} removed the customer",
            FollowEndReason.RemovedByCustomer => $"客户删除了 {employee} / The customer removed {employee}",
            FollowEndReason.Transferred => $"客户已从 {employee} 转交给其他成员 / The customer was handed over from {employee} to another employee",
            FollowEndReason.EmployeeLeft => $"{employee} 已离职，不再跟进 / {employee} left the company",
            _ => $"{employee} 不再跟进 / {employee} no longer follows the customer",
        };
        return string.IsNullOrWhiteSpace(detail) ? text : $"{text} ({detail})";
    }

    public static string TransferFailed(string employee, string reason)
    {
        var (zh, en) = reason switch
        {
            "customer_refused" => ("客户拒绝", "customer refused"),
            "customer_limit_exceed" => ("接替成员的客户数已达上限", "the new employee has reached the customer limit"),
            _ => (reason, reason),
        };
        return $"转交给 {employee} 失败：{zh} / Handover to {employee} failed: {en}";
    }

    public static string RemarkChanged(string employee, string field, string? before, string? after) =>
        $"{employee} 修改了{(field == "remark" ? "备注" : "描述")}：「{before}」→「{after}」 / {employee} changed the {field}: \"{before}\" → \"{after}\"";

    public static string TagsChanged(string employee, IReadOnlyList<string> added, IReadOnlyList<string> removed)
    {
        var changes = string.Join(" ", added.Select(t => "+" + t).Concat(removed.Select(t => "−" + t)));
        return $"{employee} 修改了标签：{changes} / {employee} changed tags: {changes}";
    }

    public static string ProbableDuplicate(string phone, string newName, string existingName) =>
        Clip($"同一手机号 {Phones.PhoneNumber.Mask(phone)}，姓名不同（{Clip(newName, 40)} / {Clip(existingName, 40)}） / Same phone, different name", 256)!;

    public static string? Clip(string? text, int max)
    {
        if (text is null)
        {
            return null;
        }
        var trimmed = text.Trim();
        return trimmed.Length <= max ? trimmed : trimmed[..max];
    }
}
