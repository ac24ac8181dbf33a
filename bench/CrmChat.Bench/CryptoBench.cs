namespace CrmChat.Bench;

public static class CryptoBench
{
    public static int Run(BenchArgs args) => args.Smoke ? 0 : 0;
}
