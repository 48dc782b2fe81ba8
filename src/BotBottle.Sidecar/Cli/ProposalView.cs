using System.IO;
using BotBottle.Storage.Audit;
using BotBottle.Storage.Queue;
using BotBottle.Storage.Text;

namespace BotBottle.Sidecar.Cli;

/// <summary>One proposal as the operator reads it, in <c>queue show</c> and <c>queue review</c>.</summary>
internal static class ProposalView
{
    /// <summary>
    /// The proposal's facts, its justification, the diff from the current file and, once answered,
    /// the notes. Every stored text goes through AgentText.Visible before any styling: what the
    /// operator reads is exactly what they approve.
    /// </summary>
    public static void Write(TextWriter output, TerminalStyle style, Proposal proposal, Response? response, Withdrawal? withdrawal = null)
    {
        string status = (response, withdrawal) switch
        {
            ({ } answered, _) => ResponseStatusSqliteText.ToText(answered.Status),
            (null, { } withdrawn) => $"withdrawn by the agent at {withdrawn.WithdrawnAt:yyyy-MM-dd HH:mm:ss} UTC",
            _ => "pending",
        };
        output.WriteLine($"{style.Bold("Proposal")}       {proposal.Id}");
        output.WriteLine($"Bottle         {AgentText.Visible(proposal.BottleSlug, multiline: false)}");
        output.WriteLine($"Tool           {AgentText.Visible(proposal.Tool, multiline: false)}");
        output.WriteLine($"Arrived (UTC)  {proposal.ArrivalTimestamp:yyyy-MM-dd HH:mm:ss}");
        output.WriteLine($"Current hash   {AgentText.Visible(proposal.CurrentFileHash ?? "(no current file)", multiline: false)}");
        output.WriteLine($"Status         {status}{(proposal.Archived && withdrawal is null ? " (archived)" : string.Empty)}");
        output.WriteLine();
        // The agent's words behind a gutter: no line of them can pass for a header, a status or the diff below.
        output.WriteLine(style.Bold("Justification:"));
        output.WriteLine(AgentText.Quoted(proposal.Justification));
        output.WriteLine();
        WriteDiff(output, style, proposal.CurrentFile, proposal.ProposedFile, "current", "proposed");
        if (response is not null)
        {
            output.WriteLine(style.Bold("Notes:"));
            output.WriteLine(AgentText.Visible(response.Notes));
        }
    }

    /// <summary>The unified diff from <paramref name="before"/> to <paramref name="after"/>, or a line saying they are equal.</summary>
    public static void WriteDiff(TextWriter output, TerminalStyle style, string? before, string after, string beforeLabel, string afterLabel)
    {
        string diff = UnifiedDiff.Create(before, after, beforeLabel, afterLabel);
        output.WriteLine(diff.Length == 0 ? $"The {afterLabel} file equals the {beforeLabel} file." : style.Diff(AgentText.Visible(diff)));
    }
}
