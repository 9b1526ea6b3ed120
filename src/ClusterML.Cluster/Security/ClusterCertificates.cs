using System.Formats.Asn1;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace ClusterML.Cluster.Security;

/// <summary>
/// The cluster's own certificate authority and the node certificates it signs. Keys are ECDSA P-256; a node certificate
/// names the node (CN and DNS SAN, plus IP SANs), is usable for TLS server and client authentication, and carries the roles
/// the node may take in a non-critical extension <see cref="RolesOid"/> whose value is a DER UTF8String of comma-separated
/// roles (<c>worker,aggregator</c>). Files are PEM: <c>ca.crt</c>/<c>ca.key</c> in the CA folder, <c>ca.crt</c>,
/// <c>node.crt</c>/<c>node.key</c> in a node folder. Stateless and thread-safe.
/// </summary>
public static class ClusterCertificates
{
    /// <summary>OID of the roles extension: an arc of 2.25 (a UUID as an OID, ITU-T X.667), so no registry is needed.</summary>
    public const string RolesOid = "2.25.43624207533872749617095001027395722238";

    public const string AuthorityCertificateFile = "ca.crt";

    public const string AuthorityKeyFile = "ca.key";

    public const string NodeCertificateFile = "node.crt";

    public const string NodeKeyFile = "node.key";

    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A self-signed CA certificate (CA=true, path length 0, key usage certificate and CRL signing) with its private key.</summary>
    public static X509Certificate2 CreateAuthority(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>
    /// A node certificate for <paramref name="name"/> (a DNS-style name) allowing <paramref name="roles"/>, signed by
    /// <paramref name="authority"/> (which must hold its private key), with its own new private key.
    /// </summary>
    public static X509Certificate2 IssueNode(X509Certificate2 authority, string name, IReadOnlyCollection<string> roles, IReadOnlyList<IPAddress> addresses,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var caKey = authority.GetECDsaPrivateKey() ?? throw new ArgumentException("the CA certificate has no ECDSA private key", nameof(authority));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthOid), new Oid(ClientAuthOid)], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        request.CertificateExtensions.Add(new X509Extension(RolesOid, EncodeRoles(roles), critical: false));
        // A node certificate must not outlive its CA: chain validation would fail from that day on.
        var until = notAfter < authority.NotAfter ? notAfter : new DateTimeOffset(authority.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive
        using var signed = request.Create(authority.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), notBefore, until, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>The roles a certificate allows (from <see cref="RolesOid"/>), or null when it has no such extension or it is malformed.</summary>
    public static IReadOnlyList<string>? Roles(X509Certificate2 certificate)
    {
        if (certificate.Extensions[RolesOid] is not { } extension)
        {
            return null;
        }
        try
        {
            var reader = new AsnReader(extension.RawData, AsnEncodingRules.DER);
            var text = reader.ReadCharacterString(UniversalTagNumber.UTF8String);
            reader.ThrowIfNotEmpty();
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        catch (AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The certificate in PEM.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>The certificate's ECDSA private key in PKCS#8 PEM.</summary>
    public static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new ArgumentException("the certificate has no ECDSA private key", nameof(certificate));
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <summary>Reads a PEM certificate and its PEM private key into a certificate usable by TLS (the key re-imported through PKCS#12, which every platform's TLS accepts).</summary>
    public static X509Certificate2 LoadWithKey(string certificatePath, string keyPath)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> through a temporary file; a private file is created with mode
    /// 0600 before anything is written to it. Refuses to replace an existing file unless <paramref name="force"/>.
    /// </summary>
    public static void WriteFile(string path, string text, bool isPrivate, bool force)
    {
        if (File.Exists(path) && !force)
        {
            throw new IOException($"{path} exists already");
        }
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N")[..8];
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (isPrivate && !OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(text));
        }
        File.Move(temporary, path, overwrite: force);
    }

    private static byte[] EncodeRoles(IReadOnlyCollection<string> roles)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.UTF8String, string.Join(',', roles));
        return writer.Encode();
    }

    private static X500DistinguishedName Subject(string name)
    {
        var subject = new X500DistinguishedNameBuilder();
        subject.AddOrganizationName("ClusterML");
        subject.AddCommonName(name);
        return subject.Build();
    }
}
