namespace CrmChat.Bench;

public static class FullSyncBench
{
    public static Task<int> RunAsync(BenchArgs args) => Task.FromResult(args.Smoke ? 0 : 0);
}
