namespace BotBottle.Storage.Text;

/// <summary>A character refused at intake, and where it is.</summary>
/// <param name="Character">The UTF-16 unit.</param>
/// <param name="Index">Its offset in the string, from 0.</param>
/// <param name="Line">Its line, from 1.</param>
/// <param name="Column">Its column in that line, from 1, counting characters.</param>
public readonly record struct RefusedCharacter(char Character, int Index, int Line, int Column)
{
    /// <summary>"U+001B (ESC, …) at line 2, column 7".</summary>
    public override string ToString() => $"{AgentText.Describe(Character)} at line {Line}, column {Column}";
}
