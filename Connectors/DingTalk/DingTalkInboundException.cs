namespace CrmChat.Connectors.DingTalk;

/// <summary>Why an inbound DingTalk request was refused; <see cref="DingTalkInboundException.StatusCode"/> is the answer to give.</summary>
public enum DingTalkInboundError
{
    /// <summary>Event signature or robot sign wrong, missing, or (robot) timestamp out of the hour window: 401.</summary>
    BadSignature,
    /// <summary>The event was sealed for another appKey / corpId / suiteKey: 401.</summary>
    WrongKeyId,
    /// <summary>The ciphertext does not decrypt (not Base64, bad blocks or padding, not UTF-8): 400.</summary>
    Undecryptable,
    /// <summary>The body or the decrypted event is not the JSON DingTalk sends: 400.</summary>
    Malformed,
    /// <summary>The body is larger than DingTalk:MaxBodyBytes: 413.</summary>
    TooLarge,
}

/// <summary>
/// An inbound request that is not an authentic, readable DingTalk event or robot message.
/// The message never quotes the payload, so it can be logged as is.
/// </summary>
public sealed class DingTalkInboundException(DingTalkInboundError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public DingTalkInboundError Error { get; } = error;

    public int StatusCode => Error switch
    {
        DingTalkInboundError.BadSignature or DingTalkInboundError.WrongKeyId => 401,
        DingTalkInboundError.TooLarge => 413,
        _ => 400,
    };
}
