using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Hosting;
using ClusterML.Cluster.Hosting;
using ClusterML.Cluster.Security;
using ClusterML.Cluster.Trials;
using ClusterML.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ClusterML.Cluster.Tests.Security;

/// <summary>Two TLS nodes in this process over loopback: a coordinator and a member that joins it, admitted or downed.</summary>
public sealed class AdmissionTests : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("clusterml-admission-").FullName;
    private readonly X509Certificate2 _authority;
    private readonly List<IHost> _hosts = [];

    public AdmissionTests()
    {
        var now = DateTimeOffset.UtcNow;
        _authority = ClusterCertificates.CreateAuthority("test-ca", now.AddMinutes(-5), now.AddYears(1));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in Enumerable.Reverse(_hosts))
        {
            await host.StopAsync();
            host.Dispose();
        }
        _authority.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private NodeCredentials Credentials(string name, params string[] roles)
    {
        var now = DateTimeOffset.UtcNow;
        using var node = ClusterCertificates.IssueNode(_authority, name, roles, [IPAddress.Loopback], now.AddMinutes(-5), now.AddDays(1));
        var folder = Path.Combine(_folder, name);
        Directory.CreateDirectory(folder);
        ClusterCertificates.WriteFile(Path.Combine(folder, ClusterCertificates.AuthorityCertificateFile), ClusterCertificates.CertificatePem(_authority), isPrivate: false, force: false);
        ClusterCertificates.WriteFile(Path.Combine(folder, ClusterCertificates.NodeCertificateFile), ClusterCertificates.CertificatePem(node), isPrivate: false, force: false);
        ClusterCertificates.WriteFile(Path.Combine(folder, ClusterCertificates.NodeKeyFile), ClusterCertificates.PrivateKeyPem(node), isPrivate: true, force: false);
        return NodeCredentials.Load(folder);
    }

    private async Task<ActorSystem> StartAsync(string name, IReadOnlyList<string> roles, NodeCredentials tls, int port, IReadOnlyList<string> seeds)
    {
        var folder = Path.Combine(_folder, name + "-data");
        Directory.CreateDirectory(folder);
        var store = new SqliteResultStore(Path.Combine(folder, "results.db"));
        var settings = new ClusterNodeSettings(roles, "127.0.0.1", port, seeds, 1) { Tls = tls, AdmissionTimeout = TimeSpan.FromSeconds(5) };
        var host = new HostBuilder()
            .ConfigureServices(services => services.AddAkka("clusterml", builder =>
            {
                builder.AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend);
                if (roles.Contains(CoordinatorHostingExtensions.CoordinatorRole))
                {
                    builder.WithClusterMLPersistence(PersistenceHostingExtensions.SqliteConnectionString(Path.Combine(folder, "journal.db")), PersistenceHostingExtensions.SqliteProvider);
                }
                builder.WithClusterMLNode(settings, store, [new FakeEngine()], new WorkerSlots(1));
            }))
            .Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host.Services.GetRequiredService<ActorSystem>();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<(ActorSystem Coordinator, ActorSystem Member)> JoinAsync(string[] claimed, string[] allowed)
    {
        var port = FreePort();
        var coordinator = await StartAsync("coordinator", ClusterNodeSettings.AllRoles, Credentials("coordinator", [.. ClusterNodeSettings.AllRoles]), port, []);
        var member = await StartAsync("member", claimed, Credentials("member", allowed), 0, [$"akka.ssl.tcp://clusterml@127.0.0.1:{port}"]);
        return (coordinator, member);
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }

    [Fact]
    public async Task A_member_claiming_a_role_its_certificate_does_not_allow_should_be_downed()
    {
        var (coordinator, member) = await JoinAsync(claimed: ["worker", "aggregator"], allowed: ["worker"]);
        var removed = new TaskCompletionSource();
        Akka.Cluster.Cluster.Get(member).RegisterOnMemberRemoved(() => removed.TrySetResult());
        Assert.True(await Task.WhenAny(removed.Task, Task.Delay(TimeSpan.FromSeconds(30))) == removed.Task, "the member was not downed");
        var memberAddress = Akka.Cluster.Cluster.Get(member).SelfAddress;
        Assert.True(await EventuallyAsync(() => Akka.Cluster.Cluster.Get(coordinator).State.Members.All(m => !m.Address.Equals(memberAddress)), TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_member_within_its_certificate_roles_should_stay_after_the_admission_timeout()
    {
        var (coordinator, member) = await JoinAsync(claimed: ["worker"], allowed: ["worker", "aggregator"]);
        var memberAddress = Akka.Cluster.Cluster.Get(member).SelfAddress;
        bool Up() => Akka.Cluster.Cluster.Get(coordinator).State.Members.Any(m => m.Address.Equals(memberAddress) && m.Status == Akka.Cluster.MemberStatus.Up);
        Assert.True(await EventuallyAsync(Up, TimeSpan.FromSeconds(30)), "the member did not join");
        await Task.Delay(TimeSpan.FromSeconds(8)); // past the 5 s admission timeout: a member that had not answered would be downed by now
        Assert.True(Up(), "an admitted member was downed");
    }
}
