namespace Lakekeeper.Persistence.Tests;

public sealed class ConnectionStringTests
{
    [Fact]
    public void Postgres_urls_are_translated()
    {
        var builder = ConnectionStrings.ToNpgsql("postgresql://lake%40keeper:p%3Ass@db.example:6543/catalog?sslmode=require");

        Assert.Equal("db.example", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("lake@keeper", builder.Username);
        Assert.Equal("p:ss", builder.Password);
        Assert.Equal("catalog", builder.Database);
        Assert.Equal(Npgsql.SslMode.Require, builder.SslMode);
    }

    [Fact]
    public void Key_value_strings_pass_through()
    {
        var builder = ConnectionStrings.ToNpgsql("Host=h;Port=1;Database=d;Username=u");
        Assert.Equal(("h", 1, "d", "u"), (builder.Host, builder.Port, builder.Database, builder.Username));
    }

    [Fact]
    public void Validation_names_the_variable()
    {
        var options = new DatabaseOptions { ConnectionString = "postgresql://" };
        var results = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();
        Assert.Contains(results, r => r.MemberNames.Contains(nameof(DatabaseOptions.ConnectionString)));
    }
}
