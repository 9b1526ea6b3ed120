using MessagePack;

namespace ClusterML.Core.Messages;

/// <summary>
/// Admission checker → a member's <c>/user/admission</c>: prove who you are by signing <see cref="Nonce"/> (32 random bytes)
/// with the private key of your node certificate. Answered by <see cref="AdmissionProof"/>.
/// </summary>
[MessagePackObject]
public sealed record AdmissionChallenge([property: Key(0)] byte[] Nonce) : IWireMessage;

/// <summary>
/// Member → admission checker: its node certificate (DER) and an ECDSA P-256/SHA-256 signature over the challenge's nonce
/// bound to the member's own address (see <c>AdmissionActor.SignedBytes</c>), so a proof cannot be replayed for another
/// member or another challenge.
/// </summary>
[MessagePackObject]
public sealed record AdmissionProof(
    [property: Key(0)] byte[] Nonce,
    [property: Key(1)] byte[] Certificate,
    [property: Key(2)] byte[] Signature) : IWireMessage;
