using System.Text;
using Lakekeeper.Security.Secrets;

namespace Lakekeeper.Security.Tests;

public sealed class SecretProtectorTests
{
    private static readonly byte[] Owner = Encoding.UTF8.GetBytes("warehouse:0195f0c4-b3a8-7c1d-9e2f-3a4b5c6d7e8f");
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("""{"type":"s3","access-key-id":"AKIA","secret-access-key":"wJalrXUt"}""");

    [Fact]
    public void Encrypted_secrets_decrypt_to_the_same_bytes()
    {
        var protector = Keys.Protector(Keys.NewBase64());

        var envelope = protector.Protect(Secret, Owner);

        Assert.Equal(Secret, protector.Unprotect(envelope, Owner));
        Assert.Equal(Secret.Length + 33, envelope.Length);
        Assert.Equal(-1, envelope.AsSpan().IndexOf(Secret.AsSpan(20, 10)));
    }

    [Fact]
    public void Empty_plaintext_and_empty_associated_data_work()
    {
        var protector = Keys.Protector(Keys.NewBase64());

        Assert.Empty(protector.Unprotect(protector.Protect([], []), []));
    }

    [Fact]
    public void Each_encryption_uses_a_fresh_nonce()
    {
        var protector = Keys.Protector(Keys.NewBase64());

        var first = protector.Protect(Secret, Owner);
        var second = protector.Protect(Secret, Owner);

        Assert.NotEqual(first, second);
        Assert.NotEqual(first.AsSpan(5, 12).ToArray(), second.AsSpan(5, 12).ToArray());
    }

    [Fact]
    public void The_envelope_starts_with_the_format_byte_and_the_key_id()
    {
        var key = Keys.NewBase64();
        var protector = Keys.Protector(key);

        var envelope = protector.Protect(Secret, Owner);

        Assert.Equal(0x01, envelope[0]);
        Assert.Equal(Keys.IdOf(key), Convert.ToHexStringLower(envelope.AsSpan(1, 4)));
        Assert.Equal(Keys.IdOf(key), protector.CurrentKeyId);
        Assert.Equal(Keys.IdOf(key), protector.KeyIdOf(envelope));
        Assert.Null(protector.KeyIdOf([1, 2, 3]));
    }

    [Theory]
    [InlineData("format", 0, SecretProtectionError.UnsupportedFormat)]
    [InlineData("key id", 1, SecretProtectionError.UnknownKey)]
    [InlineData("key id", 4, SecretProtectionError.UnknownKey)]
    [InlineData("nonce", 5, SecretProtectionError.AuthenticationFailed)]
    [InlineData("nonce", 16, SecretProtectionError.AuthenticationFailed)]
    [InlineData("ciphertext", 17, SecretProtectionError.AuthenticationFailed)]
    [InlineData("ciphertext", -17, SecretProtectionError.AuthenticationFailed)]
    [InlineData("tag", -16, SecretProtectionError.AuthenticationFailed)]
    [InlineData("tag", -1, SecretProtectionError.AuthenticationFailed)]
    public void A_flipped_bit_anywhere_is_detected(string part, int index, SecretProtectionError expected)
    {
        var protector = Keys.Protector(Keys.NewBase64());
        var envelope = protector.Protect(Secret, Owner);
        var position = index >= 0 ? index : envelope.Length + index;

        envelope[position] ^= 0x04;

        Assert.False(protector.TryUnprotect(envelope, Owner, out var plaintext, out var error), part);
        Assert.Null(plaintext);
        Assert.Equal(expected, error);
        var thrown = Assert.Throws<SecretProtectionException>(() => protector.Unprotect(envelope, Owner));
        Assert.Equal(expected, thrown.Error);
    }

    [Fact]
    public void A_key_id_rewritten_to_another_configured_key_still_fails_authentication()
    {
        var old = Keys.NewBase64();
        var current = Keys.NewBase64();
        var protector = Keys.Protector(current, old);
        var envelope = protector.Protect(Secret, Owner);

        Convert.FromHexString(Keys.IdOf(old)).CopyTo(envelope, 1);

        Assert.False(protector.TryUnprotect(envelope, Owner, out _, out var error));
        Assert.Equal(SecretProtectionError.AuthenticationFailed, error);
    }

    [Fact]
    public void Truncated_envelopes_are_malformed()
    {
        var protector = Keys.Protector(Keys.NewBase64());
        var envelope = protector.Protect([], Owner);

        Assert.False(protector.TryUnprotect(envelope.AsSpan(0, 32), Owner, out _, out var error));
        Assert.Equal(SecretProtectionError.Malformed, error);
        Assert.False(protector.TryUnprotect([], Owner, out _, out _));
    }

    [Fact]
    public void A_ciphertext_copied_to_another_owner_does_not_decrypt()
    {
        var protector = Keys.Protector(Keys.NewBase64());
        var envelope = protector.Protect(Secret, Owner);

        Assert.False(protector.TryUnprotect(envelope, Encoding.UTF8.GetBytes("warehouse:another"), out _, out var error));
        Assert.Equal(SecretProtectionError.AuthenticationFailed, error);
        Assert.False(protector.TryUnprotect(envelope, [], out _, out _));
    }

    [Fact]
    public void After_rotation_old_ciphertexts_decrypt_and_new_ones_use_the_current_key()
    {
        var oldKey = Keys.NewBase64();
        var newKey = Keys.NewBase64();
        var before = Keys.Protector(oldKey);
        var after = Keys.Protector(newKey, oldKey);
        var oldEnvelope = before.Protect(Secret, Owner);

        var decrypted = after.Unprotect(oldEnvelope, Owner);
        var newEnvelope = after.Protect(Secret, Owner);

        Assert.Equal(Secret, decrypted);
        Assert.Equal(Keys.IdOf(oldKey), after.KeyIdOf(oldEnvelope));
        Assert.NotEqual(after.CurrentKeyId, after.KeyIdOf(oldEnvelope));
        Assert.Equal(Keys.IdOf(newKey), after.KeyIdOf(newEnvelope));
        var unknown = Assert.Throws<SecretProtectionException>(() => before.Unprotect(newEnvelope, Owner));
        Assert.Equal(SecretProtectionError.UnknownKey, unknown.Error);
        Assert.Contains(Keys.IdOf(newKey), unknown.Message, StringComparison.Ordinal);
        Assert.Contains("LAKEKEEPER__SECRETS__PREVIOUSKEYS", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strings_round_trip_through_base64_envelopes()
    {
        var protector = Keys.Protector(Keys.NewBase64());

        var stored = protector.ProtectString("s3cr3t ✓", "warehouse:1");

        Assert.Equal("s3cr3t ✓", protector.UnprotectString(stored, "warehouse:1"));
        Assert.Equal(SecretProtectionError.AuthenticationFailed,
            Assert.Throws<SecretProtectionException>(() => protector.UnprotectString(stored, "warehouse:2")).Error);
        Assert.Equal(SecretProtectionError.Malformed,
            Assert.Throws<SecretProtectionException>(() => protector.UnprotectString("not base64!", "warehouse:1")).Error);
    }

    [Fact]
    public void Failure_messages_carry_no_plaintext_or_key_material()
    {
        var key = Keys.NewBase64();
        var protector = Keys.Protector(key);
        var envelope = protector.Protect(Secret, Owner);
        envelope[^1] ^= 1;

        var error = Assert.Throws<SecretProtectionException>(() => protector.Unprotect(envelope, Owner));

        Assert.DoesNotContain("wJalrXUt", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, error.Message, StringComparison.Ordinal);
    }
}
