using CrmChat.Connectors.Cards;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Tests.Cards;

public sealed class CardLinkSignerTests
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = CardTestKit.Clock();

    private Uri Link(string action = "approval.reject?approvalId=9") =>
        CardTestKit.Signer(_clock).CreateLink("approval-9-step1", action, "manager01", CardTestKit.Now.AddHours(1));

    [Fact]
    public void A_link_verifies_for_its_employee_until_it_expires()
    {
        var link = Link();

        var check = CardTestKit.Signer(_clock).Verify(link, actingEmployeeId: "manager01");

        Assert.Equal(CardLinkVerdict.Valid, check.Verdict);
        Assert.Equal(new CardLinkClaim("approval-9-step1", "approval.reject?approvalId=9", "manager01", CardTestKit.Now.AddHours(1)), check.Claim);
        Assert.StartsWith("https://crm.example.com/cards/act?card=approval-9-step1&action=approval.reject%3FapprovalId%3D9&emp=manager01&exp=", link.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_verifies_after_a_restart_with_the_same_secret()
    {
        var link = Link();

        Assert.True(CardTestKit.Signer(_clock).Verify(link).IsValid);
    }

    [Theory]
    [InlineData("action", "approval.approve?approvalId=9")]
    [InlineData("card", "approval-10-step1")]
    [InlineData("emp", "rep02")]
    [InlineData("exp", "4102444800")]
    [InlineData("sig", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public void A_changed_link_is_rejected_as_tampered(string parameter, string value)
    {
        var tampered = Replace(Link(), parameter, value);

        var check = CardTestKit.Signer(_clock).Verify(tampered);

        Assert.Equal(CardLinkVerdict.Tampered, check.Verdict);
        Assert.Null(check.Claim);
        Assert.Contains("not valid", check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_signed_with_another_secret_is_rejected_as_tampered()
    {
        var foreign = CardTestKit.Signer(_clock, "another-secret-another-secret-another-secret").CreateLink("approval-9-step1", "a", "manager01");

        Assert.Equal(CardLinkVerdict.Tampered, CardTestKit.Signer(_clock).Verify(foreign).Verdict);
    }

    [Fact]
    public void A_link_is_rejected_as_expired_from_its_expiry_on()
    {
        var link = Link();
        var signer = CardTestKit.Signer(_clock);

        _clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1));
        var before = signer.Verify(link);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var at = signer.Verify(link);

        Assert.Equal(CardLinkVerdict.Valid, before.Verdict);
        Assert.Equal(CardLinkVerdict.Expired, at.Verdict);
        Assert.Contains("expired", at.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_opened_by_another_employee_is_rejected()
    {
        var check = CardTestKit.Signer(_clock).Verify(Link(), actingEmployeeId: "rep02");

        Assert.Equal(CardLinkVerdict.OtherEmployee, check.Verdict);
        Assert.Equal("manager01", check.Claim!.EmployeeId);
        Assert.Contains("colleague", check.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("sig", "not base64 !!")]
    [InlineData("exp", "soon")]
    [InlineData("card", "")]
    public void A_link_with_unreadable_parameters_is_malformed(string parameter, string value)
    {
        Assert.Equal(CardLinkVerdict.Malformed, CardTestKit.Signer(_clock).Verify(Replace(Link(), parameter, value)).Verdict);
    }

    [Fact]
    public void The_default_expiry_is_the_configured_lifetime()
    {
        var link = CardTestKit.Signer(_clock).CreateLink("c", "a", "e");

        Assert.Equal(CardTestKit.Now.AddHours(72), CardTestKit.Signer(_clock).Verify(link).Claim!.ExpiresAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData("short-secret-31-bytes-012345678")]
    public void A_secret_under_32_bytes_is_refused_at_start(string secret)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => CardTestKit.Signer(_clock, secret));

        Assert.Contains("Cards:LinkSecret must be at least 32 bytes", ex.Message, StringComparison.Ordinal);
    }

    private static Uri Replace(Uri link, string parameter, string value)
    {
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(link.Query)
            .ToDictionary(p => p.Key, p => (string?)(p.Key == parameter ? value : p.Value.ToString()));
        return new Uri(Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(link.GetLeftPart(UriPartial.Path), query));
    }
}
