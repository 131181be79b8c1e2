using System.Collections.Immutable;

namespace Lakekeeper.Iceberg;

/// <summary>Body of <c>POST .../tables</c> (createTable).</summary>
public sealed record CreateTableRequest
{
    public required string Name { get; init; }

    public string? Location { get; init; }

    /// <summary>The requested schema; its field ids are reassigned on create.</summary>
    public required Schema Schema { get; init; }

    public UnboundPartitionSpec? PartitionSpec { get; init; }

    public UnboundSortOrder? WriteOrder { get; init; }

    public bool StageCreate { get; init; }

    public StringMap Properties { get; init; } = StringMap.Empty;
}

/// <summary>Body of <c>POST .../tables/{table}</c> (updateTable) and one entry of a transaction.</summary>
public sealed record CommitTableRequest
{
    public TableIdentifier? Identifier { get; init; }

    public ImmutableArray<TableRequirement> Requirements { get; init; } = [];

    public ImmutableArray<TableUpdate> Updates { get; init; } = [];
}

/// <summary>Body of <c>POST /v1/{prefix}/transactions/commit</c>; every change carries an identifier.</summary>
public sealed record CommitTransactionRequest(ImmutableArray<CommitTableRequest> TableChanges);

/// <summary>Body of <c>POST .../views</c> (createView).</summary>
public sealed record CreateViewRequest
{
    public required string Name { get; init; }

    public string? Location { get; init; }

    public required Schema Schema { get; init; }

    public required ViewVersion ViewVersion { get; init; }

    public StringMap Properties { get; init; } = StringMap.Empty;
}

/// <summary>Body of <c>POST .../views/{view}</c> (replaceView).</summary>
public sealed record CommitViewRequest
{
    public TableIdentifier? Identifier { get; init; }

    public ImmutableArray<ViewRequirement> Requirements { get; init; } = [];

    public ImmutableArray<ViewUpdate> Updates { get; init; } = [];
}

/// <summary>Body of <c>POST .../register</c>.</summary>
public sealed record RegisterTableRequest(string Name, string MetadataLocation, bool Overwrite = false);

/// <summary>Body of <c>POST .../register-view</c>.</summary>
public sealed record RegisterViewRequest(string Name, string MetadataLocation);
