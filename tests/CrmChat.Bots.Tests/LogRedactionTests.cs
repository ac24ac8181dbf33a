using CrmChat.Bots.Hosting;
using Microsoft.Extensions.Configuration;

namespace CrmChat.Bots.Tests;

public sealed class LogRedactionTests
{
    private static LogRedactor Redactor(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        return new LogRedactor(LogRedactor.SecretsFrom(configuration));
    }

    [Theory]
    [InlineData("customer 13800138000 added", "customer 138****8000 added")]
    [InlineData("call +86 138 0013 8000 now", "call +86 13* **** 8000 now")]
    [InlineData("remark mobile 138-0013-8000", "remark mobile 138-****-8000")]
    public void Phone_numbers_are_masked_in_log_lines(string line, string expected)
    {
        Assert.Equal(expected, Redactor().Redact(line));
    }

    [Fact]
    public void Configured_secrets_never_reach_a_log_line()
    {
        var redactor = Redactor(
            ("WeCom:Secret", "s3cr3t-app-secret-value"),
            ("WeCom:EncodingAESKey", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
            ("ConnectionStrings:Crm", "Host=db;Password=pg-pass-123;Username=crm"));
        var line = redactor.Redact("token request with s3cr3t-app-secret-value, key abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG, pw pg-pass-123");
        Assert.DoesNotContain("s3cr3t", line, StringComparison.Ordinal);
        Assert.DoesNotContain("abcdefghijklmnop", line, StringComparison.Ordinal);
        Assert.DoesNotContain("pg-pass-123", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_very_short_password_does_not_mask_every_letter_it_contains()
    {
        var redactor = Redactor(("ConnectionStrings:Crm", "Host=127.0.0.1;Port=1;Username=x;Password=y"));
        Assert.Equal("System.InvalidOperationException: likely transient", redactor.Redact("System.InvalidOperationException: likely transient"));
    }

    [Fact]
    public void Ordinary_numbers_such_as_ids_and_amounts_are_left_alone()
    {
        Assert.Equal("contract 50000 CNY, order 20261123", Redactor().Redact("contract 50000 CNY, order 20261123"));
    }
}
