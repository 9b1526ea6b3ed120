using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ClusterML.Cluster.Security;

namespace ClusterML.Cluster.Tests.Security;

public sealed class ClusterCertificatesTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly X509Certificate2 _authority = ClusterCertificates.CreateAuthority("test-ca", Now.AddMinutes(-5), Now.AddYears(10));
    private readonly X509Certificate2 _otherAuthority = ClusterCertificates.CreateAuthority("test-ca", Now.AddMinutes(-5), Now.AddYears(10));

    public void Dispose()
    {
        _authority.Dispose();
        _otherAuthority.Dispose();
    }

    private X509Certificate2 Node(X509Certificate2 authority, string[] roles, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        ClusterCertificates.IssueNode(authority, "gpu-01.lab", roles, [IPAddress.Parse("10.0.0.7")], notBefore ?? Now.AddMinutes(-5), notAfter ?? Now.AddDays(30));

    [Fact]
    public void Authority_should_be_a_CA_that_may_only_sign_certificates()
    {
        var constraints = Assert.Single(_authority.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var usage = Assert.Single(_authority.Extensions.OfType<X509KeyUsageExtension>());
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.Equal(_authority.SubjectName.RawData, _authority.IssuerName.RawData);
        Assert.InRange(_authority.NotAfter.ToUniversalTime(), Now.AddYears(10).UtcDateTime.AddMinutes(-1), Now.AddYears(10).UtcDateTime.AddMinutes(1));
    }

    [Fact]
    public void Issued_certificate_should_validate_against_its_authority_and_carry_its_name_and_roles()
    {
        using var node = Node(_authority, ["worker", "aggregator"]);
        Assert.Null(new ClusterTrust(_authority).Problem(node));
        Assert.Equal(["worker", "aggregator"], ClusterCertificates.Roles(node));
        Assert.Equal("gpu-01.lab", node.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        var names = Assert.Single(node.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.Equal(["gpu-01.lab"], names.EnumerateDnsNames());
        Assert.Equal([IPAddress.Parse("10.0.0.7")], names.EnumerateIPAddresses());
        Assert.True(node.HasPrivateKey);
        Assert.Equal(256, node.GetECDsaPublicKey()!.KeySize);
    }

    [Fact]
    public void Certificate_of_another_authority_should_be_refused()
    {
        using var stranger = Node(_otherAuthority, ["worker"]);
        var problem = new ClusterTrust(_authority).Problem(stranger);
        Assert.NotNull(problem);
        Assert.Contains("not issued by this cluster's CA", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_and_not_yet_valid_certificates_should_be_refused()
    {
        using var expired = Node(_authority, ["worker"], Now.AddDays(-10), Now.AddDays(-1));
        using var future = Node(_authority, ["worker"], Now.AddDays(1), Now.AddDays(10));
        var trust = new ClusterTrust(_authority);
        Assert.Contains("not valid now", trust.Problem(expired), StringComparison.Ordinal);
        Assert.Contains("not valid now", trust.Problem(future), StringComparison.Ordinal);
        // The time, not the issuer, refuses it.
        Assert.DoesNotContain("not issued by", trust.Problem(expired), StringComparison.Ordinal);
    }

    [Fact]
    public void The_authority_itself_should_not_pass_as_a_node_certificate()
    {
        var problem = new ClusterTrust(_authority).Problem(_authority);
        Assert.NotNull(problem);
    }

    [Fact]
    public void A_certificate_signed_by_a_node_key_should_be_refused()
    {
        // A node holding a valid certificate must not be able to mint certificates for others.
        using var node = Node(_authority, ["worker"]);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=forged", key, HashAlgorithmName.SHA256);
        using var forged = request.Create(node.SubjectName, X509SignatureGenerator.CreateForECDsa(node.GetECDsaPrivateKey()!), Now.AddMinutes(-5), Now.AddDays(1), [1, 2, 3]);
        Assert.NotNull(new ClusterTrust(_authority).Problem(forged));
    }

    [Fact]
    public void A_node_certificate_should_not_outlive_its_authority()
    {
        using var shortAuthority = ClusterCertificates.CreateAuthority("short", Now.AddMinutes(-5), Now.AddDays(10));
        using var node = Node(shortAuthority, ["worker"], notAfter: Now.AddDays(365));
        Assert.True(node.NotAfter <= shortAuthority.NotAfter);
    }

    [Fact]
    public void Pem_files_should_load_back_into_a_certificate_with_its_key()
    {
        var folder = Directory.CreateTempSubdirectory("clusterml-cert-").FullName;
        try
        {
            using var node = Node(_authority, ["worker"]);
            var certPath = Path.Combine(folder, "node.crt");
            var keyPath = Path.Combine(folder, "node.key");
            ClusterCertificates.WriteFile(keyPath, ClusterCertificates.PrivateKeyPem(node), isPrivate: true, force: false);
            ClusterCertificates.WriteFile(certPath, ClusterCertificates.CertificatePem(node), isPrivate: false, force: false);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
            }
            Assert.Throws<IOException>(() => ClusterCertificates.WriteFile(keyPath, "x", isPrivate: true, force: false));
            using var loaded = ClusterCertificates.LoadWithKey(certPath, keyPath);
            Assert.Equal(node.RawData, loaded.RawData);
            var data = new byte[] { 1, 2, 3 };
            Assert.True(node.GetECDsaPublicKey()!.VerifyData(data, loaded.GetECDsaPrivateKey()!.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void An_admission_signature_should_be_bound_to_the_member_address_and_nonce()
    {
        using var node = Node(_authority, ["worker"]);
        var nonce = RandomNumberGenerator.GetBytes(32);
        var signature = node.GetECDsaPrivateKey()!.SignData(AdmissionActor.SignedBytes("akka.ssl.tcp://clusterml@10.0.0.7:4053", nonce), HashAlgorithmName.SHA256);
        var key = node.GetECDsaPublicKey()!;
        Assert.True(key.VerifyData(AdmissionActor.SignedBytes("akka.ssl.tcp://clusterml@10.0.0.7:4053", nonce), signature, HashAlgorithmName.SHA256));
        Assert.False(key.VerifyData(AdmissionActor.SignedBytes("akka.ssl.tcp://clusterml@10.0.0.8:4053", nonce), signature, HashAlgorithmName.SHA256));
        Assert.False(key.VerifyData(AdmissionActor.SignedBytes("akka.ssl.tcp://clusterml@10.0.0.7:4053", RandomNumberGenerator.GetBytes(32)), signature, HashAlgorithmName.SHA256));
    }
}
