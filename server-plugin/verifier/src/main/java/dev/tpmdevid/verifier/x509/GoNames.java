package dev.tpmdevid.verifier.x509;

import dev.tpmdevid.verifier.x509.Der.DerException;
import dev.tpmdevid.verifier.x509.Der.Element;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The names of a certificate as Go's {@code x509} parser sees them: the attribute values of the
 * issuer and subject Names (only the six string types Go's {@code parseASN1String} knows, each
 * valid for its type), the DNS, email, IP and URI entries of the subjectAltName (checked as Go's
 * {@code parseSANExtension} checks them) and the DNS, email, IP and URI name constraints (as Go's
 * {@code parseNameConstraintsExtension} reads them). The checking of a chain against the
 * constraints is {@link NameConstraintsChecker}.
 */
final class GoNames {
  static final int TAG_UTF8 = 0x0C;
  static final int TAG_NUMERIC = 0x12;
  static final int TAG_PRINTABLE = 0x13;
  static final int TAG_T61 = 0x14;
  static final int TAG_IA5 = 0x16;
  static final int TAG_BMP = 0x1E;

  /** Subject alternative names of the four kinds Go uses (lists in certificate order). */
  record Sans(
      boolean present, List<String> dns, List<String> emails, List<byte[]> ips, List<String> uris) {
    static final Sans NONE = new Sans(false, List.of(), List.of(), List.of(), List.of());
  }

  /** Permitted and excluded subtrees of a nameConstraints extension (IP: address then mask). */
  record Constraints(
      List<String> permittedDns,
      List<String> excludedDns,
      List<byte[][]> permittedIps,
      List<byte[][]> excludedIps,
      List<String> permittedEmails,
      List<String> excludedEmails,
      List<String> permittedUris,
      List<String> excludedUris) {}

  private GoNames() {}

  // ------------------------------------------------------------------ Name (parseName)

  /**
   * Checks a DER Name (the whole element) as Go's {@code parseName} does and returns the value of
   * its last commonName attribute ("" when none), as Go's {@code pkix.Name.CommonName}.
   */
  static String parseName(byte[] name) throws CertificateException {
    String cn = "";
    try {
      Element seq = Der.read(name, 0, name.length);
      if (seq.tag() != Der.SEQUENCE) {
        throw new CertificateException("x509: invalid RDNSequence");
      }
      int p = seq.contentStart();
      while (p < seq.end()) {
        Element set = Der.read(name, p, seq.end());
        if (set.tag() != Der.SET) {
          throw new CertificateException("x509: invalid RDNSequence");
        }
        int q = set.contentStart();
        while (q < set.end()) {
          Element atav = Der.read(name, q, set.end());
          if (atav.tag() != Der.SEQUENCE) {
            throw new CertificateException("x509: invalid RDNSequence: invalid attribute");
          }
          Element type;
          try {
            type = Der.read(name, atav.contentStart(), atav.end(), Der.OID);
          } catch (DerException e) {
            throw new CertificateException("x509: invalid RDNSequence: invalid attribute type");
          }
          Element value;
          try {
            value = Der.read(name, type.end(), atav.end());
          } catch (DerException e) {
            throw new CertificateException("x509: invalid RDNSequence: invalid attribute value");
          }
          String s;
          try {
            s = parseAsn1String(value.tag(), value.content(name));
          } catch (CertificateException e) {
            throw new CertificateException(
                "x509: invalid RDNSequence: invalid attribute value: " + e.getMessage());
          }
          byte[] oid = type.content(name);
          if (oid.length == 3 && oid[0] == 0x55 && oid[1] == 0x04 && oid[2] == 0x03) {
            cn = s; // 2.5.4.3 commonName: Go keeps the last one
          }
          q = atav.end();
        }
        p = set.end();
      }
      return cn;
    } catch (DerException e) {
      throw new CertificateException("x509: invalid RDNSequence");
    }
  }

  /** Go's {@code parseASN1String}: the six string types, each checked; anything else refused. */
  static String parseAsn1String(int tag, byte[] v) throws CertificateException {
    switch (tag) {
      case TAG_T61:
        {
          StringBuilder sb = new StringBuilder(v.length);
          for (byte b : v) {
            sb.append((char) (b & 0xFF)); // Latin-1, as Go does
          }
          return sb.toString();
        }
      case TAG_PRINTABLE:
        for (byte b : v) {
          if (!isPrintable(b)) {
            throw new CertificateException("invalid PrintableString");
          }
        }
        return new String(v, StandardCharsets.ISO_8859_1);
      case TAG_UTF8:
        try {
          return StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(v))
              .toString();
        } catch (CharacterCodingException e) {
          throw new CertificateException("invalid UTF-8 string");
        }
      case TAG_BMP:
        {
          if (v.length % 2 != 0) {
            throw new CertificateException("invalid BMPString");
          }
          int n = v.length;
          if (n >= 2 && v[n - 1] == 0 && v[n - 2] == 0) {
            n -= 2; // terminator
          }
          StringBuilder sb = new StringBuilder(n / 2);
          for (int i = 0; i < n; i += 2) {
            int point = ((v[i] & 0xFF) << 8) | (v[i + 1] & 0xFF);
            if (point == 0xFFFE
                || point == 0xFFFF
                || (point >= 0xFDD0 && point <= 0xFDEF)
                || (point >= 0xD800 && point <= 0xDFFF)) {
              throw new CertificateException("invalid BMPString");
            }
            sb.append((char) point);
          }
          return sb.toString();
        }
      case TAG_IA5:
        if (!isIa5(v)) {
          throw new CertificateException("invalid IA5String");
        }
        return new String(v, StandardCharsets.US_ASCII);
      case TAG_NUMERIC:
        for (byte b : v) {
          if (!((b >= '0' && b <= '9') || b == ' ')) {
            throw new CertificateException("invalid NumericString");
          }
        }
        return new String(v, StandardCharsets.US_ASCII);
      default:
        throw new CertificateException("unsupported string type: " + (tag & 0xFF));
    }
  }

  /** Go's {@code isPrintable}, including its '*' and '&' allowances. */
  static boolean isPrintable(byte b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || (b >= '\'' && b <= ')')
        || (b >= '+' && b <= '/')
        || b == ' '
        || b == ':'
        || b == '='
        || b == '?'
        || b == '*'
        || b == '&';
  }

  static boolean isIa5(byte[] v) {
    for (byte b : v) {
      if ((b & 0x80) != 0) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ SAN (parseSANExtension)

  /** Go's {@code parseSANExtension} over the extension value (the OCTET STRING's content). */
  static Sans parseSans(byte[] ext) throws CertificateException {
    List<String> dns = new ArrayList<>();
    List<String> emails = new ArrayList<>();
    List<byte[]> ips = new ArrayList<>();
    List<String> uris = new ArrayList<>();
    Element seq;
    try {
      seq = Der.read(ext, 0, ext.length, Der.SEQUENCE);
    } catch (DerException e) {
      throw new CertificateException("x509: invalid subject alternative names");
    }
    int p = seq.contentStart();
    while (p < seq.end()) {
      Element n;
      try {
        n = Der.read(ext, p, seq.end());
      } catch (DerException e) {
        throw new CertificateException("x509: invalid subject alternative name");
      }
      byte[] v = n.content(ext);
      switch (n.tag() ^ 0x80) {
        case 1:
          if (!isIa5(v)) {
            throw new CertificateException("x509: SAN rfc822Name is malformed");
          }
          emails.add(new String(v, StandardCharsets.US_ASCII));
          break;
        case 2:
          if (!isIa5(v)) {
            throw new CertificateException("x509: SAN dNSName is malformed");
          }
          dns.add(new String(v, StandardCharsets.US_ASCII));
          break;
        case 6:
          {
            if (!isIa5(v)) {
              throw new CertificateException("x509: SAN uniformResourceIdentifier is malformed");
            }
            String s = new String(v, StandardCharsets.US_ASCII);
            String host = uriHost(s);
            if (!host.isEmpty() && !domainNameValid(host, false)) {
              throw new CertificateException("x509: cannot parse URI: invalid domain");
            }
            uris.add(s);
            break;
          }
        case 7:
          if (v.length != 4 && v.length != 16) {
            throw new CertificateException("x509: cannot parse IP address of length " + v.length);
          }
          ips.add(v);
          break;
        default:
          break;
      }
      p = n.end();
    }
    return new Sans(
        true, List.copyOf(dns), List.copyOf(emails), List.copyOf(ips), List.copyOf(uris));
  }

  /** The host of a URI as Go's {@code url.URL.Host} (with port); "" when none. */
  static String uriHost(String s) throws CertificateException {
    try {
      URI u = new URI(s);
      String auth = u.getRawAuthority();
      if (auth == null) {
        return "";
      }
      int at = auth.lastIndexOf('@');
      return at >= 0 ? auth.substring(at + 1) : auth;
    } catch (URISyntaxException e) {
      throw new CertificateException("x509: cannot parse URI");
    }
  }

  /** Go's {@code domainNameValid} (Go 1.26: empty allowed, no trailing dot, no empty label). */
  static boolean domainNameValid(String s, boolean constraint) {
    if (s.isEmpty()) {
      return true;
    }
    if (s.charAt(s.length() - 1) == '.') {
      return false;
    }
    if (constraint && s.charAt(0) == '.') {
      s = s.substring(1);
    }
    int lastDot = -1;
    for (int i = 0; i <= s.length(); i++) {
      if (i < s.length() && (s.charAt(i) < 33 || s.charAt(i) > 126)) {
        return false;
      }
      if (i == s.length() || s.charAt(i) == '.') {
        int labelLen = i;
        if (lastDot >= 0) {
          labelLen -= lastDot + 1;
        }
        if (labelLen == 0) {
          return false;
        }
        lastDot = i;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ nameConstraints

  /**
   * Go's {@code parseNameConstraintsExtension} over the extension value: DNS, email, URI and IP
   * subtrees (other kinds are skipped here; {@link GoExtensionRules} decides criticality).
   */
  static Constraints parseConstraints(byte[] ext) throws CertificateException {
    List<String> pDns = new ArrayList<>();
    List<String> eDns = new ArrayList<>();
    List<byte[][]> pIp = new ArrayList<>();
    List<byte[][]> eIp = new ArrayList<>();
    List<String> pEmail = new ArrayList<>();
    List<String> eEmail = new ArrayList<>();
    List<String> pUri = new ArrayList<>();
    List<String> eUri = new ArrayList<>();
    boolean sawSubtree = false;
    try {
      Element nc = Der.read(ext, 0, ext.length, Der.SEQUENCE);
      int p = nc.contentStart();
      while (p < nc.end()) {
        Element subtrees = Der.read(ext, p, nc.end());
        boolean permitted;
        if (subtrees.tag() == 0xA0) {
          permitted = true;
        } else if (subtrees.tag() == 0xA1) {
          permitted = false;
        } else {
          throw new CertificateException("x509: invalid NameConstraints extension");
        }
        int q = subtrees.contentStart();
        sawSubtree |= q < subtrees.end();
        while (q < subtrees.end()) {
          Element subtree = Der.read(ext, q, subtrees.end(), Der.SEQUENCE);
          Element base = Der.read(ext, subtree.contentStart(), subtree.end());
          byte[] v = base.content(ext);
          String s = new String(v, StandardCharsets.ISO_8859_1);
          switch (base.tag()) {
            case 0x82: // dNSName
              if (!isIa5(v) || !domainNameValid(s, true)) {
                throw new CertificateException(
                    "x509: failed to parse dnsName constraint \"" + s + "\"");
              }
              (permitted ? pDns : eDns).add(s);
              break;
            case 0x87: // iPAddress: address then mask
              if (v.length != 8 && v.length != 32) {
                throw new CertificateException(
                    "x509: IP constraint contained value of length " + v.length);
              }
              byte[] ip = new byte[v.length / 2];
              byte[] mask = new byte[v.length / 2];
              System.arraycopy(v, 0, ip, 0, ip.length);
              System.arraycopy(v, ip.length, mask, 0, mask.length);
              if (!validMask(mask)) {
                throw new CertificateException("x509: IP constraint contained invalid mask");
              }
              (permitted ? pIp : eIp).add(new byte[][] {ip, mask});
              break;
            case 0x81: // rfc822Name
              if (!isIa5(v)) {
                throw new CertificateException(
                    "x509: failed to parse rfc822Name constraint \"" + s + "\"");
              }
              if (s.contains("@")) {
                if (Mailbox.parse(s) == null) {
                  throw new CertificateException(
                      "x509: failed to parse rfc822Name constraint \"" + s + "\"");
                }
              } else if (!domainNameValid(s, true)) {
                throw new CertificateException(
                    "x509: failed to parse rfc822Name constraint \"" + s + "\"");
              }
              (permitted ? pEmail : eEmail).add(s);
              break;
            case 0x86: // uniformResourceIdentifier
              if (!isIa5(v)) {
                throw new CertificateException(
                    "x509: failed to parse URI constraint \"" + s + "\"");
              }
              if (looksLikeIp(s)) {
                throw new CertificateException(
                    "x509: failed to parse URI constraint \"" + s + "\": cannot be IP address");
              }
              if (!domainNameValid(s, true)) {
                throw new CertificateException(
                    "x509: failed to parse URI constraint \"" + s + "\"");
              }
              (permitted ? pUri : eUri).add(s);
              break;
            default:
              break; // unhandled kinds make the extension unhandled (GoExtensionRules)
          }
          q = subtree.end();
        }
        p = subtrees.end();
      }
    } catch (DerException e) {
      throw new CertificateException("x509: invalid NameConstraints extension");
    }
    if (!sawSubtree) {
      throw new CertificateException("x509: empty name constraints extension");
    }
    return new Constraints(
        List.copyOf(pDns),
        List.copyOf(eDns),
        List.copyOf(pIp),
        List.copyOf(eIp),
        List.copyOf(pEmail),
        List.copyOf(eEmail),
        List.copyOf(pUri),
        List.copyOf(eUri));
  }

  static boolean looksLikeIp(String s) {
    if (s.startsWith("[") && s.endsWith("]")) {
      return true;
    }
    return s.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}")
        || (s.contains(":") && s.matches("[0-9a-fA-F:.]+"));
  }

  /** Go's {@code isValidIPMask}: ones then zeros. */
  static boolean validMask(byte[] mask) {
    boolean seenZero = false;
    for (byte b : mask) {
      int v = b & 0xFF;
      if (seenZero) {
        if (v != 0) {
          return false;
        }
        continue;
      }
      switch (v) {
        case 0x00:
        case 0x80:
        case 0xC0:
        case 0xE0:
        case 0xF0:
        case 0xF8:
        case 0xFC:
        case 0xFE:
          seenZero = true;
          break;
        case 0xFF:
          break;
        default:
          return false;
      }
    }
    return true;
  }

  /** An RFC 2821 mailbox split as Go does it (local part kept, domain lowercased by callers). */
  record Mailbox(String local, String domain) {
    /** Null when it is not a mailbox (simplified: the last '@' splits, both parts non-empty). */
    static Mailbox parse(String s) {
      int at = s.lastIndexOf('@');
      if (at <= 0 || at == s.length() - 1) {
        return null;
      }
      return new Mailbox(s.substring(0, at), s.substring(at + 1));
    }

    Mailbox lowerDomain() {
      return new Mailbox(local, domain.toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
      return local + "@" + domain;
    }
  }
}
