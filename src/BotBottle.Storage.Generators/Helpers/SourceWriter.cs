using System;
using System.Text;

namespace BotBottle.Storage.Generators.Helpers
{
    /// <summary>Writes C# source with four-space indentation and LF line endings.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _builder = new();
        private int _indent;

        public void Indent() => _indent++;

        public void Unindent() => _indent = Math.Max(0, _indent - 1);

        public SourceWriter Line(string text = "")
        {
            if (text.Length > 0)
            {
                _builder.Append(' ', _indent * 4);
                _builder.Append(text);
            }

            _builder.Append('\n');
            return this;
        }

        public void OpenBlock(string header)
        {
            Line(header);
            Line("{");
            Indent();
        }

        public void CloseBlock(string suffix = "")
        {
            Unindent();
            Line("}" + suffix);
        }

        public override string ToString() => _builder.ToString();
    }
}
