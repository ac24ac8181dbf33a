using CrmChat.Bench;

// One tool, one subcommand per benchmark; bench/run.sh calls them in turn.
var options = BenchArgs.Parse(args.Skip(1));
try
{
    return args.FirstOrDefault() switch
    {
        "gen-callbacks" => await CallbackFile.GenerateAsync(options),
        "ingest" => await IngestBench.RunAsync(options),
        "processing" => await ProcessingBench.RunAsync(options),
        "fullsync" => await FullSyncBench.RunAsync(options),
        "reminders" => await ReminderBench.RunAsync(options),
        "crypto" => CryptoBench.Run(options),
        _ => Usage(),
    };
}
catch (BenchFailedException ex)
{
    Console.Error.WriteLine($"BENCH FAILED: {ex.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: CrmChat.Bench gen-callbacks|ingest|processing|fullsync|reminders|crypto [--key value ...]");
    return 2;
}
