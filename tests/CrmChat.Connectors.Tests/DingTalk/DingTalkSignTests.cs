using System.Security.Cryptography;
using CrmChat.Connectors.DingTalk;
using CrmChat.Testing;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.DingTalk;

/// <summary>Node's own HMAC (tests/peers/dingtalk-sign.js), started once per test class.</summary>
public sealed class NodeDingTalkSign : IDisposable
{
    private readonly NodePeer _peer = NodePeer.Start("dingtalk-sign.js");

    public async Task<(string Sign, string UrlSign)> SignAsync(string secret, string timestamp)
    {
        var answer = await _peer.AskAsync(new { secret, timestamp });
        return (answer.GetProperty("sign").GetString()!, answer.GetProperty("urlSign").GetString()!);
    }

    public void Dispose() => _peer.Dispose();
}

public sealed class DingTalkSignTests(NodeDingTalkSign node) : IClassFixture<NodeDingTalkSign>
{
    private const long ExampleTimestamp = 1577262236757;

    [Fact]
    public void Custom_robot_sign_matches_the_documented_example()
    {
        Assert.Equal("hmPWwU+7lVdm3ZZz0r9tSfx0L4Q26jWOZr9+Gs6EZQM=", DingTalkRobotSign.Compute("this is secret", ExampleTimestamp));
        Assert.Equal("hmPWwU%2B7lVdm3ZZz0r9tSfx0L4Q26jWOZr9%2BGs6EZQM%3D", DingTalkRobotSign.ComputeForUrl("this is secret", ExampleTimestamp));
    }

    [Fact]
    public void Enterprise_robot_sign_matches_the_documented_example_and_verifies()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(ExampleTimestamp + 5000));
        const string sign = "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=";

        Assert.Equal(sign, DingTalkRobotSign.Compute("this is a secret", ExampleTimestamp));
        Assert.Equal(DingTalkSignCheck.Valid, new DingTalkRobotSignVerifier(time).Verify("1577262236757", sign, "this is a secret"));
    }

    [Theory]
    [InlineData(-60, DingTalkSignCheck.Valid)]
    [InlineData(59, DingTalkSignCheck.Valid)]
    [InlineData(61, DingTalkSignCheck.OutsideWindow)]
    [InlineData(-61, DingTalkSignCheck.OutsideWindow)]
    public void Timestamps_more_than_an_hour_from_our_clock_are_refused(int minutesOff, DingTalkSignCheck expected)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(ExampleTimestamp);
        var time = new FakeTimeProvider(now.AddMinutes(-minutesOff));
        var sign = DingTalkRobotSign.Compute("s", ExampleTimestamp);

        Assert.Equal(expected, new DingTalkRobotSignVerifier(time).Verify("1577262236757", sign, "s"));
    }

    [Theory]
    [InlineData(null, "x", DingTalkSignCheck.Missing)]
    [InlineData("1577262236757", "", DingTalkSignCheck.Missing)]
    [InlineData("1577262236757x", "x", DingTalkSignCheck.MalformedTimestamp)]
    [InlineData("-1577262236757", "x", DingTalkSignCheck.MalformedTimestamp)]
    [InlineData("1577262236757", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA=", DingTalkSignCheck.Mismatch)]
    [InlineData("1577262236757", "DJrE6qdyVGCQz9z5r2MDuNcNAhwYnuAkyj13cx169CA%3D", DingTalkSignCheck.Mismatch)]
    public void Missing_malformed_or_wrong_signs_are_refused(string? timestamp, string? sign, DingTalkSignCheck expected)
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(ExampleTimestamp));

        Assert.Equal(expected, new DingTalkRobotSignVerifier(time).Verify(timestamp, sign, "another secret"));
    }

    [Fact]
    public async Task Sign_agrees_with_nodes_hmac_over_random_secrets_and_timestamps()
    {
        var random = new Random(20260601);
        for (var i = 0; i < 300; i++)
        {
            var secret = i % 3 == 0
                ? "SEC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))
                : Crypto.TestMessages.Random(random.Next(1, 80), seed: i);
            var timestamp = 1_500_000_000_000L + random.NextInt64(0, 400_000_000_000L);
            var ts = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture);

            var theirs = await node.SignAsync(secret, ts);

            Assert.Equal(theirs.Sign, DingTalkRobotSign.Compute(secret, timestamp));
            Assert.Equal(theirs.UrlSign, DingTalkRobotSign.ComputeForUrl(secret, timestamp));
            var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(timestamp));
            Assert.Equal(DingTalkSignCheck.Valid, new DingTalkRobotSignVerifier(time).Verify(ts, theirs.Sign, secret));
        }
    }
}
