package dev.tpmdevid.testbed.provision;

import dev.tpmdevid.labpki.KeyType;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The two test PKIs of a fleet: a TPM-manufacturer CA (root → intermediate → EK certificates) and a
 * DevID CA (root → intermediate → LDevID certificates), as in docs/protocol.md#test-material. The
 * CA key pairs are reachable through {@link TestCa#keyPair()} so tests can issue forged or expired
 * certificates.
 */
public final class TestPki {

  /** Lifetime of DevID certificates when the options do not say otherwise. */
  public static final Duration DEFAULT_DEVID_LIFETIME = Duration.ofDays(365);

  private final KeyType caKeyType;
  private final TestCa manufacturerRoot;
  private final TestCa manufacturerIntermediate;
  private final TestCa devIdRoot;
  private final TestCa devIdIntermediate;

  private TestPki(
      KeyType caKeyType,
      TestCa manufacturerRoot,
      TestCa manufacturerIntermediate,
      TestCa devIdRoot,
      TestCa devIdIntermediate) {
    this.caKeyType = caKeyType;
    this.manufacturerRoot = manufacturerRoot;
    this.manufacturerIntermediate = manufacturerIntermediate;
    this.devIdRoot = devIdRoot;
    this.devIdIntermediate = devIdIntermediate;
  }

  /**
   * Four fresh CAs, all with keys of {@code caKeyType}; manufacturer CAs valid until 9999, DevID
   * CAs 10 years.
   */
  public static TestPki create(KeyType caKeyType) {
    Objects.requireNonNull(caKeyType, "caKeyType");
    TestCa mRoot = TestCa.root("Test TPM Manufacturer Root CA", caKeyType, Validity.untilForever());
    TestCa mInt =
        mRoot.intermediate("Test TPM Manufacturer EK CA", caKeyType, Validity.untilForever());
    Validity tenYears = Validity.fromNow(Duration.ofDays(3650));
    TestCa dRoot = TestCa.root("Test DevID Root CA", caKeyType, tenYears);
    TestCa dInt = dRoot.intermediate("Test DevID Intermediate CA", caKeyType, tenYears);
    return new TestPki(caKeyType, mRoot, mInt, dRoot, dInt);
  }

  /** CAs made elsewhere (e.g. by openssl). */
  static TestPki of(
      KeyType caKeyType,
      TestCa manufacturerRoot,
      TestCa manufacturerIntermediate,
      TestCa devIdRoot,
      TestCa devIdIntermediate) {
    return new TestPki(
        caKeyType, manufacturerRoot, manufacturerIntermediate, devIdRoot, devIdIntermediate);
  }

  /** An EK certificate from the manufacturer intermediate, valid until 9999-12-31. */
  public X509Certificate issueEkCertificate(PublicKey ekPublicKey, TpmIdentity tpm) {
    return manufacturerIntermediate.issueEkCertificate(ekPublicKey, tpm, Validity.untilForever());
  }

  /**
   * A DevID certificate chain, leaf first: from the DevID intermediate ({@code [leaf,
   * intermediate]}) or, with {@code viaIntermediate == false}, from the DevID root ({@code
   * [leaf]}).
   */
  public List<X509Certificate> issueDevIdChain(
      PublicKey devIdPublicKey, String commonName, Validity validity, boolean viaIntermediate) {
    TestCa ca = viaIntermediate ? devIdIntermediate : devIdRoot;
    X509Certificate leaf = ca.issueDevIdCertificate(devIdPublicKey, commonName, validity);
    return viaIntermediate ? List.of(leaf, devIdIntermediate.certificate()) : List.of(leaf);
  }

  /**
   * What goes into SPIRE's {@code endorsement_ca_path}: root and intermediate. The Go server
   * verifies the EK certificate without intermediates (docs/protocol.md#server-checks step 11), so
   * the intermediate must be an anchor.
   */
  public List<X509Certificate> endorsementCaCertificates() {
    return List.of(manufacturerRoot.certificate(), manufacturerIntermediate.certificate());
  }

  /** What goes into SPIRE's {@code devid_ca_path}: the DevID root. */
  public List<X509Certificate> devIdCaCertificates() {
    return List.of(devIdRoot.certificate());
  }

  public KeyType caKeyType() {
    return caKeyType;
  }

  public TestCa manufacturerRoot() {
    return manufacturerRoot;
  }

  public TestCa manufacturerIntermediate() {
    return manufacturerIntermediate;
  }

  public TestCa devIdRoot() {
    return devIdRoot;
  }

  public TestCa devIdIntermediate() {
    return devIdIntermediate;
  }
}
