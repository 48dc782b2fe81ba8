using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using BotBottle.Storage.Audit;
using BotBottle.Tests.Fuzzing;
using Xunit;

namespace BotBottle.Storage.Tests;

public sealed class UnifiedDiffTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("bb-diff-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ForAudit_keeps_a_diff_that_fits_and_cuts_a_larger_one_at_a_line_naming_the_proposal()
    {
        string small = UnifiedDiff.Create(null, "a\nb\n");
        Assert.Same(small, UnifiedDiff.ForAudit(small, "p1"));

        string file = string.Concat(Enumerable.Repeat("allowed-host.example.com\n", 20_000));
        string whole = UnifiedDiff.Create("old\n", file);
        string cut = UnifiedDiff.ForAudit(whole, "p1");

        Assert.True(System.Text.Encoding.UTF8.GetByteCount(cut) <= UnifiedDiff.MaxAuditDiffBytes);
        Assert.StartsWith(cut[..cut.LastIndexOf("\\ diff cut", StringComparison.Ordinal)], whole, StringComparison.Ordinal);
        Assert.EndsWith($" of {System.Text.Encoding.UTF8.GetByteCount(whole)} bytes; the full files are in the queue: queue show p1\n", cut, StringComparison.Ordinal);
        Assert.Contains("\n\\ diff cut at ", cut, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_returns_empty_for_equal_files()
        => Assert.Equal(string.Empty, UnifiedDiff.Create("a\nb\n", "a\nb\n"));

    [Fact]
    public void Create_writes_a_hunk_with_context()
    {
        string diff = UnifiedDiff.Create("one\ntwo\nthree\nfour\n", "one\ntwo\n3\nfour\n");

        Assert.Equal("--- current\n+++ final\n@@ -1,4 +1,4 @@\n one\n two\n-three\n+3\n four\n", diff);
    }

    [Fact]
    public void Create_diffs_from_dev_null_when_there_is_no_current_file()
    {
        string diff = UnifiedDiff.Create(null, "FROM debian\n");

        Assert.Equal("--- /dev/null\n+++ final\n@@ -0,0 +1,1 @@\n+FROM debian\n", diff);
    }

    [Fact]
    public void Create_marks_a_missing_final_newline()
    {
        string diff = UnifiedDiff.Create("a\nb\n", "a\nb");

        Assert.Contains("\\ No newline at end of file", diff, StringComparison.Ordinal);
        Assert.Equal("a\nb", Patch("a\nb\n", diff));
    }

    [Fact]
    public void Create_output_applies_with_patch_for_random_edits()
    {
        FuzzSeed seed = FuzzSeed.For(20261122, "BotBottle.Storage.Tests", GetType());
        seed.Check(() => PatchRandomEdits(seed.Random()));
    }

    private void PatchRandomEdits(Random random)
    {
        for (int round = 0; round < 60; round++)
        {
            string[] words = ["alpha", "beta", "gamma", "delta", "api.example.com", "*.github.com", "{", "}", ""];
            string[] old = Enumerable.Range(0, random.Next(0, 40)).Select(_ => words[random.Next(words.Length)]).ToArray();
            var edited = old.ToList();
            for (int edit = random.Next(1, 8); edit > 0; edit--)
            {
                int at = random.Next(edited.Count + 1);
                switch (random.Next(3))
                {
                    case 0 when at < edited.Count: edited.RemoveAt(at); break;
                    case 1 when at < edited.Count: edited[at] = "changed-" + round; break;
                    default: edited.Insert(at, "inserted-" + edit); break;
                }
            }

            string before = old.Length == 0 ? string.Empty : string.Join('\n', old) + "\n";
            string after = edited.Count == 0 ? string.Empty : string.Join('\n', edited) + (random.Next(4) == 0 ? string.Empty : "\n");
            string diff = UnifiedDiff.Create(before, after);

            Assert.Equal(after, before == after ? before : Patch(before, diff));
        }
    }

    /// <summary>Applies <paramref name="diff"/> to <paramref name="original"/> with GNU patch.</summary>
    private string Patch(string original, string diff)
    {
        string file = Path.Combine(_directory, "file");
        string patchFile = Path.Combine(_directory, "change.diff");
        File.WriteAllText(file, original);
        File.WriteAllText(patchFile, diff);
        var start = new ProcessStartInfo("patch", ["--quiet", "--force", file, patchFile]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"patch failed: {output}\n{diff}");
        return File.ReadAllText(file, Encoding.UTF8);
    }
}
