using CrmChat.Connectors.DingTalk.Api;
using CrmChat.CrmCore.Cards;

namespace CrmChat.Connectors.Cards;

/// <summary>DingTalk limits, from the robot and work-notification message documentation.</summary>
public static class DingTalkCardLimits
{
    /// <summary>sampleActionCard .. sampleActionCard5: at most five buttons.</summary>
    public const int Buttons = 5;
    public const int ButtonTitle = 20;
    public const int Title = 100;
    public const int UrlChars = 500;
    /// <summary>A work notification's btn_json_list, as JSON text.</summary>
    public const int WorkButtonListChars = 1000;
}

/// <summary>
/// Renders a card into DingTalk's formats. DingTalk buttons only open URLs, so every
/// Action.Submit becomes a signed, expiring link to CrmChat's /cards/act for one employee;
/// Action.OpenUrl keeps its URL. A card without actions is markdown.
/// </summary>
public sealed class DingTalkCardRenderer(CardLinkSigner signer)
{
    public const string SourceName = "CrmChat";

    /// <summary>
    /// For a custom group robot or a session webhook reply. Without a <paramref name="target"/>
    /// (a group where no one employee is addressed) Submit actions are dropped, noted.
    /// </summary>
    public CardRendering<DingTalkRobotMessage> RenderRobotMessage(AdaptiveCard card, CardLinkTarget? target)
    {
        var (title, text, buttons, notes) = Render(card, target);
        var message = buttons.Count == 0
            ? DingTalkRobotMessage.ForMarkdown(title, text)
            : DingTalkRobotMessage.ForActionCard(title, text, buttons);
        return new(message, notes.Notes);
    }

    /// <summary>For the v1.0 robot APIs (msgKey / msgParam); Submit actions as for <see cref="RenderRobotMessage"/>.</summary>
    public CardRendering<DingTalkRobotTemplateMessage> RenderRobotTemplate(AdaptiveCard card, CardLinkTarget? target)
    {
        var (title, text, buttons, notes) = Render(card, target);
        var message = buttons.Count == 0
            ? DingTalkRobotTemplateMessage.SampleMarkdown(title, text)
            : DingTalkRobotTemplateMessage.SampleActionCard(title, text, buttons);
        return new(message, notes.Notes);
    }

    /// <summary>For a work notification to the employee (asyncsend_v2's msg).</summary>
    public CardRendering<DingTalkWorkMessage> RenderWorkNotification(AdaptiveCard card, CardLinkTarget target)
    {
        var (title, text, buttons, notes) = Render(card, target);
        if (buttons.Count == 0)
        {
            return new(DingTalkWorkMessage.Markdown(title, text), notes.Notes);
        }
        while (buttons.Count > 1 && DingTalkWorkMessage.ButtonList(buttons).ToJsonString(DingTalkJson.Options).Length > DingTalkCardLimits.WorkButtonListChars)
        {
            var dropped = buttons[^1];
            buttons.RemoveAt(buttons.Count - 1);
            notes.Add(RenderNoteKind.Dropped, $"button '{dropped.Title}'",
                $"a work notification's btn_json_list takes at most {DingTalkCardLimits.WorkButtonListChars} characters of JSON");
        }
        return new(DingTalkWorkMessage.ActionCard(title, text, buttons), notes.Notes);
    }

    private (string Title, string Text, List<DingTalkActionCardButton> Buttons, NoteList Notes) Render(AdaptiveCard card, CardLinkTarget? target)
    {
        var notes = new NoteList();
        var flat = FlatCard.From(card, notes);
        var firstText = flat.Texts.FirstOrDefault()?.Text;
        if (firstText is null)
        {
            notes.Add(RenderNoteKind.Degraded, "title", $"the card has no TextBlock; titled '{SourceName}'");
        }
        var title = notes.Fit(firstText ?? SourceName, DingTalkCardLimits.Title, "title");
        return (title, Markdown(flat), Buttons(card, target, notes), notes);
    }

    /// <summary>Blocks separated by blank lines (DingTalk markdown joins single line breaks), facts as a list.</summary>
    private static string Markdown(FlatCard flat)
    {
        var blocks = new List<string>();
        foreach (var block in flat.Blocks)
        {
            switch (block)
            {
                case FlatCard.Text { Source: var t }:
                    blocks.Add(t.Size is TextSize.Large or TextSize.ExtraLarge || (t.IsHeading && blocks.Count == 0) ? $"### {t.Text}"
                        : t.IsHeading ? $"**{t.Text}**" : t.Text);
                    break;
                case FlatCard.Facts { Items: var facts }:
                    blocks.Add(string.Join('\n', facts.Select(f => $"- **{f.Title}**：{f.Value}")));
                    break;
                case FlatCard.Input { Source: var input }:
                    blocks.Add(FlatCard.InputPrompt(input));
                    break;
            }
        }
        return blocks.Count == 0 ? SourceName : string.Join("\n\n", blocks);
    }

    private List<DingTalkActionCardButton> Buttons(AdaptiveCard card, CardLinkTarget? target, NoteList notes)
    {
        var buttons = new List<DingTalkActionCardButton>();
        var expiry = target?.ExpiresAt ?? signer.DefaultExpiry();
        foreach (var action in card.AllActions())
        {
            if (buttons.Count == DingTalkCardLimits.Buttons)
            {
                notes.Add(RenderNoteKind.Dropped, $"{ActionType(action)} '{action.Title}'", $"DingTalk action cards take at most {DingTalkCardLimits.Buttons} buttons");
                continue;
            }
            string url;
            if (action is SubmitAction && target is null)
            {
                notes.Add(RenderNoteKind.Dropped, $"Action.Submit '{action.Title}'", "DingTalk buttons only open links and no employee was named to sign one for");
                continue;
            }
            if (action is SubmitAction submit && target is not null)
            {
                url = signer.CreateLink(target.CardId, CardActionKey.Encode(submit), target.EmployeeId, expiry).ToString();
                notes.Add(RenderNoteKind.Degraded, $"Action.Submit '{action.Title}'", $"a signed link for employee '{target.EmployeeId}' until {expiry:u}");
            }
            else
            {
                url = ((OpenUrlAction)action).Url;
            }
            if (url.Length > DingTalkCardLimits.UrlChars)
            {
                throw new ArgumentException(
                    $"The link for '{action.Title}' is {url.Length} characters; DingTalk takes {DingTalkCardLimits.UrlChars}. Shorten the card id, employee id or action data.",
                    nameof(card));
            }
            buttons.Add(new(notes.Fit(action.Title, DingTalkCardLimits.ButtonTitle, $"button '{action.Title}'"), url));
        }
        return buttons;
    }

    private static string ActionType(CardAction action) => action is SubmitAction ? "Action.Submit" : "Action.OpenUrl";
}
