using System.Collections.Frozen;

namespace Lakekeeper.Fga.Model;

/// <summary>
/// Validates an authorization model (schema 1.1) and compiles it for evaluation. Refuses what the
/// engine cannot evaluate faithfully: other schema versions, conditions (CEL), rewrites that name
/// missing types or relations, tuplesets that are not plain direct relations, relations that no
/// tuple could ever satisfy (no entry point, e.g. <c>define a: b</c>, <c>define b: a</c>).
/// </summary>
public static class ModelCompiler
{
    public const string SupportedSchemaVersion = "1.1";

    public static AuthorizationModel Compile(string json) => Compile(ModelJson.Parse(json));

    public static AuthorizationModel Compile(ModelDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (string.IsNullOrEmpty(document.SchemaVersion))
        {
            throw Invalid("schema_version is required");
        }

        if (document.SchemaVersion != SupportedSchemaVersion)
        {
            throw new FgaException(FgaErrorCodes.UnsupportedSchemaVersion,
                $"schema version '{document.SchemaVersion}' is not supported; use {SupportedSchemaVersion}");
        }

        if (document.Conditions is { Count: > 0 })
        {
            throw Invalid("conditions are not supported by this server: remove the 'condition' declarations and the 'with <condition>' type restrictions");
        }

        if (document.TypeDefinitions is not { Count: > 0 } definitions)
        {
            throw new FgaException(FgaErrorCodes.ValidationError, "type_definitions: at least one type is required");
        }

        var byName = new Dictionary<string, TypeDefinitionDocument>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            if (definition is null || !TupleLimits.IsValidType(definition.Type))
            {
                throw Invalid($"the type name '{definition?.Type}' is invalid");
            }

            if (!byName.TryAdd(definition.Type!, definition))
            {
                throw new FgaException(FgaErrorCodes.DuplicateTypesInOneRequest, $"the type '{definition.Type}' is defined more than once");
            }
        }

        // First pass: direct type restrictions (they may name relations of any type).
        var relationNames = byName.ToDictionary(
            static p => p.Key,
            static p => (IReadOnlySet<string>)(p.Value.Relations?.Keys.ToHashSet(StringComparer.Ordinal) ?? []),
            StringComparer.Ordinal);

        var compiled = new Dictionary<string, Dictionary<string, RelationInfo>>(StringComparer.Ordinal);
        foreach (var (typeName, definition) in byName)
        {
            var relations = new Dictionary<string, RelationInfo>(StringComparer.Ordinal);
            foreach (var (relationName, userset) in definition.Relations ?? [])
            {
                if (!TupleLimits.IsValidRelation(relationName))
                {
                    throw Invalid($"the relation name '{typeName}#{relationName}' is invalid");
                }

                if (relationName is "this" or "self")
                {
                    throw Invalid($"'{relationName}' is a reserved word and cannot name a relation ('{typeName}#{relationName}')");
                }

                var directTypes = CompileDirectTypes(typeName, relationName, definition, relationNames);
                var rewrite = CompileRewrite(typeName, relationName, userset, relationNames[typeName], depth: 0, out var usesThis);
                if (usesThis && directTypes.Count == 0)
                {
                    throw Invalid($"the relation '{typeName}#{relationName}' is directly assignable and needs at least one type restriction");
                }

                if (!usesThis && directTypes.Count > 0)
                {
                    throw Invalid($"the relation '{typeName}#{relationName}' has type restrictions but is not directly assignable");
                }

                if (rewrite is ComputedRewrite self && self.Relation == relationName)
                {
                    throw Invalid($"the relation '{typeName}#{relationName}' is defined as itself");
                }

                relations.Add(relationName, new RelationInfo(typeName, relationName, rewrite, directTypes));
            }

            compiled.Add(typeName, relations);
        }

        ValidateTuplesets(compiled);
        ValidateEntryPoints(compiled);
        var types = compiled.ToFrozenDictionary(
            static p => p.Key,
            static p => new TypeInfo(p.Key, p.Value.ToFrozenDictionary(StringComparer.Ordinal)),
            StringComparer.Ordinal);
        return new AuthorizationModel(document.SchemaVersion, types, document);
    }

    private static List<DirectType> CompileDirectTypes(
        string typeName, string relationName, TypeDefinitionDocument definition, Dictionary<string, IReadOnlySet<string>> relationNames)
    {
        var result = new List<DirectType>();
        if (definition.Metadata?.Relations is not { } metadata || !metadata.TryGetValue(relationName, out var relationMetadata)
            || relationMetadata?.DirectlyRelatedUserTypes is not { } references)
        {
            return result;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reference in references)
        {
            if (reference is null || string.IsNullOrEmpty(reference.Type))
            {
                throw Invalid($"a type restriction of '{typeName}#{relationName}' has no type");
            }

            if (!string.IsNullOrEmpty(reference.Condition))
            {
                throw Invalid($"the type restriction '{reference.Type} with {reference.Condition}' of '{typeName}#{relationName}' uses a condition; conditions are not supported by this server");
            }

            if (!relationNames.TryGetValue(reference.Type, out var targetRelations))
            {
                throw Invalid($"the type restriction '{reference.Type}' of '{typeName}#{relationName}' names an undefined type");
            }

            var wildcard = reference.Wildcard is not null;
            var relation = string.IsNullOrEmpty(reference.Relation) ? null : reference.Relation;
            if (wildcard && relation is not null)
            {
                throw Invalid($"the type restriction of '{typeName}#{relationName}' cannot be both a wildcard and a userset");
            }

            if (relation is not null && !targetRelations.Contains(relation))
            {
                throw Invalid($"the type restriction '{reference.Type}#{relation}' of '{typeName}#{relationName}' names an undefined relation");
            }

            var direct = new DirectType(reference.Type, relation, wildcard);
            if (seen.Add(direct.Key))
            {
                result.Add(direct);
            }
        }

        return result;
    }

    private static Rewrite CompileRewrite(
        string typeName, string relationName, UsersetDocument? userset, IReadOnlySet<string> ownRelations, int depth, out bool usesThis)
    {
        usesThis = false;
        if (userset is null)
        {
            throw Invalid($"the relation '{typeName}#{relationName}' has no definition");
        }

        if (depth > 64)
        {
            throw Invalid($"the definition of '{typeName}#{relationName}' is nested too deeply");
        }

        var members = (userset.This is not null ? 1 : 0) + (userset.ComputedUserset is not null ? 1 : 0)
            + (userset.TupleToUserset is not null ? 1 : 0) + (userset.Union is not null ? 1 : 0)
            + (userset.Intersection is not null ? 1 : 0) + (userset.Difference is not null ? 1 : 0);
        if (members != 1)
        {
            throw Invalid($"a rewrite of '{typeName}#{relationName}' must have exactly one of this, computedUserset, tupleToUserset, union, intersection, difference");
        }

        if (userset.This is not null)
        {
            usesThis = true;
            return new ThisRewrite();
        }

        if (userset.ComputedUserset is { } computed)
        {
            var target = computed.Relation;
            if (string.IsNullOrEmpty(target) || !ownRelations.Contains(target))
            {
                throw Invalid($"'{typeName}#{relationName}' refers to the undefined relation '{typeName}#{target}'");
            }

            return new ComputedRewrite(target);
        }

        if (userset.TupleToUserset is { } ttu)
        {
            var tupleset = ttu.Tupleset?.Relation;
            var computedRelation = ttu.ComputedUserset?.Relation;
            if (string.IsNullOrEmpty(tupleset) || !ownRelations.Contains(tupleset))
            {
                throw Invalid($"'{typeName}#{relationName}' uses the undefined tupleset relation '{typeName}#{tupleset}'");
            }

            if (string.IsNullOrEmpty(computedRelation) || !TupleLimits.IsValidRelation(computedRelation))
            {
                throw Invalid($"'{typeName}#{relationName}' has a tuple-to-userset without a computed relation");
            }

            return new TupleToUsersetRewrite(tupleset, computedRelation);
        }

        if (userset.Union is { } union || userset.Intersection is { } _)
        {
            var isUnion = userset.Union is not null;
            var children = (isUnion ? userset.Union!.Child : userset.Intersection!.Child) ?? [];
            if (children.Count == 0)
            {
                throw Invalid($"a {(isUnion ? "union" : "intersection")} in '{typeName}#{relationName}' has no operands");
            }

            var compiled = new List<Rewrite>(children.Count);
            foreach (var child in children)
            {
                compiled.Add(CompileRewrite(typeName, relationName, child, ownRelations, depth + 1, out var childUsesThis));
                usesThis |= childUsesThis;
            }

            return new SetRewrite(isUnion ? RewriteKind.Union : RewriteKind.Intersection, compiled);
        }

        var difference = userset.Difference!;
        var @base = CompileRewrite(typeName, relationName, difference.Base, ownRelations, depth + 1, out var baseUsesThis);
        var subtract = CompileRewrite(typeName, relationName, difference.Subtract, ownRelations, depth + 1, out var subtractUsesThis);
        usesThis = baseUsesThis || subtractUsesThis;
        return new DifferenceRewrite(@base, subtract);
    }

    /// <summary>
    /// A tupleset (<c>x from parent</c>) must be a directly assignable relation whose type restrictions
    /// are plain types, and at least one of them must define the computed relation.
    /// </summary>
    private static void ValidateTuplesets(Dictionary<string, Dictionary<string, RelationInfo>> types)
    {
        foreach (var (typeName, relations) in types)
        {
            foreach (var relation in relations.Values)
            {
                foreach (var ttu in Walk(relation.Rewrite).OfType<TupleToUsersetRewrite>())
                {
                    var tupleset = relations[ttu.Tupleset];
                    if (tupleset.Rewrite is not ThisRewrite)
                    {
                        throw Invalid($"the tupleset relation '{typeName}#{ttu.Tupleset}' used by '{relation}' must be directly assignable and nothing else");
                    }

                    if (tupleset.DirectTypes.Any(static d => d.Wildcard || d.Relation is not null))
                    {
                        throw Invalid($"the tupleset relation '{typeName}#{ttu.Tupleset}' used by '{relation}' may only allow plain types (no wildcards or usersets)");
                    }

                    if (!tupleset.DirectTypes.Any(d => types[d.Type].ContainsKey(ttu.Computed)))
                    {
                        throw Invalid($"'{relation}' uses '{ttu.Computed} from {ttu.Tupleset}', but no type allowed in '{typeName}#{ttu.Tupleset}' defines '{ttu.Computed}'");
                    }
                }
            }
        }
    }

    /// <summary>Every relation must be satisfiable by some tuple (least fixpoint over the rewrites).</summary>
    private static void ValidateEntryPoints(Dictionary<string, Dictionary<string, RelationInfo>> types)
    {
        var satisfiable = new HashSet<RelationInfo>();
        bool changed;
        do
        {
            changed = false;
            foreach (var relations in types.Values)
            {
                foreach (var relation in relations.Values)
                {
                    if (!satisfiable.Contains(relation) && HasEntry(relation.Rewrite, relation, types, satisfiable))
                    {
                        satisfiable.Add(relation);
                        changed = true;
                    }
                }
            }
        }
        while (changed);

        foreach (var relations in types.Values)
        {
            foreach (var relation in relations.Values)
            {
                if (!satisfiable.Contains(relation))
                {
                    throw Invalid($"the relation '{relation}' has no entry point: no tuple can ever satisfy it (a cycle of computed relations, or an intersection with such a relation)");
                }
            }
        }
    }

    private static bool HasEntry(Rewrite rewrite, RelationInfo owner, Dictionary<string, Dictionary<string, RelationInfo>> types, HashSet<RelationInfo> satisfiable) =>
        rewrite switch
        {
            ThisRewrite => owner.DirectTypes.Count > 0,
            ComputedRewrite c => satisfiable.Contains(types[owner.Type][c.Relation]),
            TupleToUsersetRewrite t => types[owner.Type][t.Tupleset].DirectTypes.Any(d =>
                types[d.Type].TryGetValue(t.Computed, out var target) && satisfiable.Contains(target)),
            SetRewrite { Kind: RewriteKind.Union } u => u.Children.Any(c => HasEntry(c, owner, types, satisfiable)),
            SetRewrite i => i.Children.All(c => HasEntry(c, owner, types, satisfiable)),
            DifferenceRewrite d => HasEntry(d.Base, owner, types, satisfiable),
            _ => false,
        };

    internal static IEnumerable<Rewrite> Walk(Rewrite rewrite)
    {
        yield return rewrite;
        switch (rewrite)
        {
            case SetRewrite set:
                foreach (var child in set.Children)
                {
                    foreach (var node in Walk(child))
                    {
                        yield return node;
                    }
                }

                break;
            case DifferenceRewrite difference:
                foreach (var node in Walk(difference.Base).Concat(Walk(difference.Subtract)))
                {
                    yield return node;
                }

                break;
        }
    }

    private static FgaException Invalid(string message) => new(FgaErrorCodes.InvalidAuthorizationModel, message);
}
