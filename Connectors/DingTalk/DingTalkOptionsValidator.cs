using CrmChat.Connectors.Crypto;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk;

/// <summary>
/// Leaves the event subscription off when none of its keys is set; once one is, the token,
/// a key DingTalk could have issued and a key id must all be there, so a typo stops
/// start-up instead of the first event. The base URLs must be absolute http(s).
/// </summary>
public sealed class DingTalkOptionsValidator : IValidateOptions<DingTalkOptions>
{
    public ValidateOptionsResult Validate(string? name, DingTalkOptions options)
    {
        const string s = DingTalkOptions.Section;
        var errors = new List<string>();
        if (options.MaxBodyBytes <= 0)
        {
            errors.Add($"{s}:MaxBodyBytes must be a positive number of bytes (found {options.MaxBodyBytes}).");
        }
        if (!IsHttpUrl(options.ApiBaseUrl))
        {
            errors.Add($"{s}:ApiBaseUrl must be an absolute http:// or https:// URL, such as {DingTalkOptions.DefaultApiBaseUrl}.");
        }
        if (!IsHttpUrl(options.OapiBaseUrl))
        {
            errors.Add($"{s}:OapiBaseUrl must be an absolute http:// or https:// URL, such as {DingTalkOptions.DefaultOapiBaseUrl}.");
        }
        if (new[] { options.Token, options.AesKey, options.KeyId }.Any(v => !string.IsNullOrEmpty(v)))
        {
            if (string.IsNullOrWhiteSpace(options.Token))
            {
                errors.Add($"{s}:Token is required once any of DingTalk:Token, DingTalk:AesKey and DingTalk:KeyId is set.");
            }
            if (string.IsNullOrWhiteSpace(options.AesKey))
            {
                errors.Add($"{s}:AesKey is required once any of DingTalk:Token, DingTalk:AesKey and DingTalk:KeyId is set.");
            }
            else
            {
                try
                {
                    CallbackCrypto.DecodeKey(options.AesKey);
                }
                catch (CallbackCryptoException ex)
                {
                    errors.Add($"{s}:AesKey must be the 43-character aes_key from the DingTalk developer console " +
                        $"(found {options.AesKey.Length} characters): {ex.Message}");
                }
            }
            if (string.IsNullOrWhiteSpace(options.EffectiveKeyId))
            {
                errors.Add($"{s}:AppKey (or {s}:KeyId, the corpId or suiteKey) is required to check whom events are sealed for.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
