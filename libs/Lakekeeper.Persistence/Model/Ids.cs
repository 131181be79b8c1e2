namespace Lakekeeper.Persistence.Model;

// Typed ids, so a warehouse id can never be passed where a table id is expected.

public readonly record struct ProjectId(Guid Value)
{
    /// <summary>The project used when a request names none (Lakekeeper uses the nil UUID too).</summary>
    public static readonly ProjectId Default = new(Guid.Empty);

    public override string ToString() => Value.ToString();
}

public readonly record struct WarehouseId(Guid Value)
{
    public static WarehouseId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString();
}

public readonly record struct NamespaceId(Guid Value)
{
    public static NamespaceId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString();
}

public readonly record struct TabularId(Guid Value)
{
    public static TabularId New() => new(Guid.CreateVersion7());

    public override string ToString() => Value.ToString();
}
