package dev.tpmdevid.verifier.x509;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Go's name parsing rules (crypto/x509 parser.go: {@code parseASN1String}, {@code parseName},
 * {@code parseSANExtension}, {@code parseNameConstraintsExtension}, {@code domainNameValid}), one
 * case on each side of every rule. A rule that is looser than Go's lets a certificate through that
 * Go refuses at parse time (issue #14 item 4: a trusted DevID whose CN breaks selector building);
 * one that is stricter refuses a genuine Go agent.
 */
class GoNamesTest {
  private static byte[] hex(String h) {
    return HexFormat.of().parseHex(h.replace(" ", ""));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static void refused(int tag, byte[] v, String message) {
    assertThatThrownBy(() -> GoNames.parseAsn1String(tag, v))
        .isInstanceOf(CertificateException.class)
        .hasMessage(message);
  }

  // ------------------------------------------------------------------ parseASN1String

  @Test
  void printableString_goCharacterSet_includingStarAndAmpersand() throws Exception {
    String all = "azAZ09'()+,-./ :=?*&";
    assertThat(GoNames.parseAsn1String(GoNames.TAG_PRINTABLE, ascii(all))).isEqualTo(all);
    for (char c = 0; c < 128; c++) {
      boolean expected =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || "'()+,-./ :=?*&".indexOf(c) >= 0;
      assertThat(GoNames.isPrintable((byte) c)).as("char %d", (int) c).isEqualTo(expected);
    }
    assertThat(GoNames.isPrintable((byte) 0xE9)).isFalse();
    refused(GoNames.TAG_PRINTABLE, ascii("dev\u0001id"), "invalid PrintableString");
    refused(GoNames.TAG_PRINTABLE, ascii("a@b"), "invalid PrintableString");
    refused(GoNames.TAG_PRINTABLE, ascii("a\"b"), "invalid PrintableString");
  }

  @Test
  void utf8String_validOnly() throws Exception {
    assertThat(
            GoNames.parseAsn1String(GoNames.TAG_UTF8, "Gerät €".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo("Gerät €");
    refused(GoNames.TAG_UTF8, hex("61 c3 28"), "invalid UTF-8 string");
    refused(GoNames.TAG_UTF8, hex("ed a0 80"), "invalid UTF-8 string"); // encoded surrogate
    refused(GoNames.TAG_UTF8, hex("c0 af"), "invalid UTF-8 string"); // overlong
  }

  @Test
  void t61String_isLatin1() throws Exception {
    assertThat(GoNames.parseAsn1String(GoNames.TAG_T61, hex("41 e9 ff 00")))
        .isEqualTo("A\u00e9\u00ff\u0000");
    assertThat(GoNames.parseAsn1String(GoNames.TAG_T61, new byte[0])).isEmpty();
  }

  @Test
  void ia5String_asciiOnly() throws Exception {
    assertThat(GoNames.parseAsn1String(GoNames.TAG_IA5, hex("00 41 7f")))
        .isEqualTo("\u0000A\u007f");
    refused(GoNames.TAG_IA5, hex("41 80"), "invalid IA5String");
    assertThat(GoNames.isIa5(hex("7f"))).isTrue();
    assertThat(GoNames.isIa5(hex("41 ff"))).isFalse();
  }

  @Test
  void numericString_digitsAndSpace() throws Exception {
    assertThat(GoNames.parseAsn1String(GoNames.TAG_NUMERIC, ascii("0 9"))).isEqualTo("0 9");
    for (String bad : new String[] {"/", ":", "a", "1-2"}) {
      refused(GoNames.TAG_NUMERIC, ascii(bad), "invalid NumericString");
    }
  }

  @Test
  void bmpString_ucs2WithoutSurrogatesOrNonCharacters() throws Exception {
    assertThat(GoNames.parseAsn1String(GoNames.TAG_BMP, hex("00 41 20 ac"))).isEqualTo("A\u20ac");
    // a trailing NUL character is Go's terminator and is dropped
    assertThat(GoNames.parseAsn1String(GoNames.TAG_BMP, hex("00 41 00 00"))).isEqualTo("A");
    assertThat(GoNames.parseAsn1String(GoNames.TAG_BMP, hex("00 00"))).isEmpty();
    assertThat(GoNames.parseAsn1String(GoNames.TAG_BMP, hex("00 00 00 41"))).isEqualTo("\u0000A");
    assertThat(GoNames.parseAsn1String(GoNames.TAG_BMP, hex("d7 ff fd cf fd f0 ff fd e0 00")))
        .isEqualTo("\ud7ff\ufdcf\ufdf0\ufffd\ue000");
    refused(GoNames.TAG_BMP, hex("00 41 00"), "invalid BMPString");
    for (String bad :
        new String[] {"ff fe", "ff ff", "fd d0", "fd ef", "d8 00", "df ff", "dc 00"}) {
      refused(GoNames.TAG_BMP, hex("00 41 " + bad), "invalid BMPString");
    }
  }

  @Test
  void otherTypes_unsupported() {
    refused(0x02, hex("2a"), "unsupported string type: 2");
    refused(0x1c, hex("00 00 00 41"), "unsupported string type: 28"); // UniversalString
    refused(0x04, hex("41"), "unsupported string type: 4");
  }

  // ------------------------------------------------------------------ parseName

  /** A Name of one RDN per attribute: CN (2.5.4.3) or O (2.5.4.10) with a UTF8String value. */
  private static String name(String... attrs) {
    StringBuilder rdns = new StringBuilder();
    for (String a : attrs) {
      String type = a.startsWith("CN=") ? "06 03 55 04 03" : "06 03 55 04 0a";
      String value = tlv("0c", HexFormat.of().formatHex(ascii(a.substring(a.indexOf('=') + 1))));
      rdns.append(tlv("31", tlv("30", type + value)));
    }
    return tlv("30", rdns.toString());
  }

  private static String tlv(String tag, String contentHex) {
    String c = contentHex.replace(" ", "");
    int n = c.length() / 2;
    return tag + (n < 0x80 ? String.format("%02x", n) : String.format("81%02x", n)) + c;
  }

  @Test
  void parseName_lastCommonNameWins_otherAttributesIgnored() throws Exception {
    assertThat(GoNames.parseName(hex(name("CN=first", "O=org", "CN=last")))).isEqualTo("last");
    assertThat(GoNames.parseName(hex(name("O=org")))).isEmpty();
    assertThat(GoNames.parseName(hex("30 00"))).isEmpty();
    // 2.5.4.4 (surname) and 2.5.4.3.1 are not commonName
    assertThat(GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "06 03 55 04 04 0c 01 41"))))))
        .isEmpty();
    assertThat(
            GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "06 04 55 04 03 01 0c 01 41"))))))
        .isEmpty();
    assertThat(GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "06 03 56 04 03 0c 01 41"))))))
        .isEmpty();
    assertThat(GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "06 03 55 05 03 0c 01 41"))))))
        .isEmpty();
    // a multi-valued RDN: both attributes read
    assertThat(
            GoNames.parseName(
                hex(
                    tlv(
                        "30",
                        tlv(
                            "31",
                            tlv("30", "06 03 55 04 03 0c 01 41")
                                + tlv("30", "06 03 55 04 0a 0c 01 42"))))))
        .isEqualTo("A");
  }

  @Test
  void parseName_structureErrors_goMessages() {
    String attr = tlv("30", "06 03 55 04 03 0c 01 41");
    assertThatThrownBy(() -> GoNames.parseName(hex(tlv("31", tlv("31", attr)))))
        .hasMessage("x509: invalid RDNSequence");
    assertThatThrownBy(() -> GoNames.parseName(hex(tlv("30", tlv("30", attr)))))
        .hasMessage("x509: invalid RDNSequence");
    assertThatThrownBy(
            () ->
                GoNames.parseName(hex(tlv("30", tlv("31", tlv("31", "06 03 55 04 03 0c 01 41"))))))
        .hasMessage("x509: invalid RDNSequence: invalid attribute");
    assertThatThrownBy(
            () ->
                GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "04 03 55 04 03 0c 01 41"))))))
        .hasMessage("x509: invalid RDNSequence: invalid attribute type");
    assertThatThrownBy(
            () -> GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "06 03 55 04 03"))))))
        .hasMessage("x509: invalid RDNSequence: invalid attribute value");
    assertThatThrownBy(
            () ->
                GoNames.parseName(hex(tlv("30", tlv("31", tlv("30", "06 03 55 04 03 02 01 05"))))))
        .hasMessage(
            "x509: invalid RDNSequence: invalid attribute value: unsupported string type: 2");
    assertThatThrownBy(
            () ->
                GoNames.parseName(
                    hex(tlv("30", tlv("31", tlv("30", "06 03 55 04 0a 0c 02 c3 28"))))))
        .hasMessage("x509: invalid RDNSequence: invalid attribute value: invalid UTF-8 string");
    assertThatThrownBy(() -> GoNames.parseName(hex("30 05 31 03 30 01")))
        .hasMessage("x509: invalid RDNSequence");
  }

  // ------------------------------------------------------------------ SAN

  @Test
  void parseSans_fourKindsInOrder_otherKindsSkipped() throws Exception {
    String san =
        tlv(
            "30",
            tlv("82", HexFormat.of().formatHex(ascii("a.example")))
                + tlv("81", HexFormat.of().formatHex(ascii("me@example.com")))
                + tlv("87", "c0 00 02 01")
                + tlv("86", HexFormat.of().formatHex(ascii("spiffe://example.org/x")))
                + tlv("a4", tlv("30", "")) // directoryName: skipped
                + tlv("88", "2a 03") // registeredID: skipped
                + tlv("82", HexFormat.of().formatHex(ascii("b.example")))
                + tlv("87", "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"));
    GoNames.Sans s = GoNames.parseSans(hex(san));
    assertThat(s.present()).isTrue();
    assertThat(s.dns()).containsExactly("a.example", "b.example");
    assertThat(s.emails()).containsExactly("me@example.com");
    assertThat(s.uris()).containsExactly("spiffe://example.org/x");
    assertThat(s.ips()).hasSize(2);
    assertThat(s.ips().get(0)).containsExactly(hex("c0 00 02 01"));
    assertThat(GoNames.Sans.NONE.present()).isFalse();
    assertThat(GoNames.parseSans(hex("30 00")).present()).isTrue();
  }

  @Test
  void parseSans_errors_goMessages() {
    assertThatThrownBy(() -> GoNames.parseSans(hex("31 00")))
        .hasMessage("x509: invalid subject alternative names");
    assertThatThrownBy(() -> GoNames.parseSans(hex("30 02 82 05")))
        .hasMessage("x509: invalid subject alternative name");
    assertThatThrownBy(() -> GoNames.parseSans(hex(tlv("30", tlv("81", "41 80")))))
        .hasMessage("x509: SAN rfc822Name is malformed");
    assertThatThrownBy(() -> GoNames.parseSans(hex(tlv("30", tlv("82", "41 80")))))
        .hasMessage("x509: SAN dNSName is malformed");
    assertThatThrownBy(() -> GoNames.parseSans(hex(tlv("30", tlv("86", "41 80")))))
        .hasMessage("x509: SAN uniformResourceIdentifier is malformed");
    assertThatThrownBy(() -> GoNames.parseSans(hex(tlv("30", tlv("87", "01 02 03")))))
        .hasMessage("x509: cannot parse IP address of length 3");
    assertThatThrownBy(() -> GoNames.parseSans(hex(tlv("30", tlv("87", "01 02 03 04 05")))))
        .hasMessage("x509: cannot parse IP address of length 5");
    assertThatThrownBy(
            () ->
                GoNames.parseSans(
                    hex(
                        tlv(
                            "30",
                            tlv("86", HexFormat.of().formatHex(ascii("https://bad..host/x")))))))
        .hasMessage("x509: cannot parse URI: invalid domain");
    assertThatThrownBy(
            () ->
                GoNames.parseSans(
                    hex(tlv("30", tlv("86", HexFormat.of().formatHex(ascii("http://a b/")))))))
        .hasMessage("x509: cannot parse URI");
  }

  @Test
  void parseSans_uriWithoutHost_accepted() throws Exception {
    assertThat(
            GoNames.parseSans(hex(tlv("30", tlv("86", HexFormat.of().formatHex(ascii("urn:x:y"))))))
                .uris())
        .containsExactly("urn:x:y");
  }

  @Test
  void uriHost_authorityWithoutUserInfo_portKept() throws Exception {
    assertThat(GoNames.uriHost("spiffe://example.org/a")).isEqualTo("example.org");
    assertThat(GoNames.uriHost("https://user:pw@host.example:8443/p"))
        .isEqualTo("host.example:8443");
    assertThat(GoNames.uriHost("https://a@b@host.example/")).isEqualTo("host.example");
    assertThat(GoNames.uriHost("https://@host.example/")).isEqualTo("host.example");
    assertThat(GoNames.uriHost("urn:example:x")).isEmpty();
    assertThat(GoNames.uriHost("/relative")).isEmpty();
    assertThatThrownBy(() -> GoNames.uriHost("http://[::1")).hasMessage("x509: cannot parse URI");
  }

  // ------------------------------------------------------------------ domainNameValid

  @Test
  void domainNameValid_printableAsciiLabels() {
    assertThat(GoNames.domainNameValid("", false)).isTrue();
    assertThat(GoNames.domainNameValid("a", false)).isTrue();
    assertThat(GoNames.domainNameValid("!.~", false)).isTrue(); // 33 and 126
    assertThat(GoNames.domainNameValid("a b", false)).isFalse(); // 32
    assertThat(GoNames.domainNameValid("a\u007fb", false)).isFalse(); // 127
    assertThat(GoNames.domainNameValid("a\u0000b", false)).isFalse();
    assertThat(GoNames.domainNameValid(".", false)).isFalse();
    assertThat(GoNames.domainNameValid(".", true)).isFalse();
    assertThat(GoNames.domainNameValid(".a", true)).isTrue();
    assertThat(GoNames.domainNameValid("..a", true)).isFalse();
    assertThat(GoNames.domainNameValid(".a", false)).isFalse();
    assertThat(GoNames.domainNameValid("a.", true)).isFalse();
    assertThat(GoNames.domainNameValid("a.b.c", false)).isTrue();
    assertThat(GoNames.domainNameValid("ab.c", false)).isTrue();
    assertThat(GoNames.domainNameValid("a.bc..", false)).isFalse();
  }

  // ------------------------------------------------------------------ nameConstraints

  private static String subtrees(String tag, String... bases) {
    StringBuilder sb = new StringBuilder();
    for (String b : bases) {
      sb.append(tlv("30", b));
    }
    return tlv(tag, sb.toString());
  }

  private static String dns(String s) {
    return tlv("82", HexFormat.of().formatHex(ascii(s)));
  }

  private static String ia5(String tag, String s) {
    return tlv(tag, HexFormat.of().formatHex(ascii(s)));
  }

  @Test
  void parseConstraints_permittedAndExcludedOfEachKind() throws Exception {
    GoNames.Constraints c =
        GoNames.parseConstraints(
            hex(
                tlv(
                    "30",
                    subtrees(
                            "a0",
                            dns("good.example"),
                            ia5("81", "example.com"),
                            ia5("86", ".example.org"),
                            tlv("87", "0a 00 00 00 ff 00 00 00"),
                            tlv("a4", tlv("30", "")))
                        + subtrees(
                            "a1",
                            dns(".bad.example"),
                            ia5("81", "root@example.com"),
                            ia5("86", "evil.org"),
                            tlv(
                                "87",
                                "20 01 0d b8"
                                    + " 00".repeat(12)
                                    + " ff ff ff ff"
                                    + " 00".repeat(12))))));
    assertThat(c.permittedDns()).containsExactly("good.example");
    assertThat(c.excludedDns()).containsExactly(".bad.example");
    assertThat(c.permittedEmails()).containsExactly("example.com");
    assertThat(c.excludedEmails()).containsExactly("root@example.com");
    assertThat(c.permittedUris()).containsExactly(".example.org");
    assertThat(c.excludedUris()).containsExactly("evil.org");
    assertThat(c.permittedIps()).hasSize(1);
    assertThat(c.permittedIps().get(0)[0]).containsExactly(hex("0a 00 00 00"));
    assertThat(c.permittedIps().get(0)[1]).containsExactly(hex("ff 00 00 00"));
    assertThat(c.excludedIps().get(0)[0]).hasSize(16);
  }

  @Test
  void parseConstraints_onlyKindsGoDoesNotApply_parsedEmpty() throws Exception {
    GoNames.Constraints c =
        GoNames.parseConstraints(hex(tlv("30", subtrees("a0", tlv("a4", tlv("30", ""))))));
    assertThat(c.permittedDns()).isEmpty();
    assertThat(c.permittedIps()).isEmpty();
    assertThat(c.permittedEmails()).isEmpty();
    assertThat(c.permittedUris()).isEmpty();
  }

  @Test
  void parseConstraints_errors_goMessages() {
    assertThatThrownBy(() -> GoNames.parseConstraints(hex(tlv("30", subtrees("a2", dns("a"))))))
        .hasMessage("x509: invalid NameConstraints extension");
    assertThatThrownBy(() -> GoNames.parseConstraints(hex("31 00")))
        .hasMessage("x509: invalid NameConstraints extension");
    assertThatThrownBy(() -> GoNames.parseConstraints(hex("30 00")))
        .hasMessage("x509: empty name constraints extension");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", tlv("a0", "") + tlv("a1", "")))))
        .hasMessage("x509: empty name constraints extension");
    assertThatThrownBy(() -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", dns("a..b"))))))
        .hasMessage("x509: failed to parse dnsName constraint \"a..b\"");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", tlv("82", "61 80"))))))
        .hasMessageStartingWith("x509: failed to parse dnsName constraint");
    assertThatThrownBy(
            () ->
                GoNames.parseConstraints(hex(tlv("30", subtrees("a0", tlv("87", "0a 00 00 00"))))))
        .hasMessage("x509: IP constraint contained value of length 4");
    assertThatThrownBy(
            () ->
                GoNames.parseConstraints(
                    hex(tlv("30", subtrees("a0", tlv("87", "0a 00 00 00 ff 00 ff 00"))))))
        .hasMessage("x509: IP constraint contained invalid mask");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", tlv("81", "61 80"))))))
        .hasMessageStartingWith("x509: failed to parse rfc822Name constraint");
    assertThatThrownBy(
            () ->
                GoNames.parseConstraints(hex(tlv("30", subtrees("a0", ia5("81", "@example.com"))))))
        .hasMessage("x509: failed to parse rfc822Name constraint \"@example.com\"");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", ia5("81", "a..b"))))))
        .hasMessage("x509: failed to parse rfc822Name constraint \"a..b\"");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", tlv("86", "61 80"))))))
        .hasMessageStartingWith("x509: failed to parse URI constraint");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", ia5("86", "10.0.0.1"))))))
        .hasMessage("x509: failed to parse URI constraint \"10.0.0.1\": cannot be IP address");
    assertThatThrownBy(
            () -> GoNames.parseConstraints(hex(tlv("30", subtrees("a0", ia5("86", "a..b"))))))
        .hasMessage("x509: failed to parse URI constraint \"a..b\"");
    assertThatThrownBy(() -> GoNames.parseConstraints(hex(tlv("30", tlv("a0", "04 00")))))
        .hasMessage("x509: invalid NameConstraints extension");
  }

  @Test
  void looksLikeIp_ipv4DottedQuadIpv6AndBrackets() {
    assertThat(GoNames.looksLikeIp("10.0.0.1")).isTrue();
    assertThat(GoNames.looksLikeIp("[::1]")).isTrue();
    assertThat(GoNames.looksLikeIp("::1")).isTrue();
    assertThat(GoNames.looksLikeIp("2001:db8::1")).isTrue();
    assertThat(GoNames.looksLikeIp("10.0.0")).isFalse();
    assertThat(GoNames.looksLikeIp("example.com")).isFalse();
    assertThat(GoNames.looksLikeIp("[::1")).isFalse();
    assertThat(GoNames.looksLikeIp("a:b:g")).isFalse();
    assertThat(GoNames.looksLikeIp("1234.0.0.1")).isFalse();
  }

  @Test
  void validMask_everyPrefixByte() {
    int[] prefixes = {0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE, 0xFF};
    for (int v = 0; v < 256; v++) {
      boolean prefix = false;
      for (int p : prefixes) {
        prefix |= p == v;
      }
      assertThat(GoNames.validMask(new byte[] {(byte) v, 0}))
          .as("mask %02x 00", v)
          .isEqualTo(prefix);
    }
    assertThat(GoNames.validMask(new byte[] {(byte) 0x80, (byte) 0x80})).isFalse();
    assertThat(GoNames.validMask(new byte[] {0, 1})).isFalse();
    assertThat(GoNames.validMask(new byte[] {-1, -1, -1, -1})).isTrue();
    assertThat(GoNames.validMask(new byte[0])).isTrue();
  }

  @Test
  void mailbox_lastAtSplits_bothPartsNeeded() {
    assertThat(GoNames.Mailbox.parse("a@b")).isEqualTo(new GoNames.Mailbox("a", "b"));
    assertThat(GoNames.Mailbox.parse("\"x@y\"@Example.COM").lowerDomain())
        .isEqualTo(new GoNames.Mailbox("\"x@y\"", "example.com"));
    assertThat(GoNames.Mailbox.parse("@b")).isNull();
    assertThat(GoNames.Mailbox.parse("a@")).isNull();
    assertThat(GoNames.Mailbox.parse("ab")).isNull();
    assertThat(new GoNames.Mailbox("Me", "example.com").toString()).isEqualTo("Me@example.com");
  }
}
