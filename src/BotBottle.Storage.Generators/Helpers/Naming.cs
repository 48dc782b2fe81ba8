using System.Text;

namespace BotBottle.Storage.Generators.Helpers
{
    internal static class Naming
    {
        /// <summary>ArrivalTimestamp → arrival_timestamp; the schema's column convention.</summary>
        public static string ToSnakeCase(string name)
        {
            var builder = new StringBuilder(name.Length + 8);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsUpper(c))
                {
                    bool previousIsLowerOrDigit = i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]));
                    bool startsWordAfterAcronym = i > 0 && char.IsUpper(name[i - 1]) && i + 1 < name.Length && char.IsLower(name[i + 1]);
                    if (previousIsLowerOrDigit || startsWordAfterAcronym)
                    {
                        builder.Append('_');
                    }

                    builder.Append(char.ToLowerInvariant(c));
                }
                else
                {
                    builder.Append(c);
                }
            }

            return builder.ToString();
        }

        /// <summary>A C# string literal of any text: verbatim, quotes doubled.</summary>
        public static string VerbatimLiteral(string text) => "@\"" + text.Replace("\"", "\"\"") + "\"";

        /// <summary>A regular C# string literal for short identifiers and column names.</summary>
        public static string QuotedLiteral(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }
}
