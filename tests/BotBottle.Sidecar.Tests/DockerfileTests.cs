using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace BotBottle.Sidecar.Tests;

/// <summary>
/// What ContainerTests cannot reach, because CI builds the image from published files
/// (build/image.sh, BINARIES=published) and has no SDK image for the full-source build stage: the
/// architecture mapping, that the build stage cross-compiles on the builder's platform, that both
/// ways of getting the binaries lay out the same files, and that the commit reaches --version.
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly string Dockerfile = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "Dockerfile.sidecars"));

    private static readonly string PublishScript = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "build", "publish.sh"));

    private static readonly string ImageScript = File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, "build", "image.sh"));

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

        Assert.Equal(
            ["FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build", "FROM scratch AS published", "FROM ${BINARIES} AS binaries", "FROM ${RUNTIME_IMAGE}"],
            stages);
        Assert.Contains("ARG BINARIES=build\n", Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("--from=build ", Dockerfile, StringComparison.Ordinal);
        Assert.DoesNotContain("net9", Dockerfile, StringComparison.Ordinal);
    }

    [Fact]
    public void Published_binaries_are_laid_out_as_the_build_stage_lays_them_out()
    {
        string[] buildStageDirectories = MadeDirectories().Match(Dockerfile).Groups["dirs"].Value.Split(' ');
        string[] imageScriptDirectories = MadeDirectories().Match(ImageScript).Groups["dirs"].Value.Split(' ').Select(static d => d.Replace("\"$context/out", "/out", StringComparison.Ordinal).TrimEnd('"')).ToArray();
        string[] copiedByImageScript = ImageScriptCopy().Matches(ImageScript).Select(static m => m.Groups["file"].Value).ToArray();

        Assert.Equal(["/out/bin", "/out/run/supervise", "/out/etc/bot-bottle/current-config"], buildStageDirectories);
        Assert.Equal(buildStageDirectories, imageScriptDirectories);
        Assert.Equal(PublishedFile().Matches(Dockerfile).Select(static m => m.Groups["file"].Value), copiedByImageScript);
        Assert.Contains("--build-arg BINARIES=published", ImageScript, StringComparison.Ordinal);
        Assert.Contains("--format docker", ImageScript, StringComparison.Ordinal);
    }

    [Fact]
    public void The_commit_reaches_the_full_source_build_without_git()
    {
        // .dockerignore keeps .git out of the build context, where SourceLink would have found the commit.
        Assert.Contains(".git/", File.ReadAllText(Path.Combine(SidecarBinary.RepoRoot, ".dockerignore")), StringComparison.Ordinal);
        Assert.Contains("BOTBOTTLE_SOURCE_REVISION=\"$SOURCE_REVISION\" bash build/publish.sh", Dockerfile, StringComparison.Ordinal);
        Assert.Contains("-p:SourceRevisionId=$BOTBOTTLE_SOURCE_REVISION", PublishScript, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_file_it_copies_from_a_publish_exists_in_the_publish_of_the_architecture_under_test()
    {
        string dist = Path.GetDirectoryName(Path.GetFullPath(Environment.GetEnvironmentVariable("BOTBOTTLE_SIDECAR_BIN") is { Length: > 0 } bin ? bin : SidecarBinary.Path))!;
        string[] copied = PublishedFile().Matches(Dockerfile).Select(static m => m.Groups["file"].Value).ToArray();

        Assert.Equal(["bot-bottle-sidecar", "bot-bottle-propose", "libe_sqlite3.so"], copied);
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

    [GeneratedRegex(@"""\$dist/(?<file>[A-Za-z0-9_.-]+)""")]
    private static partial Regex ImageScriptCopy();

    [GeneratedRegex(@"mkdir -p (?<dirs>[^\n\\&]+?)\s*(\\|\n|&&)")]
    private static partial Regex MadeDirectories();
}
