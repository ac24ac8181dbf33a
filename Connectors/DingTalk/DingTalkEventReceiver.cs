using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrmChat.Connectors.Crypto;

namespace CrmChat.Connectors.DingTalk;

/// <summary>The query of an event POST, with DingTalk's alternative spellings folded together.</summary>
public sealed record DingTalkEventQuery(string? Signature, string? Timestamp, string? Nonce)
{
    /// <summary>msg_signature or signature, timestamp or timeStamp, nonce.</summary>
    public static DingTalkEventQuery From(Func<string, string?> query) => new(
        NonEmpty(query("msg_signature")) ?? NonEmpty(query("signature")),
        NonEmpty(query("timestamp")) ?? NonEmpty(query("timeStamp")),
        NonEmpty(query("nonce")));

    private static string? NonEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}

/// <summary>The answer DingTalk expects for every event: the string <c>success</c>, encrypted and signed.</summary>
public sealed record DingTalkEventReply(
    [property: JsonPropertyName("msg_signature")] string MsgSignature,
    [property: JsonPropertyName("timeStamp")] string TimeStamp,
    [property: JsonPropertyName("nonce")] string Nonce,
    [property: JsonPropertyName("encrypt")] string Encrypt)
{
    public string ToJson() => JsonSerializer.Serialize(this);
}

/// <summary>
/// DingTalk's encrypted event subscription: reads <c>{"encrypt": …}</c> within the size limit,
/// checks the signature (constant time), decrypts, checks the key id (appKey, corpId or
/// suiteKey) and parses the event. Every refusal is a <see cref="DingTalkInboundException"/>
/// whose <see cref="DingTalkInboundException.StatusCode"/> is the answer to give.
/// </summary>
public sealed class DingTalkEventReceiver
{
    private readonly CallbackCrypto _crypto;
    private readonly TimeProvider _time;

    public DingTalkEventReceiver(CallbackCrypto crypto, int maxBodyBytes, TimeProvider? time = null)
    {
        _crypto = crypto;
        MaxBodyBytes = maxBodyBytes;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>For the configured app; the options must have <see cref="DingTalkOptions.EventsConfigured"/>.</summary>
    public DingTalkEventReceiver(DingTalkOptions options, TimeProvider? time = null)
        : this(new CallbackCrypto(options.Token, options.AesKey, options.EffectiveKeyId), options.MaxBodyBytes, time)
    {
    }

    /// <summary>Bodies above this are refused (413); read the request body no further than this plus one byte.</summary>
    public int MaxBodyBytes { get; }

    public DingTalkEvent Open(DingTalkEventQuery query, ReadOnlySpan<byte> body)
    {
        if (body.Length > MaxBodyBytes)
        {
            throw new DingTalkInboundException(DingTalkInboundError.TooLarge, $"The event body is larger than {MaxBodyBytes} bytes.");
        }
        var encrypt = ReadEncrypt(body);
        string plaintext;
        try
        {
            plaintext = _crypto.Open(query.Signature, query.Timestamp ?? "", query.Nonce ?? "", encrypt);
        }
        catch (CallbackCryptoException e)
        {
            throw e.Error switch
            {
                CallbackCryptoError.BadSignature => new DingTalkInboundException(DingTalkInboundError.BadSignature, "The event signature does not match.", e),
                CallbackCryptoError.ReceiverMismatch => new DingTalkInboundException(DingTalkInboundError.WrongKeyId,
                    "The event is sealed for another app (the key id is not DingTalk:KeyId / DingTalk:AppKey).", e),
                _ => new DingTalkInboundException(DingTalkInboundError.Undecryptable, "The event does not decrypt: " + e.Message, e),
            };
        }
        return DingTalkEvent.Parse(plaintext);
    }

    public DingTalkEvent Open(DingTalkEventQuery query, string body) => Open(query, Encoding.UTF8.GetBytes(body));

    /// <summary>The encrypted <c>success</c> for the given timestamp and nonce.</summary>
    public DingTalkEventReply SealSuccess(string timestamp, string nonce)
    {
        var (encrypted, signature) = _crypto.Seal("success", timestamp, nonce);
        return new DingTalkEventReply(signature, timestamp, nonce, encrypted);
    }

    /// <summary>The encrypted <c>success</c> with the current time (Unix ms) and a fresh random nonce.</summary>
    public DingTalkEventReply SealSuccess() => SealSuccess(
        _time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
        Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)));

    private static string ReadEncrypt(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (DingTalkJsonReader.Property(document.RootElement, "encrypt") is { ValueKind: JsonValueKind.String } value
                && value.GetString() is { Length: > 0 } encrypt)
            {
                return encrypt;
            }
        }
        catch (JsonException e)
        {
            throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The event body is not JSON.", e);
        }
        throw new DingTalkInboundException(DingTalkInboundError.Malformed, "The event body has no \"encrypt\" string.");
    }
}
