using CrmChat.Testing;

namespace CrmChat.Connectors.Tests.Crypto;

/// <summary>The official @wecom/crypto package (tests/peers), started once per test class.</summary>
public sealed class OfficialWeComCrypto : IDisposable
{
    private readonly NodePeer _peer = NodePeer.Start("wecom-crypto.js");

    public async Task<(string Encrypt, string Signature)> SealAsync(
        string key, string token, string receiverId, string message, string timestamp, string nonce, byte[]? random = null)
    {
        var answer = await _peer.AskAsync(new
        {
            op = "seal",
            key,
            token,
            id = receiverId,
            message,
            timestamp,
            nonce,
            random = random is null ? null : Convert.ToBase64String(random),
        });
        return (answer.GetProperty("encrypt").GetString()!, answer.GetProperty("signature").GetString()!);
    }

    public async Task<(bool SignatureValid, string Message, string ReceiverId)> OpenAsync(
        string key, string token, string encrypt, string timestamp, string nonce, string signature)
    {
        var answer = await _peer.AskAsync(new { op = "open", key, token, encrypt, timestamp, nonce, signature });
        return (answer.GetProperty("signatureValid").GetBoolean(), answer.GetProperty("message").GetString()!, answer.GetProperty("id").GetString()!);
    }

    public void Dispose() => _peer.Dispose();
}
