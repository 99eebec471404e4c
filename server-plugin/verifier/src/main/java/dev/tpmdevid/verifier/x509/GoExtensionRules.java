package dev.tpmdevid.verifier.x509;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;

/**
 * Which critical extensions Go's {@code x509} parser records as <em>unhandled</em>
 * (docs/protocol.md#go-x509), which makes Go's verifier refuse any path through the certificate. Go
 * handles keyUsage, basicConstraints, CRL distribution points, authority key id, certificate
 * policies, policy mappings, policy constraints, inhibitAnyPolicy and extended key usage; a
 * subjectAltName only if it yields a DNS, email, IP or URI name (a TCG EK SAN with only a
 * directoryName does not); name constraints only if every subtree is of one of those four types.
 * Everything else is unhandled.
 */
public final class GoExtensionRules {
  static final String SAN = "2.5.29.17";
  static final String NAME_CONSTRAINTS = "2.5.29.30";

  private static final Set<String> ALWAYS_HANDLED =
      Set.of(
          "2.5.29.15", // keyUsage
          "2.5.29.19", // basicConstraints
          "2.5.29.31", // cRLDistributionPoints
          "2.5.29.32", // certificatePolicies
          "2.5.29.33", // policyMappings
          "2.5.29.35", // authorityKeyIdentifier
          "2.5.29.36", // policyConstraints
          "2.5.29.37", // extKeyUsage
          "2.5.29.54"); // inhibitAnyPolicy

  private GoExtensionRules() {}

  /**
   * Critical extension OIDs of {@code cert} that Go leaves unhandled, minus {@code exempt} (SPIRE
   * exempts the SAN of the EK leaf only). Empty when Go would accept the certificate's extensions.
   */
  public static Set<String> unhandledCritical(X509Certificate cert, Collection<String> exempt) {
    Set<String> critical = cert.getCriticalExtensionOIDs();
    if (critical == null || critical.isEmpty()) {
      return Set.of();
    }
    Set<String> out = new TreeSet<>();
    for (String oid : critical) {
      if (ALWAYS_HANDLED.contains(oid) || exempt.contains(oid)) {
        continue;
      }
      if (SAN.equals(oid) && sanYieldsGoNames(cert)) {
        continue;
      }
      if (NAME_CONSTRAINTS.equals(oid) && nameConstraintsSupported(cert)) {
        continue;
      }
      out.add(oid);
    }
    return out;
  }

  /** Go only "handles" a SAN that produced a DNS, email, IP or URI entry. */
  private static boolean sanYieldsGoNames(X509Certificate cert) {
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (names == null) {
      return false;
    }
    for (List<?> entry : names) {
      Object type = entry.get(0);
      if (type instanceof Integer) {
        int t = (Integer) type;
        if (t == GeneralName.rfc822Name
            || t == GeneralName.dNSName
            || t == GeneralName.uniformResourceIdentifier
            || t == GeneralName.iPAddress) {
          return true;
        }
      }
    }
    return false;
  }

  /** Go supports DNS, email, IP and URI name constraints only. */
  private static boolean nameConstraintsSupported(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(NAME_CONSTRAINTS);
    if (ext == null) {
      return false;
    }
    try {
      NameConstraints nc =
          NameConstraints.getInstance(ASN1OctetString.getInstance(ext).getOctets());
      return subtreesSupported(nc.getPermittedSubtrees())
          && subtreesSupported(nc.getExcludedSubtrees());
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static boolean subtreesSupported(GeneralSubtree[] subtrees) {
    if (subtrees == null) {
      return true;
    }
    for (GeneralSubtree s : subtrees) {
      int t = s.getBase().getTagNo();
      if (t != GeneralName.rfc822Name
          && t != GeneralName.dNSName
          && t != GeneralName.uniformResourceIdentifier
          && t != GeneralName.iPAddress) {
        return false;
      }
    }
    return true;
  }
}
