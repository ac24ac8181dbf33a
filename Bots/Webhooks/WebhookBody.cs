using System.Buffers;

namespace CrmChat.Bots.Webhooks;

/// <summary>A request body in a buffer from <see cref="ArrayPool{T}.Shared"/>, returned on dispose.</summary>
internal sealed class PooledBody(byte[] buffer, int length) : IDisposable
{
    private byte[]? _buffer = buffer;

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, length);

    /// <summary>
    /// Reads the body straight from Kestrel's pipe into one pooled buffer, or null when it is
    /// larger than <paramref name="maxBytes"/> (declared or actual): no stream, no copy per chunk.
    /// </summary>
    public static async Task<PooledBody?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            return null;
        }
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            if (buffer.Length > maxBytes)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }
            if (result.IsCompleted)
            {
                var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)buffer.Length));
                buffer.CopyTo(bytes);
                var body = new PooledBody(bytes, (int)buffer.Length);
                reader.AdvanceTo(buffer.End);
                return body;
            }
            // Nothing consumed yet: ask for the rest.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
