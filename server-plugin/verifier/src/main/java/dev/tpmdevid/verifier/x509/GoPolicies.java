package dev.tpmdevid.verifier.x509;

import dev.tpmdevid.verifier.x509.Der.DerException;
import dev.tpmdevid.verifier.x509.Der.Element;
import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The certificate-policy fields of one certificate as Go's parser reads them (certificatePolicies,
 * policyMappings, policyConstraints, inhibitAnyPolicy, with Go's parse errors), and the policy
 * validation Go's {@code Verify} runs on every candidate chain: RFC 5280 section 6.1 with the
 * policy graph of RFC 9618, with the inputs SPIRE uses (any policy acceptable, explicit policy not
 * required, mapping and anyPolicy not inhibited). With those inputs a chain is refused only when a
 * certificate's policyConstraints require an explicit policy and no policy is valid for the whole
 * chain, or when a mapping involves anyPolicy. Policies are compared by the DER of their OID.
 */
final class GoPolicies {
  static final GoPolicies NONE = new GoPolicies(List.of(), List.of(), -1, -1, -1);
  private static final String ANY = "551d2000"; // 2.5.29.32.0, DER content in hex

  private static final String CERTIFICATE_POLICIES = "2.5.29.32";
  private static final String POLICY_MAPPINGS = "2.5.29.33";
  private static final String POLICY_CONSTRAINTS = "2.5.29.36";
  private static final String INHIBIT_ANY_POLICY = "2.5.29.54";

  /** One policyMappings entry: issuerDomainPolicy maps to subjectDomainPolicy. */
  record Mapping(String issuerPolicy, String subjectPolicy) {}

  private final List<String> policies;
  private final List<Mapping> mappings;
  private final int requireExplicit;
  private final int inhibitMapping;
  private final int inhibitAny;

  private GoPolicies(
      List<String> policies,
      List<Mapping> mappings,
      int requireExplicit,
      int inhibitMapping,
      int inhibitAny) {
    this.policies = policies;
    this.mappings = mappings;
    this.requireExplicit = requireExplicit;
    this.inhibitMapping = inhibitMapping;
    this.inhibitAny = inhibitAny;
  }

  /**
   * Reads the four extensions (-1 stands for an absent or negative constraint, as Go ignores it).
   */
  static GoPolicies parse(X509Certificate cert) throws CertificateException {
    byte[] cp = value(cert, CERTIFICATE_POLICIES);
    byte[] pm = value(cert, POLICY_MAPPINGS);
    byte[] pc = value(cert, POLICY_CONSTRAINTS);
    byte[] ia = value(cert, INHIBIT_ANY_POLICY);
    if (cp == null && pm == null && pc == null && ia == null) {
      return NONE;
    }
    List<String> policies = cp == null ? List.of() : policies(cp);
    List<Mapping> mappings = pm == null ? List.of() : mappings(pm);
    int requireExplicit = -1;
    int inhibitMapping = -1;
    if (pc != null) {
      try {
        Element seq = Der.read(pc, 0, pc.length, Der.SEQUENCE);
        int p = seq.contentStart();
        if (p < seq.end() && (pc[p] & 0xFF) == 0x80) {
          Element e = Der.read(pc, p, seq.end(), 0x80);
          requireExplicit = smallInt(pc, e);
          p = e.end();
        }
        if (p < seq.end() && (pc[p] & 0xFF) == 0x81) {
          inhibitMapping = smallInt(pc, Der.read(pc, p, seq.end(), 0x81));
        }
      } catch (DerException | RuntimeException e) {
        throw new CertificateException("x509: invalid policy constraints extension");
      }
    }
    int inhibitAny = -1;
    if (ia != null) {
      try {
        inhibitAny = smallInt(ia, Der.read(ia, 0, ia.length, Der.INTEGER));
      } catch (DerException | RuntimeException e) {
        throw new CertificateException("x509: invalid inhibit any policy extension");
      }
    }
    return new GoPolicies(policies, mappings, requireExplicit, inhibitMapping, inhibitAny);
  }

  private static List<String> policies(byte[] v) throws CertificateException {
    List<String> out = new ArrayList<>();
    try {
      Element seq = Der.read(v, 0, v.length, Der.SEQUENCE);
      for (int p = seq.contentStart(); p < seq.end(); ) {
        Element info = Der.read(v, p, seq.end(), Der.SEQUENCE);
        String oid = hex(v, Der.read(v, info.contentStart(), info.end(), Der.OID));
        if (out.contains(oid)) {
          throw new DerException(); // Go refuses a policy listed twice
        }
        out.add(oid);
        p = info.end();
      }
    } catch (DerException | RuntimeException e) {
      throw new CertificateException("x509: invalid certificate policies");
    }
    return List.copyOf(out);
  }

  private static List<Mapping> mappings(byte[] v) throws CertificateException {
    List<Mapping> out = new ArrayList<>();
    try {
      Element seq = Der.read(v, 0, v.length, Der.SEQUENCE);
      for (int p = seq.contentStart(); p < seq.end(); ) {
        Element m = Der.read(v, p, seq.end(), Der.SEQUENCE);
        Element issuer = Der.read(v, m.contentStart(), m.end(), Der.OID);
        Element subject = Der.read(v, issuer.end(), m.end(), Der.OID);
        out.add(new Mapping(hex(v, issuer), hex(v, subject)));
        p = m.end();
      }
    } catch (DerException | RuntimeException e) {
      throw new CertificateException("x509: invalid policy mappings extension");
    }
    return List.copyOf(out);
  }

  /** A DER INTEGER that fits Go's int64; negative values count as absent, huge ones as "never". */
  private static int smallInt(byte[] b, Element e) throws DerException {
    if (e.contentLength() == 0) {
      throw new DerException();
    }
    BigInteger v = new BigInteger(e.content(b));
    if (v.bitLength() > 63) {
      throw new DerException();
    }
    if (v.signum() < 0) {
      return -1;
    }
    return v.bitLength() > 31 ? Integer.MAX_VALUE : v.intValue();
  }

  private static String hex(byte[] b, Element e) {
    StringBuilder sb = new StringBuilder();
    for (int i = e.contentStart(); i < e.end(); i++) {
      sb.append(Character.forDigit((b[i] >> 4) & 0xF, 16))
          .append(Character.forDigit(b[i] & 0xF, 16));
    }
    return sb.toString();
  }

  private static byte[] value(X509Certificate cert, String oid) throws CertificateException {
    return CertificateParser.extensionValue(cert, oid);
  }

  List<String> policies() {
    return policies;
  }

  List<Mapping> mappings() {
    return mappings;
  }

  /** One node of the valid-policy graph. */
  private static final class Node {
    final String policy;
    List<String> expected;
    final Set<Node> parents = new LinkedHashSet<>();
    final Set<Node> children = new LinkedHashSet<>();

    Node(String policy, Iterable<Node> parentNodes) {
      this.policy = policy;
      this.expected = List.of(policy);
      for (Node p : parentNodes) {
        parents.add(p);
        p.children.add(this);
      }
    }
  }

  /**
   * True when the chain (leaf first, anchor last) has a valid policy set as Go computes it with its
   * default options. The anchor's own extensions are not processed (it is the trust anchor).
   */
  static boolean valid(List<Cert> chain) {
    int n = chain.size() - 1; // certificates below the anchor
    if (n == 0) {
      return true;
    }
    int explicitPolicy = n + 1;
    int policyMapping = n + 1;
    int inhibitAnyPolicy = n + 1;
    List<Map<String, Node>> levels = new ArrayList<>();
    Map<String, Node> root = new LinkedHashMap<>();
    root.put(ANY, new Node(ANY, List.of()));
    levels.add(root);
    boolean graph = true;
    for (int i = n - 1; i >= 0; i--) {
      Cert cert = chain.get(i);
      GoPolicies p = cert.policies();
      boolean selfIssued = Arrays.equals(cert.rawIssuer(), cert.rawSubject());
      if (p.policies.isEmpty()) {
        graph = false;
      }
      if (!graph && explicitPolicy == 0) {
        return false;
      }
      if (graph) {
        Map<String, Node> above = levels.get(levels.size() - 1);
        Map<String, Node> level = new LinkedHashMap<>();
        levels.add(level);
        for (String policy : p.policies) {
          if (policy.equals(ANY)) {
            continue;
          }
          List<Node> parents = new ArrayList<>();
          for (Node a : above.values()) {
            if (a.expected.contains(policy)) {
              parents.add(a);
            }
          }
          if (parents.isEmpty() && above.containsKey(ANY)) {
            parents.add(above.get(ANY));
          }
          if (!parents.isEmpty()) {
            level.put(policy, new Node(policy, parents));
          }
        }
        if (p.policies.contains(ANY) && (inhibitAnyPolicy > 0 || (i > 0 && selfIssued))) {
          Map<String, List<Node>> missing = new LinkedHashMap<>();
          for (Node a : above.values()) {
            for (String e : a.expected) {
              if (!level.containsKey(e)) {
                missing.computeIfAbsent(e, k -> new ArrayList<>()).add(a);
              }
            }
          }
          missing.forEach((policy, parents) -> level.put(policy, new Node(policy, parents)));
        }
        prune(levels);
        if (i != 0 && !p.mappings.isEmpty()) {
          Map<String, List<String>> mapped = new LinkedHashMap<>();
          for (Mapping m : p.mappings) {
            if (policyMapping > 0) {
              if (m.issuerPolicy().equals(ANY) || m.subjectPolicy().equals(ANY)) {
                return false;
              }
              mapped
                  .computeIfAbsent(m.issuerPolicy(), k -> new ArrayList<>())
                  .add(m.subjectPolicy());
            } else {
              detach(level.remove(m.issuerPolicy()));
            }
          }
          prune(levels);
          for (Map.Entry<String, List<String>> m : mapped.entrySet()) {
            Node node = level.get(m.getKey());
            if (node == null && level.containsKey(ANY)) {
              node = new Node(m.getKey(), List.of(level.get(ANY)));
              level.put(m.getKey(), node);
            }
            if (node != null) {
              node.expected = List.copyOf(m.getValue());
            }
          }
        }
      }
      if (i != 0) {
        if (!selfIssued) {
          explicitPolicy = Math.max(0, explicitPolicy - 1);
          policyMapping = Math.max(0, policyMapping - 1);
          inhibitAnyPolicy = Math.max(0, inhibitAnyPolicy - 1);
        }
        if (p.requireExplicit >= 0 && p.requireExplicit < explicitPolicy) {
          explicitPolicy = p.requireExplicit;
        }
        if (p.inhibitMapping >= 0 && p.inhibitMapping < policyMapping) {
          policyMapping = p.inhibitMapping;
        }
        if (p.inhibitAny >= 0 && p.inhibitAny < inhibitAnyPolicy) {
          inhibitAnyPolicy = p.inhibitAny;
        }
      }
    }
    explicitPolicy = Math.max(0, explicitPolicy - 1);
    if (chain.get(0).policies().requireExplicit == 0) {
      explicitPolicy = 0;
    }
    if (explicitPolicy > 0) {
      return true;
    }
    if (!graph) {
      return false;
    }
    Set<String> valid = new HashSet<>();
    for (Map<String, Node> level : levels) {
      for (Node node : level.values()) {
        if (!node.policy.equals(ANY)
            && node.parents.size() == 1
            && node.parents.iterator().next().policy.equals(ANY)) {
          valid.add(node.policy);
        }
      }
    }
    return !valid.isEmpty() || levels.get(levels.size() - 1).containsKey(ANY);
  }

  /** Removes childless nodes above the deepest level, deepest first (RFC 9618 pruning). */
  private static void prune(List<Map<String, Node>> levels) {
    for (int d = levels.size() - 2; d > 0; d--) {
      levels
          .get(d)
          .values()
          .removeIf(
              node -> {
                if (!node.children.isEmpty()) {
                  return false;
                }
                for (Node p : node.parents) {
                  p.children.remove(node);
                }
                return true;
              });
    }
  }

  private static void detach(Node node) {
    if (node == null) {
      return;
    }
    for (Node p : node.parents) {
      p.children.remove(node);
    }
    for (Node c : node.children) {
      c.parents.remove(node);
    }
  }
}
