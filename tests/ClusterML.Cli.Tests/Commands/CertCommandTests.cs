using System.Security.Cryptography.X509Certificates;
using ClusterML.Cli.Commands;
using ClusterML.Cluster.Security;

namespace ClusterML.Cli.Tests.Commands;

/// <summary><c>clusterml cert init|issue</c> in-process, and the checks a node makes of its options before it starts.</summary>
public sealed class CertCommandTests : IDisposable
{
    private readonly CliRun _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<string> InitAsync(string name = "ca")
    {
        var (code, _, error) = await _cli.RunAsync("cert", "init", "--out", _cli.Path(name));
        Assert.True(code == 0, error);
        return _cli.Path(name);
    }

    [Fact]
    public async Task Init_and_issue_should_write_pem_files_with_private_keys_readable_only_by_the_owner()
    {
        var ca = await InitAsync();
        var (code, output, error) = await _cli.RunAsync("cert", "issue", "--ca", ca, "--name", "gpu-01", "--roles", "worker,aggregator", "--ip", "10.0.0.7", "--out", _cli.Path("gpu-01"));
        Assert.True(code == 0, error);
        Assert.Contains("--tls", output, StringComparison.Ordinal);
        foreach (var key in new[] { Path.Combine(ca, "ca.key"), _cli.Path("gpu-01/node.key") })
        {
            Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(key) == (UnixFileMode.UserRead | UnixFileMode.UserWrite), key);
        }
        var credentials = NodeCredentials.Load(_cli.Path("gpu-01"));
        Assert.Equal(["worker", "aggregator"], credentials.Roles);
        Assert.True(credentials.Certificate.HasPrivateKey);
        Assert.Null(credentials.Trust.Problem(credentials.Certificate));
        Assert.Equal(File.ReadAllText(Path.Combine(ca, "ca.crt")), File.ReadAllText(_cli.Path("gpu-01/ca.crt")));
        using var authority = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(ca, "ca.crt")));
        Assert.True(authority.NotAfter > DateTime.Now.AddYears(9));
        var names = Assert.Single(credentials.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["gpu-01"], names.EnumerateDnsNames());
        Assert.Equal("10.0.0.7", Assert.Single(names.EnumerateIPAddresses()).ToString());
    }

    [Fact]
    public async Task Existing_files_should_not_be_overwritten_without_force()
    {
        var ca = await InitAsync();
        var before = File.ReadAllText(Path.Combine(ca, "ca.key"));
        var (code, _, error) = await _cli.RunAsync("cert", "init", "--out", ca);
        Assert.Equal(2, code);
        Assert.Contains("exists already; use --force", error, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(Path.Combine(ca, "ca.key")));

        Assert.Equal(0, (await _cli.RunAsync("cert", "issue", "--ca", ca, "--name", "w1", "--roles", "worker", "--out", _cli.Path("w1"))).ExitCode);
        var node = File.ReadAllText(_cli.Path("w1/node.key"));
        Assert.Equal(2, (await _cli.RunAsync("cert", "issue", "--ca", ca, "--name", "w1", "--roles", "worker", "--out", _cli.Path("w1"))).ExitCode);
        Assert.Equal(node, File.ReadAllText(_cli.Path("w1/node.key")));
        Assert.Equal(0, (await _cli.RunAsync("cert", "issue", "--ca", ca, "--name", "w1", "--roles", "worker", "--out", _cli.Path("w1"), "--force")).ExitCode);
        Assert.NotEqual(node, File.ReadAllText(_cli.Path("w1/node.key")));
    }

    [Theory]
    [InlineData("missing-ca", "w1", "worker", "--ca: folder")]
    [InlineData("ca", "bad name", "worker", "--name: 'bad name' is not a valid name")]
    [InlineData("ca", "w1..lab", "worker", "--name:")]
    [InlineData("ca", "w1", "worker,boss", "--roles:")]
    [InlineData("ca", "w1", "", "--roles:")]
    public async Task Bad_input_should_exit_2_with_one_clear_line_and_write_nothing(string caFolder, string name, string roles, string message)
    {
        await InitAsync();
        var (code, _, error) = await _cli.RunAsync("cert", "issue", "--ca", _cli.Path(caFolder), "--name", name, "--roles", roles, "--out", _cli.Path("out"));
        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_cli.Path("out")));
    }

    [Fact]
    public async Task A_ca_folder_without_its_key_should_exit_2()
    {
        var ca = await InitAsync();
        File.Delete(Path.Combine(ca, "ca.key"));
        var (code, _, error) = await _cli.RunAsync("cert", "issue", "--ca", ca, "--name", "w1", "--roles", "worker", "--out", _cli.Path("w1"));
        Assert.Equal(2, code);
        Assert.Contains("ca.key' is missing", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("10.0.0.7")]
    public async Task A_node_on_a_non_loopback_address_without_tls_should_exit_2_and_say_how_to_secure_it(string hostname)
    {
        var (code, _, error) = await _cli.RunAsync("node", "--roles", "worker", "--hostname", hostname, "--seed-nodes", "akka.tcp://clusterml@10.0.0.5:4053");
        Assert.Equal(2, code);
        Assert.Contains("clusterml cert init", error, StringComparison.Ordinal);
        Assert.Contains("--insecure", error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task The_default_node_address_should_need_tls()
    {
        var (code, _, error) = await _cli.RunAsync("node", "--seed-nodes", "akka.tcp://clusterml@10.0.0.5:4053");
        Assert.Equal(2, code);
        Assert.Contains("would listen on 0.0.0.0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_claiming_roles_its_certificate_does_not_allow_should_exit_2()
    {
        var ca = await InitAsync();
        Assert.Equal(0, (await _cli.RunAsync("cert", "issue", "--ca", ca, "--name", "w1", "--roles", "worker", "--out", _cli.Path("w1"))).ExitCode);
        var (code, _, error) = await _cli.RunAsync("node", "--roles", "worker,coordinator", "--hostname", "127.0.0.1", "--tls", _cli.Path("w1"));
        Assert.Equal(2, code);
        Assert.Contains("allows only worker, not coordinator", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_tls_folder_should_exit_2()
    {
        var (code, _, error) = await _cli.RunAsync("node", "--roles", "worker", "--hostname", "127.0.0.1", "--tls", _cli.Path("nowhere"));
        Assert.Equal(2, code);
        Assert.Contains("--tls: folder", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tls_seed_address_without_tls_should_exit_2()
    {
        var (code, _, error) = await _cli.RunAsync("node", "--roles", "worker", "--hostname", "127.0.0.1", "--seed-nodes", "akka.ssl.tcp://clusterml@127.0.0.1:4053");
        Assert.Equal(2, code);
        Assert.Contains("is a TLS node", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_addresses_should_take_the_tls_protocol_when_the_node_uses_tls() =>
        Assert.Equal(["akka.ssl.tcp://clusterml@10.0.0.5:4053"], ClusterOptionSet.SeedAddresses(["akka.tcp://clusterml@10.0.0.5:4053"], tls: true));
}
