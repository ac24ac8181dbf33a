using PhoneNumbers;

namespace CrmChat.CrmCore.Phones;

/// <summary>Phone numbers in one form (E.164), so "138-0013-8000" and "+86 138 0013 8000" match.</summary>
public static class PhoneNumber
{
    public const string DefaultRegion = "CN";
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>The E.164 form, or null when the text is not a possible phone number.</summary>
    public static string? Normalize(string? text, string region = DefaultRegion)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            var parsed = Util.Parse(text, region);
            return Util.IsPossibleNumber(parsed) ? Util.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>What a log may show of a number: the first digits and the last four.</summary>
    public static string Mask(string? phone)
    {
        if (string.IsNullOrEmpty(phone))
        {
            return "";
        }
        var digits = phone.Count(char.IsAsciiDigit);
        if (digits <= 4)
        {
            return new string('*', phone.Length);
        }
        // Keep a prefix (country code and operator block) and the last four digits.
        var keepStart = phone.StartsWith('+') ? Math.Min(6, phone.Length - 4) : Math.Min(3, phone.Length - 4);
        var chars = phone.ToCharArray();
        for (var i = keepStart; i < chars.Length - 4; i++)
        {
            if (char.IsAsciiDigit(chars[i]))
            {
                chars[i] = '*';
            }
        }
        return new string(chars);
    }
}
