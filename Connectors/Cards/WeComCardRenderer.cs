using System.Text;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore.Cards;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Cards;

/// <summary>
/// WeCom template_card limits, from the message/send and webhook/send documentation. Counts are
/// hard limits; lengths are WeCom's recommended maxima in characters ("建议不超过N个字"), kept so
/// nothing is cut off unpredictably by the client.
/// </summary>
public static class WeComCardLimits
{
    public const int MainTitle = 26;
    public const int MainTitleDesc = 30;
    public const int SubTitleText = 112;
    public const int HorizontalContents = 6;
    public const int KeyName = 5;
    public const int Value = 26;
    public const int Jumps = 3;
    public const int JumpTitle = 13;
    public const int Buttons = 6;
    public const int ButtonText = 10;
    public const int ButtonKeyBytes = 1024;
    public const int SourceDesc = 13;
}

/// <summary>Who a card's signed links are for, which card they act on and until when.</summary>
public sealed record CardLinkTarget(string CardId, string EmployeeId, DateTimeOffset? ExpiresAt = null);

/// <summary>
/// Renders a card into WeCom's own formats: an app <c>template_card</c> (text_notice, or
/// button_interaction when it has Submit actions), and for group robots a text_notice card or
/// markdown, where Submit actions become signed links (robots have no buttons).
/// </summary>
public sealed class WeComCardRenderer(CardLinkSigner signer, IOptions<CardOptions> options)
{
    /// <summary>Shown as the card's source line.</summary>
    public const string SourceName = "CrmChat";

    /// <summary>
    /// An app message card. <paramref name="taskId"/> names this card instance (unique per app,
    /// [A-Za-z0-9_-@], ≤ 128 bytes); each Submit becomes a button whose key is
    /// <see cref="CardActionKey.Encode"/> of its data.
    /// </summary>
    public CardRendering<WeComTemplateCard> RenderAppCard(AdaptiveCard card, string taskId)
    {
        if (!WeComTemplateCard.IsValidTaskId(taskId))
        {
            throw new ArgumentException($"task_id '{taskId}' must be 1-128 characters from A-Z a-z 0-9 _ - @.", nameof(taskId));
        }
        var notes = new NoteList();
        var flat = FlatCard.From(card, notes);
        var buttons = Buttons(flat.Submits, notes);
        var rendered = Body(flat, notes, buttons.Count > 0 ? WeComTemplateCard.ButtonInteractionType : WeComTemplateCard.TextNoticeType,
            Jumps(flat.Links.Select(l => (l.Title, l.Url)), notes, "Action.OpenUrl"));
        // Every app card carries its task_id, also text_notice (where WeCom allows it): two
        // cards that look the same stay two messages under WeCom's duplicate check, while a
        // resend of the same card after a crash is still recognised as a duplicate.
        rendered = buttons.Count > 0 ? rendered with { TaskId = taskId, ButtonList = buttons } : rendered with { TaskId = taskId };
        return new(rendered, notes.Notes);
    }

    /// <summary>
    /// A group robot text_notice card. Submit actions become signed links for
    /// <paramref name="links"/>'s employee in the jump list; without a target they are dropped (noted).
    /// </summary>
    public CardRendering<WeComTemplateCard> RenderRobotCard(AdaptiveCard card, CardLinkTarget? links)
    {
        var notes = new NoteList();
        var flat = FlatCard.From(card, notes);
        var signed = SignedLinks(flat.Submits, links, notes);
        var jumps = Jumps(flat.Links.Select(l => (l.Title, l.Url)).Concat(signed), notes, "action");
        return new(Body(flat, notes, WeComTemplateCard.TextNoticeType, jumps), notes.Notes);
    }

    /// <summary>Group robot markdown (≤ 4096 bytes), Submit actions as signed links as for <see cref="RenderRobotCard"/>.</summary>
    public CardRendering<WeComRobotMessage> RenderRobotMarkdown(AdaptiveCard card, CardLinkTarget? links)
    {
        var notes = new NoteList();
        var flat = FlatCard.From(card, notes);
        var text = new StringBuilder();
        foreach (var block in flat.Blocks)
        {
            switch (block)
            {
                case FlatCard.Text { Source: var t }:
                    text.Append(t.IsHeading ? $"**{t.Text}**" : t.IsSubtle == true ? $"<font color=\"comment\">{t.Text}</font>" : t.Text).Append('\n');
                    break;
                case FlatCard.Facts { Items: var facts }:
                    foreach (var fact in facts)
                    {
                        text.Append("> ").Append(fact.Title).Append("：<font color=\"info\">").Append(fact.Value).Append("</font>\n");
                    }
                    break;
                case FlatCard.Input { Source: var input }:
                    text.Append(FlatCard.InputPrompt(input)).Append('\n');
                    break;
            }
        }
        var actions = flat.Links.Select(l => (l.Title, l.Url)).Concat(SignedLinks(flat.Submits, links, notes)).ToList();
        if (actions.Count > 0)
        {
            text.Append('\n').AppendJoin("　", actions.Select(a => $"[{a.Title}]({a.Url})"));
        }
        var content = notes.FitBytes(text.ToString().TrimEnd('\n'), WeComRobotMessage.MaxMarkdownBytes, "markdown");
        return new(WeComRobotMessage.ForMarkdown(content), notes.Notes);
    }

    private WeComTemplateCard Body(FlatCard flat, NoteList notes, string cardType, IReadOnlyList<WeComCardJump> jumps)
    {
        var texts = flat.Texts.ToList();
        string title;
        if (texts.Count > 0)
        {
            title = notes.Fit(texts[0].Text, WeComCardLimits.MainTitle, "main_title.title");
            texts.RemoveAt(0);
        }
        else
        {
            title = SourceName;
            notes.Add(RenderNoteKind.Degraded, "main_title.title", $"the card has no TextBlock; titled '{SourceName}'");
        }
        string? desc = null;
        if (texts.Count > 0 && texts[0].IsSubtle == true)
        {
            desc = notes.Fit(texts[0].Text, WeComCardLimits.MainTitleDesc, "main_title.desc");
            texts.RemoveAt(0);
        }
        var lines = texts.Select(t => t.Text).Concat(flat.Inputs.Select(FlatCard.InputPrompt)).ToList();
        var subTitle = lines.Count == 0 ? null : notes.Fit(string.Join('\n', lines), WeComCardLimits.SubTitleText, "sub_title_text");

        var firstUrl = jumps.FirstOrDefault()?.Url ?? flat.Links.FirstOrDefault()?.Url;
        return new WeComTemplateCard
        {
            CardType = cardType,
            Source = new(Desc: SourceName),
            MainTitle = new(title, desc),
            SubTitleText = subTitle,
            HorizontalContentList = Facts(flat.AllFacts.ToList(), notes),
            JumpList = jumps.Count == 0 ? null : jumps,
            // text_notice needs somewhere to go when tapped: the first link, else CrmChat itself.
            CardAction = firstUrl is not null ? new(1, firstUrl)
                : cardType == WeComTemplateCard.TextNoticeType ? new(1, options.Value.PublicBaseUrl!.ToString()) : null,
        };
    }

    private static List<WeComCardHorizontalContent>? Facts(List<Fact> facts, NoteList notes)
    {
        if (facts.Count == 0)
        {
            return null;
        }
        var shown = facts.Count <= WeComCardLimits.HorizontalContents ? facts : facts.Take(WeComCardLimits.HorizontalContents - 1).ToList();
        var list = shown.Select((f, i) => new WeComCardHorizontalContent(
            notes.Fit(f.Title, WeComCardLimits.KeyName, $"fact {i + 1} title"),
            notes.Fit(f.Value, WeComCardLimits.Value, $"fact {i + 1} value"))).ToList();
        if (shown.Count < facts.Count)
        {
            var hidden = facts.Count - shown.Count;
            list.Add(new(NoteList.Ellipsis, $"还有 {hidden} 项 {hidden} more"));
            notes.Add(RenderNoteKind.Truncated, "FactSet",
                $"{facts.Count} facts, WeCom shows {WeComCardLimits.HorizontalContents}: the last {hidden} replaced by one '…' line ({string.Join(", ", facts.Skip(shown.Count).Select(f => f.Title))})");
        }
        return list;
    }

    private static List<WeComCardButton> Buttons(IReadOnlyList<SubmitAction> submits, NoteList notes)
    {
        var buttons = new List<WeComCardButton>();
        foreach (var submit in submits)
        {
            var key = CardActionKey.Encode(submit);
            if (Encoding.UTF8.GetByteCount(key) > WeComCardLimits.ButtonKeyBytes)
            {
                throw new ArgumentException($"Action.Submit '{submit.Title}' data is {Encoding.UTF8.GetByteCount(key)} bytes as a button key; WeCom takes {WeComCardLimits.ButtonKeyBytes}. Keep ids short.", nameof(submits));
            }
            if (buttons.Any(b => b.Key == key))
            {
                notes.Add(RenderNoteKind.Dropped, $"Action.Submit '{submit.Title}'", "same data as an earlier button; WeCom button keys must be unique");
                continue;
            }
            if (buttons.Count == WeComCardLimits.Buttons)
            {
                notes.Add(RenderNoteKind.Dropped, $"Action.Submit '{submit.Title}'", $"WeCom cards take at most {WeComCardLimits.Buttons} buttons");
                continue;
            }
            // WeCom documents styles 1-4 by picture only; 1 (its default) for the main action, 2 for the rest.
            var style = submit.Style == ActionStyle.Destructive ? 2 : 1;
            buttons.Add(new(notes.Fit(submit.Title, WeComCardLimits.ButtonText, $"button '{submit.Title}'"), key, style));
        }
        return buttons;
    }

    private static List<WeComCardJump> Jumps(IEnumerable<(string Title, string Url)> links, NoteList notes, string element)
    {
        var jumps = new List<WeComCardJump>();
        foreach (var (title, url) in links)
        {
            if (jumps.Count == WeComCardLimits.Jumps)
            {
                notes.Add(RenderNoteKind.Dropped, $"{element} '{title}'", $"WeCom cards take at most {WeComCardLimits.Jumps} links");
                continue;
            }
            jumps.Add(new(notes.Fit(title, WeComCardLimits.JumpTitle, $"link '{title}'"), 1, url));
        }
        return jumps;
    }

    private List<(string Title, string Url)> SignedLinks(IReadOnlyList<SubmitAction> submits, CardLinkTarget? target, NoteList notes)
    {
        if (submits.Count == 0)
        {
            return [];
        }
        if (target is null)
        {
            foreach (var submit in submits)
            {
                notes.Add(RenderNoteKind.Dropped, $"Action.Submit '{submit.Title}'", "group robots have no buttons and no employee was named to sign a link for");
            }
            return [];
        }
        var expiry = target.ExpiresAt ?? signer.DefaultExpiry();
        return submits.Select(s =>
        {
            notes.Add(RenderNoteKind.Degraded, $"Action.Submit '{s.Title}'", $"a signed link for employee '{target.EmployeeId}' until {expiry:u}");
            return (s.Title, signer.CreateLink(target.CardId, CardActionKey.Encode(s), target.EmployeeId, expiry).ToString());
        }).ToList();
    }
}
