namespace CrmChat.CrmCore.Conversations;

/// <summary>
/// What <see cref="ChatTimeParser"/> made of a phrase: an instant, or a question to send back
/// (Chinese and English in one line). <see cref="Start"/> and <see cref="Length"/> say which
/// characters of the input the time phrase took, so a command can keep the rest as its note;
/// Length is 0 when no time phrase was found at all.
/// </summary>
public sealed record ChatTimeResult
{
    public DateTimeOffset? Instant { get; init; }
    public string? Question { get; init; }
    public int Start { get; init; }
    public int Length { get; init; }

    public bool IsResolved => Instant is not null;
    public bool Found => Length > 0;
    public int End => Start + Length;

    internal static ChatTimeResult Resolved(DateTimeOffset instant, int start, int length) =>
        new() { Instant = instant, Start = start, Length = length };

    internal static ChatTimeResult Ask(string question, int start, int length) =>
        new() { Question = question, Start = start, Length = length };
}
