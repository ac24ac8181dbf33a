using System.Buffers;

namespace CrmChat.Bots.Webhooks;

internal static class WebhookBody
{
    /// <summary>
    /// The request body, or null when it is larger than <paramref name="maxBytes"/>: refused up
    /// front by its declared length, and counted while reading since a chunked body declares none.
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream((int)Math.Min(request.ContentLength ?? 4096, maxBytes));
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    return null;
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }
}
