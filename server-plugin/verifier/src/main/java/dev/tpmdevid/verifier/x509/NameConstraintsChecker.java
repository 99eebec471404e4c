package dev.tpmdevid.verifier.x509;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Go's {@code checkChainConstraints} (crypto/x509, Go 1.26) over one candidate chain, leaf first,
 * anchor last: the DNS, email, IP and URI name constraints of every certificate in the chain — the
 * anchor included — apply to the subjectAltName entries of every certificate below it. Only
 * certificates with a subjectAltName extension are checked (the subject CN is never a name here);
 * below any certificate with a nameConstraints extension, a URI SAN without a host or with an IP
 * address as host is refused, as Go cannot match it. DNS-style matching is a case-insensitive label
 * suffix match; a constraint with a leading period needs at least one more label; an empty
 * constraint matches everything; a wildcard DNS name is also excluded when an excluded constraint
 * names a sibling under the same parent.
 */
final class NameConstraintsChecker {
  private NameConstraintsChecker() {}

  /** Null when the chain satisfies every constraint, otherwise Go's reason. */
  static String check(List<Cert> chain) {
    List<Integer> constrained = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      // Go: every certificate with a nameConstraints extension, even one whose subtrees are all of
      // kinds Go does not apply (directoryName): its SAN checks below still parse URIs and emails
      if (chain.get(i).constraints() != null) {
        constrained.add(i);
      }
    }
    if (constrained.isEmpty()) {
      return null;
    }
    for (int i = 0; i < chain.size(); i++) {
      GoNames.Sans sans = chain.get(i).sans();
      if (!sans.present()) {
        continue;
      }
      for (int index : constrained) {
        if (index <= i) {
          continue; // a certificate's own constraints (and those below it) do not apply to it
        }
        String problem = checkAgainst(chain.get(index).constraints(), sans);
        if (problem != null) {
          return problem;
        }
      }
    }
    return null;
  }

  static String checkAgainst(GoNames.Constraints c, GoNames.Sans sans) {
    for (byte[] ip : sans.ips()) {
      String shown = ipString(ip);
      if (!c.permittedIps().isEmpty() && ipQuery(c.permittedIps(), ip) == null) {
        return "IP address \"" + shown + "\" is not permitted by any constraint";
      }
      byte[][] hit = ipQuery(c.excludedIps(), ip);
      if (hit != null) {
        return "IP address \"" + shown + "\" is excluded by constraint \"" + cidr(hit) + "\"";
      }
    }
    for (String d : sans.dns()) {
      if (!GoNames.domainNameValid(d, false)) {
        return "x509: cannot parse dnsName \"" + d + "\"";
      }
      String problem = checkDns("DNS name", c.permittedDns(), c.excludedDns(), d, d);
      if (problem != null) {
        return problem;
      }
    }
    for (String u : sans.uris()) {
      String host;
      try {
        host = GoNames.uriHost(u).toLowerCase(Locale.ROOT);
      } catch (java.security.cert.CertificateException e) {
        return "cannot parse URI \"" + u + "\"";
      }
      if (host.isEmpty()) {
        return "URI with empty host (\"" + u + "\") cannot be matched against constraints";
      }
      if (host.contains(":") && !host.endsWith("]")) {
        host = host.substring(0, host.lastIndexOf(':'));
      }
      if (GoNames.looksLikeIp(host)) {
        return "URI with IP (\"" + u + "\") cannot be matched against constraints";
      }
      if (!GoNames.domainNameValid(host, false)) {
        return "x509: internal error: URI SAN \"" + u + "\" failed to parse";
      }
      String problem = checkDns("URI", c.permittedUris(), c.excludedUris(), host, u);
      if (problem != null) {
        return problem;
      }
    }
    for (String e : sans.emails()) {
      GoNames.Mailbox m = GoNames.Mailbox.parse(e);
      if (m == null) {
        return "cannot parse rfc822Name \"" + e + "\"";
      }
      m = m.lowerDomain();
      if (!GoNames.domainNameValid(m.domain(), false)) {
        return "x509: cannot parse rfc822Name \"" + m + "\"";
      }
      if (!c.permittedEmails().isEmpty() && emailQuery(c.permittedEmails(), m, true) == null) {
        return "email address \"" + m + "\" is not permitted by any constraint";
      }
      String hit = c.excludedEmails().isEmpty() ? null : emailQuery(c.excludedEmails(), m, false);
      if (hit != null) {
        return "email address \"" + m + "\" is excluded by constraint \"" + hit + "\"";
      }
    }
    return null;
  }

  private static String checkDns(
      String kind, List<String> permitted, List<String> excluded, String name, String shown) {
    if (!permitted.isEmpty() && dnsQuery(permitted, name, true) == null) {
      return kind + " \"" + shown + "\" is not permitted by any constraint";
    }
    String hit = excluded.isEmpty() ? null : dnsQuery(excluded, name, false);
    if (hit != null) {
      return kind + " \"" + shown + "\" is excluded by constraint \"" + hit + "\"";
    }
    return null;
  }

  /** The matching constraint, or null (Go's {@code dnsConstraints.query}). */
  static String dnsQuery(List<String> constraints, String name, boolean permitted) {
    for (String c : constraints) {
      if (c.isEmpty()) {
        return c;
      }
    }
    for (String c : constraints) {
      if (dnsHasSuffix(c, name)) {
        return c;
      }
    }
    if (!permitted && !name.isEmpty() && name.charAt(0) == '*') {
      String trimmed = trimFirstLabel(name.toLowerCase(Locale.ROOT));
      for (String c : constraints) {
        String lc = c.toLowerCase(Locale.ROOT);
        String t = trimFirstLabel(lc);
        if (!t.isEmpty() && t.equals(trimmed)) {
          return lc;
        }
      }
    }
    return null;
  }

  private static String emailQuery(List<String> constraints, GoNames.Mailbox m, boolean permitted) {
    List<String> domains = new ArrayList<>();
    for (String c : constraints) {
      if (c.contains("@")) {
        GoNames.Mailbox full = GoNames.Mailbox.parse(c);
        if (full != null && full.lowerDomain().equals(m)) {
          return m.local() + "@" + m.domain();
        }
      } else {
        domains.add(c);
      }
    }
    return domains.isEmpty() ? null : dnsQuery(domains, m.domain(), permitted);
  }

  private static String trimFirstLabel(String s) {
    int dot = s.indexOf('.');
    return dot < 0 ? "" : s.substring(dot);
  }

  /** Go's {@code dnsHasSuffix}: constraint {@code a} is a label suffix of {@code b}. */
  static boolean dnsHasSuffix(String a, String b) {
    int lenA = a.length();
    int lenB = b.length();
    if (lenA > lenB) {
      return false;
    }
    int offset = lenA - lenB;
    for (int i = lenA - 1; i >= 0; i--) {
      char ar = a.charAt(i);
      char br = b.charAt(i - offset);
      if (ar == br) {
        continue;
      }
      if (br < ar) {
        char t = ar;
        ar = br;
        br = t;
      }
      if ('A' <= ar && ar <= 'Z' && br == ar + 'a' - 'A') {
        continue;
      }
      return false;
    }
    return a.charAt(0) == '.' || lenB <= lenA || b.charAt(lenB - lenA - 1) == '.';
  }

  private static byte[][] ipQuery(List<byte[][]> constraints, byte[] ip) {
    for (byte[][] c : constraints) {
      byte[] net = c[0];
      byte[] mask = c[1];
      if (net.length != ip.length) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < ip.length; i++) {
        if ((ip[i] & mask[i]) != (net[i] & mask[i])) {
          match = false;
          break;
        }
      }
      if (match) {
        return c;
      }
    }
    return null;
  }

  private static String ipString(byte[] ip) {
    try {
      return java.net.InetAddress.getByAddress(ip).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      return new String(ip, StandardCharsets.ISO_8859_1);
    }
  }

  private static String cidr(byte[][] c) {
    int bits = 0;
    for (byte b : c[1]) {
      bits += Integer.bitCount(b & 0xFF);
    }
    return ipString(c[0]) + "/" + bits;
  }
}
