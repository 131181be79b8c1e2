namespace Lakekeeper.Persistence.Identity;

/// <summary>
/// Page sizes of the keyset listings. A listing returns the key after which its next page starts
/// (<see cref="Page{T}.NextKey"/>); the API seals that key into an opaque page token for the listing
/// it came from (<c>Lakekeeper.Security.Secrets.PageTokenScope</c>), so clients never see or forge keys.
/// </summary>
public static class PageSizes
{
    public const int Default = 100;
    public const int Max = 1000;
}
