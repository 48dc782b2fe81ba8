using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// Dockerfile.sidecars cannot be built here (no container engine), so what can be checked without
/// one is: the architecture mapping, that the build stage cross-compiles on the builder's platform,
/// and that every file it copies out of a publish exists in a real publish of the architecture under test.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "Dockerfile.sidecars"));

    private static readonly string PublishScript = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "build", "publish.sh"));

    [Fact]
    public void Each_target_architecture_maps_to_a_rid_publish_sh_builds()
    {
        var mapping = ArchitectureCase().Matches(Dockerfile).ToDictionary(static m => m.Groups["arch"].Value, static m => m.Groups["rid"].Value);

        Assert.Equal("linux-x64", mapping["amd64"]);
        Assert.Equal("linux-arm64", mapping["arm64"]);
        Assert.All(mapping.Values, rid => Assert.Contains(rid + "|", PublishScript.Replace(")", "|", StringComparison.Ordinal), StringComparison.Ordinal));
    }

    [Fact]
    public void The_build_stage_runs_on_the_builders_platform_and_the_runtime_stage_on_the_target()
    {
        string[] stages = Dockerfile.Split('\n').Where(static l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToArray();

        Assert.Equal(2, stages.Length);
        Assert.StartsWith("FROM --platform=$BUILDPLATFORM ", stages[0], StringComparison.Ordinal);
        Assert.DoesNotContain("--platform", stages[1], StringComparison.Ordinal);
        Assert.DoesNotContain("net9", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_file_it_copies_from_a_publish_exists_in_the_publish_of_the_architecture_under_test()
    {
        string dist = Path.GetDirectoryName(Path.GetFullPath(Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_BIN") is { Length: > 0 } bin ? bin : SidecarBinary.Path))!;
        string[] copied = PublishedFile().Matches(Dockerfile).Select(static m => m.Groups["file"].Value).ToArray();

        Assert.Equal(["bot-bottle-sidecar", "libe_sqlite3.so"], copied);
        Assert.All(copied, file => Assert.True(File.Exists(Path.Combine(dist, file)), $"{file} is not in {dist}"));
        Assert.Contains($"\"/usr/local/bin/bot-bottle-sidecar\", \"serve\"", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void The_healthcheck_and_entrypoint_are_commands_the_binary_has()
    {
        Assert.Equal(0, SidecarBinary.Run("healthcheck", "--help").ExitCode);
        Assert.Equal(0, SidecarBinary.Run("serve", "--help").ExitCode);
    }

    [GeneratedRegex(@"(?<arch>amd64|arm64)\) echo (?<rid>linux-[a-z0-9]+) > /rid")]
    private static partial Regex ArchitectureCase();

    [GeneratedRegex(@"""dist/\$rid/(?<file>[^""]+)""")]
    private static partial Regex PublishedFile();
}
