namespace CrmChat.Sandbox.WeCom;

public sealed partial class WeComSandbox
{
    internal CallbackDelivery RecordDelivery(string kind, string xml, string url)
    {
        lock (_gate)
        {
            var delivery = new CallbackDelivery { Id = _nextDeliveryId++, Kind = kind, Xml = xml, Url = url.Length > 0 ? url : null };
            _deliveries.Add(delivery);
            return delivery;
        }
    }

    internal void RecordAttempt(CallbackDelivery delivery, CallbackAttempt attempt, bool delivered)
    {
        lock (_gate)
        {
            delivery.Attempts.Add(attempt);
            delivery.Delivered |= delivered;
        }
    }

    /// <summary>Every event the Sandbox sent or tried to send, oldest first, with its attempts.</summary>
    public IReadOnlyList<CallbackDelivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return _deliveries.Select(d =>
                {
                    var copy = new CallbackDelivery { Id = d.Id, Kind = d.Kind, Xml = d.Xml, Url = d.Url, Delivered = d.Delivered };
                    copy.Attempts.AddRange(d.Attempts);
                    return copy;
                }).ToList();
            }
        }
    }
}
