using System.Text.Json.Serialization;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>
/// A member of the corp as <c>user/get</c> returns it to a self-built app: only members in the
/// app's visible range, and since 2022 without mobile or email unless the member authorised it.
/// </summary>
public sealed record WeComMember
{
    [JsonPropertyName("userid")]
    public string UserId { get; init; } = "";

    public string Name { get; init; } = "";

    public string Mobile { get; init; } = "";

    public string Email { get; init; } = "";

    /// <summary>1 active, 2 disabled, 4 not yet activated, 5 left (退出企业).</summary>
    public int Status { get; init; } = 1;

    /// <summary>Direct leaders (直属上级) by userid.</summary>
    public IReadOnlyList<string> DirectLeader { get; init; } = [];
}

/// <summary>The corp's members, read with the app secret.</summary>
public interface IWeComUserClient
{
    /// <summary>user/get; a userid WeCom does not know throws <see cref="WeComApiException"/> with <see cref="WeComApiException.UserNotFound"/>.</summary>
    Task<WeComMember> GetAsync(string userId, CancellationToken cancellationToken = default);
}

public sealed class WeComUserClient(WeComApiTransport transport) : IWeComUserClient
{
    public async Task<WeComMember> GetAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var response = await transport.GetAsync<UserGetResponse>(WeComSecret.App, "user/get", [new("userid", userId)], cancellationToken)
            .ConfigureAwait(false);
        return response.UserId.Length > 0 ? response.ToMember() : throw new InvalidOperationException("WeCom answered user/get with errcode 0 but no userid.");
    }

    private sealed record UserGetResponse : WeComResponse
    {
        [JsonPropertyName("userid")]
        public string UserId { get; init; } = "";

        public string Name { get; init; } = "";

        public string Mobile { get; init; } = "";

        public string Email { get; init; } = "";

        public int Status { get; init; } = 1;

        public List<string>? DirectLeader { get; init; }

        public WeComMember ToMember() => new()
        {
            UserId = UserId, Name = Name, Mobile = Mobile, Email = Email, Status = Status, DirectLeader = DirectLeader ?? [],
        };
    }
}
