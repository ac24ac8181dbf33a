using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CrmChat.Testing;

/// <summary>
/// A long-running Node.js script from tests/peers that answers one JSON line per request,
/// so tests can check CrmChat's protocol code against implementations nobody here wrote.
/// Start one per test class (a fixture): starting Node costs far more than a request.
/// </summary>
public sealed class NodePeer : IDisposable
{
    public const string PeersVariable = "CRMCHAT_TEST_PEERS";
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly string _script;
    private readonly StringBuilder _errors = new();
    private readonly SemaphoreSlim _turn = new(1, 1);

    private NodePeer(Process process, string script)
    {
        _process = process;
        _script = script;
    }

    /// <summary>tests/peers: from CRMCHAT_TEST_PEERS (set by ./test.sh), else found above the test binaries.</summary>
    public static string PeersFolder()
    {
        if (Environment.GetEnvironmentVariable(PeersVariable) is { Length: > 0 } configured)
        {
            return configured;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "peers");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException(
            $"tests/peers was not found above {AppContext.BaseDirectory}. Run ./test.sh, or set {PeersVariable} to the folder.");
    }

    public static NodePeer Start(string script)
    {
        var folder = PeersFolder();
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            throw new InvalidOperationException(
                $"The npm peers are not installed in {folder} (no node_modules). Run ./test.sh, or `npm ci` in that folder.");
        }
        var start = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = new UTF8Encoding(false),
            StandardErrorEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"Node.js is needed for the cross-check tests and could not be started: {ex.Message}", ex);
        }
        var peer = new NodePeer(process, script);
        process.ErrorDataReceived += (_, e) =>
        {
            lock (peer._errors)
            {
                peer._errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        return peer;
    }

    /// <summary>Sends one request and returns the answer; an answer with "error" throws.</summary>
    public async Task<JsonElement> AskAsync(object request)
    {
        await _turn.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(request));
            await _process.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(AnswerTimeout);
            var line = await _process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null)
            {
                throw new InvalidOperationException($"{_script} exited: {Errors()}");
            }
            var answer = JsonDocument.Parse(line).RootElement.Clone();
            if (answer.TryGetProperty("error", out var error))
            {
                throw new PeerException($"{_script}: {error.GetString()}");
            }
            return answer;
        }
        finally
        {
            _turn.Release();
        }
    }

    private string Errors()
    {
        lock (_errors)
        {
            return _errors.ToString();
        }
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(2000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _turn.Dispose();
    }
}

/// <summary>The peer refused a request (the official code threw).</summary>
public sealed class PeerException(string message) : Exception(message);
