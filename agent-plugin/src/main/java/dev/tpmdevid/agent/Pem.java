package dev.tpmdevid.agent;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Minimal PEM reader with Go {@code encoding/pem} behaviour for what the agent needs: every block of the
 * wanted type in file order, other block types and text between blocks skipped.
 */
final class Pem {

    private Pem() {}

    /** DER bodies of all blocks labelled {@code type}, in file order. */
    static List<byte[]> blocks(byte[] file, String type) throws IllegalArgumentException {
        String text = new String(file, StandardCharsets.ISO_8859_1);
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        List<byte[]> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int b = text.indexOf(begin, at);
            if (b < 0) {
                return out;
            }
            int bodyStart = b + begin.length();
            int e = text.indexOf(end, bodyStart);
            if (e < 0) {
                throw new IllegalArgumentException("PEM block " + (out.size() + 1) + " has no END line");
            }
            String body = text.substring(bodyStart, e);
            StringBuilder b64 = new StringBuilder(body.length());
            for (String line : body.split("\r?\n")) {
                String t = line.strip();
                if (t.isEmpty()) {
                    continue;
                }
                if (t.contains(":")) {
                    throw new IllegalArgumentException("PEM block " + (out.size() + 1) + " has headers");
                }
                b64.append(t);
            }
            try {
                out.add(Base64.getDecoder().decode(b64.toString()));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("PEM block " + (out.size() + 1) + " is not valid base64");
            }
            at = e + end.length();
        }
    }
}
