using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ClusterML.Cluster.Security;

/// <summary>
/// Decides whether a peer's certificate belongs to this cluster: it must be a node certificate (not a CA, key usage
/// digital signature, extended key usage TLS client and server) issued directly by the cluster's CA and valid now. Only the
/// cluster's CA is trusted: the chain is built with <see cref="X509ChainTrustMode.CustomRootTrust"/>, never against the
/// operating system's store, with no revocation or download (the CA publishes no CRL). Thread-safe.
/// </summary>
public sealed class ClusterTrust(X509Certificate2 authority)
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    public X509Certificate2 Authority { get; } = authority;

    /// <summary>Why <paramref name="certificate"/> is not a valid node certificate of this cluster at <paramref name="at"/> (default now), or null when it is.</summary>
    public string? Problem(X509Certificate2 certificate, DateTime? at = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        chain.ChainPolicy.VerificationTime = at ?? DateTime.Now;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        try
        {
            if (!chain.Build(certificate))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status == X509ChainStatusFlags.UntrustedRoot || s.Status == X509ChainStatusFlags.PartialChain
                    ? "not issued by this cluster's CA"
                    : s.Status == X509ChainStatusFlags.NotTimeValid ? $"not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u})" : s.StatusInformation.Trim());
                return $"certificate '{certificate.Subject}' refused: {string.Join("; ", statuses.Distinct())}";
            }
            if (chain.ChainElements.Count != 2 || !chain.ChainElements[1].Certificate.RawDataMemory.Span.SequenceEqual(Authority.RawDataMemory.Span))
            {
                return $"certificate '{certificate.Subject}' refused: not issued directly by this cluster's CA";
            }
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                if (!ReferenceEquals(element.Certificate, certificate) && !ReferenceEquals(element.Certificate, Authority))
                {
                    element.Certificate.Dispose();
                }
            }
        }
        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return $"certificate '{certificate.Subject}' refused: it is a CA certificate, not a node certificate";
        }
        if (certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is not { } usage || !usage.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return $"certificate '{certificate.Subject}' refused: its key usage does not allow digital signatures";
        }
        var purposes = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault()?.EnhancedKeyUsages
            .Cast<System.Security.Cryptography.Oid>().Select(o => o.Value).ToHashSet() ?? [];
        if (!purposes.Contains(ServerAuthOid) || !purposes.Contains(ClientAuthOid))
        {
            return $"certificate '{certificate.Subject}' refused: it is not for TLS client and server authentication";
        }
        if (ClusterCertificates.Roles(certificate) is null)
        {
            return $"certificate '{certificate.Subject}' refused: it carries no ClusterML roles";
        }
        return null;
    }

    /// <summary>
    /// The TLS validator of the remoting transport (inbound and outbound): accepts a peer only when <see cref="Problem"/> finds
    /// nothing. The policy errors of the platform's own validation are ignored on purpose: it checks against the OS store and
    /// host names, neither of which applies to a private CA whose nodes are addressed by IP.
    /// </summary>
    public CertificateValidationCallback Validator() => (certificate, _, peer, errors, log) =>
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            log.Warning("TLS connection with {Peer} refused: it presented no certificate", peer);
            return false;
        }
        if (Problem(certificate) is { } problem)
        {
            log.Warning("TLS connection with {Peer} refused: {Problem}", peer, problem);
            return false;
        }
        return true;
    };
}
