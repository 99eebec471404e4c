package dev.tpmdevid.verifier.x509;

import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Verifies a certificate against a {@link TrustBundle} with the accept/reject semantics of Go's
 * {@code x509.Certificate.Verify} as SPIRE calls it (docs/protocol.md#server-checks steps 5 and 11,
 * #go-x509), and returns <em>all</em> valid chains (leaf first, anchor last) because the {@code
 * ca:fingerprint} selectors are taken from every chain.
 *
 * <p>The path is built and checked the way Go does it, in our own code (the JDK's PKIX validator is
 * not used: it applies name constraints, key usage and policies by its own rules). Issuers are
 * looked up by byte-equal raw subject (anchors first, then the untrusted intermediates), a
 * certificate is not used twice in a path, and at most {@value #MAX_CANDIDATE_CHECKS} candidate
 * issuers are tried (Go's {@code maxChainSignatureChecks}). Each candidate issuer must first have
 * signed the certificate below it ({@code CheckSignatureFrom}: signature algorithm Go verifies, RSA
 * key of at least 1024 bits, v3 issuer with basicConstraints CA=true, keyUsage if present with
 * keyCertSign) and then be valid in its place ({@code isValid}: no unhandled critical extension,
 * valid at the verification time, an intermediate needs CA=true, pathLen counts the intermediates
 * below it), so same-subject junk costs one check each. Every complete candidate chain must then
 * pass Go's policy validation ({@link GoPolicies}) and Go's {@code checkChainConstraints}: the
 * DNS/email/IP/URI name constraints of every certificate in the chain, anchor and intermediates
 * alike, apply to the SANs below it ({@link NameConstraintsChecker}). Extended key usages are not
 * checked (SPIRE asks for {@code ExtKeyUsageAny}); no revocation.
 *
 * <p>Thread-safe and stateless.
 */
public final class ChainVerifier {
  static final int MAX_CANDIDATE_CHECKS = 100;
  private static final int MAX_DEPTH = 16;
  private static final int MIN_RSA_BITS = 1024;
  private static final String BASIC_CONSTRAINTS = "2.5.29.19";

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
      throw new ChainVerificationException("x509: certificate has expired or is not yet valid");
    }
    if (roots.contains(leaf)) {
      return List.of(List.of(leaf));
    }
    Search search = new Search(intermediates, roots, now);
    List<Cert> start = new ArrayList<>();
    start.add(leaf);
    search.extend(start);
    if (search.candidates.isEmpty()) {
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
    List<List<Cert>> chains = new ArrayList<>();
    int invalidPolicies = 0;
    String constraintProblem = null;
    for (List<Cert> chain : search.candidates) {
      if (!GoPolicies.valid(chain)) {
        invalidPolicies++;
        continue;
      }
      String nameProblem = NameConstraintsChecker.check(chain);
      if (nameProblem != null) {
        if (constraintProblem == null) {
          constraintProblem = nameProblem;
        }
        continue;
      }
      chains.add(chain);
    }
    if (!chains.isEmpty()) {
      return List.copyOf(chains);
    }
    if (constraintProblem != null) {
      throw new ChainVerificationException(
          "x509: a root or intermediate certificate is not authorized to sign for this name: "
              + constraintProblem);
    }
    throw new ChainVerificationException(
        "x509: no valid chains built: "
            + invalidPolicies
            + " candidate chains with invalid policies");
  }

  private static final class Search {
    private final List<Cert> intermediates;
    private final TrustBundle roots;
    private final Date now;
    private final List<List<Cert>> candidates = new ArrayList<>();
    private int checks;
    private boolean limitReached;
    private String firstProblem;

    Search(List<Cert> intermediates, TrustBundle roots, Date now) {
      this.intermediates = intermediates;
      this.roots = roots;
      this.now = now;
    }

    void extend(List<Cert> chain) {
      Cert child = chain.get(chain.size() - 1);
      for (TrustBundle.Anchor anchor : roots.bySubject(child.rawIssuer())) {
        if (!countCheck()) {
          return;
        }
        if (consider(chain, anchor.cert(), true)) {
          List<Cert> done = new ArrayList<>(chain);
          done.add(anchor.cert());
          candidates.add(List.copyOf(done));
        }
      }
      if (chain.size() >= MAX_DEPTH) {
        return;
      }
      for (Cert candidate : intermediates) {
        if (!Arrays.equals(candidate.rawSubject(), child.rawIssuer())) {
          continue;
        }
        if (!countCheck()) {
          return;
        }
        if (consider(chain, candidate, false)) {
          List<Cert> longer = new ArrayList<>(chain);
          longer.add(candidate);
          extend(longer);
        }
      }
    }

    /**
     * Go's {@code considerCandidate}: true when {@code parent} is not in the chain yet, signed its
     * last certificate and is valid in its place; otherwise the first reason is kept as the hint.
     */
    private boolean consider(List<Cert> chain, Cert parent, boolean anchor) {
      if (alreadyInChain(parent, chain)) {
        return false;
      }
      String problem = signedBy(chain.get(chain.size() - 1), parent);
      if (problem == null) {
        problem = isValid(parent, anchor, chain);
      }
      if (problem != null && firstProblem == null) {
        firstProblem = problem;
      }
      return problem == null;
    }

    /** Go's {@code isValid} for an anchor or an intermediate placed above {@code below}. */
    private String isValid(Cert parent, boolean anchor, List<Cert> below) {
      X509Certificate c = parent.x509();
      if (!GoExtensionRules.unhandledCritical(c, Set.of()).isEmpty()) {
        return "x509: unhandled critical extension";
      }
      if (!validAt(c, now)) {
        return "x509: certificate has expired or is not yet valid";
      }
      int bc = parent.basicConstraints(); // -1: no basicConstraints or CA=false
      if (!anchor && bc < 0) {
        return "x509: certificate is not authorized to sign other certificates";
      }
      if (bc >= 0 && bc != Integer.MAX_VALUE && below.size() - 1 > bc) {
        return "x509: too many intermediates for path length constraint";
      }
      return null;
    }

    private boolean countCheck() {
      if (++checks > MAX_CANDIDATE_CHECKS) {
        limitReached = true;
        return false;
      }
      return true;
    }
  }

  /** Null when {@code parent} may sign and did sign {@code child} (Go's CheckSignatureFrom). */
  static String signedBy(Cert child, Cert parent) {
    String issuerProblem = issuerConstraintProblem(parent.x509());
    if (issuerProblem != null) {
      return issuerProblem;
    }
    String sigProblem = SignatureAlgorithms.goRefusal(child.x509());
    if (sigProblem != null) {
      return "x509: " + sigProblem;
    }
    PublicKey key = parent.x509().getPublicKey();
    if (key instanceof RSAPublicKey
        && ((RSAPublicKey) key).getModulus().bitLength() < MIN_RSA_BITS) {
      return "crypto/rsa: "
          + ((RSAPublicKey) key).getModulus().bitLength()
          + "-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)";
    }
    try {
      child.x509().verify(IssuerKeys.forVerify(key));
      return null;
    } catch (GeneralSecurityException | RuntimeException e) {
      return "x509: invalid signature";
    }
  }

  /**
   * Go's {@code CheckSignatureFrom} constraints on an issuer: a v3 issuer needs basicConstraints,
   * basicConstraints needs CA=true, and a keyUsage extension needs keyCertSign.
   */
  static String issuerConstraintProblem(X509Certificate issuer) {
    boolean hasBc = CertificateParser.hasExtension(issuer, BASIC_CONSTRAINTS);
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

  /** The raw subjectAltName extension value, or null when absent. */
  private static byte[] sanValue(X509Certificate c) {
    return CertificateParser.hasExtension(c, GoExtensionRules.SAN)
        ? c.getExtensionValue(GoExtensionRules.SAN)
        : null;
  }

  private static boolean validAt(X509Certificate c, Date now) {
    return !now.before(c.getNotBefore()) && !now.after(c.getNotAfter());
  }

  /**
   * Go's alreadyInChain: same raw subject, same public key and the same subjectAltName extension
   * (both absent, or byte-equal), so mutual cross-signatures cannot loop.
   */
  private static boolean alreadyInChain(Cert candidate, List<Cert> chain) {
    byte[] key = null;
    byte[] san = null;
    for (Cert c : chain) {
      if (!Arrays.equals(c.rawSubject(), candidate.rawSubject())) {
        continue;
      }
      if (key == null) {
        key = candidate.x509().getPublicKey().getEncoded();
        san = sanValue(candidate.x509());
      }
      if (Arrays.equals(c.x509().getPublicKey().getEncoded(), key)
          && Arrays.equals(sanValue(c.x509()), san)) {
        return true;
      }
    }
    return false;
  }
}
