package dev.tpmdevid.verifier.x509;

import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Set;

/**
 * The {@link PKIXCertPathChecker} that gives the JDK PKIX validator Go's accept/reject rules where
 * they differ (docs/protocol.md#go-x509), for every certificate of the path (leaf and intermediates; the anchor
 * is checked by {@link ChainVerifier}):
 *
 * <ul>
 *   <li>signature algorithm must be one Go verifies: SHA-1 and MD5 based signatures are refused;
 *   <li>critical extensions follow {@link GoExtensionRules} (the only exemption is the one the
 *       caller passes for the leaf: SPIRE's SAN exemption for the EK certificate); the checker
 *       claims every critical extension so the JDK's own list does not matter;
 *   <li>every non-leaf certificate needs basicConstraints with CA=true (no v1/v2 CA exception).
 * </ul>
 *
 * Reverse (anchor-to-leaf) checking only; one instance per validation.
 */
final class GoPathChecker extends PKIXCertPathChecker {
  private final int pathLength;
  private final Set<String> leafExempt;
  private int seen;

  GoPathChecker(int pathLength, Set<String> leafExempt) {
    this.pathLength = pathLength;
    this.leafExempt = leafExempt;
  }

  @Override
  public void init(boolean forward) throws CertPathValidatorException {
    if (forward) {
      throw new CertPathValidatorException("forward checking not supported");
    }
    seen = 0;
  }

  @Override
  public boolean isForwardCheckingSupported() {
    return false;
  }

  @Override
  public Set<String> getSupportedExtensions() {
    return null; // decides from the certificate itself, see check()
  }

  @Override
  public void check(Certificate c, Collection<String> unresolvedCritExts)
      throws CertPathValidatorException {
    X509Certificate cert = (X509Certificate) c;
    seen++;
    boolean leaf = seen == pathLength;
    String sigProblem = SignatureAlgorithms.goRefusal(cert);
    if (sigProblem != null) {
      throw new CertPathValidatorException("x509: " + sigProblem);
    }
    if (!GoExtensionRules.unhandledCritical(cert, leaf ? leafExempt : Set.of()).isEmpty()) {
      throw new CertPathValidatorException("x509: unhandled critical extension");
    }
    if (!leaf && cert.getBasicConstraints() < 0) {
      throw new CertPathValidatorException(
          "x509: certificate is not authorized to sign other certificates");
    }
    if (unresolvedCritExts != null) {
      unresolvedCritExts.clear();
    }
  }
}
