namespace Lakekeeper.Catalog.Http;

/// <summary>The <c>ListTablesResponse</c> body shared by table and view listings.</summary>
internal static class Listings
{
    /// <summary>One page of identifiers; <c>next-page-token</c> only when the client pages.</summary>
    public static byte[] Identifiers(IReadOnlyList<string> levels, IReadOnlyList<(string Name, string Key)> rows, Paging paging)
    {
        var more = rows.Count > paging.Limit;
        var count = more ? paging.Limit : rows.Count;
        return ResponseJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("identifiers");
            for (var i = 0; i < count; i++)
            {
                w.WriteStartObject();
                w.WriteStringArray("namespace", levels);
                w.WriteString("name", rows[i].Name);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (paging.Paginated)
            {
                if (more)
                {
                    w.WriteString("next-page-token", Paging.Token(rows[count - 1].Key));
                }
                else
                {
                    w.WriteNull("next-page-token");
                }
            }

            w.WriteEndObject();
        });
    }

}
