using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using ClusterML.Core.Messages;

namespace ClusterML.Cluster.Security;

/// <summary>
/// Role admission on a TLS cluster, at <c>/user/admission</c> on every node. Every node answers an
/// <see cref="AdmissionChallenge"/> with its certificate and a signature of the nonce. A checker (a node with the coordinator
/// role) challenges every other member as soon as it joins (and every member already there when the checker starts), and
/// downs it unless, within <c>timeout</c>, it proves it holds the private key of a certificate of this cluster's CA that allows
/// every role the member claims. TLS alone cannot do this: the transport sees the certificate but not the roles a member
/// announces in its join request.
/// </summary>
public sealed class AdmissionActor : ReceiveActor, IWithTimers
{
    public const string Name = "admission";

    /// <summary>Longest certificate accepted in a proof (bytes); ours are about 700.</summary>
    private const int MaxCertificateBytes = 16 * 1024;

    public static Props Props(NodeCredentials credentials, bool check, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new AdmissionActor(credentials, check, timeout));

    private sealed record Tick : INoSerializationVerificationNeeded
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Pending(Member Member, byte[] Nonce, DateTime Deadline);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly NodeCredentials _credentials;
    private readonly bool _check;
    private readonly TimeSpan _timeout;
    private readonly Dictionary<Address, Pending> _pending = [];
    private readonly HashSet<UniqueAddress> _admitted = [];

    public AdmissionActor(NodeCredentials credentials, bool check, TimeSpan timeout)
    {
        (_credentials, _check, _timeout) = (credentials, check, timeout);
        Receive<AdmissionChallenge>(Answer);
        Receive<ClusterEvent.MemberJoined>(e => Challenge(e.Member));
        Receive<ClusterEvent.MemberUp>(e => Challenge(e.Member));
        Receive<ClusterEvent.MemberWeaklyUp>(e => Challenge(e.Member));
        Receive<ClusterEvent.MemberRemoved>(e =>
        {
            _pending.Remove(e.Member.Address);
            _admitted.Remove(e.Member.UniqueAddress);
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<AdmissionProof>(Verify);
        Receive<Tick>(_ => RetryOrRefuse());
    }

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>The bytes a member signs: a domain label, the member's own address and the nonce.</summary>
    public static byte[] SignedBytes(string address, byte[] nonce) => [.. Encoding.UTF8.GetBytes($"clusterml-admission-v1\n{address}\n"), .. nonce];

    protected override void PreStart()
    {
        if (_check)
        {
            _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.IMemberEvent));
            Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromMilliseconds(500));
        }
    }

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Answer(AdmissionChallenge challenge)
    {
        if (challenge.Nonce is not { Length: 32 })
        {
            return;
        }
        using var key = _credentials.Certificate.GetECDsaPrivateKey()!;
        var signature = key.SignData(SignedBytes(_cluster.SelfAddress.ToString(), challenge.Nonce), HashAlgorithmName.SHA256);
        Sender.Tell(new AdmissionProof(challenge.Nonce, _credentials.Certificate.RawData, signature));
    }

    private void Challenge(Member member)
    {
        if (member.Address.Equals(_cluster.SelfAddress) || _admitted.Contains(member.UniqueAddress) || _pending.ContainsKey(member.Address)
            || member.Status is MemberStatus.Down or MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Removed)
        {
            return;
        }
        var pending = new Pending(member, RandomNumberGenerator.GetBytes(32), DateTime.UtcNow + _timeout);
        _pending[member.Address] = pending;
        _log.Info("Challenging {Address} (roles {Roles}) to prove its certificate", member.Address, string.Join(",", ClaimedRoles(member)));
        Send(pending);
    }

    private void Send(Pending pending) =>
        Context.ActorSelection(new RootActorPath(pending.Member.Address) / "user" / Name).Tell(new AdmissionChallenge(pending.Nonce), Self);

    private void RetryOrRefuse()
    {
        foreach (var pending in _pending.Values.ToList())
        {
            if (DateTime.UtcNow > pending.Deadline)
            {
                Refuse(pending.Member, $"no answer to the admission challenge within {_timeout.TotalSeconds:F0} s");
            }
            else
            {
                Send(pending);
            }
        }
    }

    private void Verify(AdmissionProof proof)
    {
        if (!_pending.TryGetValue(Sender.Path.Address, out var pending) || proof.Nonce is null || !proof.Nonce.AsSpan().SequenceEqual(pending.Nonce))
        {
            return; // a late answer to an earlier challenge, or from nobody we asked
        }
        var member = pending.Member;
        if (Problem(proof, member) is { } problem)
        {
            Refuse(member, problem);
            return;
        }
        _pending.Remove(member.Address);
        _admitted.Add(member.UniqueAddress);
        _log.Info("Admitted {Address} with roles {Roles}", member.Address, string.Join(",", ClaimedRoles(member)));
    }

    private string? Problem(AdmissionProof proof, Member member)
    {
        if (proof.Certificate is not { Length: > 0 and <= MaxCertificateBytes } || proof.Signature is not { Length: > 0 and <= 256 })
        {
            return "malformed admission proof";
        }
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(proof.Certificate);
        }
        catch (CryptographicException e)
        {
            return $"unreadable certificate in its admission proof ({e.Message})";
        }
        using (certificate)
        {
            if (_credentials.Trust.Problem(certificate) is { } untrusted)
            {
                return untrusted;
            }
            using var key = certificate.GetECDsaPublicKey();
            if (key is null || !key.VerifyData(SignedBytes(member.Address.ToString(), proof.Nonce), proof.Signature, HashAlgorithmName.SHA256))
            {
                return $"the signature does not match certificate '{certificate.Subject}' (it does not hold that certificate's private key)";
            }
            var allowed = ClusterCertificates.Roles(certificate) ?? [];
            var excess = ClaimedRoles(member).Except(allowed, StringComparer.Ordinal).ToList();
            return excess.Count > 0
                ? $"it claims role(s) {string.Join(",", excess)} but certificate '{certificate.Subject}' allows only {string.Join(",", allowed)}"
                : null;
        }
    }

    private void Refuse(Member member, string reason)
    {
        _pending.Remove(member.Address);
        _log.Warning("Admission refused to {Address} ({Status}): {Reason}; downing it", member.Address,
            _cluster.State.Members.FirstOrDefault(m => m.UniqueAddress.Equals(member.UniqueAddress))?.Status ?? member.Status, reason);
        _cluster.Down(member.Address);
    }

    /// <summary>The roles a member announced, without Akka's data-center marker (<c>dc-default</c>).</summary>
    private static IEnumerable<string> ClaimedRoles(Member member) =>
        member.Roles.Where(r => !r.StartsWith("dc-", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
}
