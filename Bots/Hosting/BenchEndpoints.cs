namespace CrmChat.Bots.Hosting;

internal static class BenchEndpoints
{
    /// <summary>
    /// The ceiling the webhook benchmark compares against: a POST that answers 200 and does
    /// nothing else, in the same host and pipeline. Mapped only when <c>Bench:BareEndpoint</c>
    /// is true, which no shipped configuration sets.
    /// </summary>
    public static IEndpointRouteBuilder MapBenchEndpointsWhenEnabled(this WebApplication app)
    {
        if (app.Configuration.GetValue("Bench:BareEndpoint", false))
        {
            app.MapPost("/bench/bare", () => TypedResults.Ok()).AllowAnonymous().ExcludeFromDescription();
        }
        return app;
    }
}
