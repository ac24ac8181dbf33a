using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>
/// A WeCom <c>template_card</c>: <c>text_notice</c> (app and robot) or
/// <c>button_interaction</c> (app only). Unset parts are left out of the JSON.
/// </summary>
public sealed partial record WeComTemplateCard
{
    public const string TextNoticeType = "text_notice";
    public const string ButtonInteractionType = "button_interaction";

    public required string CardType { get; init; }
    public WeComCardSource? Source { get; init; }
    public WeComCardTitle? MainTitle { get; init; }
    public WeComCardTitle? EmphasisContent { get; init; }
    public string? SubTitleText { get; init; }
    public IReadOnlyList<WeComCardHorizontalContent>? HorizontalContentList { get; init; }
    public IReadOnlyList<WeComCardJump>? JumpList { get; init; }
    public WeComCardAction? CardAction { get; init; }
    /// <summary>Unique per app; only A-Z a-z 0-9 _ - @, at most 128 bytes. Required for buttons.</summary>
    public string? TaskId { get; init; }
    public IReadOnlyList<WeComCardButton>? ButtonList { get; init; }

    /// <summary>Whether <paramref name="taskId"/> is one WeCom accepts.</summary>
    public static bool IsValidTaskId(string taskId) => TaskIdPattern().IsMatch(taskId);

    /// <summary>Throws <see cref="ArgumentException"/> naming what WeCom would reject, before anything is sent.</summary>
    public void Validate(bool forRobot)
    {
        if (TaskId is not null && !IsValidTaskId(TaskId))
        {
            throw new ArgumentException($"template_card task_id '{TaskId}' must be 1-128 characters from A-Z a-z 0-9 _ - @.", nameof(TaskId));
        }
        switch (CardType)
        {
            case TextNoticeType:
                if (CardAction is null)
                {
                    throw new ArgumentException("A text_notice template_card needs a card_action.", nameof(CardAction));
                }
                break;
            case ButtonInteractionType when forRobot:
                throw new ArgumentException("A group robot cannot send button_interaction cards; send a text_notice.", nameof(CardType));
            case ButtonInteractionType:
                if (TaskId is null)
                {
                    throw new ArgumentException("A button_interaction template_card needs a task_id.", nameof(TaskId));
                }
                if (ButtonList is not { Count: > 0 and <= 6 })
                {
                    throw new ArgumentException("A button_interaction template_card needs 1 to 6 buttons.", nameof(ButtonList));
                }
                break;
            default:
                throw new ArgumentException($"template_card card_type '{CardType}' is not one CrmChat sends (text_notice, button_interaction).", nameof(CardType));
        }
        if (MainTitle?.Title is null && SubTitleText is null)
        {
            throw new ArgumentException("A template_card needs a main_title.title or a sub_title_text.", nameof(MainTitle));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_@-]{1,128}$")]
    private static partial Regex TaskIdPattern();
}

public sealed record WeComCardSource(string? IconUrl = null, string? Desc = null, int? DescColor = null);

public sealed record WeComCardTitle(string? Title = null, string? Desc = null);

/// <summary>A key/value line; <see cref="Type"/> 1 = link (<see cref="Url"/>).</summary>
public sealed record WeComCardHorizontalContent(
    [property: JsonPropertyName("keyname")] string KeyName,
    string? Value = null,
    int? Type = null,
    string? Url = null);

/// <summary>A link under the card; <see cref="Type"/> 1 = url.</summary>
public sealed record WeComCardJump(string Title, int? Type = null, string? Url = null);

/// <summary>What tapping the card does; <see cref="Type"/> 1 = open <see cref="Url"/>.</summary>
public sealed record WeComCardAction(int Type, string? Url = null);

/// <summary>A button; its <see cref="Key"/> comes back as EventKey in template_card_event. Style 1-4.</summary>
public sealed record WeComCardButton(string Text, string Key, int? Style = null);
