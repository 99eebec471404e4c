package dev.tpmdevid.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tpmdevid.core.wire.AttestationRequest;
import dev.tpmdevid.core.wire.ChallengeRequest;
import dev.tpmdevid.testbed.provision.ProvisionOptions;
import dev.tpmdevid.testbed.swtpm.ProvisionedSwtpm;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tpm-devid inspect} on every structure type (made on swtpm by the step commands) and on the
 * vendored real certificates of {@code testdata/realcerts} (see its PROVENANCE.md).
 */
class InspectTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  static ProvisionedSwtpm lab;
  static Path request;
  static Path challenge;
  static Path response;
  static Path serverState;
  static Path agentState;

  @BeforeAll
  static void makeTranscript() throws Exception {
    assertTrue(
        ProvisionedSwtpm.available(),
        "swtpm is not installed (bin/test installs the Debian packages swtpm and swtpm-tools)");
    lab = new ProvisionedSwtpm(dir.resolve("lab"), ProvisionOptions.defaults().withEkNvPadding(16));
    request = dir.resolve("request.json");
    agentState = dir.resolve("agent-state.json");
    challenge = dir.resolve("challenge.json");
    serverState = dir.resolve("server-state.json");
    response = dir.resolve("response.json");
    assertThat(
            CliRun.of(
                    "agent",
                    "request",
                    "--config",
                    lab.agentHcl().toString(),
                    "--out",
                    request.toString(),
                    "--state",
                    agentState.toString())
                .code())
        .isZero();
    assertThat(
            CliRun.of(
                    "server",
                    "challenge",
                    "--config",
                    lab.serverHcl().toString(),
                    "--request",
                    request.toString(),
                    "--out",
                    challenge.toString(),
                    "--state",
                    serverState.toString())
                .code())
        .isZero();
    assertThat(
            CliRun.of(
                    "agent",
                    "solve",
                    "--challenge",
                    challenge.toString(),
                    "--state",
                    agentState.toString(),
                    "--out",
                    response.toString())
                .code())
        .isZero();
  }

  @AfterAll
  static void stop() {
    if (lab != null) {
      lab.close();
    }
  }

  private static CliRun inspect(Path... files) {
    List<String> args = new ArrayList<>(List.of("inspect"));
    for (Path f : files) {
      args.add(f.toString());
    }
    return CliRun.of(args.toArray(String[]::new));
  }

  private static JsonNode inspectJson(Path file) throws Exception {
    CliRun r = CliRun.of("inspect", "--json", file.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    return JSON.readTree(r.out()).get(0);
  }

  private static Path write(String name, byte[] data) throws Exception {
    Path p = dir.resolve(name);
    Files.write(p, data);
    return p;
  }

  @Test
  void attestationRequestEveryMemberDecodedAndCrossChecked() throws Exception {
    JsonNode r = inspectJson(request);
    assertThat(r.get("type").asText()).startsWith("AttestationRequest");
    JsonNode f = r.get("fields");
    assertThat(f.get("byte-identical to Go's encoding").asBoolean()).isTrue();
    assertThat(f.get("DevIDCert").get(0).get("subject").asText()).isEqualTo("CN=devid-leaf");
    assertThat(f.get("DevIDCert").get(1).get("role").asText()).startsWith("intermediate 0");
    assertThat(f.get("DevIDPub").get("objectAttributes").asText())
        .contains("fixedTPM", "fixedParent", "sensitiveDataOrigin", "sign");
    assertThat(f.get("DevIDPub").get("scheme").asText()).isEqualTo("RSASSA with SHA256");
    assertThat(f.get("EKPub").get("authPolicy").asText()).contains("the TCG EK policy");
    assertThat(f.get("EKPub").get("symmetric").asText()).isEqualTo("AES-128-CFB");
    assertThat(f.get("AKPub").get("role").asText()).contains("restricted signing key");
    assertThat(f.get("AKPub").get("objectAttributes").asText()).contains("0x00050072");
    assertThat(f.get("CertifiedDevID").get("type").asText()).contains("CERTIFY");
    assertThat(f.get("CertifiedDevID").get("certify.name == Name(DevIDPub)").asBoolean()).isTrue();
    assertThat(f.get("CertificationSignature").get("sigAlg").asText()).isEqualTo("RSASSA");
    assertThat(f.get("EKCert").get("TCG EK Credential Profile")).isNotNull();
    JsonNode checks = f.get("checks");
    assertThat(checks.get("DevID certificate key == DevIDPub").asBoolean()).isTrue();
    assertThat(checks.get("EK certificate key == EKPub").asBoolean()).isTrue();
    assertThat(checks.get("AKPub is a restricted signing key").asBoolean()).isTrue();
    assertThat(checks.get("CertificationSignature verifies with AKPub").asBoolean()).isTrue();
    assertThat(checks.get("CertifiedDevID names DevIDPub").asBoolean()).isTrue();
  }

  @Test
  void challengeAndResponseAndStateFiles() throws Exception {
    JsonNode c = inspectJson(challenge);
    assertThat(c.get("type").asText()).startsWith("ChallengeRequest");
    assertThat(c.get("fields").get("DevID").get("size").asInt()).isEqualTo(32);
    assertThat(c.get("fields").get("CredActivation").get("Credential").get("size").asInt())
        .isEqualTo(68);
    assertThat(c.get("fields").get("CredActivation").get("Secret").get("size").asInt())
        .isEqualTo(256);
    JsonNode r = inspectJson(response);
    assertThat(r.get("type").asText()).startsWith("ChallengeResponse");
    assertThat(r.get("fields").get("DevID").get("format").asText()).startsWith("RSASSA-PKCS1-v1_5");
    assertThat(r.get("fields").get("CredActivation").get("size").asInt()).isEqualTo(32);
    assertThat(inspectJson(serverState).get("type").asText()).startsWith("server state file");
    JsonNode a = inspectJson(agentState);
    assertThat(a.get("type").asText()).startsWith("agent state file");
    assertThat(a.get("fields").get("ak").get("AKPub").get("type").asText()).isEqualTo("RSA");
  }

  @Test
  void tpmBlobsByContent() throws Exception {
    AttestationRequest req = AttestationRequest.fromJson(Files.readAllBytes(request));
    Path pub = write("a", req.devIdPub());
    assertThat(inspectJson(pub).get("type").asText()).isEqualTo("TPMT_PUBLIC");
    byte[] tpm2b =
        ByteBuffer.allocate(2 + req.akPub().length)
            .putShort((short) req.akPub().length)
            .put(req.akPub())
            .array();
    JsonNode t = inspectJson(write("b", tpm2b));
    assertThat(t.get("type").asText()).startsWith("TPM2B_PUBLIC");
    assertThat(t.get("fields").get("publicArea").get("name").asText()).startsWith("000b");
    JsonNode attest = inspectJson(write("c", req.certifiedDevId()));
    assertThat(attest.get("type").asText()).isEqualTo("TPMS_ATTEST");
    assertThat(attest.get("fields").get("extraData").asText()).startsWith("(empty");
    assertThat(inspectJson(write("d", req.certificationSignature())).get("type").asText())
        .isEqualTo("TPMT_SIGNATURE");
    byte[] priv = Files.readAllBytes(lab.provisioned.devIdPrivPath());
    JsonNode p = inspectJson(lab.provisioned.devIdPrivPath());
    assertThat(p.get("type").asText()).startsWith("TPM2B_PRIVATE contents without size");
    assertThat(p.get("fields").get("integrityHMAC").asText()).isEqualTo("32 bytes");
    byte[] privTpm2b =
        ByteBuffer.allocate(2 + priv.length).putShort((short) priv.length).put(priv).array();
    assertThat(inspectJson(write("e", privTpm2b)).get("type").asText())
        .startsWith("TPM2B_PRIVATE (tpm2-tools");
    JsonNode ek = inspectJson(write("f", req.ekCert()));
    assertThat(ek.get("type").asText()).isEqualTo("X.509 certificate (DER)");
    assertThat(ek.get("fields").get("Go x509 parser").asText()).isEqualTo("accepts");
  }

  @Test
  void tpm2ToolsCredentialFile() throws Exception {
    ChallengeRequest c = ChallengeRequest.fromJson(Files.readAllBytes(challenge));
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(new byte[] {(byte) 0xBA, (byte) 0xDC, (byte) 0xC0, (byte) 0xDE, 0, 0, 0, 1});
    for (byte[] part :
        new byte[][] {c.credActivation().credential(), c.credActivation().secret()}) {
      b.write(part.length >>> 8);
      b.write(part.length);
      b.writeBytes(part);
    }
    JsonNode j = inspectJson(write("cred.out", b.toByteArray()));
    assertThat(j.get("type").asText()).startsWith("tpm2-tools credential file");
    assertThat(j.get("fields").get("TPM2B_ENCRYPTED_SECRET (= CredActivation.Secret)").asText())
        .isEqualTo("256 bytes");
  }

  @Test
  void nvDumpWithPaddingAndPemBundle() throws Exception {
    AttestationRequest req = AttestationRequest.fromJson(Files.readAllBytes(request));
    byte[] nv = new byte[req.ekCert().length + 16];
    System.arraycopy(req.ekCert(), 0, nv, 0, req.ekCert().length);
    java.util.Arrays.fill(nv, req.ekCert().length, nv.length, (byte) 0xFF);
    JsonNode j = inspectJson(write("nv.bin", nv));
    assertThat(j.get("type").asText()).startsWith("EK certificate NV contents");
    assertThat(j.get("fields").get("layout").asText()).contains("16 bytes of 0xFF padding");
    CliRun text = inspect(lab.provisioned.devIdCertPath());
    assertThat(text.code()).isZero();
    assertThat(text.out())
        .contains("PEM bundle: 2 blocks, 2 certificates", "subject: CN=devid-leaf");
  }

  @Test
  void unknownFileIsOneClearLine() throws Exception {
    CliRun r = inspect(write("junk", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.oneLineError())
        .endsWith("not a structure tpm_devid uses (9 bytes, starts with 0102030405060708)");
    CliRun j = inspect(write("j.json", "{\"hello\":1}".getBytes()));
    assertThat(j.oneLineError()).contains("not a tpm_devid message");
  }

  @Test
  void endorsementChainOfTheLabEk() throws Exception {
    AttestationRequest req = AttestationRequest.fromJson(Files.readAllBytes(request));
    Path ek = write("ek.der", req.ekCert());
    CliRun ok =
        CliRun.of(
            "inspect",
            "--endorsement-ca",
            lab.provisioned.endorsementCaPath().toString(),
            ek.toString());
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("EK certificate chain valid", "anchor:");
    CliRun wrong =
        CliRun.of(
            "inspect", "--endorsement-ca", lab.provisioned.devIdCaPath().toString(), ek.toString());
    assertThat(wrong.code()).isEqualTo(1);
    assertThat(wrong.out()).contains("REJECTED", "certificate signed by unknown authority");
  }

  // ------------------------------------------------------------------ real certificates

  /**
   * The vendored real EK certificates: {@code testdata/realcerts} on the test class path (kept
   * once, in {@code tpm-core/src/test/resources}, added to this module's test resources by its
   * pom). Missing data fails the test with the file's name.
   */
  static Path realCerts() {
    String marker = "/testdata/realcerts/PROVENANCE.md";
    java.net.URL url = InspectTest.class.getResource(marker);
    if (url == null || !"file".equals(url.getProtocol())) {
      throw new AssertionError(
          "test data missing: "
              + marker.substring(1)
              + " is not on the test class path as a file (it lives in tpm-core/src/test/resources"
              + marker
              + ")");
    }
    try {
      return Path.of(url.toURI()).getParent();
    } catch (java.net.URISyntaxException e) {
      throw new AssertionError("test data: bad location " + url, e);
    }
  }

  @Test
  void everyRealCertificateFileIsRecognised() throws Exception {
    Path root = realCerts();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files =
          s.filter(Files::isRegularFile)
              .filter(p -> !p.toString().endsWith(".md"))
              .sorted()
              .toList();
    }
    assertThat(files).hasSizeGreaterThan(150);
    CliRun r = inspect(files.toArray(Path[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    // TCG SAN fields of a real EK (Infineon TPM 1.2, id-RSAES-OAEP key) behind a TCG NV header
    CliRun ifx = inspect(root.resolve("other/nv-raw/infineon_1.tcg-nv-header.bin"));
    assertThat(ifx.out())
        .contains(
            "7-byte TCG PC Client NV header",
            "tpmManufacturer: id:49465800 (\"IFX\")",
            "tpmModel: SLB9635TT1.2",
            "id-RSAES-OAEP",
            "keyUsage keyEncipherment (RSA EK): NOT MET (MUST)");
    CliRun google = inspect(root.resolve("ek-leaf/google_1.der"));
    assertThat(google.out())
        .contains(
            "tpmManufacturer: id:474F4F47 (\"GOOG\")",
            "tcg-kp-EKCertificate",
            "tpmSpecification family 2.0");
  }

  @Test
  void realEkChainValidationPathAndFailedRule() throws Exception {
    Path root = realCerts();
    Path bundle = dir.resolve("stm-bundle.pem");
    Files.writeString(
        bundle,
        Files.readString(root.resolve("vendor-ca/stmicro/STM_TPM_EK_Intermediate_CA_05.pem"))
            + Files.readString(root.resolve("vendor-ca/stmicro/STM_TPM_EK_Root_CA.pem")));
    Path leaf = root.resolve("ek-leaf/stmicro_1.pem");
    CliRun ok =
        CliRun.of(
            "inspect",
            "--endorsement-ca",
            bundle.toString(),
            "--at",
            "2025-01-01T00:00:00Z",
            leaf.toString());
    assertThat(ok.code()).as(ok.toString()).isZero();
    assertThat(ok.out()).contains("anchor: CN=STM TPM EK Intermediate CA 05");
    CliRun nv =
        CliRun.of(
            "inspect",
            "--endorsement-ca",
            bundle.toString(),
            "--at",
            "2025-01-01T00:00:00Z",
            root.resolve("other/nv-raw/stmicro_1.nv-padded-0xFF.bin").toString());
    assertThat(nv.code()).as(nv.toString()).isZero();
    CliRun late =
        CliRun.of(
            "inspect",
            "--endorsement-ca",
            bundle.toString(),
            "--at",
            "2100-01-01T00:00:00Z",
            leaf.toString());
    assertThat(late.code()).isEqualTo(1);
    assertThat(late.out()).contains("REJECTED", "certificate has expired or is not yet valid");
    CliRun rootOnly =
        CliRun.of(
            "inspect",
            "--endorsement-ca",
            root.resolve("vendor-ca/stmicro/STM_TPM_EK_Root_CA.pem").toString(),
            leaf.toString());
    assertThat(rootOnly.out()).contains("certificate signed by unknown authority");
  }

  @Test
  void helpHasExamples() {
    CliRun r = CliRun.of("inspect", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Examples:", "tpm-devid inspect --endorsement-ca");
  }
}
