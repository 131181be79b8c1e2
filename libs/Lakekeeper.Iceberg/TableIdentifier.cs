using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>A table or view identifier: namespace levels plus a name. Prints as <c>a.b.tbl</c>.</summary>
public sealed record TableIdentifier
{
    public TableIdentifier(IReadOnlyList<string> @namespace, string name)
    {
        ArgumentNullException.ThrowIfNull(@namespace);
        ArgumentNullException.ThrowIfNull(name);
        Namespace = @namespace.ToImmutableArray();
        Name = name;
    }

    public IReadOnlyList<string> Namespace { get; }

    public string Name { get; }

    public void Deconstruct(out IReadOnlyList<string> @namespace, out string name)
    {
        @namespace = Namespace;
        name = Name;
    }

    public bool Equals(TableIdentifier? other) =>
        other is not null && Name == other.Name && Namespace.SequenceEqual(other.Namespace, StringComparer.Ordinal);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name, StringComparer.Ordinal);
        foreach (var level in Namespace)
        {
            hash.Add(level, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }

    public override string ToString() => Namespace.Count == 0 ? Name : string.Join('.', Namespace) + "." + Name;
}
