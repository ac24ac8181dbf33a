using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CrmChat.Connectors.DingTalk;

/// <summary>
/// DingTalk's robot signature: Base64(HmacSHA256(key = secret, data = timestamp + "\n" + secret)),
/// timestamp in Unix milliseconds. Outbound custom-robot sends put it URL-encoded in the query;
/// the enterprise robot's inbound messages carry it as is in the <c>sign</c> header.
/// </summary>
public static class DingTalkRobotSign
{
    /// <summary>How far a timestamp may be from our clock, either way.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);

    public static string Compute(string secret, long timestampMs) =>
        Compute(secret, timestampMs.ToString(CultureInfo.InvariantCulture));

    /// <summary>Over the timestamp exactly as it arrived, so a sender's formatting is what is signed.</summary>
    public static string Compute(string secret, string timestamp)
    {
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.UTF8.GetBytes(timestamp + "\n" + secret);
        return Convert.ToBase64String(HMACSHA256.HashData(key, data));
    }

    /// <summary>The sign as it goes in a URL: + / = become %2B %2F %3D.</summary>
    public static string ComputeForUrl(string secret, long timestampMs) => Uri.EscapeDataString(Compute(secret, timestampMs));
}

public enum DingTalkSignCheck
{
    Valid,
    /// <summary>No timestamp or no sign header.</summary>
    Missing,
    /// <summary>The timestamp is not a number of milliseconds.</summary>
    MalformedTimestamp,
    /// <summary>The timestamp is more than an hour from our clock (a replay, or a wrong clock).</summary>
    OutsideWindow,
    Mismatch,
}

/// <summary>Checks the <c>timestamp</c> and <c>sign</c> headers of what the enterprise robot receives.</summary>
public sealed class DingTalkRobotSignVerifier(TimeProvider time)
{
    public DingTalkSignCheck Verify(string? timestamp, string? sign, string appSecret)
    {
        if (string.IsNullOrEmpty(timestamp) || string.IsNullOrEmpty(sign))
        {
            return DingTalkSignCheck.Missing;
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var ms))
        {
            return DingTalkSignCheck.MalformedTimestamp;
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (Math.Abs((double)now - ms) > DingTalkRobotSign.Window.TotalMilliseconds)
        {
            return DingTalkSignCheck.OutsideWindow;
        }
        var expected = Encoding.ASCII.GetBytes(DingTalkRobotSign.Compute(appSecret, timestamp));
        var presented = Encoding.UTF8.GetBytes(sign);
        return CryptographicOperations.FixedTimeEquals(expected, presented) ? DingTalkSignCheck.Valid : DingTalkSignCheck.Mismatch;
    }
}
