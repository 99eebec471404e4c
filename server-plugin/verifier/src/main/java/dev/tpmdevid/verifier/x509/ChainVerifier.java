package dev.tpmdevid.verifier.x509;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Verifies a certificate against a {@link TrustBundle} with the accept/reject semantics of Go's
 * {@code x509.Certificate.Verify} as SPIRE calls it (docs/protocol.md#server-checks steps 5 and 11, #go-x509), and
 * returns <em>all</em> valid chains (leaf first, anchor last) because the {@code ca:fingerprint}
 * selectors are taken from every chain.
 *
 * <p>Candidate paths are found the way Go's pool does it: issuers are looked up by byte-equal raw
 * subject (anchors first, then the untrusted intermediates), a certificate is not used twice in a
 * path, and at most {@value #MAX_CANDIDATE_CHECKS} candidate issuers are tried (Go's
 * {@code maxChainSignatureChecks}). As in Go's {@code considerCandidate}, an intermediate must have
 * signed the certificate below it before the search goes deeper through it, so same-subject junk
 * costs one check each. Each candidate path is then validated by the JDK PKIX
 * {@link CertPathValidator} (signatures, validity, CA flags, keyCertSign of issuers, pathLen,
 * policies with qualifiers accepted as Go does, no revocation) with {@link GoPathChecker}; the
 * anchor itself gets Go's checks that PKIX does not apply to anchors: validity, unhandled
 * critical extensions, issuer constraints of {@code CheckSignatureFrom} (v3 needs basicConstraints
 * CA=true, keyUsage if present needs keyCertSign) and its pathLen. Extended key usages are not
 * checked (SPIRE asks for {@code ExtKeyUsageAny}). Last, Go's {@code checkChainConstraints}: the
 * DNS/email/IP/URI name constraints of every certificate in the chain, the anchor included, apply to
 * the SANs below it ({@link NameConstraintsChecker}).
 *
 * <p>Thread-safe and stateless.
 */
public final class ChainVerifier {
  static final int MAX_CANDIDATE_CHECKS = 100;
  private static final int MAX_DEPTH = 16;

  private ChainVerifier() {}

  /**
   * @param leaf the end-entity certificate (strictly parsed)
   * @param intermediates untrusted intermediates supplied by the peer (may be empty)
   * @param roots trust anchors
   * @param now verification time
   * @param leafExemptCriticalOids critical extension OIDs treated as handled on the leaf only
   * @return every valid chain, leaf first, anchor last; {@code [[leaf]]} when the leaf is an anchor
   */
  public static List<List<Cert>> verify(
      Cert leaf,
      List<Cert> intermediates,
      TrustBundle roots,
      Date now,
      Set<String> leafExemptCriticalOids)
      throws ChainVerificationException {
    X509Certificate lx = leaf.x509();
    if (!GoExtensionRules.unhandledCritical(lx, leafExemptCriticalOids).isEmpty()) {
      throw new ChainVerificationException("x509: unhandled critical extension");
    }
    if (!validAt(lx, now)) {
      throw new ChainVerificationException(
          "x509: certificate has expired or is not yet valid");
    }
    if (roots.contains(leaf)) {
      return List.of(List.of(leaf));
    }
    Search search = new Search(intermediates, roots, now, leafExemptCriticalOids);
    List<Cert> start = new ArrayList<>();
    start.add(leaf);
    search.extend(start);
    if (!search.chains.isEmpty()) {
      return List.copyOf(search.chains);
    }
    if (search.constraintProblem != null) {
      throw new ChainVerificationException(
          "x509: a root or intermediate certificate is not authorized to sign for this name: "
              + search.constraintProblem);
    }
    if (search.limitReached) {
      throw new ChainVerificationException(
          "x509: signature check attempts limit reached while verifying certificate chain");
    }
    if (search.firstProblem != null) {
      throw new ChainVerificationException(
          "x509: certificate signed by unknown authority (possibly because of \""
              + search.firstProblem
              + "\" while trying to verify candidate authority certificate)");
    }
    throw new ChainVerificationException("x509: certificate signed by unknown authority");
  }

  private static final class Search {
    private final List<Cert> intermediates;
    private final TrustBundle roots;
    private final Date now;
    private final Set<String> leafExempt;
    private final List<List<Cert>> chains = new ArrayList<>();
    private int checks;
    private boolean limitReached;
    private String firstProblem;
    private String constraintProblem;

    Search(List<Cert> intermediates, TrustBundle roots, Date now, Set<String> leafExempt) {
      this.intermediates = intermediates;
      this.roots = roots;
      this.now = now;
      this.leafExempt = leafExempt;
    }

    void extend(List<Cert> chain) {
      Cert child = chain.get(chain.size() - 1);
      for (TrustBundle.Anchor anchor : roots.bySubject(child.rawIssuer())) {
        if (!countCheck() || alreadyInChain(anchor.cert(), chain)) {
          continue;
        }
        String problem = validate(chain, anchor);
        if (problem == null) {
          List<Cert> done = new ArrayList<>(chain);
          done.add(anchor.cert());
          String nameProblem = NameConstraintsChecker.check(done);
          if (nameProblem == null) {
            chains.add(List.copyOf(done));
          } else if (constraintProblem == null) {
            constraintProblem = nameProblem;
          }
        } else if (firstProblem == null) {
          firstProblem = problem;
        }
      }
      if (chain.size() >= MAX_DEPTH) {
        return;
      }
      for (Cert candidate : intermediates) {
        if (!Arrays.equals(candidate.rawSubject(), child.rawIssuer())
            || alreadyInChain(candidate, chain)
            || !countCheck()) {
          continue;
        }
        // Like Go's considerCandidate: the candidate must have signed the child before the search
        // goes deeper through it, so junk same-subject candidates cost one check each.
        String problem = signedBy(child, candidate);
        if (problem != null) {
          if (firstProblem == null) {
            firstProblem = problem;
          }
          continue;
        }
        List<Cert> longer = new ArrayList<>(chain);
        longer.add(candidate);
        extend(longer);
      }
    }

    /** Null when {@code parent} may sign and did sign {@code child} (Go's CheckSignatureFrom). */
    private String signedBy(Cert child, Cert parent) {
      String sigProblem = SignatureAlgorithms.goRefusal(child.x509());
      if (sigProblem != null) {
        return "x509: " + sigProblem;
      }
      String issuerProblem = issuerConstraintProblem(parent.x509());
      if (issuerProblem != null) {
        return issuerProblem;
      }
      try {
        child.x509().verify(parent.x509().getPublicKey());
        return null;
      } catch (GeneralSecurityException | RuntimeException e) {
        return "x509: invalid signature";
      }
    }

    private boolean countCheck() {
      if (limitReached) {
        return false;
      }
      if (++checks > MAX_CANDIDATE_CHECKS) {
        limitReached = true;
        return false;
      }
      return true;
    }

    /** Null when {@code path + anchor} is valid, otherwise a Go-style reason. */
    private String validate(List<Cert> path, TrustBundle.Anchor anchor) {
      X509Certificate a = anchor.cert().x509();
      for (Cert c : path) {
        String sigProblem = SignatureAlgorithms.goRefusal(c.x509());
        if (sigProblem != null) {
          return "x509: " + sigProblem; // Go refuses before looking at anything else
        }
      }
      String issuerProblem = issuerConstraintProblem(a);
      if (issuerProblem != null) {
        return issuerProblem;
      }
      if (!GoExtensionRules.unhandledCritical(a, Set.of()).isEmpty()) {
        return "x509: unhandled critical extension";
      }
      if (!validAt(a, now)) {
        return "x509: certificate has expired or is not yet valid";
      }
      int maxPathLen = goMaxPathLen(a);
      if (maxPathLen >= 0 && path.size() - 1 > maxPathLen) {
        return "x509: too many intermediates for path length constraint";
      }
      if (path.size() == 1 && path.get(0).jdkRefused()) {
        // A leaf only Bouncy Castle parses (empty subject, non-critical SAN) straight under the
        // anchor: PKIX would re-parse it with the JDK. Its validity and critical extensions were
        // checked in verify(), the anchor's constraints above; what remains is the signature.
        return signedBy(path.get(0), anchor.cert());
      }
      for (Cert c : path) {
        if (c.jdkRefused()) {
          return "x509: invalid certificate path";
        }
      }
      try {
        List<X509Certificate> xs = new ArrayList<>(path.size());
        for (Cert c : path) {
          xs.add(c.x509());
        }
        CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(xs);
        PKIXParameters params = new PKIXParameters(anchor.trustAnchorSet());
        params.setRevocationEnabled(false);
        params.setDate(now);
        params.setPolicyQualifiersRejected(false);
        params.addCertPathChecker(new GoPathChecker(path.size(), leafExempt));
        CertPathValidator.getInstance("PKIX").validate(certPath, params);
        return null;
      } catch (CertPathValidatorException e) {
        return describe(e);
      } catch (GeneralSecurityException | RuntimeException e) {
        return "x509: invalid certificate path";
      }
    }
  }

  /**
   * Go's {@code CheckSignatureFrom} constraints on an issuer: a v3 issuer needs basicConstraints,
   * basicConstraints needs CA=true, and a keyUsage extension needs keyCertSign.
   */
  static String issuerConstraintProblem(X509Certificate issuer) {
    boolean hasBc = issuer.getExtensionValue("2.5.29.19") != null;
    if ((issuer.getVersion() == 3 && !hasBc) || (hasBc && issuer.getBasicConstraints() < 0)) {
      return "x509: invalid signature: parent certificate cannot sign this kind of certificate";
    }
    boolean[] ku = issuer.getKeyUsage();
    if (ku != null && anySet(ku) && (ku.length <= 5 || !ku[5])) {
      return "x509: invalid signature: parent certificate cannot sign this kind of certificate";
    }
    return null;
  }

  private static boolean anySet(boolean[] bits) {
    for (boolean b : bits) {
      if (b) {
        return true;
      }
    }
    return false;
  }

  /** Go's MaxPathLen: -1 when absent or not a CA; otherwise the constraint. */
  private static int goMaxPathLen(X509Certificate c) {
    int bc = c.getBasicConstraints();
    return bc == Integer.MAX_VALUE ? -1 : bc;
  }

  private static boolean validAt(X509Certificate c, Date now) {
    return !now.before(c.getNotBefore()) && !now.after(c.getNotAfter());
  }

  /** Go's alreadyInChain: same raw subject and same public key. */
  private static boolean alreadyInChain(Cert candidate, List<Cert> chain) {
    byte[] key = candidate.x509().getPublicKey().getEncoded();
    for (Cert c : chain) {
      if (Arrays.equals(c.rawSubject(), candidate.rawSubject())
          && Arrays.equals(c.x509().getPublicKey().getEncoded(), key)) {
        return true;
      }
    }
    return false;
  }

  private static String describe(CertPathValidatorException e) {
    CertPathValidatorException.Reason r = e.getReason();
    if (r == BasicReason.EXPIRED || r == BasicReason.NOT_YET_VALID) {
      return "x509: certificate has expired or is not yet valid";
    }
    if (r == BasicReason.INVALID_SIGNATURE) {
      return "x509: invalid signature";
    }
    if (r == BasicReason.ALGORITHM_CONSTRAINED) {
      return "x509: cannot verify signature: insecure algorithm";
    }
    if (r == PKIXReason.NOT_CA_CERT) {
      return "x509: certificate is not authorized to sign other certificates";
    }
    if (r == PKIXReason.PATH_TOO_LONG) {
      return "x509: too many intermediates for path length constraint";
    }
    if (r == PKIXReason.INVALID_KEY_USAGE) {
      return "x509: invalid signature: parent certificate cannot sign this kind of certificate";
    }
    if (r == PKIXReason.UNRECOGNIZED_CRIT_EXT) {
      return "x509: unhandled critical extension";
    }
    if (r == PKIXReason.INVALID_POLICY) {
      return "x509: no valid chains built: all candidate chains have invalid policies";
    }
    if (r == PKIXReason.INVALID_NAME) {
      return "x509: a root or intermediate certificate is not authorized for this name";
    }
    String m = e.getMessage();
    if (m != null && m.startsWith("x509: ")) {
      return m; // from GoPathChecker, already Go-style and value-free
    }
    return "x509: invalid certificate path";
  }
}
