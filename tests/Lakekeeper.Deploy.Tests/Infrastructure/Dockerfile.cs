namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>
/// A Dockerfile read the way BuildKit reads one: comments and parser directives dropped, line
/// continuations joined, one instruction per entry, split into build stages at each FROM, with
/// ARG defaults declared before the first FROM substituted into FROM lines.
/// </summary>
internal sealed record Dockerfile(IReadOnlyList<Dockerfile.Instruction> Instructions)
{
    public sealed record Instruction(string Keyword, string Arguments, int Line);

    public sealed record Stage(string Image, string? Name, IReadOnlyList<Instruction> Instructions);

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<Instruction>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = new System.Text.StringBuilder();
        var startLine = 0;
        var heredoc = (string?)null;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (heredoc is not null)
            {
                current.Append('\n').Append(line);
                if (line.Trim() == heredoc)
                {
                    heredoc = null;
                    Flush();
                }

                continue;
            }

            var trimmed = line.TrimStart();
            if (current.Length == 0 && (trimmed.Length == 0 || trimmed.StartsWith('#')))
            {
                continue;
            }

            if (current.Length > 0 && (trimmed.Length == 0 || trimmed.StartsWith('#')))
            {
                continue; // a comment or an empty line inside a continued instruction
            }

            if (current.Length == 0)
            {
                startLine = i + 1;
            }

            if (line.TrimEnd().EndsWith('\\'))
            {
                current.Append(line.TrimEnd()[..^1]).Append(' ');
                continue;
            }

            current.Append(line);
            var marker = current.ToString().IndexOf("<<", StringComparison.Ordinal);
            if (marker >= 0 && current.ToString()[(marker + 2)..].Trim().TrimStart('-').Trim('"', '\'') is { Length: > 0 } word && word.All(c => char.IsLetterOrDigit(c) || c == '_'))
            {
                heredoc = word;
                continue;
            }

            Flush();
        }

        if (heredoc is not null)
        {
            throw new FormatException($"line {startLine}: heredoc {heredoc} is not closed");
        }

        if (current.Length > 0)
        {
            Flush(); // a continuation at the end of the file ends the instruction
        }

        return new Dockerfile(instructions);

        void Flush()
        {
            var instruction = current.ToString().Trim();
            current.Clear();
            var space = instruction.IndexOfAny([' ', '\t']);
            if (space < 0)
            {
                throw new FormatException($"line {startLine}: '{instruction}' has no arguments");
            }

            instructions.Add(new Instruction(instruction[..space].ToUpperInvariant(), instruction[(space + 1)..].Trim(), startLine));
        }
    }

    public IReadOnlyList<Stage> Stages()
    {
        var globalArgs = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<Stage>();
        List<Instruction>? body = null;
        string? image = null, name = null;
        foreach (var instruction in Instructions)
        {
            if (instruction.Keyword == "FROM")
            {
                Close();
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                image = Substitute(words[0], globalArgs);
                name = words.Count == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                body = [];
            }
            else if (body is null)
            {
                if (instruction.Keyword != "ARG")
                {
                    throw new FormatException($"line {instruction.Line}: {instruction.Keyword} before the first FROM");
                }

                var (key, value) = SplitArg(instruction.Arguments);
                globalArgs[key] = value ?? "";
            }
            else
            {
                body.Add(instruction);
            }
        }

        Close();
        return stages;

        void Close()
        {
            if (body is not null)
            {
                stages.Add(new Stage(image!, name, body));
            }
        }
    }

    public static (string Key, string? Value) SplitArg(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        return equals < 0 ? (argument.Trim(), null) : (argument[..equals].Trim(), argument[(equals + 1)..].Trim().Trim('"'));
    }

    private static string Substitute(string text, Dictionary<string, string> args)
    {
        foreach (var (key, value) in args)
        {
            text = text.Replace("${" + key + "}", value, StringComparison.Ordinal).Replace("$" + key, value, StringComparison.Ordinal);
        }

        return text;
    }
}
