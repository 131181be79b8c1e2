using Lakekeeper.Authz;
using Lakekeeper.Catalog.Http;

namespace Lakekeeper.Catalog.Services;

/// <summary>
/// A page of a listing filtered by the authorizer without one check per object: the caller's visible ids
/// come from one list-objects call (or "everything", and then the page is read as without authorization);
/// rows are read in key order in batches and the invisible ones skipped until the page is full, so a page
/// is never short while more visible rows follow and no visible row is skipped (the next token is the key
/// of the last row returned).
/// </summary>
internal static class FilteredListing
{
    private const int Batch = 1000;

    public static async Task<List<T>> PageAsync<T>(
        ObjectList visible, Paging paging, Func<string?, int, Task<IReadOnlyList<T>>> fetch, Func<T, string> keyOf, Func<T, Guid> idOf)
    {
        if (visible.Unrestricted)
        {
            return [.. await fetch(paging.AfterKey, paging.FetchLimit)];
        }

        var page = new List<T>();
        var after = paging.AfterKey;
        var want = paging.FetchLimit;
        while (page.Count < want)
        {
            var size = (int)Math.Min(Batch, Math.Max(want - (long)page.Count, 64));
            var rows = await fetch(after, size);
            foreach (var row in rows)
            {
                if (visible.Contains(idOf(row).ToString()))
                {
                    page.Add(row);
                    if (page.Count == want)
                    {
                        break;
                    }
                }
            }

            if (rows.Count < size)
            {
                break;
            }

            after = keyOf(rows[^1]);
        }

        return page;
    }
}
