package dev.tpmdevid.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * The three tpm_devid JSON messages as the agent writes and reads them (spec 01 §3): Go
 * {@code encoding/json} member names and order, standard padded base64, no whitespace.
 */
final class Payloads {

    private static final JsonFactory JSON = new JsonFactory();

    private Payloads() {}

    /** The server's challenge: PoP nonce and the credential blob (both without TPM2B sizes). */
    record Challenge(byte[] nonce, byte[] credential, byte[] secret) {}

    static byte[] attestationRequest(List<byte[]> devIdCert, byte[] devIdPub, byte[] ekCert, byte[] ekPub,
            byte[] akPub, byte[] certifiedDevId, byte[] certificationSignature) {
        StringBuilder sb = new StringBuilder(8192);
        sb.append("{\"DevIDCert\":[");
        for (int i = 0; i < devIdCert.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            b64(sb, devIdCert.get(i));
        }
        sb.append("],\"DevIDPub\":");
        b64(sb, devIdPub);
        sb.append(",\"EKCert\":");
        b64(sb, ekCert);
        sb.append(",\"EKPub\":");
        b64(sb, ekPub);
        sb.append(",\"AKPub\":");
        b64(sb, akPub);
        sb.append(",\"CertifiedDevID\":");
        b64(sb, certifiedDevId);
        sb.append(",\"CertificationSignature\":");
        b64(sb, certificationSignature);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] challengeResponse(byte[] devId, byte[] credActivation) {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"DevID\":");
        b64(sb, devId);
        sb.append(",\"CredActivation\":");
        b64(sb, credActivation);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void b64(StringBuilder sb, byte[] b) {
        if (b == null) {
            sb.append("null");
        } else {
            sb.append('"').append(Base64.getEncoder().encodeToString(b)).append('"');
        }
    }

    /** Decodes a ChallengeRequest with Go's rules (case-insensitive names, unknown members ignored). */
    static Challenge challenge(byte[] json) throws AgentException {
        byte[] nonce = null;
        byte[] credential = null;
        byte[] secret = null;
        boolean credActivationPresent = false;
        try (JsonParser p = JSON.createParser(json)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "expected a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                JsonToken t = p.nextToken();
                if (name.equalsIgnoreCase("DevID")) {
                    nonce = bytes(p, t, "DevID");
                } else if (name.equalsIgnoreCase("CredActivation")) {
                    if (t == JsonToken.VALUE_NULL) {
                        credActivationPresent = false;
                        credential = secret = null;
                        continue;
                    }
                    expect(t == JsonToken.START_OBJECT, "CredActivation must be an object");
                    credActivationPresent = true;
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String inner = p.getCurrentName();
                        JsonToken v = p.nextToken();
                        if (inner.equalsIgnoreCase("Credential")) {
                            credential = bytes(p, v, "CredActivation.Credential");
                        } else if (inner.equalsIgnoreCase("Secret")) {
                            secret = bytes(p, v, "CredActivation.Secret");
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            expect(p.currentToken() == JsonToken.END_OBJECT, "malformed JSON object");
            expect(p.nextToken() == null, "trailing data after the JSON object");
        } catch (IOException e) {
            throw new AgentException(AgentException.Kind.CHALLENGE,
                    "unable to unmarshall challenges: " + firstLine(e.getMessage()));
        }
        if (!credActivationPresent) {
            throw new AgentException(AgentException.Kind.CHALLENGE,
                    "received empty credential activation challenge from server");
        }
        return new Challenge(nonce == null ? new byte[0] : nonce, credential == null ? new byte[0] : credential,
                secret == null ? new byte[0] : secret);
    }

    private static byte[] bytes(JsonParser p, JsonToken t, String field) throws IOException, AgentException {
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(t == JsonToken.VALUE_STRING, field + " must be a base64 string");
        String s = p.getText().replace("\r", "").replace("\n", "");
        try {
            if (s.length() % 4 != 0) {
                throw new IllegalArgumentException();
            }
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new AgentException(AgentException.Kind.CHALLENGE,
                    "unable to unmarshall challenges: " + field + " is not padded standard base64");
        }
    }

    private static void expect(boolean ok, String message) throws AgentException {
        if (!ok) {
            throw new AgentException(AgentException.Kind.CHALLENGE, "unable to unmarshall challenges: " + message);
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "malformed JSON";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
