using CrmChat.Connectors.WeCom;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Bots.Inbox;

/// <summary>
/// WeCom customer events into the CRM: an added or edited contact is fetched with
/// externalcontact/get (the callback carries only ids) and upserted; a removal ends that
/// follow relation; a failed handover is recorded; a tag change refreshes the catalogue.
/// </summary>
internal sealed class WeComContactHandler(IWeComExternalContactClient client, ContactSync sync) : IInboxHandler
{
    private static readonly string[] Handled =
    [
        "change_external_contact/add_external_contact",
        "change_external_contact/add_half_external_contact",
        "change_external_contact/edit_external_contact",
        "change_external_contact/del_external_contact",
        "change_external_contact/del_follow_user",
        "change_external_contact/transfer_fail",
    ];

    public bool Handles(InboxEvent inboxEvent) =>
        inboxEvent.Platform == Platform.WeCom
        && (Handled.Contains(inboxEvent.EventType, StringComparer.Ordinal) || inboxEvent.EventType.StartsWith("change_external_tag", StringComparison.Ordinal));

    public async Task<InboxChange> PrepareAsync(InboxEvent inboxEvent, CancellationToken ct)
    {
        var message = WeComCallbackXml.Parse(inboxEvent.Payload);
        var at = DateTimeOffset.FromUnixTimeSeconds(message.Envelope.CreateTime);
        switch (message)
        {
            case WeComExternalTagChanged:
                var groups = await client.GetCorpTagListAsync(cancellationToken: ct);
                return async token => await sync.ApplyTagCatalogAsync(Platform.WeCom, WeComContactMapping.ToCatalog(groups), token);

            case WeComExternalContactChanged { ExternalUserId: { Length: > 0 } externalId, UserId: { Length: > 0 } userId } change:
                return change.Envelope.ChangeType switch
                {
                    "del_external_contact" => async token => await sync.EndFollowAsync(Platform.WeCom, externalId, userId,
                        change.Source == "DELETE_BY_TRANSFER" ? FollowEndReason.Transferred : FollowEndReason.RemovedByEmployee,
                        change.Source, at, token),
                    "del_follow_user" => async token => await sync.EndFollowAsync(Platform.WeCom, externalId, userId,
                        FollowEndReason.RemovedByCustomer, null, at, token),
                    "transfer_fail" => async token => await sync.RecordTransferFailedAsync(Platform.WeCom, externalId, userId,
                        change.FailReason ?? "unknown", at, token),
                    _ => await UpsertAsync(externalId, ct),
                };

            default:
                throw new InvalidDataException($"WeCom {inboxEvent.EventType} event without ExternalUserID and UserID.");
        }
    }

    private async Task<InboxChange> UpsertAsync(string externalId, CancellationToken ct)
    {
        WeComContactDetail detail;
        try
        {
            detail = await client.GetContactAsync(externalId, ct);
        }
        catch (WeComApiException e) when (e.ErrCode is InvalidExternalUserId or WeComApiException.MemberHasNoCustomers)
        {
            // Gone again before we looked (its removal event follows): nothing to add.
            return _ => Task.CompletedTask;
        }
        var snapshot = WeComContactMapping.ToSnapshot(detail);
        return async token => await sync.ApplyContactAsync(snapshot, ContactChangeSource.Callback, token);
    }

    private const int InvalidExternalUserId = 40096;
}
