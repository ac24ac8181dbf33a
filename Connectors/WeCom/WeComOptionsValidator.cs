using CrmChat.Connectors.Crypto;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom;

/// <summary>
/// Leaves WeCom off when none of its callback keys is set; once one is, all three must be,
/// with a key WeCom could have issued, so a typo stops start-up instead of the first callback.
/// </summary>
public sealed class WeComOptionsValidator : IValidateOptions<WeComOptions>
{
    public ValidateOptionsResult Validate(string? name, WeComOptions options)
    {
        var errors = new List<string>();
        if (options.MaxBodyBytes <= 0)
        {
            errors.Add($"{WeComOptions.Section}:MaxBodyBytes must be a positive number of bytes (found {options.MaxBodyBytes}).");
        }
        (string Key, string Value)[] callbackKeys =
        [
            ("CorpId", options.CorpId),
            ("Token", options.Token),
            ("EncodingAESKey", options.EncodingAESKey),
        ];
        if (callbackKeys.Any(k => !string.IsNullOrEmpty(k.Value)))
        {
            foreach (var (key, value) in callbackKeys.Where(k => string.IsNullOrWhiteSpace(k.Value)))
            {
                errors.Add($"{WeComOptions.Section}:{key} is required once any of WeCom:CorpId, WeCom:Token and WeCom:EncodingAESKey is set.");
            }
            if (!string.IsNullOrWhiteSpace(options.EncodingAESKey))
            {
                try
                {
                    CallbackCrypto.DecodeKey(options.EncodingAESKey);
                }
                catch (CallbackCryptoException ex)
                {
                    errors.Add($"{WeComOptions.Section}:EncodingAESKey must be the 43-character Base64 key from the WeCom admin console " +
                        $"(found {options.EncodingAESKey.Length} characters): {ex.Message}");
                }
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
