using System.Xml.Linq;

namespace CrmChat.Bots.Tests;

/// <summary>References point inward only (DESIGN.md): the rooms stay independent.</summary>
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["CrmChat.CrmCore"] = [],
        ["CrmChat.Connectors"] = ["CrmChat.CrmCore"],
        ["CrmChat.Scheduler"] = ["CrmChat.CrmCore"],
        ["CrmChat.Sandbox"] = ["CrmChat.Connectors"],
        ["CrmChat.Bots"] = ["CrmChat.CrmCore", "CrmChat.Connectors", "CrmChat.Scheduler", "CrmChat.Sandbox"],
        // The benchmarks drive the host from outside, as a process; they never reference it.
        ["CrmChat.Bench"] = ["CrmChat.CrmCore", "CrmChat.Connectors", "CrmChat.Sandbox"],
    };

    public static TheoryData<string> Projects => new(Allowed.Keys);

    internal static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CrmChat.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("CrmChat.sln not found above " + AppContext.BaseDirectory);
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void A_project_references_only_the_rooms_inside_it(string project)
    {
        var root = RepositoryRoot();
        var file = Directory.GetFiles(root, project + ".csproj", SearchOption.AllDirectories)
            .Single(f => !f.Contains($"{Path.DirectorySeparatorChar}tests{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var references = XDocument.Load(file).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')))
            .ToList();
        var forbidden = references.Except(Allowed[project]).ToList();
        Assert.True(forbidden.Count == 0, $"{project} must not reference {string.Join(", ", forbidden)} (see DESIGN.md)");
    }

    [Fact]
    public void Every_room_in_the_solution_is_covered_by_the_rule()
    {
        var solution = File.ReadAllText(Path.Combine(RepositoryRoot(), "CrmChat.sln"));
        var rooms = System.Text.RegularExpressions.Regex.Matches(solution, @"""(CrmChat\.[A-Za-z]+)"", ""(?!tests)[^""]+\.csproj""")
            .Select(m => m.Groups[1].Value);
        Assert.All(rooms, room => Assert.Contains(room, Allowed.Keys));
    }
}
