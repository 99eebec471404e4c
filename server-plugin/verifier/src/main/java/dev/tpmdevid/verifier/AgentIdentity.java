package dev.tpmdevid.verifier;

import dev.tpmdevid.verifier.x509.Cert;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The agent's SPIFFE ID and selector values, exactly as SPIRE's tpm_devid server builds them
 * (docs/protocol.md#spiffe-id): {@code spiffe://<td>/spire/agent/tpm_devid/<sha1 hex of the DevID
 * leaf DER>}, then {@code subject:cn:<CN>}, {@code issuer:cn:<CN>} (each only when non-empty; Go
 * keeps the last CN attribute) and {@code ca:fingerprint:<sha1 hex>} for every certificate after
 * the leaf in every verified chain, chain by chain, without duplicates.
 */
public final class AgentIdentity {
  private AgentIdentity() {}

  public static String spiffeId(String trustDomain, Cert leaf) {
    return "spiffe://" + trustDomain + "/spire/agent/tpm_devid/" + leaf.fingerprint();
  }

  public static List<String> selectorValues(Cert leaf, List<List<Cert>> chains) {
    List<String> out = new ArrayList<>();
    String subjectCn = leaf.subjectCommonName();
    if (!subjectCn.isEmpty()) {
      out.add("subject:cn:" + subjectCn);
    }
    String issuerCn = leaf.issuerCommonName();
    if (!issuerCn.isEmpty()) {
      out.add("issuer:cn:" + issuerCn);
    }
    Set<String> fingerprints = new LinkedHashSet<>();
    for (List<Cert> chain : chains) {
      for (int i = 1; i < chain.size(); i++) {
        fingerprints.add(chain.get(i).fingerprint());
      }
    }
    for (String f : fingerprints) {
      out.add("ca:fingerprint:" + f);
    }
    return out;
  }

  /** Go's {@code pkix.Name.CommonName}: the value of the last CN attribute, "" when none. */
  public static String lastCommonName(byte[] encodedName) throws CertificateException {
    return Cert.commonNameOf(encodedName);
  }
}
