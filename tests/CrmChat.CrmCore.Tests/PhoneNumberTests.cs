using CrmChat.CrmCore.Phones;

namespace CrmChat.CrmCore.Tests;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("13800138000")]
    [InlineData("138-0013-8000")]
    [InlineData("138 0013 8000")]
    [InlineData("+86 138 0013 8000")]
    [InlineData("+8613800138000")]
    [InlineData("008613800138000")]
    public void Every_written_form_of_a_Chinese_mobile_normalises_to_one_number(string written)
    {
        Assert.Equal("+8613800138000", PhoneNumber.Normalize(written));
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("12")]
    public void Text_that_is_not_a_phone_number_normalises_to_nothing(string written)
    {
        Assert.Null(PhoneNumber.Normalize(written));
    }

    [Fact]
    public void A_number_from_another_country_keeps_its_country_code()
    {
        Assert.Equal("+12025550123", PhoneNumber.Normalize("+1 202-555-0123"));
    }

    [Theory]
    [InlineData("+8613800138000", "+86138****8000")]
    [InlineData("13800138000", "138****8000")]
    public void A_masked_number_shows_only_its_prefix_and_last_four_digits(string phone, string masked)
    {
        Assert.Equal(masked, PhoneNumber.Mask(phone));
    }
}
