namespace Lakekeeper.Abstractions.Configuration;

/// <summary>
/// Settings come from environment variables <c>LAKEKEEPER__SECTION__KEY</c>; .NET configuration reads
/// them as <c>Section:Key</c>. This maps a configuration path back to the variable a user sets.
/// </summary>
public static class SettingNames
{
    public const string EnvironmentPrefix = "LAKEKEEPER__";

    public static string ToVariable(string configurationPath) =>
        EnvironmentPrefix + configurationPath.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();

    public static string ToVariable(string section, string member) => ToVariable(section + ":" + member);
}
