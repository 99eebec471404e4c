package dev.tpmdevid.verifier.x509;

import java.nio.ByteBuffer;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable set of trust anchors as Go's {@code CertPool} sees them
 * (docs/protocol.md#server-config, #go-x509): every certificate of the bundle file is an anchor,
 * self-signed or not, indexed by its raw subject bytes. Built once per configuration, so anchors
 * are not parsed again per attestation.
 */
public final class TrustBundle {

  /** One anchor with what the verifier needs precomputed. */
  public static final class Anchor {
    private final Cert cert;

    Anchor(Cert cert) {
      this.cert = cert;
    }

    public Cert cert() {
      return cert;
    }
  }

  private final List<Anchor> anchors;
  private final Map<ByteBuffer, List<Anchor>> bySubject;

  private TrustBundle(List<Anchor> anchors) {
    this.anchors = List.copyOf(anchors);
    Map<ByteBuffer, List<Anchor>> index = new HashMap<>();
    for (Anchor a : anchors) {
      index.computeIfAbsent(ByteBuffer.wrap(a.cert.rawSubject()), k -> new ArrayList<>()).add(a);
    }
    index.replaceAll((k, v) -> List.copyOf(v));
    this.bySubject = Collections.unmodifiableMap(index);
  }

  /** A bundle of the given certificates; a certificate listed twice (same DER) is kept once. */
  public static TrustBundle of(List<X509Certificate> certificates) throws CertificateException {
    List<Anchor> list = new ArrayList<>();
    outer:
    for (X509Certificate c : certificates) {
      Cert cert = Cert.of(c);
      for (Anchor existing : list) {
        if (Arrays.equals(existing.cert.derUnsafe(), cert.derUnsafe())) {
          continue outer;
        }
      }
      list.add(new Anchor(cert));
    }
    return new TrustBundle(list);
  }

  /** Reads a PEM bundle (every CERTIFICATE block is an anchor). */
  public static TrustBundle fromPem(byte[] pem) throws CertificateException {
    List<X509Certificate> certs = PemCertificates.parse(pem);
    if (certs.isEmpty()) {
      throw new CertificateException("no certificates found in file");
    }
    return of(certs);
  }

  public List<Anchor> anchors() {
    return anchors;
  }

  public int size() {
    return anchors.size();
  }

  /** Anchors whose raw subject equals {@code rawIssuer} byte for byte. */
  List<Anchor> bySubject(byte[] rawIssuer) {
    List<Anchor> l = bySubject.get(ByteBuffer.wrap(rawIssuer));
    return l == null ? List.of() : l;
  }

  /** True when a certificate with exactly this DER is an anchor. */
  boolean contains(Cert cert) {
    for (Anchor a : bySubject(cert.rawSubject())) {
      if (Arrays.equals(a.cert.derUnsafe(), cert.derUnsafe())) {
        return true;
      }
    }
    return false;
  }
}
