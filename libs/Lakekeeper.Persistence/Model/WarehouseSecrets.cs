namespace Lakekeeper.Persistence.Model;

/// <summary>How a warehouse's storage credential is bound to its row when encrypted.</summary>
public static class WarehouseSecrets
{
    /// <summary>Associated data of the credential envelope: the warehouse id, so a ciphertext copied to another warehouse fails.</summary>
    public static byte[] AssociatedData(WarehouseId id) => System.Text.Encoding.UTF8.GetBytes("warehouse:" + id);
}
